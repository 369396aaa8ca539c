// Certificate revocation: the cluster CA's revocation list (crl.pem, made by `faasmpi certs revoke`) beside
// ca.pem in a credentials directory. Given one, TLS refuses every handshake with a revoked certificate (OpenSSL
// checks the list; Node sets CRL_CHECK when a list is given), and a host that sees a new list close the links
// already open with a revoked peer. A list is used only when the CA signed it: a forged or damaged file is an
// error, never a silent "nothing revoked".
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, unwatchFile, watchFile, writeFileSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class RevocationError extends Error {}

export interface RevocationList {
  pem: Buffer;
  /** Revoked serial numbers, as normalSerial gives them. */
  serials: Set<string>;
}

/** A serial number in one spelling: upper-case hex without leading zeros or separators. */
export function normalSerial(serial: string): string {
  return serial.replace(/[^0-9a-f]/gi, '').toUpperCase().replace(/^0+(?=.)/, '');
}

/** The serial of a PEM certificate. */
export function serialOfPem(pem: Buffer | string): string {
  return normalSerial(new X509Certificate(pem).serialNumber);
}

/** Checks the CA signed the list and reads its serials; `label` names the list in errors. */
export function checkRevocationList(pem: Buffer, caPem: Buffer, label: string): RevocationList {
  // openssl reads both from files: private copies (a host may no longer see its credentials directory).
  const dir = mkdtempSync(join(tmpdir(), 'faasmpi-crl-'));
  try {
    const crl = join(dir, 'crl.pem'), ca = join(dir, 'ca.pem');
    writeFileSync(crl, pem, { mode: 0o600 });
    writeFileSync(ca, caPem, { mode: 0o600 });
    const r = spawnSync('openssl', ['crl', '-in', crl, '-CAfile', ca, '-noout', '-text'], { encoding: 'utf8' });
    if (r.error) throw new RevocationError(`cannot run openssl to check ${label} (install the Debian package openssl): ${r.error.message}`);
    // openssl 3.0 answers 0 even when the signature is wrong: only its "verify OK" counts.
    if (r.status !== 0 || !/^verify OK$/m.test(r.stderr)) {
      throw new RevocationError(`${label}: ${/verify failure/.test(r.stderr) ? 'it is not signed by the cluster CA' : 'it is not a revocation list'}`);
    }
    const serials = new Set([...r.stdout.matchAll(/^\s*Serial Number:\s*([0-9A-Fa-f:]+)\s*$/gm)].map((m) => normalSerial(m[1])));
    return { pem, serials };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads the list at `path` and checks it. */
export function loadRevocationList(path: string, caPem: Buffer): RevocationList {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (e) {
    throw new RevocationError(`cannot read the revocation list ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return checkRevocationList(pem, caPem, path);
}

/**
 * Watches the list at `path` (the operator replaces it with each revocation): each new version that checks
 * out goes to `onList`; one that does not is reported and the previous list stays in force.
 */
export function watchRevocationList(path: string, caPem: Buffer, onList: (list: RevocationList) => void, onError: (why: string) => void, intervalMs = 2000): () => void {
  const changed = (now: Stats, before: Stats) => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
    if (now.nlink === 0 && now.size === 0) return onError(`${path} is gone: the last revocation list read stays in force`);
    try {
      onList(loadRevocationList(path, caPem));
    } catch (e) {
      onError(`${(e as Error).message}: the last revocation list read stays in force`);
    }
  };
  watchFile(path, { interval: intervalMs, persistent: false }, changed);
  return () => unwatchFile(path, changed);
}
