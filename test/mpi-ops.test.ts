// Reduction ops: the C program test/programs/mpi_ops.c (MPI_Reduce_local over every allowed (op, type) pair,
// checked bit-exactly against C, user ops, errors) at 1 and 2 ranks, and unit tests of mpi/ops on the host side
// (registry, packed data at any alignment, 64-bit and binary128 arithmetic, user ops through a fake guest).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as abi from '../mpi/abi.js';
import { DatatypeRegistry, isMpiError, type Datatype } from '../mpi/datatypes/index.js';
import { OpRegistry, quadAdd, quadFromNumber, quadMul, type ReductionOp } from '../mpi/ops/index.js';
import { build, faasmpiRun, tempDir } from './helpers.js';

const dir = tempDir();
let wasm = '';
before(() => {
  wasm = build('mpi_ops.c', dir);
});

function assertOk(r: { status: number | null; stdout: string; stderr: string }, ranks: number): void {
  assert.doesNotMatch(r.stdout, /FAIL/, r.stdout);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  for (let i = 0; i < ranks; i++) assert.match(r.stdout, new RegExp(`^OK mpi_ops rank ${i}$`, 'm'));
  assert.match(r.stdout, /mpi_ops rank 0: [1-9]\d+ checks, 0 failures/);
}

describe('MPI_Reduce_local and ops (C, faasmpirun)', () => {
  test('every allowed (op, type), ties, wrap, complex, long double, derived types, user ops, errors: -np 1', () => {
    assertOk(faasmpiRun(['-np', '1', wasm]), 1);
  });

  test('the same at -np 2 (independent ranks, different data)', () => {
    assertOk(faasmpiRun(['-np', '2', wasm]), 2);
  });

  test('an op on a type it does not apply to is fatal by default, naming op and type', () => {
    const r = faasmpiRun(['-np', '2', wasm, 'fatal-op']);
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stderr, /rank \d: MPI_Reduce_local: MPI_SUM does not apply to MPI_C_BOOL \(MPI_ERR_OP\)/);
    assert.doesNotMatch(r.stdout, /not reached/);
  });

  test('timings: 1M elements per MPI_Reduce_local', (t) => {
    const r = faasmpiRun(['-np', '1', wasm, 'time']);
    assertOk(r, 1);
    const times = r.stdout.split('\n').filter((l) => l.startsWith('TIME '));
    assert.equal(times.length, 6, r.stdout);
    for (const l of times) t.diagnostic(l);
  });
});

// ---- host-side unit tests ----

const memory = new WebAssembly.Memory({ initial: 4, maximum: 16, shared: true });
/** A stand-in guest: a scratch buffer at 64 KiB and a "function table" of JS user functions over the memory. */
const userFns = new Map<number, (inPtr: number, inoutPtr: number, len: number, type: number) => void>();
const fakeExports = {
  faasmpi_op_scratch: (n: number) => (n <= 65536 ? 65536 : 0),
  faasmpi_call_user_op: (fn: number, a: number, b: number, len: number, t: number) => userFns.get(fn)!(a, b, len, t),
} as unknown as WebAssembly.Exports;
const ops = new OpRegistry({ memory: () => memory, exports: () => fakeExports });
const types = new DatatypeRegistry();

function op(h: number): ReductionOp {
  const o = ops.resolve(h);
  assert.ok(!isMpiError(o), `resolve ${h.toString(16)}`);
  return o;
}
function type(h: number): Datatype {
  const t = types.forCommunication(h);
  assert.ok(!isMpiError(t));
  return t;
}
function committed(h: number | unknown): Datatype {
  assert.equal(typeof h, 'number');
  assert.equal(types.commit(h as number), abi.MPI_SUCCESS);
  return type(h as number);
}

describe('OpRegistry', () => {
  test('predefined ops resolve; MPI_OP_NULL, bogus and freed handles are MPI_ERR_OP naming the handle', () => {
    assert.equal(op(abi.MPI_SUM).name, 'MPI_SUM');
    assert.equal(op(abi.MPI_NO_OP).name, 'MPI_NO_OP');
    assert.ok(op(abi.MPI_MAXLOC).commutative);
    const n = ops.resolve(abi.MPI_OP_NULL);
    assert.ok(isMpiError(n) && n.errorClass === abi.MPI_ERR_OP && /MPI_OP_NULL/.test(n.message));
    const b = ops.resolve(0x58000020);
    assert.ok(isMpiError(b) && b.errorClass === abi.MPI_ERR_OP && /0x58000020/.test(b.message));
    const h = ops.create(7, false);
    assert.equal(typeof h, 'number');
    assert.equal(((h as number) & 0xff000000) >>> 0, abi.USER_OP_TAG);
    assert.equal(op(h as number).commutative, false);
    assert.equal(ops.free(h as number), undefined);
    const f = ops.resolve(h as number);
    assert.ok(isMpiError(f) && f.errorClass === abi.MPI_ERR_OP && f.message.includes((h as number).toString(16)));
    const p = ops.free(abi.MPI_MAX);
    assert.ok(p && p.errorClass === abi.MPI_ERR_OP && /predefined op MPI_MAX/.test(p.message));
    // signed handles (as wasm passes them) resolve too
    assert.equal(op(abi.MPI_BXOR | 0).name, 'MPI_BXOR');
  });

  test('op/type checks: wrong group, mixed derived type, derived type of one basic type', () => {
    const e = op(abi.MPI_SUM).check(type(abi.MPI_C_BOOL));
    assert.ok(e && e.errorClass === abi.MPI_ERR_OP && /MPI_SUM does not apply to MPI_C_BOOL/.test(e.message));
    assert.ok(op(abi.MPI_MINLOC).check(type(abi.MPI_INT)));
    assert.equal(op(abi.MPI_MINLOC).check(type(abi.MPI_DOUBLE_INT)), undefined);
    const c = committed(types.contiguous(3, abi.MPI_DOUBLE));
    assert.equal(op(abi.MPI_MAX).check(c), undefined);
    assert.match(op(abi.MPI_BAND).check(c)!.message, /made of MPI_DOUBLE/);
    const s = committed(types.struct(2, [1, 1], [0, 8], [abi.MPI_INT, abi.MPI_DOUBLE]));
    assert.match(op(abi.MPI_SUM).check(s)!.message, /more than one predefined type/);
    assert.equal(op(abi.MPI_REPLACE).check(s), undefined);
  });

  test('packed data at any alignment (plain ArrayBuffers), 64-bit wrap against BigInt', () => {
    const n = 101;
    const rnd = () => BigInt.asIntN(64, (BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n) | BigInt(Math.floor(Math.random() * 2 ** 32)));
    const a = Array.from({ length: n }, rnd), b = Array.from({ length: n }, rnd);
    for (const [h, f] of [
      [abi.MPI_SUM, (x: bigint, y: bigint) => x + y], [abi.MPI_PROD, (x: bigint, y: bigint) => x * y],
      [abi.MPI_MAX, (x: bigint, y: bigint) => (x > y ? x : y)], [abi.MPI_BXOR, (x: bigint, y: bigint) => x ^ y],
    ] as const) {
      for (const shift of [0, 1, 3]) {
        const src = new Uint8Array(8 * n + 8), dst = new Uint8Array(8 * n + 8);
        const sv = new DataView(src.buffer), dv = new DataView(dst.buffer);
        a.forEach((x, i) => sv.setBigInt64(shift + 8 * i, x, true));
        b.forEach((y, i) => dv.setBigInt64(5 - shift + 8 * i, y, true));
        assert.equal(op(h).apply(src, shift, dst, 5 - shift, n, type(abi.MPI_INT64_T)), undefined);
        for (let i = 0; i < n; i++) assert.equal(dv.getBigInt64(5 - shift + 8 * i, true), BigInt.asIntN(64, f(a[i], b[i])), `${h.toString(16)} ${i}`);
      }
    }
    // unsigned 64-bit max
    const src = new BigUint64Array([1n << 63n, 5n]), dst = new BigUint64Array([3n, 1n << 63n]);
    op(abi.MPI_MAX).apply(new Uint8Array(src.buffer), 0, new Uint8Array(dst.buffer), 0, 2, type(abi.MPI_UINT64_T));
    assert.deepEqual([...dst], [1n << 63n, 1n << 63n]);
  });

  test('MINLOC on packed MPI_DOUBLE_INT (12-byte items) and MPI_SHORT_INT (6-byte items)', () => {
    const src = new Uint8Array(24), dst = new Uint8Array(24);
    const s = new DataView(src.buffer), d = new DataView(dst.buffer);
    s.setFloat64(0, 1.5, true); s.setInt32(8, 4, true); s.setFloat64(12, 2, true); s.setInt32(20, 1, true);
    d.setFloat64(0, 1.5, true); d.setInt32(8, 9, true); d.setFloat64(12, 1, true); d.setInt32(20, 0, true);
    op(abi.MPI_MINLOC).apply(src, 0, dst, 0, 2, type(abi.MPI_DOUBLE_INT));
    assert.deepEqual([d.getFloat64(0, true), d.getInt32(8, true), d.getFloat64(12, true), d.getInt32(20, true)], [1.5, 4, 1, 0]);
    const a = new Uint8Array(6), b = new Uint8Array(6);
    new DataView(a.buffer).setInt16(0, -3, true); new DataView(a.buffer).setInt32(2, 7, true);
    new DataView(b.buffer).setInt16(0, 2, true); new DataView(b.buffer).setInt32(2, 1, true);
    op(abi.MPI_MINLOC).apply(a, 0, b, 0, 1, type(abi.MPI_SHORT_INT));
    assert.deepEqual([new DataView(b.buffer).getInt16(0, true), new DataView(b.buffer).getInt32(2, true)], [-3, 7]);
  });

  test('binary128: exact sums and products (rounding to nearest even)', () => {
    assert.equal(quadAdd(quadFromNumber(1), quadFromNumber(2)), quadFromNumber(3));
    assert.equal(quadMul(quadFromNumber(1.5), quadFromNumber(-4)), quadFromNumber(-6));
    assert.equal(quadAdd(quadFromNumber(5), quadFromNumber(-5)), 0n); // +0
    // 1 + 2^-113 rounds to 1 (tie, even); 1 + 3*2^-114 rounds up to 1 + 2^-112
    const one = quadFromNumber(1);
    assert.equal(quadAdd(one, quadFromNumber(2 ** -113)), one);
    assert.equal(quadAdd(one, quadFromNumber(3 * 2 ** -114)), one + 1n);
  });

  test('user op: host (non-guest) data and a strided type go through the guest scratch, in-before-inout', () => {
    const mem32 = () => new Int32Array(memory.buffer);
    let seen: [number, number] = [0, 0];
    // inout = 10 * in + inout on items of vector(2, 1, 3, MPI_INT) resized to 4 ints (elements 0 and 3)
    userFns.set(42, (inPtr, ioPtr, len, t) => {
      seen = [len, t];
      const m = mem32();
      for (let k = 0; k < len; k++) for (const e of [0, 3]) m[ioPtr / 4 + 4 * k + e] = 10 * m[inPtr / 4 + 4 * k + e] + m[ioPtr / 4 + 4 * k + e];
    });
    const v = types.vector(2, 1, 3, abi.MPI_INT) as number;
    const vt = committed(types.resized(v, 0, 16));
    const h = ops.create(42, false) as number;
    // packed: 2 ints per item
    const src = new Int32Array([1, 2, 3, 4]), dst = new Int32Array([5, 6, 7, 8]);
    assert.equal(op(h).apply(new Uint8Array(src.buffer), 0, new Uint8Array(dst.buffer), 0, 2, vt), undefined);
    assert.deepEqual([...dst], [15, 26, 37, 48]);
    assert.deepEqual(seen, [2, vt.handle | 0]);
    // laid out by the type in guest memory: called in place with the guest addresses
    const m = mem32();
    m.set([1, -1, -1, 2, 3, -1, -1, 4], 1024 / 4);
    m.set([5, 9, 9, 6, 7, 9, 9, 8], 2048 / 4);
    const all = new Uint8Array(memory.buffer);
    assert.equal(op(h).applyLaidOut(all, 1024, all, 2048, 2, vt), undefined);
    assert.deepEqual([...m.subarray(512, 520)], [15, 9, 9, 26, 37, 9, 9, 48]);
    assert.equal(ops.free(h), undefined);
  });
});
