// Unit tests of our WASI preview1: the host functions are called directly against a shared WebAssembly.Memory,
// with iovecs, strings and result slots written by hand.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { createWasi, wasiSpec, WASI_MODULE_NAME } from '../host-interface/wasi/preview1.js';
import { FdTable, FdKind, FD_CAPACITY, Rights, INHERITABLE_RIGHTS, type FdTableHandle } from '../host-interface/wasi/fd-table.js';
import { Errno, errnoFromCode } from '../host-interface/wasi/errno.js';
import { lookup, openRoot, closeRoot, O_PATH, type SandboxRoot } from '../host-interface/vfs/sandbox.js';
import { WasiError } from '../host-interface/wasi/errno.js';
import { ProcExit } from '../host-interface/types.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

const OFLAG = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 };
const FOLLOW = 1;
const RW = INHERITABLE_RIGHTS;
const RO = INHERITABLE_RIGHTS & ~(Rights.FD_WRITE | Rights.FD_DATASYNC | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE);

type Fns = Record<string, (...a: any[]) => any>;

/** A sandbox root (with a sibling "outside" dir holding a secret), a table, a WASI instance and memory helpers. */
function setup(opts: { args?: string[]; env?: string[] } = {}) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'wasi-test-'));
  const root = path.join(base, 'sb');
  fs.mkdirSync(root);
  fs.mkdirSync(path.join(base, 'outside'));
  fs.writeFileSync(path.join(base, 'outside', 'secret'), 'secret');
  const table = FdTable.create({ preopens: [{ guestPath: '/', hostPath: root }], stdin: { kind: 'null' } });
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 10, shared: true });
  const w = createWasi({
    args: opts.args ?? ['prog'], env: opts.env ?? [], fdTable: table,
    stdout: { write: (b) => out.push(b), flush() {} },
    stderr: { write: (b) => err.push(b), flush() {} },
    memory: () => memory,
  });
  const f = w.functions as Fns;
  let heap = 1024;
  const alloc = (n: number): number => {
    if (heap + n > 60000) heap = 1024;
    const p = heap;
    heap += (n + 7) & ~7;
    return p;
  };
  const dv = () => new DataView(memory.buffer);
  const u8 = () => new Uint8Array(memory.buffer);
  const str = (s: string): [number, number] => {
    const b = enc.encode(s);
    const p = alloc(b.length + 1);
    u8().set(b, p);
    return [p, b.length];
  };
  const iov = (bufs: Uint8Array[]): number => {
    const p = alloc(8 * bufs.length);
    bufs.forEach((b, i) => {
      const q = alloc(b.length);
      u8().set(b, q);
      dv().setUint32(p + 8 * i, q, true);
      dv().setUint32(p + 8 * i + 4, b.length, true);
    });
    return p;
  };
  const open = (p: string, o: { oflags?: number; rights?: bigint; fdflags?: number; lookup?: number; dirfd?: number } = {}): [number, number] => {
    const [sp, sl] = str(p);
    const fdp = alloc(4);
    const e = f.path_open(o.dirfd ?? 3, o.lookup ?? FOLLOW, sp, sl, o.oflags ?? 0, o.rights ?? RW, RW, o.fdflags ?? 0, fdp);
    return [e, dv().getUint32(fdp, true)];
  };
  const write = (fd: number, ...parts: string[]): [number, number] => {
    const p = iov(parts.map((s) => enc.encode(s)));
    const np = alloc(4);
    const e = f.fd_write(fd, p, parts.length, np);
    return [e, dv().getUint32(np, true)];
  };
  const read = (fd: number, ...lens: number[]): [number, string] => {
    const p = iov(lens.map((n) => new Uint8Array(n)));
    const np = alloc(4);
    const e = f.fd_read(fd, p, lens.length, np);
    const n = dv().getUint32(np, true);
    // gather the filled iovec buffers back into one string
    let s = '';
    let left = n;
    for (let i = 0; i < lens.length && left > 0; i++) {
      const b = dv().getUint32(p + 8 * i, true);
      const k = Math.min(left, lens[i]!);
      s += dec.decode(u8().slice(b, b + k));
      left -= k;
    }
    return [e, s];
  };
  const seek = (fd: number, off: bigint, whence: number): [number, bigint] => {
    const p = alloc(8);
    const e = f.fd_seek(fd, off, whence, p);
    return [e, dv().getBigUint64(p, true)];
  };
  const filestat = (fd: number) => {
    const p = alloc(64);
    const e = f.fd_filestat_get(fd, p);
    const d = dv();
    return { e, dev: d.getBigUint64(p, true), ino: d.getBigUint64(p + 8, true), type: d.getUint8(p + 16),
      nlink: d.getBigUint64(p + 24, true), size: d.getBigUint64(p + 32, true), mtim: d.getBigUint64(p + 48, true) };
  };
  const pathCall = (name: string, p: string, dirfd = 3) => {
    const [sp, sl] = str(p);
    return f[name]!(dirfd, sp, sl);
  };
  const cleanup = () => {
    table.closeAll();
    fs.rmSync(base, { recursive: true, force: true });
  };
  return { base, root, table, memory, f, out, err, alloc, dv, u8, str, iov, open, write, read, seek, filestat,
    pathCall, cleanup };
}

type Ctx = ReturnType<typeof setup>;
function withCtx(fn: (c: Ctx) => void | Promise<void>, opts?: Parameters<typeof setup>[0]) {
  return async () => {
    const c = setup(opts);
    try {
      await fn(c);
    } finally {
      c.cleanup();
    }
  };
}

test('spec lists all 46 preview1 functions and createWasi provides exactly those', withCtx((c) => {
  assert.equal(wasiSpec.name, WASI_MODULE_NAME);
  assert.equal(WASI_MODULE_NAME, 'wasi_snapshot_preview1');
  assert.equal(new Set(wasiSpec.functionNames).size, 46);
  assert.deepEqual(Object.keys(c.f).sort(), [...wasiSpec.functionNames].sort());
}));

test('args and environ layout', withCtx((c) => {
  const sizes = c.alloc(8);
  assert.equal(c.f.args_sizes_get(sizes, sizes + 4), 0);
  assert.equal(c.dv().getUint32(sizes, true), 3);
  assert.equal(c.dv().getUint32(sizes + 4, true), 'prog\0a1\0é\0'.length + 1); // é is 2 bytes
  const argv = c.alloc(12);
  const buf = c.alloc(32);
  assert.equal(c.f.args_get(argv, buf), 0);
  const strAt = (p: number) => {
    const u = c.u8();
    let e = p;
    while (u[e] !== 0) e++;
    return dec.decode(u.slice(p, e));
  };
  assert.deepEqual([0, 1, 2].map((i) => strAt(c.dv().getUint32(argv + 4 * i, true))), ['prog', 'a1', 'é']);
  assert.equal(c.dv().getUint32(argv, true), buf);
  assert.equal(c.f.environ_sizes_get(sizes, sizes + 4), 0);
  assert.equal(c.dv().getUint32(sizes, true), 2);
  assert.equal(c.dv().getUint32(sizes + 4, true), 'A=1\0HOME=/\0'.length);
  const envp = c.alloc(8);
  assert.equal(c.f.environ_get(envp, buf), 0);
  assert.equal(strAt(c.dv().getUint32(envp + 4, true)), 'HOME=/');
}, { args: ['prog', 'a1', 'é'], env: ['A=1', 'HOME=/'] }));

test('stdio: writes reach the sinks as private copies; fdstat is a character device with rights', withCtx((c) => {
  const [e, n] = c.write(1, 'hello ', 'world\n');
  assert.equal(e, 0);
  assert.equal(n, 12);
  c.u8().fill(0); // guest memory changes afterwards: the sink must keep its bytes
  assert.equal(dec.decode(c.out[0]), 'hello world\n');
  assert.equal(c.write(2, 'oops')[0], 0);
  assert.equal(dec.decode(c.err[0]), 'oops');
  const p = c.alloc(24);
  assert.equal(c.f.fd_fdstat_get(1, p), 0);
  assert.equal(c.dv().getUint8(p), 2);
  const rights = c.dv().getBigUint64(p + 8, true);
  assert.ok(rights & Rights.FD_WRITE);
  assert.equal(rights & (Rights.FD_SEEK | Rights.FD_TELL), 0n, 'isatty() needs no SEEK/TELL');
  assert.deepEqual(c.read(0, 16), [0, '']); // null stdin: EOF
  assert.equal(c.write(0, 'x')[0], Errno.BADF);
  assert.equal(c.read(1, 4)[0], Errno.BADF);
  assert.equal(c.seek(1, 0n, 1)[0], Errno.SPIPE);
  assert.equal(c.f.fd_fdstat_get(77, p), Errno.BADF);
  assert.equal(c.f.fd_fdstat_get(-1, p), Errno.BADF);
}));

test('stdin from a host fd is read through', withCtx((c) => {
  const file = path.join(c.base, 'stdin.txt');
  fs.writeFileSync(file, 'line1\n');
  const hostFd = fs.openSync(file, 'r');
  const table = FdTable.create({ preopens: [], stdin: { kind: 'hostFd', fd: hostFd } });
  const w = createWasi({ args: [], env: [], fdTable: table, stdout: c.table as any, stderr: c.table as any,
    memory: () => c.memory });
  const p = c.iov([new Uint8Array(32)]);
  const np = c.alloc(4);
  assert.equal(w.functions.fd_read!(0, p, 1, np), 0);
  assert.equal(c.dv().getUint32(np, true), 6);
  table.closeAll();
  fs.fstatSync(hostFd); // not ours: closeAll must leave it open
  fs.closeSync(hostFd);
}));

test('preopens: prestat, dir name, fdstat rights; the scan ends with EBADF', withCtx((c) => {
  const p = c.alloc(24);
  assert.equal(c.f.fd_prestat_get(3, p), 0);
  assert.equal(c.dv().getUint8(p), 0);
  assert.equal(c.dv().getUint32(p + 4, true), 1);
  const name = c.alloc(8);
  assert.equal(c.f.fd_prestat_dir_name(3, name, 1), 0);
  assert.equal(String.fromCharCode(c.u8()[name]!), '/');
  assert.equal(c.f.fd_prestat_dir_name(3, name, 0), Errno.NAMETOOLONG);
  assert.equal(c.f.fd_prestat_get(4, p), Errno.BADF);
  assert.equal(c.f.fd_prestat_get(1, p), Errno.BADF);
  assert.equal(c.f.fd_fdstat_get(3, p), 0);
  assert.equal(c.dv().getUint8(p), 3);
  assert.ok(c.dv().getBigUint64(p + 8, true) & Rights.PATH_OPEN);
  const inh = c.dv().getBigUint64(p + 16, true);
  assert.ok(inh & Rights.FD_READ && inh & Rights.FD_WRITE && inh & Rights.FD_SEEK && inh & Rights.FD_READDIR);
}));

test('file I/O: write, tell, seek, read, pread/pwrite, filestat, set_size, close', withCtx((c) => {
  const [e, fd] = c.open('in.lj', { oflags: OFLAG.CREAT | OFLAG.TRUNC });
  assert.equal(e, 0);
  assert.equal(fd, 4, 'lowest free fd');
  assert.deepEqual(c.write(fd, 'hello ', 'world'), [0, 11]);
  const tp = c.alloc(8);
  assert.equal(c.f.fd_tell(fd, tp), 0);
  assert.equal(c.dv().getBigUint64(tp, true), 11n);
  assert.deepEqual(c.seek(fd, 0n, 0), [0, 0n]);
  assert.deepEqual(c.read(fd, 3, 2), [0, 'hello']);
  assert.deepEqual(c.seek(fd, 1n, 1), [0, 6n]);
  assert.deepEqual(c.seek(fd, -5n, 2), [0, 6n]);
  assert.deepEqual(c.read(fd, 100), [0, 'world']);
  assert.deepEqual(c.read(fd, 100), [0, ''], 'EOF');
  assert.equal(c.seek(fd, -100n, 1)[0], Errno.INVAL);
  assert.equal(c.seek(fd, 0n, 7)[0], Errno.INVAL);
  // pwrite/pread do not move the offset
  const wp = c.iov([enc.encode('J')]);
  const np = c.alloc(4);
  assert.equal(c.f.fd_pwrite(fd, wp, 1, 0n, np), 0);
  assert.equal(c.dv().getUint32(np, true), 1);
  const rp = c.iov([new Uint8Array(5)]);
  assert.equal(c.f.fd_pread(fd, rp, 1, 0n, np), 0);
  assert.equal(dec.decode(c.u8().slice(c.dv().getUint32(rp, true), c.dv().getUint32(rp, true) + 5)), 'Jello');
  assert.equal(c.f.fd_tell(fd, tp), 0);
  assert.equal(c.dv().getBigUint64(tp, true), 11n);
  // filestat layout
  const st = c.filestat(fd);
  const host = fs.statSync(path.join(c.root, 'in.lj'), { bigint: true });
  assert.equal(st.e, 0);
  assert.equal(st.type, 4);
  assert.equal(st.size, 11n);
  assert.equal(st.nlink, 1n);
  assert.equal(st.ino, host.ino);
  assert.equal(st.dev, host.dev);
  assert.equal(st.mtim, host.mtimeNs);
  assert.equal(c.f.fd_filestat_set_size(fd, 3n), 0);
  assert.equal(fs.readFileSync(path.join(c.root, 'in.lj'), 'utf8'), 'Jel');
  assert.equal(c.f.fd_allocate(fd, 0n, 10n), 0);
  assert.equal(fs.statSync(path.join(c.root, 'in.lj')).size, 10);
  assert.equal(c.f.fd_sync(fd), 0);
  assert.equal(c.f.fd_datasync(fd), 0);
  assert.equal(c.f.fd_advise(fd, 0n, 0n, 1), 0);
  assert.equal(c.f.fd_advise(fd, 0n, 0n, 9), Errno.INVAL);
  assert.equal(c.f.fd_close(fd), 0);
  assert.equal(c.f.fd_close(fd), Errno.BADF);
  assert.equal(c.read(fd, 1)[0], Errno.BADF);
  assert.equal(c.open('in.lj')[1], 4, 'freed fd is reused');
}));

test('append flag, fdstat_set_flags and read-only fds', withCtx((c) => {
  fs.writeFileSync(path.join(c.root, 'log'), 'abc');
  const [e, fd] = c.open('log', { fdflags: 1 });
  assert.equal(e, 0);
  assert.equal(c.write(fd, 'de')[0], 0);
  assert.equal(c.write(fd, 'f')[0], 0);
  assert.equal(fs.readFileSync(path.join(c.root, 'log'), 'utf8'), 'abcdef');
  const p = c.alloc(24);
  assert.equal(c.f.fd_fdstat_get(fd, p), 0);
  assert.equal(c.dv().getUint16(p + 2, true), 1);
  assert.equal(c.dv().getUint8(p), 4);
  assert.equal(c.f.fd_fdstat_set_flags(fd, 0), 0);
  c.seek(fd, 0n, 0);
  c.write(fd, 'X');
  assert.equal(fs.readFileSync(path.join(c.root, 'log'), 'utf8'), 'Xbcdef');
  assert.equal(c.f.fd_fdstat_set_flags(fd, 16), Errno.NOTSUP);
  assert.equal(c.f.fd_fdstat_set_flags(fd, 64), Errno.INVAL);
  const [, ro] = c.open('log', { rights: RO });
  assert.equal(c.write(ro, 'no')[0], Errno.BADF);
  assert.deepEqual(c.read(ro, 3), [0, 'Xbc']);
  // rights only shrink
  assert.equal(c.f.fd_fdstat_set_rights(ro, Rights.FD_READ, 0n), 0);
  assert.equal(c.f.fd_fdstat_set_rights(ro, Rights.FD_READ | Rights.FD_WRITE, 0n), Errno.NOTCAPABLE);
  assert.equal(c.f.fd_filestat_get(ro, p), Errno.NOTCAPABLE);
  // asking for every bit is reduced to what a file can have
  const [pp, pl] = c.str('log');
  const fdp = c.alloc(4);
  assert.equal(c.f.path_open(3, 1, pp, pl, 0, -1n, -1n, 0, fdp), 0);
  assert.equal(c.f.fd_fdstat_get(c.dv().getUint32(fdp, true), p), 0);
  const granted = c.dv().getBigUint64(p + 8, true);
  assert.ok(granted & Rights.FD_READ && granted & Rights.FD_WRITE && granted & Rights.FD_SEEK);
  assert.equal(granted & Rights.PATH_OPEN, 0n);
}));

test('path_open errors: EXCL, missing, DIRECTORY on file, writing a dir, file as directory', withCtx((c) => {
  fs.writeFileSync(path.join(c.root, 'f'), 'x');
  fs.mkdirSync(path.join(c.root, 'd'));
  assert.equal(c.open('f', { oflags: OFLAG.CREAT | OFLAG.EXCL })[0], Errno.EXIST);
  assert.equal(c.open('missing')[0], Errno.NOENT);
  assert.equal(c.open('nodir/x', { oflags: OFLAG.CREAT })[0], Errno.NOENT);
  assert.equal(c.open('f', { oflags: OFLAG.DIRECTORY, rights: RO })[0], Errno.NOTDIR);
  assert.equal(c.open('f/x')[0], Errno.NOTDIR);
  assert.equal(c.open('f/')[0], Errno.NOTDIR);
  assert.equal(c.open('d')[0], Errno.ISDIR, 'a directory cannot be opened for writing');
  assert.equal(c.open('')[0], Errno.NOENT);
  assert.equal(c.open('x', { dirfd: 1 })[0], Errno.NOTDIR);
  assert.equal(c.open('x', { dirfd: 99 })[0], Errno.BADF);
  const [e, dfd] = c.open('d', { oflags: OFLAG.DIRECTORY, rights: RO });
  assert.equal(e, 0);
  assert.equal(c.read(dfd, 4)[0], Errno.ISDIR);
  assert.equal(c.filestat(dfd).type, 3);
  // relative opens below an opened directory
  const [e2, inner] = c.open('g', { dirfd: dfd, oflags: OFLAG.CREAT });
  assert.equal(e2, 0);
  c.write(inner, 'G');
  assert.equal(fs.readFileSync(path.join(c.root, 'd', 'g'), 'utf8'), 'G');
  assert.equal(c.open('../f', { dirfd: dfd, rights: RO })[0], 0);
  assert.equal(c.open('../../f', { dirfd: dfd, rights: RO })[0], Errno.NOTCAPABLE);
  // invalid UTF-8 path
  const bad = c.alloc(4);
  c.u8().set([0xff, 0xfe], bad);
  assert.equal(c.f.path_open(3, 1, bad, 2, 0, RW, RW, 0, c.alloc(4)), Errno.ILSEQ);
  // out-of-bounds pointer
  assert.equal(c.f.path_open(3, 1, 10 * 65536, 4, 0, RW, RW, 0, c.alloc(4)), Errno.FAULT);
}));

test('sandbox: wasi-libc style paths; ../ and absolute paths cannot escape', withCtx((c) => {
  fs.writeFileSync(path.join(c.root, 'in.lj'), 'units lj\n');
  fs.mkdirSync(path.join(c.root, 'sub'));
  const [e, fd] = c.open('in.lj', { rights: RO });
  assert.equal(e, 0);
  assert.deepEqual(c.read(fd, 100), [0, 'units lj\n']);
  assert.equal(c.open('./sub/../in.lj', { rights: RO })[0], 0);
  assert.equal(c.open('../../etc/passwd', { rights: RO })[0], Errno.NOTCAPABLE);
  assert.equal(c.open('..', { rights: RO })[0], Errno.NOTCAPABLE);
  assert.equal(c.open('sub/../../outside/secret', { rights: RO })[0], Errno.NOTCAPABLE);
  assert.equal(c.open('/etc/passwd', { rights: RO })[0], Errno.NOTCAPABLE);
  // what wasi-libc sends for fopen("/etc/passwd") with preopen "/": the path relative to the root
  assert.equal(c.open('etc/passwd', { rights: RO })[0], Errno.NOENT);
  assert.equal(c.pathCall('path_create_directory', '../x'), Errno.NOTCAPABLE);
  assert.equal(fs.existsSync(path.join(c.base, 'x')), false);
  assert.equal(c.pathCall('path_unlink_file', '../outside/secret'), Errno.NOTCAPABLE);
  assert.ok(fs.existsSync(path.join(c.base, 'outside', 'secret')));
  assert.equal(c.pathCall('path_remove_directory', '.'), Errno.INVAL);
  assert.equal(c.pathCall('path_remove_directory', 'sub/..'), Errno.INVAL);
  assert.ok(fs.existsSync(c.root));
}));

test('sandbox: symlinks whose target leaves the root are refused (final and intermediate)', withCtx((c) => {
  fs.symlinkSync('/etc', path.join(c.root, 'etc'));
  fs.symlinkSync('../outside', path.join(c.root, 'out'));
  fs.symlinkSync('../outside/secret', path.join(c.root, 'sec'));
  fs.mkdirSync(path.join(c.base, 'sb2'));
  fs.writeFileSync(path.join(c.base, 'sb2', 'f'), 'other user');
  fs.symlinkSync(path.join(c.base, 'sb2'), path.join(c.root, 'sb2link'));
  fs.writeFileSync(path.join(c.root, 'real'), 'inside');
  fs.symlinkSync('real', path.join(c.root, 'good'));
  fs.symlinkSync(path.join(c.root, 'real'), path.join(c.root, 'absgood'));
  fs.symlinkSync('loop', path.join(c.root, 'loop'));
  for (const p of ['etc/passwd', 'etc', 'out/secret', 'out', 'sec', 'sb2link/f', 'sb2link']) {
    assert.equal(c.open(p, { rights: RO })[0], Errno.NOTCAPABLE, p);
    const sp = c.alloc(64);
    const [pp, pl] = c.str(p);
    assert.equal(c.f.path_filestat_get(3, FOLLOW, pp, pl, sp), Errno.NOTCAPABLE, `stat ${p}`);
  }
  const [e, fd] = c.open('good', { rights: RO });
  assert.equal(e, 0);
  assert.deepEqual(c.read(fd, 10), [0, 'inside']);
  assert.equal(c.open('absgood', { rights: RO })[0], 0, 'absolute target inside the root is fine');
  assert.equal(c.open('good', { rights: RO, lookup: 0 })[0], Errno.LOOP, 'no SYMLINK_FOLLOW: O_NOFOLLOW');
  assert.equal(c.open('loop', { rights: RO })[0], Errno.LOOP);
  // lstat without follow sees the link itself
  const sp = c.alloc(64);
  const [pp, pl] = c.str('etc');
  assert.equal(c.f.path_filestat_get(3, 0, pp, pl, sp), 0);
  assert.equal(c.dv().getUint8(sp + 16), 7);
  // removing the escaping link is fine, and does not touch its target
  assert.equal(c.pathCall('path_unlink_file', 'out'), 0);
  assert.ok(fs.existsSync(path.join(c.base, 'outside', 'secret')));
}));

/** Where a lookup leads: the directory it holds (as the kernel names it now) and the final name; or its errno. */
function where(root: SandboxRoot, start: number, p: string, followFinal = true): { dir: string; name: string | null } | number {
  try {
    const f = lookup(root, start, p, { followFinal });
    try {
      return { dir: fs.readlinkSync(`/proc/self/fd/${f.dirFd}`), name: f.name };
    } finally {
      f.release();
    }
  } catch (e) {
    if (e instanceof WasiError) return e.errno;
    throw e;
  }
}

const openFds = (): number => fs.readdirSync('/proc/self/fd').length;

test('lookup: resolves from held directory fds on a crafted tree; /root2 is not inside /root', () => {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wasi-sb-')));
  const root = path.join(base, 'root');
  fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
  fs.mkdirSync(path.join(base, 'root2'));
  fs.symlinkSync(path.join(base, 'root2'), path.join(root, 'r2'));
  fs.symlinkSync('a/b', path.join(root, 'ab'));
  fs.symlinkSync(path.join(root, 'a'), path.join(root, 'absa'));
  fs.symlinkSync('../../root2', path.join(root, 'a', 'up2'));
  const r = openRoot(root);
  const held: number[] = [];
  try {
    assert.equal(where(r, r.fd, 'r2'), Errno.NOTCAPABLE);
    assert.deepEqual(where(r, r.fd, 'r2', false), { dir: root, name: 'r2' });
    assert.equal(where(r, r.fd, 'r2/', false), Errno.NOTCAPABLE, 'a trailing slash follows');
    assert.equal(where(r, r.fd, 'r2/x'), Errno.NOTCAPABLE);
    assert.equal(where(r, r.fd, 'a/up2'), Errno.NOTCAPABLE);
    assert.equal(where(r, r.fd, 'a/x/../c'), Errno.NOENT);
    assert.deepEqual(where(r, r.fd, 'new'), { dir: root, name: 'new' });
    assert.deepEqual(where(r, r.fd, '.'), { dir: root, name: null });
    assert.deepEqual(where(r, r.fd, 'a/b/.'), { dir: path.join(root, 'a', 'b'), name: null });
    assert.deepEqual(where(r, r.fd, 'ab/../x'), { dir: path.join(root, 'a'), name: 'x' }, '.. after a link: its target');
    assert.deepEqual(where(r, r.fd, 'absa/b/f'), { dir: path.join(root, 'a', 'b'), name: 'f' }, 'absolute inside');
    assert.equal(where(r, r.fd, '..'), Errno.NOTCAPABLE);
    assert.equal(where(r, r.fd, '/x'), Errno.NOTCAPABLE);
    // A held directory fd resolves where its directory is NOW, whatever happened to its old path.
    const bfd = fs.openSync(path.join(root, 'a', 'b'), O_PATH | fs.constants.O_DIRECTORY);
    held.push(bfd);
    fs.mkdirSync(path.join(root, 'c'));
    fs.renameSync(path.join(root, 'a', 'b'), path.join(root, 'c', 'b'));
    fs.symlinkSync(path.join(base, 'root2'), path.join(root, 'a', 'b'));
    assert.deepEqual(where(r, bfd, 'f'), { dir: path.join(root, 'c', 'b'), name: 'f' });
    assert.deepEqual(where(r, bfd, '../f'), { dir: path.join(root, 'c'), name: 'f' }, '.. of a moved dir: its new parent');
    assert.equal(where(r, bfd, '../../..'), Errno.NOTCAPABLE);
    // A handle on a directory outside the root cannot climb out through `..` either.
    const outFd = fs.openSync(path.join(base, 'root2'), O_PATH | fs.constants.O_DIRECTORY);
    held.push(outFd);
    assert.equal(where(r, outFd, '../root2/x'), Errno.NOTCAPABLE);
    // No fd is leaked by lookups, failed or not.
    const before = openFds();
    for (let i = 0; i < 300; i++) {
      where(r, r.fd, 'c/b/../b/x');
      where(r, r.fd, 'r2/x');
      where(r, r.fd, 'ab/missing/x');
      where(r, bfd, '../../..');
    }
    assert.equal(openFds(), before);
  } finally {
    for (const fd of held) fs.closeSync(fd);
    closeRoot(r);
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('no host fd leaks: a long run of opens, failed lookups, readdir and closes; closeAll releases the roots', () => {
  const before = openFds();
  const c = setup();
  try {
    fs.mkdirSync(path.join(c.root, 'd', 'e'), { recursive: true });
    fs.writeFileSync(path.join(c.root, 'd', 'e', 'f'), 'F');
    fs.symlinkSync('d/e', path.join(c.root, 'de'));
    fs.symlinkSync('../outside', path.join(c.root, 'out'));
    const during = openFds();
    for (let i = 0; i < 500; i++) {
      const [e1, fd] = c.open('de/f', { rights: RO });
      assert.equal(e1, 0);
      const [e2, dfd] = c.open('d/e/..', { oflags: OFLAG.DIRECTORY, rights: RO });
      assert.equal(e2, 0);
      assert.equal(c.open('e/f', { dirfd: dfd, rights: RO })[0], 0);
      assert.equal(c.open('../out/secret', { dirfd: dfd, rights: RO })[0], Errno.NOTCAPABLE);
      assert.equal(c.open('de/missing/x', { rights: RO })[0], Errno.NOENT);
      assert.equal(c.f.fd_readdir(dfd, c.alloc(256), 256, 0n, c.alloc(4)), 0);
      assert.equal(c.pathCall('path_create_directory', 'd/tmp'), 0);
      assert.equal(c.pathCall('path_remove_directory', 'd/tmp'), 0);
      assert.equal(c.f.fd_close(dfd), 0);
      assert.equal(c.f.fd_close(fd), 0);
      assert.equal(c.f.fd_close(dfd + 1), 0, 'the fd opened below dfd');
    }
    assert.equal(openFds(), during);
  } finally {
    c.cleanup();
  }
  assert.equal(openFds(), before, 'closeAll closes the preopen fds and the held roots');
});

test('path_symlink targets must stay inside; readlink returns the target', withCtx((c) => {
  fs.writeFileSync(path.join(c.root, 'data'), 'D');
  fs.mkdirSync(path.join(c.root, 'sub'));
  const sym = (target: string, link: string) => {
    const [tp, tl] = c.str(target);
    const [lp, ll] = c.str(link);
    return c.f.path_symlink(tp, tl, 3, lp, ll);
  };
  assert.equal(sym('/etc/passwd', 'l1'), Errno.NOTCAPABLE);
  assert.equal(sym('../outside/secret', 'l2'), Errno.NOTCAPABLE);
  assert.equal(sym('../data', 'l3'), Errno.NOTCAPABLE);
  assert.equal(sym('../../data', 'sub/l4'), Errno.NOTCAPABLE);
  // Any `..` is refused, even one that stays inside where it is made: moved elsewhere it could point out.
  assert.equal(sym('../data', 'sub/l5'), Errno.NOTCAPABLE);
  assert.equal(sym('sub/../data', 'l7'), Errno.NOTCAPABLE);
  assert.equal(sym('sub/./x', 'l8'), 0);
  fs.symlinkSync('../data', path.join(c.root, 'sub', 'l5')); // one made by the host still resolves
  assert.equal(sym('data', 'l6'), 0);
  assert.equal(sym('data', 'l6'), Errno.EXIST);
  assert.equal(fs.readlinkSync(path.join(c.root, 'sub', 'l5')), '../data');
  const [e, fd] = c.open('sub/l5', { rights: RO });
  assert.equal(e, 0);
  assert.deepEqual(c.read(fd, 5), [0, 'D']);
  const [pp, pl] = c.str('l6');
  const buf = c.alloc(16);
  const used = c.alloc(4);
  assert.equal(c.f.path_readlink(3, pp, pl, buf, 16, used), 0);
  assert.equal(c.dv().getUint32(used, true), 4);
  assert.equal(dec.decode(c.u8().slice(buf, buf + 4)), 'data');
  assert.equal(c.f.path_readlink(3, pp, pl, buf, 2, used), 0);
  assert.equal(c.dv().getUint32(used, true), 2, 'truncated like readlink(2)');
  const [dp, dl] = c.str('data');
  assert.equal(c.f.path_readlink(3, dp, dl, buf, 16, used), Errno.INVAL);
}));

test('directories, unlink, rename, link and their errnos', withCtx((c) => {
  assert.equal(c.pathCall('path_create_directory', 'd'), 0);
  assert.equal(c.pathCall('path_create_directory', 'd'), Errno.EXIST);
  assert.equal(c.pathCall('path_create_directory', 'd/e/f'), Errno.NOENT);
  assert.equal(c.open('d/f', { oflags: OFLAG.CREAT })[0], 0);
  assert.equal(c.pathCall('path_remove_directory', 'd'), Errno.NOTEMPTY);
  assert.equal(c.pathCall('path_remove_directory', 'd/f'), Errno.NOTDIR);
  assert.equal(c.pathCall('path_unlink_file', 'd'), Errno.ISDIR);
  assert.equal(c.pathCall('path_unlink_file', 'nope'), Errno.NOENT);
  const [op, ol] = c.str('d/f');
  const [np, nl] = c.str('g');
  assert.equal(c.f.path_rename(3, op, ol, 3, np, nl), 0);
  assert.ok(fs.existsSync(path.join(c.root, 'g')));
  assert.equal(c.f.path_rename(3, op, ol, 3, np, nl), Errno.NOENT);
  const [hp, hl] = c.str('h');
  assert.equal(c.f.path_link(3, 0, np, nl, 3, hp, hl), 0);
  const sp = c.alloc(64);
  assert.equal(c.f.path_filestat_get(3, FOLLOW, hp, hl, sp), 0);
  assert.equal(c.dv().getBigUint64(sp + 24, true), 2n, 'nlink');
  assert.equal(c.dv().getUint8(sp + 16), 4);
  assert.equal(c.f.path_link(3, 0, np, nl, 3, hp, hl), Errno.EXIST);
  const [dp, dl] = c.str('d');
  assert.equal(c.f.path_rename(3, np, nl, 3, dp, dl), Errno.ISDIR);
  assert.equal(c.pathCall('path_remove_directory', 'd'), 0);
  assert.equal(c.pathCall('path_unlink_file', 'g'), 0);
  assert.equal(c.pathCall('path_unlink_file', 'h'), 0);
  assert.deepEqual(fs.readdirSync(c.root), []);
}));

test('fd_readdir: dirent layout, cookies, and a partial last entry fills the buffer', withCtx((c) => {
  const names = ['a', 'bb', 'ccc', 'sub'];
  for (const n of names.slice(0, 3)) fs.writeFileSync(path.join(c.root, n), n);
  fs.mkdirSync(path.join(c.root, 'sub'));
  const parse = (buf: number, used: number) => {
    const out: { next: bigint; ino: bigint; name: string; type: number }[] = [];
    let p = buf;
    while (p + 24 <= buf + used) {
      const len = c.dv().getUint32(p + 16, true);
      if (p + 24 + len > buf + used) break; // partial
      out.push({ next: c.dv().getBigUint64(p, true), ino: c.dv().getBigUint64(p + 8, true),
        type: c.dv().getUint8(p + 20), name: dec.decode(c.u8().slice(p + 24, p + 24 + len)) });
      p += 24 + len;
    }
    return out;
  };
  const buf = c.alloc(4096);
  const usedP = c.alloc(4);
  assert.equal(c.f.fd_readdir(3, buf, 4096, 0n, usedP), 0);
  const used = c.dv().getUint32(usedP, true);
  const all = parse(buf, used);
  assert.equal(used, all.reduce((s, e) => s + 24 + e.name.length, 0));
  assert.deepEqual(all.map((e) => e.name).sort(), ['.', '..', ...names].sort());
  all.forEach((e, i) => assert.equal(e.next, BigInt(i + 1)));
  const byName = Object.fromEntries(all.map((e) => [e.name, e]));
  assert.equal(byName['sub']!.type, 3);
  assert.equal(byName['a']!.type, 4);
  assert.equal(byName['a']!.ino, fs.statSync(path.join(c.root, 'a'), { bigint: true }).ino);
  // small buffer: filled completely (partial entry), then resume from the last complete entry's d_next
  const got: string[] = [];
  let cookie = 0n;
  for (let rounds = 0; rounds < 20; rounds++) {
    assert.equal(c.f.fd_readdir(3, buf, 40, cookie, usedP), 0);
    const u = c.dv().getUint32(usedP, true);
    const ents = parse(buf, u);
    got.push(...ents.map((e) => e.name));
    if (u < 40) break;
    assert.ok(ents.length > 0);
    cookie = ents[ents.length - 1]!.next;
  }
  assert.deepEqual(got, all.map((e) => e.name));
  assert.equal(c.f.fd_readdir(3, buf, 4096, 1000n, usedP), 0);
  assert.equal(c.dv().getUint32(usedP, true), 0);
  assert.equal(c.f.fd_readdir(1, buf, 4096, 0n, usedP), Errno.NOTDIR);
}));

test('timestamps: path/fd_filestat_set_times', withCtx((c) => {
  c.open('t', { oflags: OFLAG.CREAT });
  const [pp, pl] = c.str('t');
  const ns = 1_600_000_000_000_000_000n;
  assert.equal(c.f.path_filestat_set_times(3, FOLLOW, pp, pl, 0n, ns, 4), 0);
  const st = fs.statSync(path.join(c.root, 't'), { bigint: true });
  assert.ok(st.mtimeNs - ns < 1000n && ns - st.mtimeNs < 1000n, String(st.mtimeNs));
  assert.equal(c.f.path_filestat_set_times(3, FOLLOW, pp, pl, 0n, 0n, 1 | 2), Errno.INVAL);
  const [, fd] = c.open('t');
  assert.equal(c.f.fd_filestat_set_times(fd, 0n, 0n, 8), 0);
  const now = BigInt(Date.now()) * 1_000_000n;
  const m2 = fs.statSync(path.join(c.root, 't'), { bigint: true }).mtimeNs;
  assert.ok(now - m2 < 5_000_000_000n);
  assert.ok(fs.statSync(path.join(c.root, 't'), { bigint: true }).atimeNs <= now + 1_000_000_000n);
}));

test('clocks and random_get', withCtx((c) => {
  const p = c.alloc(8);
  assert.equal(c.f.clock_time_get(1, 0n, p), 0);
  const t1 = c.dv().getBigUint64(p, true);
  c.f.clock_time_get(1, 0n, p);
  assert.ok(c.dv().getBigUint64(p, true) >= t1);
  assert.equal(c.f.clock_time_get(0, 0n, p), 0);
  const real = c.dv().getBigUint64(p, true);
  const diff = real - BigInt(Date.now()) * 1_000_000n;
  assert.ok(diff < 50_000_000n && diff > -50_000_000n);
  assert.equal(c.f.clock_time_get(2, 0n, p), 0);
  assert.ok(c.dv().getBigUint64(p, true) > 0n);
  assert.equal(c.f.clock_time_get(3, 0n, p), 0);
  assert.equal(c.f.clock_time_get(9, 0n, p), Errno.INVAL);
  assert.equal(c.f.clock_res_get(1, p), 0);
  assert.equal(c.dv().getBigUint64(p, true), 1n);
  assert.equal(c.f.clock_res_get(0, p), 0);
  assert.equal(c.f.clock_res_get(5, p), Errno.INVAL);
  assert.equal(c.f.clock_time_get(1, 0n, 65536 - 4), Errno.FAULT);
  // random: larger than one getRandomValues chunk
  c.memory.grow(2);
  const r = 65536;
  assert.equal(c.f.random_get(r, 100_000), 0);
  const bytes = new Uint8Array(c.memory.buffer, r, 100_000);
  assert.ok(bytes.slice(70_000, 70_100).some((b) => b !== 0));
  assert.ok(bytes.slice(0, 100).some((b) => b !== 0));
  assert.equal(c.f.random_get(3 * 65536 - 10, 100), Errno.FAULT);
  assert.equal(c.f.random_get(0, 0), 0);
}));

test('memory growth: the buffer is re-read on every call', withCtx((c) => {
  c.memory.grow(1);
  const p = 65536 + 100;
  const [sp, sl] = c.str('grown');
  const iovp = 65536;
  new DataView(c.memory.buffer).setUint32(iovp, sp, true);
  new DataView(c.memory.buffer).setUint32(iovp + 4, sl, true);
  assert.equal(c.f.fd_write(1, iovp, 1, p), 0);
  assert.equal(new DataView(c.memory.buffer).getUint32(p, true), 5);
  assert.equal(dec.decode(c.out[0]), 'grown');
}));

test('poll_oneoff: clock sleeps; fd subscriptions are ready at once', withCtx((c) => {
  const subs = c.alloc(48 * 3);
  const events = c.alloc(32 * 3);
  const nev = c.alloc(4);
  const d = () => c.dv();
  const clockSub = (p: number, ud: bigint, ns: bigint, flags = 0, id = 1) => {
    c.u8().fill(0, p, p + 48);
    d().setBigUint64(p, ud, true);
    d().setUint8(p + 8, 0);
    d().setUint32(p + 16, id, true);
    d().setBigUint64(p + 24, ns, true);
    d().setUint16(p + 40, flags, true);
  };
  const fdSub = (p: number, ud: bigint, tag: number, fd: number) => {
    c.u8().fill(0, p, p + 48);
    d().setBigUint64(p, ud, true);
    d().setUint8(p + 8, tag);
    d().setUint32(p + 16, fd, true);
  };
  clockSub(subs, 42n, 30_000_000n);
  clockSub(subs + 48, 43n, 5_000_000_000n);
  const t0 = process.hrtime.bigint();
  assert.equal(c.f.poll_oneoff(subs, events, 2, nev), 0);
  const el = process.hrtime.bigint() - t0;
  assert.ok(el >= 30_000_000n && el < 2_000_000_000n, String(el));
  assert.equal(d().getUint32(nev, true), 1);
  assert.equal(d().getBigUint64(events, true), 42n);
  assert.equal(d().getUint16(events + 8, true), 0);
  assert.equal(d().getUint8(events + 10), 0);
  // absolute deadline in the past: immediate
  clockSub(subs, 7n, 1n, 1);
  assert.equal(c.f.poll_oneoff(subs, events, 1, nev), 0);
  assert.equal(d().getUint32(nev, true), 1);
  assert.equal(d().getUint16(events + 8, true), 0);
  // unknown clock id: an event carrying EINVAL
  clockSub(subs, 8n, 1n, 0, 99);
  assert.equal(c.f.poll_oneoff(subs, events, 1, nev), 0);
  assert.equal(d().getUint32(nev, true), 1);
  assert.equal(d().getUint16(events + 8, true), Errno.INVAL);
  // fd read on a file + stdout write + a long clock: returns at once with the two fd events
  fs.writeFileSync(path.join(c.root, 'p'), '12345');
  const [, fd] = c.open('p', { rights: RO });
  fdSub(subs, 1n, 1, fd);
  fdSub(subs + 48, 2n, 2, 1);
  clockSub(subs + 96, 3n, 10_000_000_000n);
  const t1 = Date.now();
  assert.equal(c.f.poll_oneoff(subs, events, 3, nev), 0);
  assert.ok(Date.now() - t1 < 1000);
  assert.equal(d().getUint32(nev, true), 2);
  assert.equal(d().getBigUint64(events, true), 1n);
  assert.equal(d().getUint8(events + 10), 1);
  assert.equal(d().getBigUint64(events + 16, true), 5n, 'bytes available');
  assert.equal(d().getBigUint64(events + 32, true), 2n);
  // closed fd -> EBADF in the event; zero subscriptions -> EINVAL
  fdSub(subs, 9n, 1, 500);
  assert.equal(c.f.poll_oneoff(subs, events, 1, nev), 0);
  assert.equal(d().getUint16(events + 8, true), Errno.BADF);
  assert.equal(c.f.poll_oneoff(subs, events, 0, nev), Errno.INVAL);
  assert.equal(c.f.sched_yield(), 0);
}));

test('proc_exit throws ProcExit; unsupported calls answer with errnos', withCtx((c) => {
  assert.throws(() => c.f.proc_exit(3), (e: unknown) => e instanceof ProcExit && e.code === 3);
  assert.equal(c.f.proc_raise(6), Errno.NOSYS);
  assert.equal(c.f.sock_accept(3, 0, c.alloc(4)), Errno.NOTSUP);
  assert.equal(c.f.sock_recv(1, 0, 0, 0, 0, 0), Errno.NOTSUP);
  assert.equal(c.f.sock_send(200, 0, 0, 0, 0), Errno.BADF);
  assert.equal(c.f.sock_shutdown(0, 0), Errno.NOTSUP);
}));

test('fd_renumber moves an entry over another; a throwing sink maps to EIO', withCtx((c) => {
  const [, fd] = c.open('r', { oflags: OFLAG.CREAT });
  assert.equal(c.f.fd_renumber(fd, 1), 0);
  assert.equal(c.write(1, 'to file')[0], 0);
  assert.equal(c.out.length, 0);
  assert.equal(fs.readFileSync(path.join(c.root, 'r'), 'utf8'), 'to file');
  assert.equal(c.f.fd_close(fd), Errno.BADF);
  assert.equal(c.f.fd_renumber(50, 1), Errno.BADF);
  assert.equal(c.f.fd_renumber(1, 50), Errno.BADF);
  const table = FdTable.create({ preopens: [], stdin: { kind: 'null' } });
  const w = createWasi({ args: [], env: [], fdTable: table, memory: () => c.memory,
    stdout: { write() { throw new Error('boom'); }, flush() {} }, stderr: { write() {}, flush() {} } });
  const p = c.iov([enc.encode('x')]);
  assert.equal(w.functions.fd_write!(1, p, 1, c.alloc(4)), Errno.IO);
}));

test('fd table: lowest free fd, EMFILE at capacity, closeAll', () => {
  const t = FdTable.create({ preopens: [], stdin: { kind: 'null' } });
  const fake = { kind: FdKind.File, hostFd: -1, fdflags: 0, filetype: 4, preopen: -1, ownsHostFd: false,
    rightsBase: 0n, rightsInheriting: 0n, offset: 0n } as const;
  for (let i = 3; i < FD_CAPACITY; i++) assert.equal(t.insert({ ...fake }), i);
  assert.throws(() => t.insert({ ...fake }), (e: any) => e.code === 'EMFILE' && errnoFromCode(e.code) === Errno.MFILE);
  assert.ok(t.close(100));
  assert.equal(t.insert({ ...fake, offset: 1n << 40n }), 100);
  assert.equal(t.get(100)!.offset, 1n << 40n);
  t.closeAll();
  assert.equal(t.get(0), null);
});

test('errno mapping from Node codes', () => {
  assert.equal(errnoFromCode('ENOENT'), 44);
  assert.equal(errnoFromCode('EACCES'), 2);
  assert.equal(errnoFromCode('EEXIST'), 20);
  assert.equal(errnoFromCode('ENOTDIR'), 54);
  assert.equal(errnoFromCode('EISDIR'), 31);
  assert.equal(errnoFromCode('ENOTEMPTY'), 55);
  assert.equal(errnoFromCode('EBADF'), 8);
  assert.equal(errnoFromCode('EINVAL'), 28);
  assert.equal(errnoFromCode('ELOOP'), 32);
  assert.equal(errnoFromCode('EOPNOTSUPP'), 58);
  assert.equal(errnoFromCode('EWOULDBLOCK'), 6);
  assert.equal(errnoFromCode('EXDEV'), 75);
  assert.equal(errnoFromCode('EWHATEVER'), Errno.IO);
  assert.equal(errnoFromCode(undefined), Errno.IO);
});

test('the fd table is shared with another worker thread (same host fds and offsets)', withCtx(async (c) => {
  const [e, fd] = c.open('shared', { oflags: OFLAG.CREAT });
  assert.equal(e, 0);
  c.write(fd, 'abc');
  const url = pathToFileURL(path.resolve(path.dirname(new URL(import.meta.url).pathname),
    '../host-interface/wasi/preview1.js')).href;
  const tableUrl = url.replace(/preview1\.js$/, 'fd-table.js');
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    (async () => {
      const { createWasi } = await import(${JSON.stringify(url)});
      const { FdTable } = await import(${JSON.stringify(tableUrl)});
      const table = FdTable.attach(workerData.handle);
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
      const sink = { write() {}, flush() {} };
      const w = createWasi({ args: [], env: [], fdTable: table, stdout: sink, stderr: sink, memory: () => memory });
      const dv = new DataView(memory.buffer);
      new Uint8Array(memory.buffer).set(new TextEncoder().encode('def'), 100);
      dv.setUint32(0, 100, true); dv.setUint32(4, 3, true);
      const r1 = w.functions.fd_write(workerData.fd, 0, 1, 16);
      const r2 = w.functions.fd_tell(workerData.fd, 24);
      parentPort.postMessage({ r1, r2, tell: dv.getBigUint64(24, true) });
    })().catch((err) => parentPort.postMessage({ err: String(err) }));`;
  const handle: FdTableHandle = c.table.handle();
  const msg: any = await new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { handle, fd } });
    w.once('message', (m) => { resolve(m); void w.terminate(); });
    w.once('error', reject);
  });
  assert.equal(msg.err, undefined, msg.err);
  assert.equal(msg.r1, 0);
  assert.equal(msg.tell, 6n);
  assert.equal(fs.readFileSync(path.join(c.root, 'shared'), 'utf8'), 'abcdef');
  const tp = c.alloc(8);
  assert.equal(c.f.fd_tell(fd, tp), 0);
  assert.equal(c.dv().getBigUint64(tp, true), 6n, 'offset moved by the other thread is seen here');
}));

test('concurrent writes from two worker threads on one fd never overlap (shared offset under the lock)', withCtx(async (c) => {
  const [e, fd] = c.open('race', { oflags: OFLAG.CREAT });
  assert.equal(e, 0);
  const url = new URL('../host-interface/wasi/preview1.js', import.meta.url).href;
  const tableUrl = new URL('../host-interface/wasi/fd-table.js', import.meta.url).href;
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    (async () => {
      const { createWasi } = await import(${JSON.stringify(url)});
      const { FdTable } = await import(${JSON.stringify(tableUrl)});
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
      const sink = { write() {}, flush() {} };
      const w = createWasi({ args: [], env: [], fdTable: FdTable.attach(workerData.handle), stdout: sink,
        stderr: sink, memory: () => memory });
      const dv = new DataView(memory.buffer);
      new Uint8Array(memory.buffer).set(new TextEncoder().encode(workerData.tag), 100);
      dv.setUint32(0, 100, true); dv.setUint32(4, 4, true);
      let bad = 0;
      for (let i = 0; i < 500; i++) if (w.functions.fd_write(workerData.fd, 0, 1, 16) !== 0) bad++;
      parentPort.postMessage({ bad });
    })().catch((err) => parentPort.postMessage({ err: String(err) }));`;
  const run = (tag: string) => new Promise<any>((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { handle: c.table.handle(), fd, tag } });
    w.once('message', (m) => { resolve(m); void w.terminate(); });
    w.once('error', reject);
  });
  const res = await Promise.all([run('AAA\n'), run('BBB\n')]);
  assert.deepEqual(res, [{ bad: 0 }, { bad: 0 }]);
  const lines = fs.readFileSync(path.join(c.root, 'race'), 'utf8').split('\n').filter(Boolean);
  assert.equal(lines.length, 1000);
  assert.equal(lines.filter((l) => l === 'AAA').length, 500);
  assert.equal(lines.filter((l) => l === 'BBB').length, 500);
}));
