// The cluster's certificates, made with the openssl command: a CA (its key never leaves the operator's
// directory), host certificates (OU=faasmpi-host, CN=<host id>, SANs for its addresses) and user certificates
// (OU=faasmpi-user, CN=<user>). Each issued certificate lands in a credentials directory (ca.pem, cert.pem,
// key.pem) ready to hand to `faasmpi host --tls-dir` or `faasmpirun --credentials`. Keys are written 0600 in
// 0700 directories.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { checkName } from '../state/types.js';
import { HOST_UNIT, USER_UNIT, type Role } from './identity.js';

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
  return { cert: join(dir, 'ca.pem'), key: join(dir, 'ca-key.pem') };
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
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  return { dir, cert, key };
}
