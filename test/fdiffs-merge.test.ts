// Merge operations: every op on every type gives what running the hosts' updates one after another would give
// (C integer wrap-around, IEEE floats), at any alignment, deterministically for a fixed host order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ELEMENT_SIZE, MERGE_OPS, MERGE_TYPES, MergeError, mergeInto, type MergeOp, type MergeType } from '../fdiffs/merge.js';

const isFloat = (t: MergeType) => t === 'f32' || t === 'f64';
const bitsOf = (t: MergeType) => ELEMENT_SIZE[t] * 8;
const signed = (t: MergeType) => t.startsWith('i');

/** One element of type t as little-endian bytes, written at `offset` inside a buffer (to test unaligned views). */
function encode(t: MergeType, values: (number | bigint)[], offset = 0): Uint8Array {
  const size = ELEMENT_SIZE[t];
  const buf = new Uint8Array(offset + values.length * size + 5).fill(0xa5);
  const v = new DataView(buf.buffer);
  values.forEach((x, i) => {
    const at = offset + i * size;
    if (t === 'f32') v.setFloat32(at, Number(x), true);
    else if (t === 'f64') v.setFloat64(at, Number(x), true);
    else {
      const u = BigInt.asUintN(size * 8, BigInt(x));
      for (let b = 0; b < size; b++) v.setUint8(at + b, Number((u >> BigInt(8 * b)) & 0xffn));
    }
  });
  return buf.subarray(offset, offset + values.length * size);
}

function decode(t: MergeType, bytes: Uint8Array): (number | bigint)[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: (number | bigint)[] = [];
  for (let at = 0; at < bytes.length; at += ELEMENT_SIZE[t]) {
    if (t === 'f32') out.push(v.getFloat32(at, true));
    else if (t === 'f64') out.push(v.getFloat64(at, true));
    else {
      let u = 0n;
      for (let b = ELEMENT_SIZE[t] - 1; b >= 0; b--) u = (u << 8n) | BigInt(v.getUint8(at + b));
      out.push(signed(t) ? BigInt.asIntN(bitsOf(t), u) : u);
    }
  }
  return out;
}

/** The C meaning of `x op= y` for one thread (the sequential model the merge must reproduce). */
function cUpdate(t: MergeType, op: MergeOp, x: number | bigint, y: number | bigint): number | bigint {
  if (isFloat(t)) {
    const r = t === 'f32' ? Math.fround : (z: number) => z;
    const a = Number(x), b = Number(y);
    switch (op) {
      case 'sum': return r(a + b);
      case 'subtract': return r(a - b);
      case 'multiply': return r(a * b);
      case 'divide': return r(a / b);
      case 'min': return Math.min(a, b);
      case 'max': return Math.max(a, b);
      case 'overwrite': return b;
      default: {
        const [bx] = decode(t === 'f32' ? 'u32' : 'u64', encode(t, [a]));
        const [by] = decode(t === 'f32' ? 'u32' : 'u64', encode(t, [b]));
        const bits = op === 'and' ? (bx as bigint) & (by as bigint) : op === 'or' ? (bx as bigint) | (by as bigint) : (bx as bigint) ^ (by as bigint);
        return decode(t, encode(t === 'f32' ? 'u32' : 'u64', [bits]))[0];
      }
    }
  }
  const wrap = (z: bigint) => (signed(t) ? BigInt.asIntN(bitsOf(t), z) : BigInt.asUintN(bitsOf(t), z));
  const a = BigInt(x), b = wrap(BigInt(y));
  switch (op) {
    case 'sum': return wrap(a + b);
    case 'subtract': return wrap(a - b);
    case 'multiply': return wrap(a * b);
    case 'divide': return wrap(a / b);
    case 'min': return a < b ? a : b;
    case 'max': return a > b ? a : b;
    case 'overwrite': return b;
    case 'and': return wrap(a & b);
    case 'or': return wrap(a | b);
    case 'xor': return wrap(a ^ b);
  }
}

/** Start value and three hosts' operands per op: chosen so the sequential result is exactly defined. */
const CASES: Record<MergeOp, { a0: number; operands: number[] }> = {
  sum: { a0: 10, operands: [3, -2, 100] },
  subtract: { a0: 10, operands: [3, -2, 7] },
  multiply: { a0: 3, operands: [2, 5, -1] },
  divide: { a0: 120, operands: [2, 3, 5] },
  min: { a0: 50, operands: [40, 60, 20] },
  max: { a0: 50, operands: [40, 60, 20] },
  overwrite: { a0: 50, operands: [1, 2, 3] },
  and: { a0: 0x76, operands: [0x7e, 0x3f, 0x55] },
  or: { a0: 0x10, operands: [0x01, 0x20, 0x03] },
  xor: { a0: 0x5a, operands: [0x0f, 0x30, 0x0f] },
};

/** Merge each host's change (from A0 to its own update) into the master in host order; returns the master. */
function mergeHosts(t: MergeType, op: MergeOp, a0: (number | bigint)[], hostValues: (number | bigint)[][], offset = 0) {
  const master = encode(t, a0, offset);
  const base = encode(t, a0, offset + 1);
  let approximate = 0;
  for (const b1 of hostValues) approximate += mergeInto(t, op, master, base, encode(t, b1, offset + 2));
  return { values: decode(t, master), approximate };
}

const same = (x: number | bigint, y: number | bigint) => Object.is(x, y) || (typeof x === 'bigint' && x === y);

describe('every op on every type equals the sequential updates', () => {
  for (const t of MERGE_TYPES) {
    for (const op of MERGE_OPS) {
      test(`${op} ${t}`, () => {
        const { a0, operands } = CASES[op];
        const start = decode(t, encode(t, [a0]))[0];
        const hostValues = operands.map((y) => [cUpdate(t, op, start, y)]);
        let expected = start;
        for (const y of operands) expected = cUpdate(t, op, expected, y);
        for (const offset of [0, 1, 3]) { // aligned and unaligned views
          const { values, approximate } = mergeHosts(t, op, [start], hostValues, offset);
          assert.ok(same(values[0], expected), `${op} ${t} at offset ${offset}: got ${values[0]}, expected ${expected}`);
          assert.equal(approximate, 0);
        }
      });
    }
  }
});

describe('edge values', () => {
  test('integer sums wrap around as in C', () => {
    assert.deepEqual(mergeHosts('i32', 'sum', [2147483646], [[2147483647], [2147483647]]).values, [-2147483648n]);
    assert.deepEqual(mergeHosts('u8', 'sum', [250], [[253], [254]]).values, [1n]);
    assert.deepEqual(mergeHosts('i64', 'subtract', [-(2n ** 63n)], [[2n ** 63n - 1n], [2n ** 63n - 1n]]).values, [2n ** 63n - 2n]);
    assert.deepEqual(mergeHosts('u64', 'sum', [2n ** 64n - 1n], [[0n], [0n]]).values, [1n]);
  });

  test('integer products that wrapped are still merged exactly (factor solved modulo 2^bits)', () => {
    for (const [t, a0, f1, f2] of [['u32', 12n, 0x80000001n, 7n], ['i64', 3n, 2n ** 62n + 1n, 5n], ['i16', -6n, 30001n, 4n], ['u8', 8n, 3n, 200n]] as const) {
      const b1 = cUpdate(t, 'multiply', a0, f1), b2 = cUpdate(t, 'multiply', a0, f2);
      const expected = cUpdate(t, 'multiply', cUpdate(t, 'multiply', a0, f1), f2);
      const r = mergeHosts(t, 'multiply', [a0], [[b1], [b2]]);
      assert.deepEqual(r.values, [expected], `${t} ${a0}*${f1}*${f2}`);
      assert.equal(r.approximate, 0);
    }
  });

  test('multiply and divide from zero have no factor: the host value overwrites and is counted approximate', () => {
    for (const t of ['i32', 'u16', 'f64', 'f32'] as const) {
      for (const op of ['multiply', 'divide'] as const) {
        assert.deepEqual(mergeHosts(t, op, [0], [[0], [0]]), { values: [isFloat(t) ? 0 : 0n], approximate: 0 }, `${op} ${t} unchanged`);
        // The first host's write is reproduced exactly (the master still held B0); the second has no factor.
        const r = mergeHosts(t, op, [0], [[7], [9]]);
        assert.deepEqual(r, { values: [isFloat(t) ? 9 : 9n], approximate: 1 }, `${op} ${t} written`);
      }
    }
  });

  test('integer divide whose divisor cannot be recovered falls back to A * B1 / B0 (approximate)', () => {
    // No integer d gives 100 / d = 34, so the second host did not divide: 33 * 34 / 100.
    assert.deepEqual(mergeHosts('i32', 'divide', [100], [[33], [34]]), { values: [11n], approximate: 1 });
    // Recoverable divisors, negative values, C truncation: -7 / -2 = 3, then 3 / 3 = 1.
    assert.deepEqual(mergeHosts('i32', 'divide', [-7], [[3], [-2]]), { values: [1n], approximate: 0 });
  });

  test('INT_MIN / -1 wraps instead of trapping', () => {
    assert.deepEqual(mergeHosts('i32', 'divide', [-2147483648], [[-2147483648], [-2147483648]]).values, [-2147483648n]);
    assert.deepEqual(mergeHosts('i8', 'multiply', [-128], [[-128], [-128]]).values, [-128n]);
  });

  test('floats: NaN, infinities and signed zeros follow IEEE', () => {
    assert.ok(Number.isNaN(mergeHosts('f64', 'sum', [1], [[NaN], [5]]).values[0] as number));
    assert.ok(Number.isNaN(mergeHosts('f32', 'sum', [0], [[Infinity], [-Infinity]]).values[0] as number));
    assert.deepEqual(mergeHosts('f64', 'sum', [0], [[Infinity], [3]]).values, [Infinity]);
    assert.ok(Object.is(mergeHosts('f64', 'overwrite', [0], [[-0]]).values[0], -0), 'a host writing -0 over +0 is a change');
    assert.ok(Object.is(mergeHosts('f64', 'min', [0], [[-0]]).values[0], -0));
    assert.ok(Object.is(mergeHosts('f32', 'max', [-0], [[0]]).values[0], 0));
    assert.ok(Number.isNaN(mergeHosts('f64', 'min', [1], [[NaN], [0.5]]).values[0] as number), 'NaN wins min');
    assert.ok(Number.isNaN(mergeHosts('f64', 'max', [1], [[NaN]]).values[0] as number));
    assert.deepEqual(mergeHosts('f64', 'divide', [8], [[0], [4]]).values, [0], 'x / inf is 0');
    assert.deepEqual(mergeHosts('f32', 'multiply', [2], [[Infinity], [6]]).values, [Infinity]);
    // An element left as NaN by a host (NaN -> NaN, same bits) is unchanged and does not poison the master.
    assert.deepEqual(mergeHosts('f64', 'sum', [NaN], [[NaN], [NaN]]).values.map(Number.isNaN), [true]);
  });

  test('a single host change is reproduced exactly even where float arithmetic would round', () => {
    assert.deepEqual(mergeHosts('f64', 'sum', [0.1], [[0.3]]).values, [0.3]);
    assert.deepEqual(mergeHosts('f32', 'multiply', [0.1], [[Math.fround(0.7)]]).values, [Math.fround(0.7)]);
  });

  test('bitwise ops on floats act on the bit pattern', () => {
    const r = mergeHosts('f64', 'xor', [1.5], [[cUpdate('f64', 'xor', 1.5, -0)]]);
    assert.deepEqual(r.values, [-1.5]); // -0 is the sign bit
  });
});

describe('ranges and order', () => {
  test('a typed range of many elements, changed and unchanged mixed, at an unaligned offset', () => {
    const a0 = [1, 2, 3, 4, 5, 6, 7, 8];
    const h1 = [1, 12, 3, 14, 5, 6, 7, 8], h2 = [1, 2, 3, 24, 5, 6, 27, 8];
    for (const t of ['i16', 'u32', 'i64', 'f32', 'f64'] as const) {
      const r = mergeHosts(t, 'sum', a0, [h1, h2], 5);
      const expected = [1, 12, 3, 34, 5, 6, 27, 8].map((x) => (isFloat(t) ? x : BigInt(x)));
      assert.deepEqual(r.values, expected, t);
    }
  });

  test('bytes around the range are not touched', () => {
    const buf = new Uint8Array(32).fill(0xee);
    const a = buf.subarray(3, 19);
    a.set(encode('f64', [1, 2]));
    mergeInto('f64', 'sum', a, encode('f64', [1, 2]), encode('f64', [5, 9]));
    assert.deepEqual(decode('f64', a), [5, 9]);
    assert.ok(buf.subarray(0, 3).every((b) => b === 0xee) && buf.subarray(19).every((b) => b === 0xee));
  });

  test('several hosts merged in a fixed order give the same bits every time; the order is the contract', () => {
    const a0 = [1e16];
    const hosts = [[1e16 + 2], [1e16 - 1], [1e16 + 1], [1e16 + 3]]; // sums whose rounding depends on the order
    const first = mergeHosts('f64', 'sum', a0, hosts).values;
    for (let i = 0; i < 5; i++) assert.deepEqual(mergeHosts('f64', 'sum', a0, hosts).values, first);
    let expected = 1e16;
    for (const [b] of hosts) expected = expected === 1e16 ? b : expected + (b - 1e16);
    assert.deepEqual(first, [expected]);
  });

  test('bad arguments are refused with a clear error', () => {
    const x = new Uint8Array(8);
    assert.throws(() => mergeInto('f64', 'sum', x, x, new Uint8Array(4)), MergeError);
    assert.throws(() => mergeInto('i32', 'sum', new Uint8Array(6), new Uint8Array(6), new Uint8Array(6)), /whole number of i32/);
    assert.throws(() => mergeInto('f16' as MergeType, 'sum', x, x, x), /unknown merge type 'f16'/);
    assert.throws(() => mergeInto('f64', 'pow' as MergeOp, x, x, x), /unknown merge operation 'pow'/);
  });
});

describe('random values against the rules written out with BigInt', () => {
  /** The merge rule for one element, written plainly (the library takes faster paths). */
  function rule(t: MergeType, op: MergeOp, a: Uint8Array, b0: Uint8Array, b1: Uint8Array): number | bigint {
    const bits = (x: Uint8Array) => decode(t === 'f32' ? 'u32' : t === 'f64' ? 'u64' : t.replace('i', 'u') as MergeType, x)[0] as bigint;
    const [A] = decode(t, a), [B0] = decode(t, b0), [B1] = decode(t, b1);
    if (bits(b0) === bits(b1)) return A;
    if (op === 'overwrite') return B1;
    if (op === 'and' || op === 'or' || op === 'xor') {
      const r = op === 'and' ? bits(a) & ~(bits(b0) & ~bits(b1)) : op === 'or' ? bits(a) | (bits(b1) & ~bits(b0)) : bits(a) ^ bits(b0) ^ bits(b1);
      return decode(t, encode(t === 'f32' ? 'u32' : t === 'f64' ? 'u64' : t, [BigInt.asUintN(bitsOf(t), r)]))[0];
    }
    if ((op === 'sum' || op === 'subtract') && bits(a) === bits(b0)) return B1;
    if (isFloat(t)) {
      const r = t === 'f32' ? Math.fround : (z: number) => z;
      const [x, y0, y1] = [A, B0, B1].map(Number);
      return op === 'sum' ? r(x + r(y1 - y0)) : op === 'subtract' ? r(x - r(y0 - y1)) : op === 'min' ? Math.min(x, y1) : Math.max(x, y1);
    }
    const [x, y0, y1] = [A, B0, B1] as bigint[];
    const wrap = (z: bigint) => (signed(t) ? BigInt.asIntN(bitsOf(t), z) : BigInt.asUintN(bitsOf(t), z));
    return op === 'sum' ? wrap(x + (y1 - y0)) : op === 'subtract' ? wrap(x - (y0 - y1)) : op === 'min' ? (x < y1 ? x : y1) : x > y1 ? x : y1;
  }

  let s = 12345;
  const byte = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
  for (const t of MERGE_TYPES) {
    test(t, () => {
      const size = ELEMENT_SIZE[t];
      for (const op of ['sum', 'subtract', 'min', 'max', 'overwrite', 'and', 'or', 'xor'] as const) {
        for (let k = 0; k < 300; k++) {
          const b0 = Uint8Array.from({ length: size }, byte);
          // Mostly small changes (carries and borrows across the halves), sometimes random, sometimes none.
          const b1 = k % 3 === 0 ? Uint8Array.from({ length: size }, byte) : new Uint8Array(b0);
          if (k % 3 === 1) b1[0] = (b1[0] + 1 + (byte() & 3)) & 0xff;
          const a = k % 5 === 0 ? new Uint8Array(b0) : Uint8Array.from({ length: size }, byte);
          const expected = rule(t, op, a, b0, b1);
          mergeInto(t, op, a, b0, b1);
          assert.ok(same(decode(t, a)[0], expected), `${op} ${t} case ${k}: got ${decode(t, a)[0]}, expected ${expected}`);
        }
      }
    });
  }
});
