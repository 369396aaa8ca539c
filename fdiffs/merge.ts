// Merge operations: fold one host's change to a value into the master's current value.
// Four values per element: A0 (the master's value at the last synchronisation, which is also every host's
// starting value B0), A (the master's value now, after earlier merges), B0 and B1 (the host's value now).
// An element whose B1 is bit-identical to B0 was not changed by the host and leaves A alone, for every op.
//   sum        A + (B1 - B0)          integers wrap as in C; floats IEEE (f32 rounded after each step)
//   subtract   A - (B0 - B1)
//   multiply   A * f where B1 = B0 * f: integers solve f modulo 2^bits, so wrapped products stay exact;
//              floats A * (B1 / B0). B0 == 0 has no factor (0 * f is 0): B1 overwrites, counted approximate.
//   divide     integers: A / d with d = B0 / B1 when that d gives back B1 (C truncation); otherwise
//              A * B1 / B0, counted approximate. floats: A / (B0 / B1); B0 == 0 as for multiply.
//   min, max   min(A, B1), max(A, B1); for floats NaN wins and -0 < +0 (as Math.min/max)
//   overwrite  B1
//   and        A & ~(B0 & ~B1)        (clears the bits the host cleared)
//   or         A | (B1 & ~B0)         (sets the bits the host set)
//   xor        A ^ (B0 ^ B1)
// Bitwise ops on floats act on the bit pattern. For the arithmetic ops A == B0 (bitwise) gives exactly B1, so a
// single host's change is reproduced without rounding. Values are little-endian (wasm) at any alignment.

export const MERGE_TYPES = ['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64'] as const;
export type MergeType = (typeof MERGE_TYPES)[number];
export const MERGE_OPS = ['sum', 'subtract', 'multiply', 'divide', 'min', 'max', 'overwrite', 'and', 'or', 'xor'] as const;
export type MergeOp = (typeof MERGE_OPS)[number];

export class MergeError extends Error {
  override name = 'MergeError';
}

export const ELEMENT_SIZE: Record<MergeType, number> = {
  i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, i64: 8, u64: 8, f32: 4, f64: 8,
};

export function isMergeType(t: string): t is MergeType {
  return (MERGE_TYPES as readonly string[]).includes(t);
}
export function isMergeOp(o: string): o is MergeOp {
  return (MERGE_OPS as readonly string[]).includes(o);
}

/** Integers as BigInt in their type's range; floats as numbers; `bits` is the raw pattern for bitwise ops. */
interface Access {
  read(v: DataView, at: number): bigint | number;
  write(v: DataView, at: number, x: bigint | number): void;
  bits(v: DataView, at: number): bigint;
  writeBits(v: DataView, at: number, b: bigint): void;
}

function intAccess(bytes: number, signed: boolean): Access {
  const n = BigInt(bytes * 8);
  const wrap = signed ? (x: bigint) => BigInt.asIntN(Number(n), x) : (x: bigint) => BigInt.asUintN(Number(n), x);
  let get: (v: DataView, at: number) => bigint;
  let set: (v: DataView, at: number, x: bigint) => void;
  switch (bytes) {
    case 1: get = (v, at) => BigInt(signed ? v.getInt8(at) : v.getUint8(at)); set = (v, at, x) => v.setUint8(at, Number(BigInt.asUintN(8, x))); break;
    case 2: get = (v, at) => BigInt(signed ? v.getInt16(at, true) : v.getUint16(at, true)); set = (v, at, x) => v.setUint16(at, Number(BigInt.asUintN(16, x)), true); break;
    case 4: get = (v, at) => BigInt(signed ? v.getInt32(at, true) : v.getUint32(at, true)); set = (v, at, x) => v.setUint32(at, Number(BigInt.asUintN(32, x)), true); break;
    default: get = (v, at) => (signed ? v.getBigInt64(at, true) : v.getBigUint64(at, true)); set = (v, at, x) => v.setBigUint64(at, BigInt.asUintN(64, x), true);
  }
  return {
    read: get,
    write: (v, at, x) => set(v, at, wrap(x as bigint)),
    bits: (v, at) => BigInt.asUintN(Number(n), get(v, at)),
    writeBits: (v, at, b) => set(v, at, b),
  };
}

function floatAccess(bytes: 4 | 8): Access {
  const asInt = intAccess(bytes, false);
  return bytes === 4
    ? { read: (v, at) => v.getFloat32(at, true), write: (v, at, x) => v.setFloat32(at, x as number, true), bits: asInt.bits, writeBits: asInt.writeBits }
    : { read: (v, at) => v.getFloat64(at, true), write: (v, at, x) => v.setFloat64(at, x as number, true), bits: asInt.bits, writeBits: asInt.writeBits };
}

const ACCESS: Record<MergeType, Access> = {
  i8: intAccess(1, true), u8: intAccess(1, false), i16: intAccess(2, true), u16: intAccess(2, false),
  i32: intAccess(4, true), u32: intAccess(4, false), i64: intAccess(8, true), u64: intAccess(8, false),
  f32: floatAccess(4), f64: floatAccess(8),
};

/** The inverse of an odd x modulo 2^bits (Newton's iteration doubles the correct low bits each step). */
function oddInverse(x: bigint, bits: number): bigint {
  let inv = x; // correct to 3 bits for odd x
  for (let i = 0; i < 6; i++) inv = BigInt.asUintN(bits, inv * (2n - x * inv));
  return inv;
}

function trailingZeros(x: bigint): number {
  let k = 0;
  while ((x & 1n) === 0n) { x >>= 1n; k++; }
  return k;
}

/** A * f where B1 = B0 * f (mod 2^bits); undefined when no such f exists or A does not carry B0's factor of two. */
function modularProduct(a: bigint, b0: bigint, b1: bigint, bits: number): bigint | undefined {
  const ua = BigInt.asUintN(bits, a), u0 = BigInt.asUintN(bits, b0), u1 = BigInt.asUintN(bits, b1);
  const k = trailingZeros(u0);
  const low = (1n << BigInt(k)) - 1n;
  if ((u1 & low) !== 0n || (ua & low) !== 0n) return undefined;
  const m = bits - k;
  const f = BigInt.asUintN(m, (u1 >> BigInt(k)) * oddInverse(u0 >> BigInt(k), m));
  return BigInt.asUintN(bits, ua * f); // = 2^k * ((A >> k) * f mod 2^m)
}

const fround = Math.fround;

/** Bit equality of two elements without BigInt (the hot test: most elements of a range are unchanged). */
function rawEqual(x: DataView, y: DataView, at: number, size: number): boolean {
  switch (size) {
    case 1: return x.getUint8(at) === y.getUint8(at);
    case 2: return x.getUint16(at, true) === y.getUint16(at, true);
    case 4: return x.getUint32(at, true) === y.getUint32(at, true);
    default: return x.getUint32(at, true) === y.getUint32(at, true) && x.getUint32(at + 4, true) === y.getUint32(at + 4, true);
  }
}

type NumberRead = (v: DataView, at: number) => number;
type NumberWrite = (v: DataView, at: number, x: number) => void;
/** Number access for floats and integers of up to 32 bits; the setters wrap modulo 2^bits as C does. */
const NUMBER_ACCESS: Partial<Record<MergeType, [NumberRead, NumberWrite]>> = {
  i8: [(v, at) => v.getInt8(at), (v, at, x) => v.setInt8(at, x)],
  u8: [(v, at) => v.getUint8(at), (v, at, x) => v.setUint8(at, x)],
  i16: [(v, at) => v.getInt16(at, true), (v, at, x) => v.setInt16(at, x, true)],
  u16: [(v, at) => v.getUint16(at, true), (v, at, x) => v.setUint16(at, x, true)],
  i32: [(v, at) => v.getInt32(at, true), (v, at, x) => v.setInt32(at, x, true)],
  u32: [(v, at) => v.getUint32(at, true), (v, at, x) => v.setUint32(at, x, true)],
  f32: [(v, at) => v.getFloat32(at, true), (v, at, x) => v.setFloat32(at, x, true)],
  f64: [(v, at) => v.getFloat64(at, true), (v, at, x) => v.setFloat64(at, x, true)],
};

/**
 * The ops Number arithmetic does exactly: floats except bitwise ops, and integers of up to 32 bits except
 * multiply and divide (sums of 32-bit values stay far below 2^53). Returns false when not applicable.
 */
function mergeNumbers(type: MergeType, op: MergeOp, va: DataView, v0: DataView, v1: DataView, length: number): boolean {
  const access = NUMBER_ACCESS[type];
  const isFloat = type === 'f32' || type === 'f64';
  const bitwise = op === 'and' || op === 'or' || op === 'xor';
  // multiply and divide keep to the general path: it counts the B0 == 0 elements as approximate.
  if (!access || (isFloat && bitwise) || op === 'multiply' || op === 'divide') return false;
  const [read, write] = access;
  const size = ELEMENT_SIZE[type];
  const round = type === 'f32' ? fround : (x: number) => x;
  const arith = op === 'sum' || op === 'subtract';
  for (let at = 0; at < length; at += size) {
    if (rawEqual(v0, v1, at, size)) continue;
    if (op === 'overwrite') { copyBits(va, v1, at, size); continue; }
    if (arith && rawEqual(va, v0, at, size)) { copyBits(va, v1, at, size); continue; }
    if (bitwise) {
      // JS bitwise operators work on 32-bit two's complement; the setter keeps the type's low bits.
      const a = read(va, at), b0 = read(v0, at), b1 = read(v1, at);
      write(va, at, op === 'and' ? a & ~(b0 & ~b1) : op === 'or' ? a | (b1 & ~b0) : a ^ b0 ^ b1);
      continue;
    }
    const A = read(va, at), B0 = read(v0, at), B1 = read(v1, at);
    let r: number;
    switch (op) {
      case 'sum': r = isFloat ? round(A + round(B1 - B0)) : A + (B1 - B0); break;
      case 'subtract': r = isFloat ? round(A - round(B0 - B1)) : A - (B0 - B1); break;
      case 'min': r = isFloat ? Math.min(A, B1) : A < B1 ? A : B1; break;
      default: r = isFloat ? Math.max(A, B1) : A > B1 ? A : B1; // max
    }
    write(va, at, r);
  }
  return true;
}

/**
 * 64-bit integers (and bitwise ops on floats) as two 32-bit halves, without BigInt: sum and subtract are
 * A + B1 - B0 modulo 2^64, min/max compare the high halves (signed for i64) and then the low ones.
 */
function mergeHalves(type: MergeType, op: MergeOp, va: DataView, v0: DataView, v1: DataView, length: number): boolean {
  const bitwise = op === 'and' || op === 'or' || op === 'xor';
  const int64 = type === 'i64' || type === 'u64';
  if (!(int64 && op !== 'multiply' && op !== 'divide') && !(bitwise && (type === 'f64' || type === 'f32'))) return false;
  const size = ELEMENT_SIZE[type];
  const arith = op === 'sum' || op === 'subtract';
  const hiSigned = type === 'i64';
  for (let at = 0; at < length; at += size) {
    if (rawEqual(v0, v1, at, size)) continue;
    if (op === 'overwrite' || (arith && rawEqual(va, v0, at, size))) { copyBits(va, v1, at, size); continue; }
    for (let half = 0; half < size; half += 4) {
      if (!bitwise) break;
      const a = va.getUint32(at + half, true), b0 = v0.getUint32(at + half, true), b1 = v1.getUint32(at + half, true);
      va.setUint32(at + half, op === 'and' ? a & ~(b0 & ~b1) : op === 'or' ? a | (b1 & ~b0) : a ^ b0 ^ b1, true);
    }
    if (bitwise) continue;
    const aLo = va.getUint32(at, true), b0Lo = v0.getUint32(at, true), b1Lo = v1.getUint32(at, true);
    if (arith) {
      let lo = aLo + b1Lo - b0Lo;
      const carry = Math.floor(lo / 2 ** 32);
      lo -= carry * 2 ** 32;
      const hi = va.getUint32(at + 4, true) + v1.getUint32(at + 4, true) - v0.getUint32(at + 4, true) + carry;
      va.setUint32(at, lo, true);
      va.setUint32(at + 4, hi, true); // wraps modulo 2^32
      continue;
    }
    const aHi = hiSigned ? va.getInt32(at + 4, true) : va.getUint32(at + 4, true);
    const bHi = hiSigned ? v1.getInt32(at + 4, true) : v1.getUint32(at + 4, true);
    const aLess = aHi < bHi || (aHi === bHi && aLo < b1Lo);
    if (op === 'min' ? !aLess : aLess) copyBits(va, v1, at, size);
  }
  return true;
}

/** Copy an element's bits (keeps NaN payloads, which a float read and write might not). */
function copyBits(to: DataView, from: DataView, at: number, size: number): void {
  for (let k = 0; k < size; k++) to.setUint8(at + k, from.getUint8(at + k));
}

/**
 * Merge the host's change (b0 -> b1) into `a`, element by element, in place. All three views have the same
 * length, a multiple of the element size. Returns how many elements could only be merged approximately
 * (see the table above); the rest are exact.
 */
export function mergeInto(type: MergeType, op: MergeOp, a: Uint8Array, b0: Uint8Array, b1: Uint8Array): number {
  if (!isMergeType(type)) throw new MergeError(`unknown merge type '${type}'`);
  const size = ELEMENT_SIZE[type];
  if (!isMergeOp(op)) throw new MergeError(`unknown merge operation '${op}'`);
  if (b0.length !== a.length || b1.length !== a.length) throw new MergeError(`merge views differ in length (${a.length}, ${b0.length}, ${b1.length})`);
  if (a.length % size !== 0) throw new MergeError(`merge range of ${a.length} bytes is not a whole number of ${type} elements`);
  const acc = ACCESS[type];
  const va = new DataView(a.buffer, a.byteOffset, a.length);
  const v0 = new DataView(b0.buffer, b0.byteOffset, b0.length);
  const v1 = new DataView(b1.buffer, b1.byteOffset, b1.length);
  if (mergeNumbers(type, op, va, v0, v1, a.length) || mergeHalves(type, op, va, v0, v1, a.length)) return 0;
  const isFloat = type === 'f32' || type === 'f64';
  const bits = size * 8;
  const round = type === 'f32' ? fround : (x: number) => x;
  let approximate = 0;
  for (let at = 0; at < a.length; at += size) {
    const raw0 = acc.bits(v0, at), raw1 = acc.bits(v1, at);
    if (raw0 === raw1) continue;
    if (op === 'overwrite') { acc.writeBits(va, at, raw1); continue; }
    if (op === 'and' || op === 'or' || op === 'xor') {
      const rawA = acc.bits(va, at);
      const r = op === 'and' ? rawA & ~(raw0 & ~raw1) : op === 'or' ? rawA | (raw1 & ~raw0) : rawA ^ raw0 ^ raw1;
      acc.writeBits(va, at, BigInt.asUintN(bits, r));
      continue;
    }
    const arith = op !== 'min' && op !== 'max';
    if (arith && acc.bits(va, at) === raw0) { acc.writeBits(va, at, raw1); continue; }
    const x = acc.read(va, at), y0 = acc.read(v0, at), y1 = acc.read(v1, at);
    if (isFloat) {
      const A = x as number, B0 = y0 as number, B1 = y1 as number;
      let r: number;
      switch (op) {
        case 'sum': r = round(A + round(B1 - B0)); break;
        case 'subtract': r = round(A - round(B0 - B1)); break;
        case 'min': r = Math.min(A, B1); break;
        case 'max': r = Math.max(A, B1); break;
        default: // multiply, divide
          if (B0 === 0) { approximate++; r = B1; break; }
          r = op === 'multiply' ? round(A * round(B1 / B0)) : round(A / round(B0 / B1));
      }
      acc.write(va, at, r);
      continue;
    }
    const A = x as bigint, B0 = y0 as bigint, B1 = y1 as bigint;
    let r: bigint;
    switch (op) {
      case 'sum': r = A + (B1 - B0); break;
      case 'subtract': r = A - (B0 - B1); break;
      case 'min': r = A < B1 ? A : B1; break;
      case 'max': r = A > B1 ? A : B1; break;
      case 'multiply': {
        const p = B0 === 0n ? undefined : modularProduct(A, B0, B1, bits);
        if (p === undefined) { approximate++; r = B0 === 0n ? B1 : (A * B1) / B0; } else r = p;
        break;
      }
      default: { // divide
        if (B0 === 0n) { approximate++; r = B1; break; }
        const d = B1 === 0n ? 0n : B0 / B1;
        if (d !== 0n && B0 / d === B1) r = A / d;
        else { approximate++; r = (A * B1) / B0; }
      }
    }
    acc.write(va, at, r);
  }
  return approximate;
}
