// Our own wasi_snapshot_preview1 host module. One instance per Faaslet thread; all threads of a process share the
// FdTable (SharedArrayBuffers + real host fds). Every function returns a WASI errno and never throws, except
// proc_exit which throws ProcExit to unwind the guest.

import * as fs from 'node:fs';
import type { HostModule, HostModuleSpec, OutputSink } from '../types.js';
import { ProcExit } from '../types.js';
import { Errno, WasiError, errnoFromException } from './errno.js';
import {
  DEV_NULL, DEV_RANDOM, DEV_ZERO, DIR_RIGHTS, FILE_RIGHTS, FdKind, FdTable, Rights as R, STDERR_SINK, STDIN_NULL, STDIN_PIPE,
  STDOUT_RIGHTS, STDOUT_SINK, type FdEntry,
} from './fd-table.js';
import {
  at, closeQuietly, deviceAt, symlinkTargetAllowed, withLookup, type DeviceName, type Found, type SandboxRoot,
} from '../vfs/sandbox.js';

export const WASI_MODULE_NAME = 'wasi_snapshot_preview1';

const FUNCTION_NAMES = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times',
  'path_link', 'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'sched_yield', 'random_get', 'sock_accept',
  'sock_recv', 'sock_send', 'sock_shutdown',
] as const;

export const wasiSpec: HostModuleSpec = { name: WASI_MODULE_NAME, functionNames: FUNCTION_NAMES };

export interface WasiConfig {
  args: string[];
  env: string[];
  fdTable: FdTable;
  stdout: OutputSink;
  stderr: OutputSink;
  memory: () => WebAssembly.Memory;
}

// ---- preview1 constants ----
const FT = { UNKNOWN: 0, BLOCK: 1, CHAR: 2, DIR: 3, REG: 4, SOCK_DGRAM: 5, SOCK_STREAM: 6, SYMLINK: 7 } as const;
const FDFLAG = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;
const OFLAG = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;
const LOOKUP_SYMLINK_FOLLOW = 1;
const FST = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;
const CLOCK = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME: 2, THREAD_CPUTIME: 3 } as const;
const EVENT = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;
const SUBCLOCK_ABSTIME = 1;
const WRITE_RIGHTS = R.FD_WRITE | R.FD_DATASYNC | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE;
/** Virtual devices: SEEK/TELL included so that isatty() is false, as for the native /dev/null. */
const DEVICE_RIGHTS = R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FD_TELL | R.FD_FDSTAT_SET_FLAGS | R.FD_FILESTAT_GET |
  R.POLL_FD_READWRITE;
const MAX_POS = BigInt(Number.MAX_SAFE_INTEGER);

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

// ---- linear memory access (views are made per call: the memory may have grown) ----

class Mem {
  readonly dv: DataView;
  constructor(readonly buf: ArrayBufferLike) {
    this.dv = new DataView(buf);
  }
  u32(p: number): number { return this.dv.getUint32(p, true); }
  setU8(p: number, v: number): void { this.dv.setUint8(p, v); }
  setU16(p: number, v: number): void { this.dv.setUint16(p, v, true); }
  setU32(p: number, v: number): void { this.dv.setUint32(p, v, true); }
  setU64(p: number, v: bigint): void { this.dv.setBigUint64(p, BigInt.asUintN(64, v), true); }
  /** A bounds-checked view (the Uint8Array constructor throws RangeError -> EFAULT). */
  bytes(p: number, len: number): Uint8Array { return new Uint8Array(this.buf, p, len); }
  zero(p: number, len: number): void { this.bytes(p, len).fill(0); }
  /** Guest string; TextDecoder refuses shared views, so copy first. Invalid UTF-8 -> EILSEQ. */
  str(p: number, len: number): string {
    try {
      return dec.decode(this.bytes(p, len).slice());
    } catch (e) {
      if (e instanceof TypeError) throw new WasiError(Errno.ILSEQ);
      throw e;
    }
  }
}

/** wasm i32 arguments arrive signed; pointers and lengths are unsigned. */
const u = (x: number): number => x >>> 0;

function iovecs(m: Mem, ptr: number, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(m.bytes(m.u32(ptr + 8 * i), m.u32(ptr + 8 * i + 4)));
  return out;
}

function concat(views: Uint8Array[]): Uint8Array {
  const total = views.reduce((s, v) => s + v.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const v of views) { out.set(v, o); o += v.length; }
  return out;
}

/** Offsets beyond 2^53 cannot be passed to Node's positional I/O. */
function posNum(b: bigint): number {
  if (b > MAX_POS) throw new WasiError(Errno.FBIG);
  return Number(b);
}

/** Read into the views at pos (null: the OS offset, for stdin); stops at a short read. */
function readv(hostFd: number, views: Uint8Array[], pos: number | null): number {
  let total = 0;
  for (const v of views) {
    if (v.length === 0) continue;
    const n = fs.readSync(hostFd, v, 0, v.length, pos === null ? null : pos + total);
    total += n;
    if (n < v.length) break;
  }
  return total;
}

/** Write all views at pos (writeSync may be partial: loop until done). */
function writev(hostFd: number, views: Uint8Array[], pos: number): number {
  let total = 0;
  for (const v of views) {
    let done = 0;
    while (done < v.length) {
      done += fs.writeSync(hostFd, v, done, v.length - done, pos + total + done);
    }
    total += v.length;
  }
  return total;
}

/** What Stats, BigIntStats and Dirent (of any name encoding) share. */
interface TypeTests {
  isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean;
  isBlockDevice(): boolean; isSocket(): boolean;
}

function filetypeOf(st: TypeTests): number {
  if (st.isFile()) return FT.REG;
  if (st.isDirectory()) return FT.DIR;
  if (st.isSymbolicLink()) return FT.SYMLINK;
  if (st.isCharacterDevice()) return FT.CHAR;
  if (st.isBlockDevice()) return FT.BLOCK;
  if (st.isSocket()) return FT.SOCK_STREAM;
  return FT.UNKNOWN; // FIFOs have no WASI filetype
}

/** filestat: dev u64 @0, ino @8, filetype u8 @16, nlink @24, size @32, atim @40, mtim @48, ctim @56. */
function writeFilestat(m: Mem, p: number, st: fs.BigIntStats): void {
  m.zero(p, 64);
  m.setU64(p, st.dev);
  m.setU64(p + 8, st.ino);
  m.setU8(p + 16, filetypeOf(st));
  m.setU64(p + 24, st.nlink);
  m.setU64(p + 32, st.size);
  m.setU64(p + 40, st.atimeNs);
  m.setU64(p + 48, st.mtimeNs);
  m.setU64(p + 56, st.ctimeNs);
}

/** Fill a (possibly shared) view with random bytes: getRandomValues takes at most 65536 private bytes at a time. */
function fillRandom(out: Uint8Array): void {
  const chunk = new Uint8Array(Math.min(65536, out.length));
  for (let o = 0; o < out.length; o += chunk.length) {
    const k = Math.min(chunk.length, out.length - o);
    crypto.getRandomValues(chunk.subarray(0, k));
    out.set(chunk.subarray(0, k), o);
  }
}

/** Read from a virtual device: /dev/null is empty, /dev/zero zeros, /dev/urandom random bytes. */
function deviceRead(hostFd: number, views: Uint8Array[]): number {
  if (hostFd === DEV_NULL) return 0;
  let total = 0;
  for (const v of views) {
    if (hostFd === DEV_ZERO) v.fill(0);
    else fillRandom(v);
    total += v.length;
  }
  return total;
}

/** filestat of a character device with no host file behind it (stdio, virtual devices). */
function writeCharFilestat(m: Mem, p: number): void {
  m.zero(p, 64);
  m.setU8(p + 16, FT.CHAR);
  m.setU64(p + 24, 1n);
}

// ---- clocks ----

/**
 * REALTIME: performance.timeOrigin + now() (microsecond resolution). MONOTONIC: process.hrtime.bigint (ns).
 * PROCESS_CPUTIME and THREAD_CPUTIME: both process.cpuUsage() user+system (microseconds; Node has no per-thread
 * CPU clock, so the thread clock is the whole host process's CPU time).
 */
function clockNow(id: number): bigint | null {
  switch (id) {
    case CLOCK.REALTIME: return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
    case CLOCK.MONOTONIC: return process.hrtime.bigint();
    case CLOCK.PROCESS_CPUTIME:
    case CLOCK.THREAD_CPUTIME: {
      const c = process.cpuUsage();
      return BigInt(c.user + c.system) * 1000n;
    }
    default: return null;
  }
}

function clockRes(id: number): bigint | null {
  switch (id) {
    case CLOCK.MONOTONIC: return 1n;
    case CLOCK.REALTIME:
    case CLOCK.PROCESS_CPUTIME:
    case CLOCK.THREAD_CPUTIME: return 1000n;
    default: return null;
  }
}

/** Block this worker for ns nanoseconds (worker threads may block). */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepNs(ns: bigint): void {
  const end = process.hrtime.bigint() + ns;
  for (;;) {
    const left = end - process.hrtime.bigint();
    if (left <= 0n) return;
    Atomics.wait(sleepCell, 0, 0, Number(left) / 1e6);
  }
}

/** Times for utimes: keep (from stat), now, or the given ns (as float seconds: sub-microsecond precision is lost). */
function pickTimes(flags: number, atim: bigint, mtim: bigint, current: () => fs.BigIntStats): [number, number] {
  if (flags & ~0xf) throw new WasiError(Errno.INVAL);
  if ((flags & FST.ATIM && flags & FST.ATIM_NOW) || (flags & FST.MTIM && flags & FST.MTIM_NOW)) {
    throw new WasiError(Errno.INVAL);
  }
  const now = Date.now() / 1000;
  const sec = (ns: bigint): number => Number(ns) / 1e9;
  const needStat = !(flags & (FST.ATIM | FST.ATIM_NOW)) || !(flags & (FST.MTIM | FST.MTIM_NOW));
  const st = needStat ? current() : null;
  const a = flags & FST.ATIM_NOW ? now : flags & FST.ATIM ? sec(atim) : sec(st!.atimeNs);
  const mt = flags & FST.MTIM_NOW ? now : flags & FST.MTIM ? sec(mtim) : sec(st!.mtimeNs);
  return [a, mt];
}

// ---- the module ----

type Fn = (...args: any[]) => number;

/** Host-function boundary: only ProcExit escapes; every other exception becomes an errno. */
function guard(fn: Fn): Fn {
  return (...args: any[]) => {
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof ProcExit) throw e;
      return errnoFromException(e);
    }
  };
}

export function createWasi(config: WasiConfig): HostModule {
  const t = config.fdTable;
  const mem = (): Mem => new Mem(config.memory().buffer);
  const argBytes = config.args.map((a) => enc.encode(a + '\0'));
  const envBytes = config.env.map((a) => enc.encode(a + '\0'));

  // -- fd lookups --
  function entry(fd: number): FdEntry {
    const e = t.get(fd);
    if (!e) throw new WasiError(Errno.BADF);
    return e;
  }
  function need(e: FdEntry, right: bigint, errno: number = Errno.NOTCAPABLE): void {
    if ((e.rightsBase & right) === 0n) throw new WasiError(errno);
  }
  function rootOf(e: FdEntry): SandboxRoot {
    const p = t.preopen(e.preopen);
    if (!p) throw new WasiError(Errno.BADF);
    return p.root;
  }
  /**
   * Resolve a guest path below directory fd `fd` (which needs `right`) and run fn with the directory holding the
   * last component held open: fn must act only on at(found.dirFd, found.name) without following a final symlink.
   */
  function withPath<T>(m: Mem, fd: number, right: bigint, p: number, len: number, follow: boolean,
    fn: (found: Found, e: FdEntry) => T): T {
    const pinned = t.locked(() => t.holdDirLocked(fd));
    if (!pinned) throw new WasiError(Errno.BADF);
    const { entry: e, held } = pinned;
    try {
      if (held < 0) throw new WasiError(Errno.NOTDIR);
      need(e, right);
      return withLookup(rootOf(e), held, m.str(u(p), u(len)), { followFinal: follow }, (found) => fn(found, e));
    } finally {
      if (held >= 0) closeQuietly(held);
    }
  }
  /** The virtual device a path names, when resolved from the "/" preopen's own fd. */
  function deviceFor(m: Mem, fd: number, p: number, len: number): { e: FdEntry; dev: DeviceName } | null {
    const e = t.get(fd);
    if (!e || e.kind !== FdKind.PreopenDir || t.preopen(e.preopen)?.guestPath !== '/') return null;
    const dev = deviceAt(m.str(u(p), u(len)));
    return dev ? { e, dev } : null;
  }
  function sinkFor(e: FdEntry): OutputSink | null {
    if (e.kind !== FdKind.Stdio) return null;
    if (e.hostFd === STDOUT_SINK) return config.stdout;
    if (e.hostFd === STDERR_SINK) return config.stderr;
    return null;
  }

  // -- args / environ --
  function putStrings(list: Uint8Array[], ptrs: number, buf: number): number {
    const m = mem();
    let o = u(buf);
    list.forEach((b, i) => {
      m.setU32(u(ptrs) + 4 * i, o);
      m.bytes(o, b.length).set(b);
      o += b.length;
    });
    return Errno.SUCCESS;
  }
  function putSizes(list: Uint8Array[], countPtr: number, sizePtr: number): number {
    const m = mem();
    m.setU32(u(countPtr), list.length);
    m.setU32(u(sizePtr), list.reduce((s, b) => s + b.length, 0));
    return Errno.SUCCESS;
  }

  // -- reads and writes --
  function fdRead(fd: number, iovs: number, n: number, nreadPtr: number): number {
    const m = mem();
    const views = iovecs(m, u(iovs), u(n));
    const e = entry(fd);
    let got: number;
    if (e.kind === FdKind.Stdio) {
      need(e, R.FD_READ, Errno.BADF);
      got = e.hostFd === STDIN_NULL ? 0 : e.hostFd === STDIN_PIPE ? t.stdinPipe().read(views) : readv(e.hostFd, views, null);
    } else if (e.kind === FdKind.Device) {
      need(e, R.FD_READ, Errno.BADF);
      got = deviceRead(e.hostFd, views);
    } else if (e.kind === FdKind.File) {
      got = t.locked(() => {
        const cur = t.getLocked(fd);
        if (!cur) throw new WasiError(Errno.BADF);
        need(cur, R.FD_READ, Errno.BADF);
        const k = readv(cur.hostFd, views, posNum(cur.offset));
        t.setOffsetLocked(fd, cur.offset + BigInt(k));
        return k;
      });
    } else {
      throw new WasiError(Errno.ISDIR);
    }
    m.setU32(u(nreadPtr), got);
    return Errno.SUCCESS;
  }

  function fdWrite(fd: number, iovs: number, n: number, nwrittenPtr: number): number {
    const m = mem();
    const views = iovecs(m, u(iovs), u(n));
    const e = entry(fd);
    let put: number;
    const sink = sinkFor(e);
    if (sink) {
      const bytes = concat(views); // a private copy: the sink may keep it, guest memory will change
      if (bytes.length > 0) sink.write(bytes);
      put = bytes.length;
    } else if (e.kind === FdKind.Device) {
      need(e, R.FD_WRITE, Errno.BADF);
      put = views.reduce((s, v) => s + v.length, 0); // every device discards what is written
    } else if (e.kind === FdKind.File) {
      put = t.locked(() => {
        const cur = t.getLocked(fd);
        if (!cur) throw new WasiError(Errno.BADF);
        need(cur, R.FD_WRITE, Errno.BADF);
        // APPEND is emulated (fdflags can change later and Node has no fcntl): write at the current size.
        const pos = cur.fdflags & FDFLAG.APPEND ? fs.fstatSync(cur.hostFd, { bigint: true }).size : cur.offset;
        const k = writev(cur.hostFd, views, posNum(pos));
        t.setOffsetLocked(fd, pos + BigInt(k));
        return k;
      });
    } else {
      throw new WasiError(Errno.BADF); // stdin, directories
    }
    m.setU32(u(nwrittenPtr), put);
    return Errno.SUCCESS;
  }

  /**
   * Run fn on fd's entry holding the table lock. Host fds are closed only under that lock, so the OS fd cannot be
   * closed by another thread and reused (by any open in this host process, another sandbox's too) while fn uses it.
   */
  function onEntry<T>(fd: number, fn: (e: FdEntry) => T): T {
    return t.locked(() => {
      const e = t.getLocked(fd);
      if (!e) throw new WasiError(Errno.BADF);
      return fn(e);
    });
  }

  /** A regular file's entry, or the errno the call gives on other kinds. */
  function asFile(e: FdEntry): FdEntry {
    if (e.kind === FdKind.Stdio) throw new WasiError(Errno.SPIPE);
    if (e.kind === FdKind.Device) throw new WasiError(Errno.INVAL); // like ftruncate(2) on /dev/null
    if (e.kind !== FdKind.File) throw new WasiError(Errno.ISDIR);
    return e;
  }

  function fdPread(fd: number, iovs: number, n: number, offset: bigint, nreadPtr: number): number {
    const m = mem();
    const views = iovecs(m, u(iovs), u(n));
    const got = onEntry(fd, (e) => {
      if (e.kind !== FdKind.Device) asFile(e);
      need(e, R.FD_READ, Errno.BADF);
      if (e.kind === FdKind.Device) return deviceRead(e.hostFd, views);
      return readv(e.hostFd, views, posNum(BigInt.asUintN(64, offset)));
    });
    m.setU32(u(nreadPtr), got);
    return Errno.SUCCESS;
  }

  function fdPwrite(fd: number, iovs: number, n: number, offset: bigint, nwrittenPtr: number): number {
    const m = mem();
    const views = iovecs(m, u(iovs), u(n));
    const put = onEntry(fd, (e) => {
      if (e.kind !== FdKind.Device) asFile(e);
      need(e, R.FD_WRITE, Errno.BADF);
      if (e.kind === FdKind.Device) return views.reduce((s, v) => s + v.length, 0);
      return writev(e.hostFd, views, posNum(BigInt.asUintN(64, offset)));
    });
    m.setU32(u(nwrittenPtr), put);
    return Errno.SUCCESS;
  }

  function fdSeek(fd: number, offset: bigint, whence: number, newPtr: number): number {
    const m = mem();
    m.bytes(u(newPtr), 8); // check the result pointer before moving the offset
    const e = entry(fd);
    if (e.kind === FdKind.Stdio) throw new WasiError(Errno.SPIPE);
    if (e.kind === FdKind.Device) {
      if (whence < 0 || whence > 2) return Errno.INVAL;
      m.setU64(u(newPtr), 0n); // devices have no position (lseek on /dev/null answers 0)
      return Errno.SUCCESS;
    }
    if (e.kind !== FdKind.File) throw new WasiError(Errno.BADF);
    const next = t.locked(() => {
      const cur = t.getLocked(fd);
      if (!cur) throw new WasiError(Errno.BADF);
      let base: bigint;
      if (whence === 0) base = 0n;
      else if (whence === 1) base = cur.offset;
      else if (whence === 2) base = fs.fstatSync(cur.hostFd, { bigint: true }).size;
      else throw new WasiError(Errno.INVAL);
      const v = base + BigInt.asIntN(64, offset);
      if (v < 0n) throw new WasiError(Errno.INVAL);
      t.setOffsetLocked(fd, v);
      return v;
    });
    m.setU64(u(newPtr), next);
    return Errno.SUCCESS;
  }

  function fdTell(fd: number, ptr: number): number {
    const m = mem();
    const e = entry(fd);
    if (e.kind === FdKind.Stdio) throw new WasiError(Errno.SPIPE);
    if (e.kind !== FdKind.File && e.kind !== FdKind.Device) throw new WasiError(Errno.BADF);
    m.setU64(u(ptr), e.kind === FdKind.Device ? 0n : e.offset);
    return Errno.SUCCESS;
  }

  // -- fd metadata --
  function fdFdstatGet(fd: number, p: number): number {
    const m = mem();
    const e = entry(fd);
    p = u(p);
    m.zero(p, 24);
    m.setU8(p, e.filetype);
    m.setU16(p + 2, e.fdflags);
    m.setU64(p + 8, e.rightsBase);
    m.setU64(p + 16, e.rightsInheriting);
    return Errno.SUCCESS;
  }

  function fdFdstatSetFlags(fd: number, flags: number): number {
    const e = entry(fd);
    need(e, R.FD_FDSTAT_SET_FLAGS);
    if (flags & ~0x1f) return Errno.INVAL;
    // Node cannot fcntl an open fd: only the flags we emulate may change.
    if ((flags ^ e.fdflags) & (FDFLAG.DSYNC | FDFLAG.RSYNC | FDFLAG.SYNC)) return Errno.NOTSUP;
    t.update(fd, { fdflags: flags });
    return Errno.SUCCESS;
  }

  function fdFdstatSetRights(fd: number, base: bigint, inh: bigint): number {
    const e = entry(fd);
    const b = BigInt.asUintN(64, base);
    const i = BigInt.asUintN(64, inh);
    // Rights may only shrink.
    if ((b & ~e.rightsBase) !== 0n || (i & ~e.rightsInheriting) !== 0n) return Errno.NOTCAPABLE;
    t.update(fd, { rightsBase: b, rightsInheriting: i });
    return Errno.SUCCESS;
  }

  function fdFilestatGet(fd: number, p: number): number {
    const m = mem();
    const st = onEntry(fd, (e) => {
      if (e.kind === FdKind.Stdio || e.kind === FdKind.Device) return null;
      need(e, R.FD_FILESTAT_GET);
      return fs.fstatSync(e.hostFd, { bigint: true });
    });
    if (st) writeFilestat(m, u(p), st);
    else writeCharFilestat(m, u(p));
    return Errno.SUCCESS;
  }

  function fdFilestatSetSize(fd: number, size: bigint): number {
    return onEntry(fd, (e) => {
      need(asFile(e), R.FD_FILESTAT_SET_SIZE, Errno.BADF);
      fs.ftruncateSync(e.hostFd, posNum(BigInt.asUintN(64, size)));
      return Errno.SUCCESS;
    });
  }

  function fdFilestatSetTimes(fd: number, atim: bigint, mtim: bigint, flags: number): number {
    return onEntry(fd, (e) => {
      if (e.kind === FdKind.Stdio || e.kind === FdKind.Device) return Errno.BADF;
      need(e, R.FD_FILESTAT_SET_TIMES);
      const [a, mt] = pickTimes(flags, BigInt.asUintN(64, atim), BigInt.asUintN(64, mtim),
        () => fs.fstatSync(e.hostFd, { bigint: true }));
      fs.futimesSync(e.hostFd, a, mt);
      return Errno.SUCCESS;
    });
  }

  function fdSync(fd: number, data: boolean): number {
    return onEntry(fd, (e) => {
      if (e.kind === FdKind.Stdio || e.kind === FdKind.Device) return Errno.INVAL; // like fsync(2) on a terminal
      need(e, data ? R.FD_DATASYNC : R.FD_SYNC, Errno.BADF);
      if (data) fs.fdatasyncSync(e.hostFd);
      else fs.fsyncSync(e.hostFd);
      return Errno.SUCCESS;
    });
  }

  function fdAdvise(fd: number, _off: bigint, _len: bigint, advice: number): number {
    const e = entry(fd);
    if (advice < 0 || advice > 5) return Errno.INVAL;
    if (e.kind === FdKind.Stdio || e.kind === FdKind.Device) return Errno.SPIPE;
    return Errno.SUCCESS; // advisory only; Node exposes no posix_fadvise
  }

  function fdAllocate(fd: number, off: bigint, len: bigint): number {
    return onEntry(fd, (e) => {
      need(asFile(e), R.FD_ALLOCATE, Errno.BADF);
      const end = BigInt.asUintN(64, off) + BigInt.asUintN(64, len);
      if (len === 0n) return Errno.INVAL;
      // No fallocate in Node: extending the size (sparse) gives the same visible result.
      if (fs.fstatSync(e.hostFd, { bigint: true }).size < end) fs.ftruncateSync(e.hostFd, posNum(end));
      return Errno.SUCCESS;
    });
  }

  function fdPrestatGet(fd: number, p: number): number {
    const m = mem();
    const e = t.get(fd);
    // wasi-libc scans fds from 3 until EBADF: every non-preopen must answer EBADF.
    if (!e || e.kind !== FdKind.PreopenDir) return Errno.BADF;
    m.zero(u(p), 8);
    m.setU8(u(p), 0); // preopentype dir
    m.setU32(u(p) + 4, enc.encode(t.preopen(e.preopen)!.guestPath).length);
    return Errno.SUCCESS;
  }

  function fdPrestatDirName(fd: number, p: number, len: number): number {
    const m = mem();
    const e = t.get(fd);
    if (!e || e.kind !== FdKind.PreopenDir) return Errno.BADF;
    const name = enc.encode(t.preopen(e.preopen)!.guestPath);
    if (u(len) < name.length) return Errno.NAMETOOLONG;
    m.bytes(u(p), name.length).set(name);
    return Errno.SUCCESS;
  }

  // -- directories --
  interface DirItem { name: Uint8Array; type: number; ino: bigint }

  /** The entries of the directory held by `held` ("." and ".." first), read through that handle. */
  function listDir(e: FdEntry, held: number): DirItem[] {
    const ino = (name: string | Buffer): bigint =>
      fs.lstatSync(Buffer.concat([Buffer.from(at(held, '')), Buffer.from(name)]), { bigint: true,
        throwIfNoEntry: false })?.ino ?? 0n;
    const self = fs.fstatSync(held, { bigint: true });
    const root = rootOf(e);
    const isRoot = self.dev === root.dev && self.ino === root.ino;
    const items: DirItem[] = [
      { name: enc.encode('.'), type: FT.DIR, ino: self.ino },
      // ".." of a preopen root reports the root itself: nothing above it is visible.
      { name: enc.encode('..'), type: FT.DIR, ino: isRoot ? self.ino : ino('..') },
    ];
    for (const d of fs.readdirSync(at(held, '.'), { withFileTypes: true, encoding: 'buffer' })) {
      items.push({ name: new Uint8Array(d.name), type: filetypeOf(d), ino: ino(d.name) });
    }
    return items;
  }

  function direntBytes(item: DirItem, next: bigint): Uint8Array {
    const rec = new Uint8Array(24 + item.name.length);
    const dv = new DataView(rec.buffer);
    dv.setBigUint64(0, next, true); // d_next: cookie of the following entry
    dv.setBigUint64(8, item.ino, true);
    dv.setUint32(16, item.name.length, true);
    dv.setUint8(20, item.type);
    rec.set(item.name, 24);
    return rec;
  }

  /** Entries from `cookie` on; the last one is cut off if the buffer ends inside it (bufused == len tells). */
  function fdReaddir(fd: number, buf: number, len: number, cookie: bigint, usedPtr: number): number {
    const m = mem();
    const pinned = t.locked(() => t.holdDirLocked(fd));
    if (!pinned) return Errno.BADF;
    const { entry: e, held } = pinned;
    try {
      if (held < 0) return Errno.NOTDIR;
      need(e, R.FD_READDIR);
      const out = m.bytes(u(buf), u(len));
      m.bytes(u(usedPtr), 4);
      const items = listDir(e, held);
      let used = 0;
      for (let i = BigInt.asUintN(64, cookie); i < BigInt(items.length) && used < out.length; i++) {
        const rec = direntBytes(items[Number(i)]!, i + 1n);
        const k = Math.min(rec.length, out.length - used);
        out.set(rec.subarray(0, k), used);
        used += k;
      }
      m.setU32(u(usedPtr), used);
      return Errno.SUCCESS;
    } finally {
      if (held >= 0) closeQuietly(held);
    }
  }

  // -- paths: every call acts on at(found.dirFd, found.name) with the parent held, never following a final link --
  function openMode(rights: bigint, oflags: number, fdflags: number): number {
    const c = fs.constants;
    const write = (rights & WRITE_RIGHTS) !== 0n;
    const read = (rights & (R.FD_READ | R.FD_READDIR)) !== 0n;
    let f = write ? (read ? c.O_RDWR : c.O_WRONLY) : c.O_RDONLY;
    if (oflags & OFLAG.CREAT) f |= c.O_CREAT;
    if (oflags & OFLAG.EXCL) f |= c.O_EXCL;
    if (oflags & OFLAG.TRUNC) f |= c.O_TRUNC;
    if (oflags & OFLAG.DIRECTORY) f |= c.O_DIRECTORY;
    if (fdflags & FDFLAG.DSYNC) f |= c.O_DSYNC;
    if (fdflags & (FDFLAG.SYNC | FDFLAG.RSYNC)) f |= c.O_SYNC;
    // The lookup followed a final symlink itself if asked to; one found here (not asked to follow, or swapped in
    // since) must fail with ELOOP rather than be followed by the kernel.
    return f | c.O_NOFOLLOW;
  }

  const FDFLAGS_KEPT = FDFLAG.APPEND | FDFLAG.NONBLOCK | FDFLAG.DSYNC | FDFLAG.SYNC | FDFLAG.RSYNC;

  function pathOpen(
    dirfd: number, lookup: number, p: number, len: number, oflags: number,
    rightsBase: bigint, rightsInh: bigint, fdflags: number, fdPtr: number,
  ): number {
    const m = mem();
    m.bytes(u(fdPtr), 4);
    if (oflags & ~0xf || fdflags & ~0x1f) return Errno.INVAL;
    const device = deviceFor(m, dirfd, p, len);
    if (device) {
      m.setU32(u(fdPtr), openDevice(device.e, device.dev, oflags, BigInt.asUintN(64, rightsBase), fdflags));
      return Errno.SUCCESS;
    }
    const follow = (lookup & LOOKUP_SYMLINK_FOLLOW) !== 0;
    return withPath(m, dirfd, R.PATH_OPEN, p, len, follow, (found, dir) => {
      // Like wasi-libc itself does, reduce the requested rights to what the directory may hand down (some
      // toolchains ask for all bits); fd_fdstat_get then reports what was actually granted.
      const base = BigInt.asUintN(64, rightsBase) & dir.rightsInheriting;
      const inh = BigInt.asUintN(64, rightsInh) & dir.rightsInheriting;
      if (oflags & OFLAG.CREAT) need(dir, R.PATH_CREATE_FILE);
      let flags = openMode(base, oflags, fdflags);
      if (found.mustBeDir) flags |= fs.constants.O_DIRECTORY;
      const hostFd = fs.openSync(at(found.dirFd, found.name ?? '.'), flags, 0o666);
      try {
        const st = fs.fstatSync(hostFd);
        const isDir = st.isDirectory();
        const fd = t.insert({
          kind: isDir ? FdKind.Dir : FdKind.File, hostFd, fdflags: fdflags & FDFLAGS_KEPT, filetype: filetypeOf(st),
          preopen: dir.preopen, ownsHostFd: true, rightsBase: base & (isDir ? DIR_RIGHTS : FILE_RIGHTS),
          rightsInheriting: inh, offset: 0n,
        });
        m.setU32(u(fdPtr), fd);
        return Errno.SUCCESS;
      } catch (e) {
        fs.closeSync(hostFd);
        throw e;
      }
    });
  }

  /** A virtual device entry: stdout/stderr write to the job's sinks, the others are served here. */
  function openDevice(dir: FdEntry, dev: DeviceName, oflags: number, rightsBase: bigint, fdflags: number): number {
    if (oflags & OFLAG.DIRECTORY) throw new WasiError(Errno.NOTDIR);
    if (oflags & OFLAG.CREAT && oflags & OFLAG.EXCL) throw new WasiError(Errno.EXIST);
    if (dev === 'stdout' || dev === 'stderr') {
      return t.insert({ kind: FdKind.Stdio, hostFd: dev === 'stdout' ? STDOUT_SINK : STDERR_SINK, fdflags: 0,
        filetype: FT.CHAR, preopen: -1, ownsHostFd: false, rightsBase: STDOUT_RIGHTS, rightsInheriting: 0n,
        offset: 0n });
    }
    const hostFd = dev === 'null' ? DEV_NULL : dev === 'zero' ? DEV_ZERO : DEV_RANDOM;
    return t.insert({ kind: FdKind.Device, hostFd, fdflags: fdflags & FDFLAGS_KEPT, filetype: FT.CHAR,
      preopen: dir.preopen, ownsHostFd: false, rightsBase: rightsBase & dir.rightsInheriting & DEVICE_RIGHTS,
      rightsInheriting: 0n, offset: 0n });
  }

  function pathCreateDirectory(fd: number, p: number, len: number): number {
    return withPath(mem(), fd, R.PATH_CREATE_DIRECTORY, p, len, false, (found) => {
      if (found.name === null) return Errno.EXIST;
      fs.mkdirSync(at(found.dirFd, found.name));
      return Errno.SUCCESS;
    });
  }

  function pathRemoveDirectory(fd: number, p: number, len: number): number {
    return withPath(mem(), fd, R.PATH_REMOVE_DIRECTORY, p, len, false, (found) => {
      if (found.name === null) return Errno.INVAL; // rmdir(".") / the sandbox root itself
      fs.rmdirSync(at(found.dirFd, found.name));
      return Errno.SUCCESS;
    });
  }

  function pathUnlinkFile(fd: number, p: number, len: number): number {
    return withPath(mem(), fd, R.PATH_UNLINK_FILE, p, len, false, (found) => {
      if (found.name === null) return Errno.ISDIR;
      fs.unlinkSync(at(found.dirFd, found.name));
      return Errno.SUCCESS;
    });
  }

  function pathRename(fd: number, op: number, ol: number, nfd: number, np: number, nl: number): number {
    const m = mem();
    return withPath(m, fd, R.PATH_RENAME_SOURCE, op, ol, false, (from) =>
      withPath(m, nfd, R.PATH_RENAME_TARGET, np, nl, false, (to) => {
        if (from.name === null || to.name === null) return Errno.BUSY;
        fs.renameSync(at(from.dirFd, from.name), at(to.dirFd, to.name));
        return Errno.SUCCESS;
      }));
  }

  /** lstat of what a lookup found (a final symlink was already followed by the lookup if asked to). */
  function lstatFound(found: Found): fs.BigIntStats {
    if (found.name === null) return fs.fstatSync(found.dirFd, { bigint: true });
    return fs.lstatSync(at(found.dirFd, found.name), { bigint: true });
  }

  function pathFilestatGet(fd: number, flags: number, p: number, len: number, out: number): number {
    const m = mem();
    if (deviceFor(m, fd, p, len)) {
      m.bytes(u(out), 64);
      writeCharFilestat(m, u(out));
      return Errno.SUCCESS;
    }
    const follow = (flags & LOOKUP_SYMLINK_FOLLOW) !== 0;
    const st = withPath(m, fd, R.PATH_FILESTAT_GET, p, len, follow, lstatFound);
    writeFilestat(m, u(out), st);
    return Errno.SUCCESS;
  }

  function pathFilestatSetTimes(
    fd: number, flags: number, p: number, len: number, atim: bigint, mtim: bigint, fst: number,
  ): number {
    const follow = (flags & LOOKUP_SYMLINK_FOLLOW) !== 0;
    return withPath(mem(), fd, R.PATH_FILESTAT_SET_TIMES, p, len, follow, (found) => {
      const [a, mt] = pickTimes(fst, BigInt.asUintN(64, atim), BigInt.asUintN(64, mtim), () => lstatFound(found));
      fs.lutimesSync(at(found.dirFd, found.name ?? '.'), a, mt);
      return Errno.SUCCESS;
    });
  }

  function pathReadlink(fd: number, p: number, len: number, buf: number, bufLen: number, usedPtr: number): number {
    const m = mem();
    return withPath(m, fd, R.PATH_READLINK, p, len, false, (found) => {
      if (found.name === null) return Errno.INVAL;
      const target = fs.readlinkSync(at(found.dirFd, found.name), { encoding: 'buffer' });
      const n = Math.min(target.length, u(bufLen)); // truncated like readlink(2)
      m.bytes(u(buf), n).set(target.subarray(0, n));
      m.setU32(u(usedPtr), n);
      return Errno.SUCCESS;
    });
  }

  function pathSymlink(op: number, ol: number, fd: number, np: number, nl: number): number {
    const m = mem();
    const target = m.str(u(op), u(ol));
    return withPath(m, fd, R.PATH_SYMLINK, np, nl, false, (found) => {
      if (found.name === null) return Errno.EXIST;
      const ok = symlinkTargetAllowed(target);
      if (ok !== Errno.SUCCESS) return ok;
      fs.symlinkSync(target, at(found.dirFd, found.name));
      return Errno.SUCCESS;
    });
  }

  function pathLink(ofd: number, oflags: number, op: number, ol: number, nfd: number, np: number, nl: number): number {
    const m = mem();
    const follow = (oflags & LOOKUP_SYMLINK_FOLLOW) !== 0;
    return withPath(m, ofd, R.PATH_LINK_SOURCE, op, ol, follow, (from) =>
      withPath(m, nfd, R.PATH_LINK_TARGET, np, nl, false, (to) => {
        if (to.name === null) return Errno.EXIST;
        if (from.name === null) return Errno.PERM; // hard links to directories
        // link(2) on Linux does not follow a final symlink of the source: the link itself is linked.
        fs.linkSync(at(from.dirFd, from.name), at(to.dirFd, to.name));
        return Errno.SUCCESS;
      }));
  }

  // -- poll --
  /** timeout: ns from now (<= 0: already expired); badClock: unknown clock id (event with EINVAL). */
  interface Sub { userdata: bigint; tag: number; fd: number; timeout: bigint; badClock: boolean }

  function readSubs(m: Mem, inPtr: number, n: number): Sub[] {
    const subs: Sub[] = [];
    for (let i = 0; i < n; i++) {
      const p = inPtr + 48 * i;
      const userdata = m.dv.getBigUint64(p, true);
      const tag = m.dv.getUint8(p + 8);
      if (tag === EVENT.CLOCK) {
        const id = m.u32(p + 16);
        const timeout = m.dv.getBigUint64(p + 24, true);
        const abs = (m.dv.getUint16(p + 40, true) & SUBCLOCK_ABSTIME) !== 0;
        const now = clockNow(id);
        subs.push({ userdata, tag, fd: -1, badClock: now === null,
          timeout: now !== null && abs ? timeout - now : timeout });
      } else {
        subs.push({ userdata, tag, fd: m.u32(p + 16), timeout: 0n, badClock: false });
      }
    }
    return subs;
  }

  function fdEvent(s: Sub): { error: number; nbytes: bigint } {
    return t.locked(() => {
      const e = t.getLocked(s.fd);
      if (!e) return { error: Errno.BADF, nbytes: 0n };
      if (e.kind === FdKind.File && s.tag === EVENT.FD_READ) {
        const size = fs.fstatSync(e.hostFd, { bigint: true }).size;
        return { error: 0, nbytes: size > e.offset ? size - e.offset : 0n };
      }
      // stdout/stderr sinks, devices and regular files never block; stdin from a host fd is reported ready too
      // (a following read may block, which is allowed in a worker).
      return { error: 0, nbytes: 0n };
    });
  }

  function pollOneoff(inPtr: number, outPtr: number, n: number, neventsPtr: number): number {
    const m = mem();
    if (u(n) === 0) return Errno.INVAL;
    const subs = readSubs(m, u(inPtr), u(n));
    m.bytes(u(outPtr), 32 * subs.length);
    const events: { s: Sub; error: number; nbytes: bigint }[] = [];
    for (const s of subs) {
      if (s.tag === EVENT.FD_READ || s.tag === EVENT.FD_WRITE) events.push({ s, ...fdEvent(s) });
      else if (s.tag !== EVENT.CLOCK) events.push({ s, error: Errno.INVAL, nbytes: 0n });
      else if (s.badClock) events.push({ s, error: Errno.INVAL, nbytes: 0n });
    }
    const clocks = subs.filter((s) => s.tag === EVENT.CLOCK && !s.badClock);
    if (events.length === 0 && clocks.length > 0) {
      const min = clocks.reduce((a, s) => (s.timeout < a ? s.timeout : a), clocks[0]!.timeout);
      sleepNs(min);
      for (const s of clocks) if (s.timeout <= min) events.push({ s, error: 0, nbytes: 0n });
    } else {
      for (const s of clocks) if (s.timeout <= 0n) events.push({ s, error: 0, nbytes: 0n });
    }
    events.forEach((ev, i) => {
      const p = u(outPtr) + 32 * i;
      m.zero(p, 32);
      m.setU64(p, ev.s.userdata);
      m.setU16(p + 8, ev.error);
      m.setU8(p + 10, ev.s.tag);
      m.setU64(p + 16, ev.nbytes);
    });
    m.setU32(u(neventsPtr), events.length);
    return Errno.SUCCESS;
  }

  // -- misc --
  function randomGet(buf: number, len: number): number {
    fillRandom(mem().bytes(u(buf), u(len)));
    return Errno.SUCCESS;
  }

  function clockTimeGet(id: number, _precision: bigint, p: number): number {
    const v = clockNow(id);
    if (v === null) return Errno.INVAL;
    mem().setU64(u(p), v);
    return Errno.SUCCESS;
  }

  function clockResGet(id: number, p: number): number {
    const v = clockRes(id);
    if (v === null) return Errno.INVAL;
    mem().setU64(u(p), v);
    return Errno.SUCCESS;
  }

  /** No fd of ours is a socket: a closed fd is EBADF, anything else ENOTSUP. */
  const noSock = (fd: number): number => (t.get(fd) ? Errno.NOTSUP : Errno.BADF);

  const functions: Record<(typeof FUNCTION_NAMES)[number], Fn> = {
    args_get: (argv, buf) => putStrings(argBytes, argv, buf),
    args_sizes_get: (c, s) => putSizes(argBytes, c, s),
    environ_get: (envp, buf) => putStrings(envBytes, envp, buf),
    environ_sizes_get: (c, s) => putSizes(envBytes, c, s),
    clock_res_get: clockResGet,
    clock_time_get: clockTimeGet,
    fd_advise: fdAdvise,
    fd_allocate: fdAllocate,
    fd_close: (fd) => (t.close(fd) ? Errno.SUCCESS : Errno.BADF),
    fd_datasync: (fd) => fdSync(fd, true),
    fd_fdstat_get: fdFdstatGet,
    fd_fdstat_set_flags: fdFdstatSetFlags,
    fd_fdstat_set_rights: fdFdstatSetRights,
    fd_filestat_get: fdFilestatGet,
    fd_filestat_set_size: fdFilestatSetSize,
    fd_filestat_set_times: fdFilestatSetTimes,
    fd_pread: fdPread,
    fd_prestat_get: fdPrestatGet,
    fd_prestat_dir_name: fdPrestatDirName,
    fd_pwrite: fdPwrite,
    fd_read: fdRead,
    fd_readdir: fdReaddir,
    fd_renumber: (from, to) => (t.renumber(from, to) ? Errno.SUCCESS : Errno.BADF),
    fd_seek: fdSeek,
    fd_sync: (fd) => fdSync(fd, false),
    fd_tell: fdTell,
    fd_write: fdWrite,
    path_create_directory: pathCreateDirectory,
    path_filestat_get: pathFilestatGet,
    path_filestat_set_times: pathFilestatSetTimes,
    path_link: pathLink,
    path_open: pathOpen,
    path_readlink: pathReadlink,
    path_remove_directory: pathRemoveDirectory,
    path_rename: pathRename,
    path_symlink: pathSymlink,
    path_unlink_file: pathUnlinkFile,
    poll_oneoff: pollOneoff,
    proc_exit: (code: number) => { throw new ProcExit(code); },
    proc_raise: () => Errno.NOSYS, // no signals in a Faaslet
    sched_yield: () => Errno.SUCCESS,
    random_get: randomGet,
    sock_accept: (fd) => noSock(fd),
    sock_recv: (fd) => noSock(fd),
    sock_send: (fd) => noSock(fd),
    sock_shutdown: (fd) => noSock(fd),
  };
  const guarded: Record<string, Fn> = {};
  for (const [k, f] of Object.entries(functions)) guarded[k] = guard(f);
  return { name: WASI_MODULE_NAME, functions: guarded };
}
