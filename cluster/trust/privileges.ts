// A host runtime started as root gives root up once it has read its credentials and bound its port: it then
// runs every job as an unprivileged account (default nobody; better a dedicated one), so a sandbox bug cannot
// reach root's files. Its data directory is handed to that account first. Changing the uid also makes the
// process non-dumpable, so its /proc/self/mem and environ are no longer readable by that account either.
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export class PrivilegeError extends Error {}

function idOf(account: string, flag: '-u' | '-g'): number {
  const r = spawnSync('id', [flag, account], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  if (r.status !== 0 || !Number.isInteger(n)) throw new PrivilegeError(`--run-as ${account}: no such account on this machine`);
  return n;
}

/** Becomes `account` (when root), after giving it dataDir and dataDir/users. Returns the account run as. */
export function runAs(account: string | undefined, dataDir: string): string {
  const me = userInfo().username;
  if (process.getuid!() !== 0) {
    if (account !== undefined && account !== me) throw new PrivilegeError(`--run-as ${account}: only a host started as root can change its account (this one runs as ${me})`);
    mkdirSync(join(dataDir, 'users'), { recursive: true, mode: 0o700 });
    return me;
  }
  const target = account ?? 'nobody';
  mkdirSync(join(dataDir, 'users'), { recursive: true, mode: 0o700 });
  if (target === me) return me; // the operator asked to keep root (e.g. a private throwaway cluster)
  const uid = idOf(target, '-u'), gid = idOf(target, '-g');
  if (uid === 0) throw new PrivilegeError(`--run-as ${target}: that account is root`);
  for (const dir of [dataDir, join(dataDir, 'users')]) chownSync(dir, uid, gid);
  process.setgroups!([gid]);
  process.setgid!(gid);
  process.setuid!(uid);
  let regained = false;
  try {
    process.setuid!(0);
    regained = true;
  } catch { /* expected: root is gone for good */ }
  if (regained) throw new PrivilegeError(`could not give up root (setuid to ${target} was reversible)`);
  return target;
}
