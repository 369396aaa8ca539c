// The cluster's certificates, made with the openssl command: a CA (its key never leaves the operator's
// directory), host certificates (OU=faasmpi-host, CN=<host id>, SANs for its addresses) and user certificates
// (OU=faasmpi-user, CN=<user>). Each issued certificate lands in a credentials directory (ca.pem, cert.pem,
// key.pem, and the CA's current revocation list crl.pem) ready to hand to `faasmpi host --tls-dir` or
// `faasmpirun --credentials`. Keys are written 0600 in 0700 directories. Revoking a certificate adds it to the
// CA's list of revoked ones (revocation/index.txt, openssl's own format) and signs a new crl.pem (a CA that
// never revoked anything has none).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { X509Certificate } from 'node:crypto';
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { checkName } from '../state/types.js';
import { HOST_UNIT, USER_UNIT, identityOfPem, type Role } from './identity.js';
import { normalSerial, serialOfPem } from './revocation.js';

export class CertError extends Error {}

const CA_DAYS = 3650;
const LEAF_DAYS = 825;

function openssl(args: string[], what: string): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error) throw new CertError(`cannot run openssl (install the Debian package openssl): ${r.error.message}`);
  if (r.status !== 0) throw new CertError(`openssl failed to ${what}: ${r.stderr.trim().split('\n').slice(0, 3).join('; ')}`);
}

function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

export function caFiles(dir: string) {
  return { cert: join(dir, 'ca.pem'), key: join(dir, 'ca-key.pem'), crl: join(dir, 'crl.pem') };
}

/** Makes a new cluster CA in dir; refuses to overwrite one. */
export function initCa(dir: string, name = 'faasmpi cluster CA'): void {
  const ca = caFiles(dir);
  if (existsSync(ca.cert) || existsSync(ca.key)) throw new CertError(`${dir} already holds a CA; remove it first to make a new one`);
  privateDir(dir);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ca.key, '-out', ca.cert,
    '-days', String(CA_DAYS), '-subj', `/O=faasmpi/CN=${name.replace(/[/=\\]/g, ' ')}`,
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], 'make the CA');
  chmodSync(ca.key, 0o600);
}

/** openssl's time format in its CA database: YYMMDDHHMMSSZ (UTC). */
function dbTime(d: Date): string {
  return d.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, '$1$2$3$4$5$6Z');
}

/** Signs a new crl.pem from the CA's database of revoked certificates (written whole, then renamed into place). */
function signRevocationList(caDir: string): string {
  const ca = caFiles(caDir);
  const work = join(caDir, 'revocation');
  privateDir(work);
  const index = join(work, 'index.txt'), number = join(work, 'crlnumber'), config = join(work, 'openssl.cnf');
  if (!existsSync(index)) writeFileSync(index, '');
  if (!existsSync(number)) writeFileSync(number, '01\n');
  writeFileSync(config, `[ca]\ndefault_ca = cluster\n[cluster]\ndatabase = ${index}\ncrlnumber = ${number}\ndefault_md = sha256\ndefault_crl_days = ${CA_DAYS}\n`);
  const next = `${ca.crl}.new`;
  openssl(['ca', '-gencrl', '-config', config, '-keyfile', ca.key, '-cert', ca.cert, '-out', next], 'sign the revocation list');
  renameSync(next, ca.crl);
  return ca.crl;
}

export type RevokeTarget = { host: string } | { user: string } | { cert: string };

/** Revokes a certificate this CA issued; answers the new crl.pem and whether it was revoked before. */
export function revoke(caDir: string, target: RevokeTarget): { crl: string; serial: string; already: boolean; who: string } {
  const ca = caFiles(caDir);
  if (!existsSync(ca.cert) || !existsSync(ca.key)) throw new CertError(`${caDir} holds no CA`);
  const path = 'cert' in target ? target.cert
    : 'host' in target ? join(caDir, 'hosts', checkName('host id', target.host), 'cert.pem') : join(caDir, 'users', checkName('user', target.user), 'cert.pem');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(path));
  } catch (e) {
    throw new CertError(`cannot read the certificate to revoke, ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (!cert.checkIssued(new X509Certificate(readFileSync(ca.cert)))) throw new CertError(`${path} was not issued by the CA in ${caDir}`);
  const serial = serialOfPem(cert.toString());
  const identity = identityOfPem(cert.toString());
  const who = typeof identity === 'string' ? `certificate ${serial}` : `${identity.role} ${identity.name} (certificate ${serial})`;
  const index = join(caDir, 'revocation', 'index.txt');
  const listed = existsSync(index) ? readFileSync(index, 'utf8').split('\n').some((l) => l.startsWith('R\t') && normalSerial(l.split('\t')[3] ?? '') === serial) : false;
  if (!listed) {
    privateDir(join(caDir, 'revocation'));
    const subject = typeof identity === 'string' ? '/O=faasmpi' : `/O=faasmpi/OU=${identity.role === 'host' ? HOST_UNIT : USER_UNIT}/CN=${identity.name}`;
    // openssl wants an even number of hex digits.
    const hex = serial.length % 2 ? `0${serial}` : serial;
    appendFileSync(index, `R\t${dbTime(new Date(cert.validTo))}\t${dbTime(new Date())}\t${hex}\tunknown\t${subject}\n`);
  }
  return { crl: signRevocationList(caDir), serial, already: listed, who };
}

export interface Issued {
  dir: string;
  cert: string;
  key: string;
}

/** Issues a host certificate (for its id and addresses) into caDir/hosts/<id>/. */
export function issueHost(caDir: string, hostId: string, addresses: string[] = []): Issued {
  checkName('host id', hostId);
  const names = ['localhost', ...addresses.map((a) => a.replace(/:\d+$/, ''))];
  const san = [...new Set(names)].map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`));
  san.push('IP:127.0.0.1');
  return issue(caDir, 'host', hostId, [
    'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth,clientAuth', `subjectAltName=${[...new Set(san)].join(',')}`,
  ]);
}

/** Issues a user certificate into caDir/users/<user>/. */
export function issueUser(caDir: string, user: string): Issued {
  checkName('user', user);
  return issue(caDir, 'user', user, ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth']);
}

function issue(caDir: string, role: Role, name: string, extensions: string[]): Issued {
  const ca = caFiles(caDir);
  if (!existsSync(ca.cert) || !existsSync(ca.key)) throw new CertError(`${caDir} holds no CA: run 'faasmpi certs init --dir ${caDir}' first`);
  const dir = join(caDir, role === 'host' ? 'hosts' : 'users', name);
  privateDir(dir);
  const key = join(dir, 'key.pem'), cert = join(dir, 'cert.pem'), csr = join(dir, 'request.csr'), ext = join(dir, 'extensions.cnf');
  const unit = role === 'host' ? HOST_UNIT : USER_UNIT;
  try {
    writeFileSync(ext, `basicConstraints=critical,CA:FALSE\n${extensions.join('\n')}\n`);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr,
      '-subj', `/O=faasmpi/OU=${unit}/CN=${name}`], `make the key of ${role} ${name}`);
    chmodSync(key, 0o600);
    openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(16).toString('hex')}`,
      '-days', String(LEAF_DAYS), '-extfile', ext, '-out', cert], `sign the certificate of ${role} ${name}`);
    copyFileSync(ca.cert, join(dir, 'ca.pem'));
    if (existsSync(ca.crl)) copyFileSync(ca.crl, join(dir, 'crl.pem'));
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  return { dir, cert, key };
}
