// Where a host lets jobs run: the host, not the launcher, owns this. Each user has a directory under the host's
// data directory (D/users/<user>/, made on first use); an operator may also admit directories of a shared
// filesystem (--allow-wdir PREFIX). A launcher asks for its user's directory (an empty path) or for a directory
// under an admitted prefix; anything else (/, /etc, /proc, another user's directory) is refused. Paths are
// compared after resolving symbolic links, so a link cannot lead outside.
import { mkdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';
import { checkName } from './state/types.js';

export class WorkdirError extends Error {}

export class Workdirs {
  readonly usersDir: string;
  private readonly allowed: string[];

  /** `dataDir` must exist; `allow` prefixes that do not exist are refused at start. */
  constructor(dataDir: string, allow: string[]) {
    this.usersDir = join(realpathSync(dataDir), 'users');
    this.allowed = allow.map((prefix) => {
      if (!isAbsolute(prefix)) throw new WorkdirError(`--allow-wdir ${prefix}: give an absolute path`);
      let real: string;
      try {
        real = realpathSync(prefix);
      } catch {
        throw new WorkdirError(`--allow-wdir ${prefix}: no such directory`);
      }
      if (real === '/') throw new WorkdirError(`--allow-wdir ${prefix}: admitting the whole filesystem would hand every tenant the host's files`);
      return real;
    });
  }

  /** The user's own directory on this host (made if missing). */
  userDir(user: string): string {
    const dir = join(this.usersDir, checkName('user', user));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** The directory a job of `user` runs in: its user directory ('' asks for it) or an admitted one. */
  place(user: string, requested: string): string {
    const own = this.userDir(user);
    if (requested === '') return own;
    if (!isAbsolute(requested)) throw new WorkdirError(`working directory ${requested} is not an absolute path`);
    let real: string;
    try {
      real = realpathSync(requested);
    } catch {
      throw new WorkdirError(`working directory ${requested} does not exist on this host`);
    }
    const within = (root: string) => real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
    if (within(own) || this.allowed.some(within)) return real;
    const admitted = [own, ...this.allowed].join(', ');
    throw new WorkdirError(`working directory ${requested} is not allowed on this host: a job may run in its user's directory or under a directory the operator admitted (${admitted})`);
  }
}
