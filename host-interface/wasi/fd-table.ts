// The fd table of one Faaslet process. Its threads run in different worker threads, so every piece of state lives
// in SharedArrayBuffers (a handle of those survives postMessage) and is guarded by one futex-style lock.
// Entries hold REAL host fds (fs.openSync): OS fds are process-wide, so any worker can use them. Directories are
// known only by their held fd (never by a host path string): see vfs/sandbox.ts.

import * as fs from 'node:fs';
import { closeRoot, holdDir, openRoot, type SandboxRoot } from '../vfs/sandbox.js';
import { StdinPipeReader } from './stdin-pipe.js';

export interface Preopen { guestPath: string; hostPath: string }
/** A rank's stdin: none, a host fd it reads directly, or a pipe its host fills (stdin-pipe.ts). */
export type StdinSource = { kind: 'null' } | { kind: 'hostFd'; fd: number } | { kind: 'pipe'; buffer: SharedArrayBuffer };
export interface FdTableInit { preopens: Preopen[]; stdin: StdinSource }

/** Only SharedArrayBuffers and plain data: survives structured clone. */
export type FdTableHandle = {
  readonly meta: SharedArrayBuffer;
  readonly wide: SharedArrayBuffer;
  /** Each preopen's root, held by the table itself (the guest may close or renumber its preopen fd). */
  readonly preopens: ReadonlyArray<{ guestPath: string; root: SandboxRoot }>;
  /** The stdin pipe, when stdin is one (its entry's hostFd is STDIN_PIPE). */
  readonly stdinPipe?: SharedArrayBuffer;
};

/** Device: a virtual device (hostFd holds one of the DEV_* markers below). */
export const enum FdKind { Free = 0, Stdio = 1, File = 2, Dir = 3, PreopenDir = 4, Device = 5 }

/** A snapshot of one entry (taken under the lock). */
export interface FdEntry {
  kind: FdKind;
  /** -1 when there is no host fd (stdout/stderr go to sinks, null stdin). */
  hostFd: number;
  /** WASI fdflags (APPEND, NONBLOCK, ...). */
  fdflags: number;
  /** WASI filetype reported by fd_fdstat_get. */
  filetype: number;
  /** Index into handle.preopens of the sandbox this entry belongs to; -1 for stdio. */
  preopen: number;
  /** Close hostFd when the entry is closed (false for a stdin fd we were given). */
  ownsHostFd: boolean;
  rightsBase: bigint;
  rightsInheriting: bigint;
  /** Current file offset (Node has no lseek, so we keep it and use positional I/O). */
  offset: bigint;
}

export const FD_CAPACITY = 1024;

// Int32 fields per entry in `meta` (index 0 of meta is the lock word).
const F_KIND = 0, F_HOSTFD = 1, F_FLAGS = 2, F_FILETYPE = 3, F_PREOPEN = 4, F_OWNS = 5;
const FIELDS = 8;
/** Index in `meta` of the word set once closeAll has run (the roots must be closed exactly once). */
const M_CLOSED = 1 + FD_CAPACITY * FIELDS;
// BigInt64 fields per entry in `wide`.
const W_BASE = 0, W_INH = 1, W_OFF = 2;
const WIDE = 3;

/** WASI filetypes used by the table. */
const FT_CHAR = 2, FT_DIR = 3;

/** WASI rights bits (preview1 `rights` flags). */
export const Rights = {
  FD_DATASYNC: 1n << 0n, FD_READ: 1n << 1n, FD_SEEK: 1n << 2n, FD_FDSTAT_SET_FLAGS: 1n << 3n, FD_SYNC: 1n << 4n,
  FD_TELL: 1n << 5n, FD_WRITE: 1n << 6n, FD_ADVISE: 1n << 7n, FD_ALLOCATE: 1n << 8n,
  PATH_CREATE_DIRECTORY: 1n << 9n, PATH_CREATE_FILE: 1n << 10n, PATH_LINK_SOURCE: 1n << 11n,
  PATH_LINK_TARGET: 1n << 12n, PATH_OPEN: 1n << 13n, FD_READDIR: 1n << 14n, PATH_READLINK: 1n << 15n,
  PATH_RENAME_SOURCE: 1n << 16n, PATH_RENAME_TARGET: 1n << 17n, PATH_FILESTAT_GET: 1n << 18n,
  PATH_FILESTAT_SET_SIZE: 1n << 19n, PATH_FILESTAT_SET_TIMES: 1n << 20n, FD_FILESTAT_GET: 1n << 21n,
  FD_FILESTAT_SET_SIZE: 1n << 22n, FD_FILESTAT_SET_TIMES: 1n << 23n, PATH_SYMLINK: 1n << 24n,
  PATH_REMOVE_DIRECTORY: 1n << 25n, PATH_UNLINK_FILE: 1n << 26n, POLL_FD_READWRITE: 1n << 27n,
  SOCK_SHUTDOWN: 1n << 28n, SOCK_ACCEPT: 1n << 29n,
} as const;

const R = Rights;
/** Everything that makes sense on a regular file. */
export const FILE_RIGHTS = R.FD_DATASYNC | R.FD_READ | R.FD_SEEK | R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_TELL |
  R.FD_WRITE | R.FD_ADVISE | R.FD_ALLOCATE | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_SIZE | R.FD_FILESTAT_SET_TIMES |
  R.POLL_FD_READWRITE;
/** Everything that makes sense on a directory. */
export const DIR_RIGHTS = R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_ADVISE | R.PATH_CREATE_DIRECTORY |
  R.PATH_CREATE_FILE | R.PATH_LINK_SOURCE | R.PATH_LINK_TARGET | R.PATH_OPEN | R.FD_READDIR | R.PATH_READLINK |
  R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET | R.PATH_FILESTAT_GET | R.PATH_FILESTAT_SET_SIZE |
  R.PATH_FILESTAT_SET_TIMES | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_TIMES | R.PATH_SYMLINK |
  R.PATH_REMOVE_DIRECTORY | R.PATH_UNLINK_FILE;
/** What files/dirs opened below a directory may get. */
export const INHERITABLE_RIGHTS = FILE_RIGHTS | DIR_RIGHTS;
/** stdio: no SEEK/TELL, so wasi-libc's isatty() sees a terminal-like character device. */
const STDIO_COMMON = R.FD_FDSTAT_SET_FLAGS | R.FD_FILESTAT_GET | R.POLL_FD_READWRITE;
export const STDIN_RIGHTS = STDIO_COMMON | R.FD_READ;
export const STDOUT_RIGHTS = STDIO_COMMON | R.FD_WRITE;

/** hostFd markers of stdio entries without a host fd (stdin given as a host fd keeps that fd, >= 0). */
export const STDIN_NULL = -1, STDOUT_SINK = -2, STDERR_SINK = -3, STDIN_PIPE = -7;
/** hostFd markers of virtual devices (kind Device). */
export const DEV_NULL = -4, DEV_ZERO = -5, DEV_RANDOM = -6;

export class FdTableFullError extends Error {}

export class FdTable {
  private readonly meta: Int32Array;
  private readonly wide: BigInt64Array;

  private constructor(private readonly h: FdTableHandle) {
    this.meta = new Int32Array(h.meta);
    this.wide = new BigInt64Array(h.wide);
  }

  /** fds 0,1,2 are stdio; 3.. the preopens in order (each holds an O_RDONLY host fd on its directory). */
  static create(init: FdTableInit): FdTable {
    const preopens = init.preopens.map((p) => ({ guestPath: p.guestPath, root: openRoot(p.hostPath) }));
    const t = new FdTable({
      meta: new SharedArrayBuffer(4 * (1 + FD_CAPACITY * FIELDS + 1)),
      wide: new SharedArrayBuffer(8 * FD_CAPACITY * WIDE),
      preopens,
      stdinPipe: init.stdin.kind === 'pipe' ? init.stdin.buffer : undefined,
    });
    const stdinFd = init.stdin.kind === 'hostFd' ? init.stdin.fd : init.stdin.kind === 'pipe' ? STDIN_PIPE : STDIN_NULL;
    for (const hostFd of [stdinFd, STDOUT_SINK, STDERR_SINK]) {
      t.insert({ kind: FdKind.Stdio, hostFd, fdflags: 0, filetype: FT_CHAR, preopen: -1, ownsHostFd: false,
        rightsBase: hostFd === stdinFd ? STDIN_RIGHTS : STDOUT_RIGHTS, rightsInheriting: 0n, offset: 0n });
    }
    preopens.forEach((p, i) => {
      // The guest's own fd on the root (it may close it; the table keeps p.root).
      const hostFd = fs.openSync(`/proc/self/fd/${p.root.fd}/.`, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
      t.insert({ kind: FdKind.PreopenDir, hostFd, fdflags: 0, filetype: FT_DIR, preopen: i, ownsHostFd: true,
        rightsBase: DIR_RIGHTS, rightsInheriting: INHERITABLE_RIGHTS, offset: 0n });
    });
    return t;
  }

  /** The same table, seen from another worker thread. */
  static attach(handle: FdTableHandle): FdTable {
    return new FdTable(handle);
  }

  handle(): FdTableHandle {
    return this.h;
  }

  preopen(i: number): { guestPath: string; root: SandboxRoot } | undefined {
    return this.h.preopens[i];
  }

  private pipeReader: StdinPipeReader | undefined;

  /** The reading end of the stdin pipe (entries with hostFd STDIN_PIPE read from it). */
  stdinPipe(): StdinPipeReader {
    if (!this.h.stdinPipe) throw new Error('this fd table has no stdin pipe');
    return (this.pipeReader ??= new StdinPipeReader(this.h.stdinPipe));
  }

  // ---- lock (futex mutex: 0 free, 1 locked, 2 locked with waiters) ----

  private lock(): void {
    const m = this.meta;
    if (Atomics.compareExchange(m, 0, 0, 1) === 0) return;
    for (let i = 0; i < 64; i++) {
      if (Atomics.load(m, 0) === 0 && Atomics.compareExchange(m, 0, 0, 1) === 0) return;
    }
    while (Atomics.exchange(m, 0, 2) !== 0) Atomics.wait(m, 0, 2);
  }

  private unlock(): void {
    if (Atomics.exchange(this.meta, 0, 0) === 2) Atomics.notify(this.meta, 0, 1);
  }

  /** Run fn holding the table lock (not re-entrant: fn must only use the *Locked methods). */
  locked<T>(fn: () => T): T {
    this.lock();
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }

  // ---- entry access; the *Locked variants assume the caller holds the lock ----

  private m(fd: number, field: number): number {
    return 1 + fd * FIELDS + field;
  }

  private valid(fd: number): boolean {
    return Number.isInteger(fd) && fd >= 0 && fd < FD_CAPACITY && this.meta[this.m(fd, F_KIND)] !== FdKind.Free;
  }

  getLocked(fd: number): FdEntry | null {
    if (!this.valid(fd)) return null;
    const b = 1 + fd * FIELDS;
    const w = fd * WIDE;
    return {
      kind: this.meta[b + F_KIND] as FdKind,
      hostFd: this.meta[b + F_HOSTFD]!,
      fdflags: this.meta[b + F_FLAGS]!,
      filetype: this.meta[b + F_FILETYPE]!,
      preopen: this.meta[b + F_PREOPEN]!,
      ownsHostFd: this.meta[b + F_OWNS] === 1,
      rightsBase: BigInt.asUintN(64, this.wide[w + W_BASE]!),
      rightsInheriting: BigInt.asUintN(64, this.wide[w + W_INH]!),
      offset: BigInt.asUintN(64, this.wide[w + W_OFF]!),
    };
  }

  private writeLocked(fd: number, e: FdEntry): void {
    const b = 1 + fd * FIELDS;
    const w = fd * WIDE;
    this.meta[b + F_HOSTFD] = e.hostFd;
    this.meta[b + F_FLAGS] = e.fdflags;
    this.meta[b + F_FILETYPE] = e.filetype;
    this.meta[b + F_PREOPEN] = e.preopen;
    this.meta[b + F_OWNS] = e.ownsHostFd ? 1 : 0;
    this.wide[w + W_BASE] = BigInt.asIntN(64, e.rightsBase);
    this.wide[w + W_INH] = BigInt.asIntN(64, e.rightsInheriting);
    this.wide[w + W_OFF] = BigInt.asIntN(64, e.offset);
    this.meta[b + F_KIND] = e.kind;
  }

  setOffsetLocked(fd: number, offset: bigint): void {
    this.wide[fd * WIDE + W_OFF] = BigInt.asIntN(64, offset);
  }

  // ---- operations that take the lock themselves ----

  get(fd: number): FdEntry | null {
    return this.locked(() => this.getLocked(fd));
  }

  /** Store an entry at the lowest free fd (POSIX). Throws an EMFILE-coded error when the table is full. */
  insert(e: FdEntry): number {
    return this.locked(() => {
      for (let fd = 0; fd < FD_CAPACITY; fd++) {
        if (this.meta[this.m(fd, F_KIND)] === FdKind.Free) {
          this.writeLocked(fd, e);
          return fd;
        }
      }
      throw Object.assign(new FdTableFullError('fd table full'), { code: 'EMFILE' });
    });
  }

  /** Update fields of an open entry; false if fd is not open. */
  update(fd: number, patch: Partial<Pick<FdEntry, 'fdflags' | 'rightsBase' | 'rightsInheriting'>>): boolean {
    return this.locked(() => {
      const e = this.getLocked(fd);
      if (!e) return false;
      this.writeLocked(fd, { ...e, ...patch });
      return true;
    });
  }

  /**
   * A private handle on the directory entry `fd` refers to, taken under the lock: host fds are closed only under
   * the lock, so a concurrent fd_close cannot let the lookup run on a reused OS fd. Null if fd is not open.
   */
  holdDirLocked(fd: number): { entry: FdEntry; held: number } | null {
    const entry = this.getLocked(fd);
    if (!entry) return null;
    if (entry.kind !== FdKind.Dir && entry.kind !== FdKind.PreopenDir) return { entry, held: -1 };
    return { entry, held: holdDir(entry.hostFd) };
  }

  /** Free the entry and close its host fd (if ours). Returns false if fd was not open. */
  close(fd: number): boolean {
    return this.locked(() => {
      const cur = this.getLocked(fd);
      if (!cur) return false;
      this.meta[this.m(fd, F_KIND)] = FdKind.Free;
      closeHost(cur);
      return true;
    });
  }

  /** Atomically replace `to` by `from` (closing what `to` held) and free `from`. Both must be open. */
  renumber(from: number, to: number): boolean {
    if (from === to) return this.get(from) !== null;
    return this.locked(() => {
      const src = this.getLocked(from);
      const dst = this.getLocked(to);
      if (!src || !dst) return false;
      this.writeLocked(to, src);
      this.meta[this.m(from, F_KIND)] = FdKind.Free;
      closeHost(dst);
      return true;
    });
  }

  /** Close every host fd we opened, the held roots too, and free every entry (called when the process ends). */
  closeAll(): void {
    this.locked(() => {
      if (this.meta[M_CLOSED] === 1) return;
      this.meta[M_CLOSED] = 1;
      for (let fd = 0; fd < FD_CAPACITY; fd++) {
        const e = this.getLocked(fd);
        if (e) closeHost(e);
        this.meta[this.m(fd, F_KIND)] = FdKind.Free;
      }
      for (const p of this.h.preopens) closeRoot(p.root);
    });
  }
}

function closeHost(e: FdEntry): void {
  if (!e.ownsHostFd || e.hostFd < 0) return;
  try {
    fs.closeSync(e.hostFd);
  } catch {
    // already closed: nothing left to release
  }
}
