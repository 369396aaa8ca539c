// The predefined reduction operations (MPI-3.1 §5.9.2) on packed data: which (op, type) pairs are allowed, and
// the kernels. Every kernel computes inout[i] = in[i] (op) inout[i] with C semantics on wasm32:
//   - integers wrap (typed-array stores wrap; 32-bit products use Math.imul; 64-bit integers are done on their
//     two 32-bit halves, allocation-free);
//   - float is IEEE single (results are rounded to single on every store; intermediate results of complex
//     products are rounded like C does: fround(fround(a*c) - fround(b*d)));
//   - long double is IEEE binary128, exact (mpi/ops/quad.ts);
//   - MAX/MIN are `in > inout ? in : inout` / `in < inout ? in : inout` (a NaN never replaces inout);
//   - MINLOC/MAXLOC on the pair types: the smaller/larger value wins, on equal values the lower index.
// Buffers are Uint8Array views (possibly of SharedArrayBuffers) at any byte offset: a region not aligned for its
// element type is copied to an aligned temporary first (and inout copied back).
import {
  MPI_2INT, MPI_AINT, MPI_BYTE, MPI_C_BOOL, MPI_C_DOUBLE_COMPLEX, MPI_C_FLOAT_COMPLEX, MPI_C_LONG_DOUBLE_COMPLEX,
  MPI_COUNT, MPI_CXX_BOOL, MPI_CXX_DOUBLE_COMPLEX, MPI_CXX_FLOAT_COMPLEX, MPI_CXX_LONG_DOUBLE_COMPLEX, MPI_DOUBLE,
  MPI_DOUBLE_INT, MPI_FLOAT, MPI_FLOAT_INT, MPI_INT, MPI_INT16_T, MPI_INT32_T, MPI_INT64_T, MPI_INT8_T, MPI_LONG,
  MPI_LONG_DOUBLE, MPI_LONG_DOUBLE_INT, MPI_LONG_INT, MPI_LONG_LONG_INT, MPI_OFFSET, MPI_SHORT, MPI_SHORT_INT,
  MPI_SIGNED_CHAR, MPI_UINT16_T, MPI_UINT32_T, MPI_UINT64_T, MPI_UINT8_T, MPI_UNSIGNED, MPI_UNSIGNED_CHAR,
  MPI_UNSIGNED_LONG, MPI_UNSIGNED_LONG_LONG, MPI_UNSIGNED_SHORT, predefinedDatatype, type ElementKind,
} from '../datatypes/handles.js';
import { quadAdd, quadCompareWords, quadMul, quadSub, readQuad, writeQuad } from './quad.js';

export { MPI_OP_NULL } from '../abi.js';
import { MPI_MAX, MPI_NO_OP } from '../abi.js';

export type PredefinedOpName =
  | 'MPI_MAX' | 'MPI_MIN' | 'MPI_SUM' | 'MPI_PROD' | 'MPI_LAND' | 'MPI_BAND' | 'MPI_LOR' | 'MPI_BOR'
  | 'MPI_LXOR' | 'MPI_BXOR' | 'MPI_MINLOC' | 'MPI_MAXLOC' | 'MPI_REPLACE' | 'MPI_NO_OP';

export const PREDEFINED_OP_NAMES: readonly PredefinedOpName[] = [
  'MPI_MAX', 'MPI_MIN', 'MPI_SUM', 'MPI_PROD', 'MPI_LAND', 'MPI_BAND', 'MPI_LOR', 'MPI_BOR',
  'MPI_LXOR', 'MPI_BXOR', 'MPI_MINLOC', 'MPI_MAXLOC', 'MPI_REPLACE', 'MPI_NO_OP',
];

/** MPI_MAX..MPI_NO_OP are 0x58000001..0x5800000e in PREDEFINED_OP_NAMES order. */
export function predefinedOpName(handle: number): PredefinedOpName | undefined {
  const h = handle >>> 0;
  if (h < MPI_MAX || h > MPI_NO_OP) return undefined;
  return PREDEFINED_OP_NAMES[h - MPI_MAX];
}

// ---- type groups of MPI-3.1 §5.9.2 (C bindings) ----
type Group = 'integer' | 'floating' | 'complex' | 'logical' | 'byte' | 'pair';

const GROUP = new Map<number, Group>();
for (const h of [
  MPI_INT, MPI_LONG, MPI_SHORT, MPI_UNSIGNED_SHORT, MPI_UNSIGNED, MPI_UNSIGNED_LONG, MPI_LONG_LONG_INT,
  MPI_UNSIGNED_LONG_LONG, MPI_SIGNED_CHAR, MPI_UNSIGNED_CHAR, MPI_INT8_T, MPI_INT16_T, MPI_INT32_T, MPI_INT64_T,
  MPI_UINT8_T, MPI_UINT16_T, MPI_UINT32_T, MPI_UINT64_T,
  MPI_AINT, MPI_OFFSET, MPI_COUNT, // "multi-language types": allowed wherever C integers are
]) GROUP.set(h, 'integer');
for (const h of [MPI_FLOAT, MPI_DOUBLE, MPI_LONG_DOUBLE]) GROUP.set(h, 'floating');
for (const h of [
  MPI_C_FLOAT_COMPLEX, MPI_C_DOUBLE_COMPLEX, MPI_C_LONG_DOUBLE_COMPLEX,
  MPI_CXX_FLOAT_COMPLEX, MPI_CXX_DOUBLE_COMPLEX, MPI_CXX_LONG_DOUBLE_COMPLEX,
]) GROUP.set(h, 'complex');
for (const h of [MPI_C_BOOL, MPI_CXX_BOOL]) GROUP.set(h, 'logical');
GROUP.set(MPI_BYTE, 'byte');
for (const h of [MPI_FLOAT_INT, MPI_DOUBLE_INT, MPI_LONG_INT, MPI_2INT, MPI_SHORT_INT, MPI_LONG_DOUBLE_INT]) GROUP.set(h, 'pair');
// Not in any group (no op but MPI_REPLACE / MPI_NO_OP applies): MPI_CHAR, MPI_WCHAR, MPI_PACKED.

const ALLOWED: Readonly<Record<PredefinedOpName, readonly Group[]>> = {
  MPI_MAX: ['integer', 'floating'],
  MPI_MIN: ['integer', 'floating'],
  MPI_SUM: ['integer', 'floating', 'complex'],
  MPI_PROD: ['integer', 'floating', 'complex'],
  MPI_LAND: ['integer', 'logical'],
  MPI_LOR: ['integer', 'logical'],
  MPI_LXOR: ['integer', 'logical'],
  MPI_BAND: ['integer', 'byte'],
  MPI_BOR: ['integer', 'byte'],
  MPI_BXOR: ['integer', 'byte'],
  MPI_MINLOC: ['pair'],
  MPI_MAXLOC: ['pair'],
  MPI_REPLACE: [],
  MPI_NO_OP: [],
};

/** Whether a predefined op applies to a predefined basic type (REPLACE and NO_OP apply to everything). */
export function opApplies(op: PredefinedOpName, basic: number): boolean {
  if (op === 'MPI_REPLACE' || op === 'MPI_NO_OP') return true;
  const g = GROUP.get(basic >>> 0);
  return g !== undefined && ALLOWED[op].includes(g);
}

// ---- aligned regions ----

/** [buffer, byteOffset] of `bytes` bytes at u8[off] aligned to `align`, copying to a fresh buffer if needed. */
function region(u8: Uint8Array, off: number, bytes: number, align: number): [ArrayBufferLike, number, boolean] {
  const abs = u8.byteOffset + off;
  if (abs % align === 0) return [u8.buffer, abs, false];
  const tmp = new Uint8Array(bytes);
  tmp.set(u8.subarray(off, off + bytes));
  return [tmp.buffer, 0, true];
}

type Ctor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayLike<number> & { [i: number]: number }; BYTES_PER_ELEMENT: number };
type Kernel = (a: any, b: any, n: number) => void;

/** Runs `kernel` over `elems` units of the array type C (a's and b's regions of `bytes` bytes). */
function run(C: Ctor, kernel: Kernel, src: Uint8Array, srcOff: number, inout: Uint8Array, inoutOff: number, bytes: number, align: number): void {
  const units = bytes / C.BYTES_PER_ELEMENT;
  const [ab, ao] = region(src, srcOff, bytes, align);
  const [bb, bo, copied] = region(inout, inoutOff, bytes, align);
  kernel(new C(ab, ao, units), new C(bb, bo, units), units);
  if (copied) inout.set(new Uint8Array(bb, 0, bytes), inoutOff);
}

// ---- generated element-wise kernels (one function per (op, array type): monomorphic loops) ----

const EXPR: Record<string, string> = {
  max: 'a[i] > b[i] ? a[i] : b[i]',
  min: 'a[i] < b[i] ? a[i] : b[i]',
  sum: 'a[i] + b[i]',
  prod: 'a[i] * b[i]',
  imul: 'Math.imul(a[i], b[i])',
  land: '(a[i] !== 0 && b[i] !== 0) ? 1 : 0',
  lor: '(a[i] !== 0 || b[i] !== 0) ? 1 : 0',
  lxor: '((a[i] !== 0) !== (b[i] !== 0)) ? 1 : 0',
  band: 'a[i] & b[i]',
  bor: 'a[i] | b[i]',
  bxor: 'a[i] ^ b[i]',
};

// The source names the key: V8 caches `new Function` by source text, and functions from one cached source share
// type feedback (they would all become megamorphic over every array type: ~50x slower).
function gen(key: string, expr: string): Kernel {
  return new Function('a', 'b', 'n', `/* faasmpi op kernel ${key} */ for (let i = 0; i < n; i++) b[i] = ${expr};`) as Kernel;
}

const ARRAYS: Readonly<Record<string, Ctor>> = {
  i8: Int8Array, u8: Uint8Array, i16: Int16Array, u16: Uint16Array, i32: Int32Array, u32: Uint32Array,
  f32: Float32Array, f64: Float64Array,
};
const KERNELS = new Map<string, Kernel>();
function kernel(arr: string, op: string): Kernel {
  const key = `${arr}:${op}`;
  let k = KERNELS.get(key);
  if (!k) {
    k = gen(key, EXPR[op]);
    KERNELS.set(key, k);
  }
  return k;
}

// ---- 64-bit integers on (lo, hi) halves of an Int32Array ----

function max64(signed: boolean, wantMax: boolean): Kernel {
  return (a: Int32Array, b: Int32Array, n: number) => {
    for (let i = 0; i < n; i += 2) {
      const ah = a[i + 1], bh = b[i + 1];
      let aGreater: boolean;
      if (ah !== bh) aGreater = signed ? ah > bh : ah >>> 0 > bh >>> 0;
      else if (a[i] === b[i]) continue;
      else aGreater = a[i] >>> 0 > b[i] >>> 0;
      if (aGreater === wantMax) {
        b[i] = a[i];
        b[i + 1] = ah;
      }
    }
  };
}
const MAX_I64 = max64(true, true), MIN_I64 = max64(true, false), MAX_U64 = max64(false, true), MIN_U64 = max64(false, false);

function sum64(a: Int32Array, b: Int32Array, n: number): void {
  for (let i = 0; i < n; i += 2) {
    const al = a[i] >>> 0;
    const lo = (al + (b[i] >>> 0)) >>> 0;
    const carry = lo < al ? 1 : 0;
    b[i] = lo;
    b[i + 1] = (a[i + 1] + b[i + 1] + carry) | 0;
  }
}

function prod64(a: Int32Array, b: Int32Array, n: number): void {
  for (let i = 0; i < n; i += 2) {
    const x = a[i] >>> 0, y = b[i] >>> 0;
    // high 32 bits of the 64-bit product x * y, from 16-bit pieces (every partial product is exact in a double)
    const x0 = x & 0xffff, x1 = x >>> 16, y0 = y & 0xffff, y1 = y >>> 16;
    const p01 = x0 * y1, p10 = x1 * y0;
    const mid = ((x0 * y0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    const hiXY = x1 * y1 + Math.floor(p01 / 65536) + Math.floor(p10 / 65536) + (mid >>> 16);
    const hi = (hiXY + Math.imul(a[i + 1], y) + Math.imul(x, b[i + 1])) | 0;
    b[i] = Math.imul(x, y);
    b[i + 1] = hi;
  }
}

function logical64(which: 'land' | 'lor' | 'lxor'): Kernel {
  return (a: Int32Array, b: Int32Array, n: number) => {
    for (let i = 0; i < n; i += 2) {
      const x = (a[i] | a[i + 1]) !== 0, y = (b[i] | b[i + 1]) !== 0;
      const r = which === 'land' ? x && y : which === 'lor' ? x || y : x !== y;
      b[i] = r ? 1 : 0;
      b[i + 1] = 0;
    }
  };
}
const LAND64 = logical64('land'), LOR64 = logical64('lor'), LXOR64 = logical64('lxor');

// ---- complex products ----

function cprodF32(a: Float32Array, b: Float32Array, n: number): void {
  const f = Math.fround;
  for (let i = 0; i < n; i += 2) {
    const ar = a[i], ai = a[i + 1], br = b[i], bi = b[i + 1];
    b[i] = f(ar * br) - f(ai * bi);
    b[i + 1] = f(ar * bi) + f(ai * br);
  }
}

function cprodF64(a: Float64Array, b: Float64Array, n: number): void {
  for (let i = 0; i < n; i += 2) {
    const ar = a[i], ai = a[i + 1], br = b[i], bi = b[i + 1];
    b[i] = ar * br - ai * bi;
    b[i + 1] = ar * bi + ai * br;
  }
}

// ---- binary128 (long double, long double complex): DataView + BigInt, exact ----

function quadRun(src: Uint8Array, srcOff: number, inout: Uint8Array, inoutOff: number, bytes: number,
  fn: (sd: DataView, so: number, dd: DataView, doff: number) => void, unit: number): void {
  const sd = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const dd = new DataView(inout.buffer, inout.byteOffset, inout.byteLength);
  for (let k = 0; k < bytes; k += unit) fn(sd, srcOff + k, dd, inoutOff + k);
}

function quadMaxMin(wantMax: boolean) {
  return (sd: DataView, so: number, dd: DataView, doff: number) => {
    const c = quadCompareAcross(sd, so, dd, doff); // in compared with inout
    if (wantMax ? c > 0 : c < 0) writeQuad(dd, doff, readQuad(sd, so));
  };
}

function quadCompareAcross(sd: DataView, so: number, dd: DataView, doff: number): number {
  return quadCompareWords(
    sd.getUint32(so, true), sd.getUint32(so + 4, true), sd.getUint32(so + 8, true), sd.getUint32(so + 12, true),
    dd.getUint32(doff, true), dd.getUint32(doff + 4, true), dd.getUint32(doff + 8, true), dd.getUint32(doff + 12, true),
  );
}

const QUAD_MAX = quadMaxMin(true), QUAD_MIN = quadMaxMin(false);
function QUAD_SUM(sd: DataView, so: number, dd: DataView, doff: number): void {
  writeQuad(dd, doff, quadAdd(readQuad(sd, so), readQuad(dd, doff)));
}
function QUAD_PROD(sd: DataView, so: number, dd: DataView, doff: number): void {
  writeQuad(dd, doff, quadMul(readQuad(sd, so), readQuad(dd, doff)));
}
function CQUAD_SUM(sd: DataView, so: number, dd: DataView, doff: number): void {
  QUAD_SUM(sd, so, dd, doff);
  QUAD_SUM(sd, so + 16, dd, doff + 16);
}
function CQUAD_PROD(sd: DataView, so: number, dd: DataView, doff: number): void {
  const ar = readQuad(sd, so), ai = readQuad(sd, so + 16), br = readQuad(dd, doff), bi = readQuad(dd, doff + 16);
  writeQuad(dd, doff, quadSub(quadMul(ar, br), quadMul(ai, bi)));
  writeQuad(dd, doff + 16, quadAdd(quadMul(ar, bi), quadMul(ai, br)));
}

// ---- the dispatcher for non-pair basic types ----

/** Op name without the MPI_ prefix, lower case: 'max', 'sum', ... */
type OpKey = 'max' | 'min' | 'sum' | 'prod' | 'land' | 'lor' | 'lxor' | 'band' | 'bor' | 'bxor';

const OP_KEY: Partial<Record<PredefinedOpName, OpKey>> = {
  MPI_MAX: 'max', MPI_MIN: 'min', MPI_SUM: 'sum', MPI_PROD: 'prod', MPI_LAND: 'land', MPI_LOR: 'lor',
  MPI_LXOR: 'lxor', MPI_BAND: 'band', MPI_BOR: 'bor', MPI_BXOR: 'bxor',
};

/**
 * inout = in (op) inout over `bytes` bytes of consecutive elements of `kind` (op already checked to apply).
 * Not for pairs, REPLACE or NO_OP.
 */
function applyElementwise(op: OpKey, kind: ElementKind, src: Uint8Array, srcOff: number, inout: Uint8Array, inoutOff: number, bytes: number): void {
  switch (kind) {
    case 'i8': case 'u8': case 'i16': case 'u16': case 'i32': case 'u32': case 'f32': case 'f64': case 'bool': case 'byte': {
      const arr = kind === 'bool' || kind === 'byte' ? 'u8' : kind;
      const C = ARRAYS[arr];
      const k = op === 'prod' && (arr === 'i32' || arr === 'u32') ? kernel(arr, 'imul') : kernel(arr, op);
      run(C, k, src, srcOff, inout, inoutOff, bytes, C.BYTES_PER_ELEMENT);
      return;
    }
    case 'i64': case 'u64': {
      const signed = kind === 'i64';
      let k: Kernel;
      switch (op) {
        case 'max': k = signed ? MAX_I64 : MAX_U64; break;
        case 'min': k = signed ? MIN_I64 : MIN_U64; break;
        case 'sum': k = sum64; break;
        case 'prod': k = prod64; break;
        case 'land': k = LAND64; break;
        case 'lor': k = LOR64; break;
        case 'lxor': k = LXOR64; break;
        default: k = kernel('i32', op); // bitwise: word by word
      }
      run(Int32Array, k, src, srcOff, inout, inoutOff, bytes, 4);
      return;
    }
    case 'c64':
      run(Float32Array, op === 'prod' ? cprodF32 : kernel('f32', 'sum'), src, srcOff, inout, inoutOff, bytes, 4);
      return;
    case 'c128':
      run(Float64Array, op === 'prod' ? cprodF64 : kernel('f64', 'sum'), src, srcOff, inout, inoutOff, bytes, 8);
      return;
    case 'f128': {
      const fn = op === 'max' ? QUAD_MAX : op === 'min' ? QUAD_MIN : op === 'sum' ? QUAD_SUM : QUAD_PROD;
      quadRun(src, srcOff, inout, inoutOff, bytes, fn, 16);
      return;
    }
    case 'c256':
      quadRun(src, srcOff, inout, inoutOff, bytes, op === 'prod' ? CQUAD_PROD : CQUAD_SUM, 32);
      return;
  }
}

// ---- MINLOC / MAXLOC on pairs ----

/** Layout of pair items: value at 0, index (int) at idxOff, items `stride` bytes apart. */
export interface PairLayout {
  stride: number;
  idxOff: number;
}

/** The packed layout of a pair type (components back to back, as MPI_Pack and the packed apply() see them). */
export function packedPairLayout(pair: number): PairLayout {
  const d = predefinedDatatype(pair)!;
  const first = d.components![0];
  const firstSize = predefinedDatatype(predefinedHandle(first.basic))!.size;
  return { stride: d.size, idxOff: firstSize };
}

/** The layout of a pair type in memory (C struct layout, items `extent` apart). */
export function naturalPairLayout(pair: number): PairLayout {
  const d = predefinedDatatype(pair)!;
  return { stride: d.extent, idxOff: d.components![1].offset };
}

function predefinedHandle(name: string): number {
  switch (name) {
    case 'MPI_FLOAT': return MPI_FLOAT;
    case 'MPI_DOUBLE': return MPI_DOUBLE;
    case 'MPI_LONG': return MPI_LONG;
    case 'MPI_INT': return MPI_INT;
    case 'MPI_SHORT': return MPI_SHORT;
    case 'MPI_LONG_DOUBLE': return MPI_LONG_DOUBLE;
    default: throw new Error(`unexpected pair component ${name}`);
  }
}

/**
 * MINLOC/MAXLOC over `items` pairs: in at src[srcOff], inout at inout[inoutOff], both in `layout`.
 * u < v: w = u, k = i; u == v: k = min(i, j) (MPI-3.1 §5.9.4).
 */
export function applyLoc(wantMax: boolean, pair: number, layout: PairLayout, src: Uint8Array, srcOff: number,
  inout: Uint8Array, inoutOff: number, items: number): void {
  const sd = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const dd = new DataView(inout.buffer, inout.byteOffset, inout.byteLength);
  const { stride, idxOff } = layout;
  const kind = predefinedDatatype(pair)!.components![0].kind;
  const valSize = kind === 'f128' ? 16 : kind === 'f64' ? 8 : kind === 'i16' ? 2 : 4;
  for (let k = 0; k < items; k++) {
    const s = srcOff + k * stride, d = inoutOff + k * stride;
    let c: number; // in compared with inout
    switch (kind) {
      case 'f32': { const u = sd.getFloat32(s, true), v = dd.getFloat32(d, true); c = u > v ? 1 : u < v ? -1 : u === v ? 0 : NaN; break; }
      case 'f64': { const u = sd.getFloat64(s, true), v = dd.getFloat64(d, true); c = u > v ? 1 : u < v ? -1 : u === v ? 0 : NaN; break; }
      case 'i16': c = Math.sign(sd.getInt16(s, true) - dd.getInt16(d, true)); break;
      case 'f128': c = quadCompareAcross(sd, s, dd, d); break;
      default: c = Math.sign(sd.getInt32(s, true) - dd.getInt32(d, true)); break; // int, long
    }
    if (wantMax ? c > 0 : c < 0) {
      for (let b = 0; b < valSize; b += 2) dd.setUint16(d + b, sd.getUint16(s + b, true), true);
      dd.setInt32(d + idxOff, sd.getInt32(s + idxOff, true), true);
    } else if (c === 0) {
      const i = sd.getInt32(s + idxOff, true);
      if (i < dd.getInt32(d + idxOff, true)) dd.setInt32(d + idxOff, i, true);
    }
  }
}

/**
 * Applies a predefined op to `bytes` bytes of packed elements of the predefined type `basic` (not a pair;
 * for pairs use applyLoc). The op must apply (opApplies).
 */
export function applyPredefinedPacked(op: PredefinedOpName, basic: number, src: Uint8Array, srcOff: number,
  inout: Uint8Array, inoutOff: number, bytes: number): void {
  if (bytes <= 0 || op === 'MPI_NO_OP') return;
  if (op === 'MPI_REPLACE') {
    if (src.buffer === inout.buffer) {
      const from = src.byteOffset + srcOff;
      new Uint8Array(inout.buffer).copyWithin(inout.byteOffset + inoutOff, from, from + bytes);
    } else {
      inout.set(src.subarray(srcOff, srcOff + bytes), inoutOff);
    }
    return;
  }
  const d = predefinedDatatype(basic)!;
  if (d.kind === 'pair') {
    applyLoc(op === 'MPI_MAXLOC', basic, packedPairLayout(basic), src, srcOff, inout, inoutOff, bytes / d.size);
    return;
  }
  applyElementwise(OP_KEY[op]!, d.kind, src, srcOff, inout, inoutOff, bytes);
}
