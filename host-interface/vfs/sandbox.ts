// Guest path resolution confined to a host root directory (the per-user sandbox).
//
// Nothing is ever resolved through a stored host path string. Resolution starts from a HELD directory fd and goes
// one component at a time: each step opens `/proc/self/fd/<dir>/<name>` with O_NOFOLLOW, which Linux resolves from
// the directory that fd refers to, wherever it has been moved since. Symlinks are read and followed here, never by
// the kernel, and `..` pops our own stack of held fds. A rename or symlink swap between our check and the caller's
// use therefore cannot lead outside: the caller acts on `/proc/self/fd/<parent>/<name>` with the parent held open,
// and with calls that do not follow a final symlink (open O_NOFOLLOW, lstat, lutimes, rename, unlink...).

import * as fs from 'node:fs';
import { Errno, WasiError, errnoFromException } from '../wasi/errno.js';

/** Linux O_PATH (x86_64 and arm64): a handle usable only as a directory to resolve from; needs no read right. */
export const O_PATH = 0o10000000;
const DIR_HANDLE_FLAGS = O_PATH | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW; // libuv adds O_CLOEXEC

/** Linux's limit on symlinks followed in one lookup; beyond it ELOOP. */
const MAX_SYMLINKS = 40;
/** Deepest directory nesting the ancestor check walks before giving up (refusing). */
const MAX_DEPTH = 4096;

/** The root of one sandbox: a held directory fd and its identity. Plain data, survives structured clone. */
export interface SandboxRoot {
  /** Real path of the root; only used to recognise absolute symlink targets that name a place inside it. */
  readonly hostPath: string;
  readonly fd: number;
  readonly dev: bigint;
  readonly ino: bigint;
}

/** The host path that names `name` inside the directory held by `dirFd` (resolved by the kernel from that fd). */
export function at(dirFd: number, name: string): string {
  return `/proc/self/fd/${dirFd}/${name}`;
}

export function openRoot(hostPath: string): SandboxRoot {
  const real = fs.realpathSync(hostPath);
  const fd = fs.openSync(real, O_PATH | fs.constants.O_DIRECTORY);
  const st = fs.fstatSync(fd, { bigint: true });
  // Every lookup goes through /proc/self/fd: without it the sandbox would refuse every path, so say why now.
  const seen = fs.statSync(at(fd, '.'), { bigint: true, throwIfNoEntry: false });
  if (!seen || seen.ino !== st.ino) {
    closeQuietly(fd);
    throw new Error('the guest filesystem sandbox needs Linux /proc/self/fd (is /proc mounted?)');
  }
  return { hostPath: real, fd, dev: st.dev, ino: st.ino };
}

export function closeRoot(root: SandboxRoot): void {
  closeQuietly(root.fd);
}

/** A private handle on the directory `fd` refers to (so a concurrent close of `fd` cannot affect a lookup). */
export function holdDir(fd: number): number {
  return fs.openSync(at(fd, '.'), DIR_HANDLE_FLAGS);
}

export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed: nothing left to release
  }
}

/**
 * Where a guest path leads: the directory that holds its last component (held open until release()) and that
 * component's name, or name null when the path denotes a directory without a name to act on (".", "a/..").
 */
export interface Found {
  dirFd: number;
  name: string | null;
  /** The path ended with "/": what it names must be a directory. */
  mustBeDir: boolean;
  release(): void;
}

export interface LookupOptions {
  /** Follow a symlink in the last component (WASI lookupflags SYMLINK_FOLLOW). */
  followFinal: boolean;
}

/**
 * Resolve `guestPath` (relative, WASI-style) from the directory held by `startFd`, which must lie inside `root`.
 * The start fd is not closed. Throws WasiError (NOTCAPABLE for anything that would leave the root).
 */
export function lookup(root: SandboxRoot, startFd: number, guestPath: string, opts: LookupOptions): Found {
  if (guestPath.length === 0) throw new WasiError(Errno.NOENT);
  if (guestPath.includes('\0')) throw new WasiError(Errno.INVAL);
  // WASI paths are relative to a directory fd; an absolute path would name the host's filesystem.
  if (guestPath.startsWith('/')) throw new WasiError(Errno.NOTCAPABLE);
  const walk = new Walk(root, startFd);
  try {
    return walk.run(guestPath, opts.followFinal);
  } catch (e) {
    walk.releaseAll();
    if (e instanceof WasiError) throw e;
    throw new WasiError(errnoFromException(e));
  }
}

/** Run fn on what a lookup found, releasing its held directory afterwards. */
export function withLookup<T>(root: SandboxRoot, startFd: number, guestPath: string, opts: LookupOptions,
  fn: (f: Found) => T): T {
  const f = lookup(root, startFd, guestPath, opts);
  try {
    return fn(f);
  } finally {
    f.release();
  }
}

/** Components of a path; "." components are dropped, a final "." or "/" is reported. */
function split(p: string): { comps: string[]; trailingSlash: boolean; finalDot: boolean } {
  const raw = p.split('/');
  const trailingSlash = p.endsWith('/');
  const nonEmpty = raw.filter((c) => c !== '');
  const finalDot = nonEmpty[nonEmpty.length - 1] === '.';
  return { comps: nonEmpty.filter((c) => c !== '.'), trailingSlash, finalDot };
}

interface Held { fd: number; owned: boolean }

/** One resolution: a stack of held directories, the top being where the walk stands. */
class Walk {
  private readonly stack: Held[];
  private links = 0;

  constructor(private readonly root: SandboxRoot, startFd: number) {
    this.stack = [{ fd: startFd, owned: false }];
  }

  private top(): Held {
    return this.stack[this.stack.length - 1]!;
  }

  run(guestPath: string, followFinal: boolean): Found {
    const { comps, trailingSlash, finalDot } = split(guestPath);
    const queue = comps;
    // A final "." makes the last name a directory to enter, not a name to act on.
    const enterLast = finalDot;
    const follow = followFinal || trailingSlash;
    while (queue.length > 0) {
      const c = queue.shift()!;
      if (c === '..') {
        this.up();
        continue;
      }
      if (queue.length === 0 && !enterLast) {
        const st = fs.lstatSync(at(this.top().fd, c), { throwIfNoEntry: false, bigint: false });
        if (st?.isSymbolicLink() && follow) {
          queue.unshift(...this.enterLink(c));
          continue;
        }
        if (st && trailingSlash && !st.isDirectory()) throw new WasiError(Errno.NOTDIR);
        return this.finish(c, trailingSlash);
      }
      this.down(c, queue);
    }
    return this.finish(null, trailingSlash);
  }

  /** Enter directory `c` of the top; a symlink is expanded into `queue` instead. */
  private down(c: string, queue: string[]): void {
    try {
      this.stack.push({ fd: fs.openSync(at(this.top().fd, c), DIR_HANDLE_FLAGS), owned: true });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'ENOTDIR' && code !== 'ELOOP') throw e;
      const st = fs.lstatSync(at(this.top().fd, c));
      if (!st.isSymbolicLink()) throw new WasiError(Errno.NOTDIR);
      queue.unshift(...this.enterLink(c));
    }
  }

  /**
   * Read symlink `c` of the top and return the components to resolve next. A relative target continues from the
   * link's directory; an absolute one only if it names a place inside the root, from the root.
   */
  private enterLink(c: string): string[] {
    if (++this.links > MAX_SYMLINKS) throw new WasiError(Errno.LOOP);
    const target = fs.readlinkSync(at(this.top().fd, c), 'utf8');
    if (target.length === 0) throw new WasiError(Errno.NOENT);
    const { comps } = split(target);
    if (!target.startsWith('/')) return comps;
    const rootComps = split(this.root.hostPath).comps;
    const n = rootComps.length;
    if (comps.length < n || rootComps.some((r, i) => comps[i] !== r)) throw new WasiError(Errno.NOTCAPABLE);
    this.releaseAll();
    this.stack.push({ fd: this.root.fd, owned: false });
    return comps.slice(n);
  }

  /** `..`: pop a directory this walk entered; above the start, go to its parent only if that stays inside. */
  private up(): void {
    if (this.stack.length > 1) {
      const h = this.stack.pop()!;
      if (h.owned) closeQuietly(h.fd);
      return;
    }
    const bottom = this.stack[0]!;
    if (this.isRoot(bottom.fd)) throw new WasiError(Errno.NOTCAPABLE);
    const parent = fs.openSync(at(bottom.fd, '..'), DIR_HANDLE_FLAGS);
    if (!this.insideRoot(parent)) {
      closeQuietly(parent);
      throw new WasiError(Errno.NOTCAPABLE);
    }
    if (bottom.owned) closeQuietly(bottom.fd);
    this.stack[0] = { fd: parent, owned: true };
  }

  private isRoot(fd: number): boolean {
    const st = fs.fstatSync(fd, { bigint: true });
    return st.dev === this.root.dev && st.ino === this.root.ino;
  }

  /** Is the directory held by fd the root or below it? Climbs `..` until the root or the host's `/`. */
  private insideRoot(fd: number): boolean {
    let cur = fd;
    try {
      for (let depth = 0; depth < MAX_DEPTH; depth++) {
        const st = fs.fstatSync(cur, { bigint: true });
        if (st.dev === this.root.dev && st.ino === this.root.ino) return true;
        const parent = fs.openSync(at(cur, '..'), DIR_HANDLE_FLAGS);
        const pst = fs.fstatSync(parent, { bigint: true });
        if (cur !== fd) closeQuietly(cur);
        cur = parent;
        if (pst.dev === st.dev && pst.ino === st.ino) return false; // reached the host's "/"
      }
      return false;
    } finally {
      if (cur !== fd) closeQuietly(cur);
    }
  }

  /** Hand the top directory to the caller; close every other directory this walk opened. */
  private finish(name: string | null, mustBeDir: boolean): Found {
    const top = this.stack.pop()!;
    this.releaseAll();
    let released = false;
    return {
      dirFd: top.fd, name, mustBeDir,
      release: () => {
        if (released || !top.owned) return;
        released = true;
        closeQuietly(top.fd);
      },
    };
  }

  releaseAll(): void {
    for (const h of this.stack.splice(0)) if (h.owned) closeQuietly(h.fd);
  }
}

/**
 * May a guest create a symlink with content `target`? Only targets that stay inside wherever the link is later
 * moved: no absolute target and no `..` component, so no guest can leave a link pointing out of its sandbox.
 */
export function symlinkTargetAllowed(target: string): number {
  if (target.length === 0) return Errno.NOENT;
  if (target.includes('\0')) return Errno.INVAL;
  if (target.startsWith('/')) return Errno.NOTCAPABLE;
  if (target.split('/').includes('..')) return Errno.NOTCAPABLE;
  return Errno.SUCCESS;
}

/** Virtual devices a guest may open by their usual names (wasi-libc sends "/dev/null" as "dev/null" to the "/"
 * preopen). They never touch host files, whatever exists under the root's dev/. */
export type DeviceName = 'null' | 'zero' | 'urandom' | 'random' | 'stdin' | 'stdout' | 'stderr';
const DEVICES: ReadonlySet<string> = new Set<DeviceName>(['null', 'zero', 'urandom', 'random', 'stdin', 'stdout', 'stderr']);

/** The device a path relative to the sandbox root names ("dev/null", "./dev//zero"...), or null. */
export function deviceAt(guestPath: string): DeviceName | null {
  if (guestPath.endsWith('/')) return null;
  const { comps } = split(guestPath);
  if (comps.length !== 2 || comps[0] !== 'dev' || !DEVICES.has(comps[1]!)) return null;
  return comps[1] as DeviceName;
}
