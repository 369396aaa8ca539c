// A party's credentials: the cluster CA's certificate, its own certificate and its private key, read from files
// (never from the environment, where a program sharing the process could read them). A credentials directory
// holds them as ca.pem, cert.pem and key.pem, and the CA's revocation list crl.pem once the CA has revoked a
// certificate: `faasmpi certs host|user` writes such directories.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeIdentity, identityOfPem, type Identity, type Role } from './identity.js';
import { loadRevocationList, serialOfPem, type RevocationList } from './revocation.js';

export interface Credentials {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  identity: Identity;
  /** The CA's revocation list, when there is one: peers with a revoked certificate are refused. */
  revoked?: RevocationList;
}

export class CredentialsError extends Error {}

export interface CredentialFiles {
  ca: string;
  cert: string;
  key: string;
  /** The CA's revocation list, if any. */
  crl?: string;
}

export function credentialFilesIn(dir: string): CredentialFiles {
  const crl = join(dir, 'crl.pem');
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), crl: existsSync(crl) ? crl : undefined };
}

function read(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CredentialsError(`cannot read the ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
}

/** Reads and checks credentials: the certificate must be issued by the CA and name a `role`. */
export function loadCredentials(files: CredentialFiles, role: Role): Credentials {
  const ca = read('CA certificate', files.ca), cert = read('certificate', files.cert), key = read('private key', files.key);
  let identity: Identity | string;
  try {
    const own = new X509Certificate(cert), authority = new X509Certificate(ca);
    if (!own.checkIssued(authority) || !own.verify(authority.publicKey)) throw new CredentialsError(`${files.cert} was not issued by the CA in ${files.ca}`);
    if (!own.checkPrivateKey(createKey(key, files.key))) throw new CredentialsError(`${files.key} is not the key of ${files.cert}`);
    identity = identityOfPem(cert);
  } catch (e) {
    if (e instanceof CredentialsError) throw e;
    throw new CredentialsError(`${files.cert}: ${(e as Error).message}`);
  }
  if (typeof identity === 'string') throw new CredentialsError(`${files.cert}: ${identity}`);
  if (identity.role !== role) throw new CredentialsError(`${files.cert} is the certificate of ${describeIdentity(identity)}; a ${role} certificate is needed here`);
  const revoked = files.crl === undefined ? undefined : checked(() => loadRevocationList(files.crl!, ca));
  if (revoked?.serials.has(serialOfPem(cert))) throw new CredentialsError(`${files.cert} (${describeIdentity(identity)}) is revoked by the CA's list ${files.crl}`);
  return { ca, cert, key, identity, revoked };
}

function checked<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new CredentialsError((e as Error).message);
  }
}

function createKey(pem: Buffer, path: string) {
  try {
    return createPrivateKey(pem);
  } catch (e) {
    throw new CredentialsError(`${path} is not a private key: ${(e as Error).message}`);
  }
}
