// IEEE 754 binary128 (C `long double` on wasm32) for the reduction ops, exactly: comparison on the bit patterns,
// and addition / multiplication computed exactly with BigInt and rounded once (round to nearest, ties to even),
// as compiler-rt's __addtf3 / __multf3 do. Values are 128-bit patterns as BigInt (bit 127 = sign).
//
// Slow (BigInt) but exact; long double reductions are rare.

const MANT_BITS = 112n;
const EXP_MASK = 0x7fff;
const BIAS = 16383;
const MANT_MASK = (1n << MANT_BITS) - 1n;
const HIDDEN = 1n << MANT_BITS;
const SIGN = 1n << 127n;
const QUIET = 1n << 111n;
const INF = BigInt(EXP_MASK) << MANT_BITS;
const DEFAULT_NAN = INF | QUIET;
/** Exponent (of the last significand bit) of the smallest subnormal: 2^(1 - 16383 - 112). */
const MIN_E = 1 - BIAS - 112;

/** Reads the 16 bytes at `off` (little-endian) as a 128-bit pattern. */
export function readQuad(dv: DataView, off: number): bigint {
  return (dv.getBigUint64(off + 8, true) << 64n) | dv.getBigUint64(off, true);
}

export function writeQuad(dv: DataView, off: number, bits: bigint): void {
  dv.setBigUint64(off, bits & 0xffffffffffffffffn, true);
  dv.setBigUint64(off + 8, bits >> 64n, true);
}

/** True for a NaN pattern; takes the four 32-bit words (w0 least significant). */
export function quadWordsNaN(w0: number, w1: number, w2: number, w3: number): boolean {
  return ((w3 >>> 16) & EXP_MASK) === EXP_MASK && ((w3 & 0xffff) | w2 | w1 | w0) !== 0;
}

/**
 * -1 / 0 / 1 comparing two quads given as words (a0 least significant), NaN if either is a NaN (so that `> 0`
 * and `< 0` are false, like C's comparisons). +0 and -0 compare equal.
 */
export function quadCompareWords(
  a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number,
): number {
  if (quadWordsNaN(a0, a1, a2, a3) || quadWordsNaN(b0, b1, b2, b3)) return NaN;
  const sa = a3 >>> 31;
  const sb = b3 >>> 31;
  const ma3 = (a3 & 0x7fffffff) >>> 0;
  const mb3 = (b3 & 0x7fffffff) >>> 0;
  let mag = 0;
  if (ma3 !== mb3) mag = ma3 > mb3 ? 1 : -1;
  else if (a2 >>> 0 !== b2 >>> 0) mag = a2 >>> 0 > b2 >>> 0 ? 1 : -1;
  else if (a1 >>> 0 !== b1 >>> 0) mag = a1 >>> 0 > b1 >>> 0 ? 1 : -1;
  else if (a0 >>> 0 !== b0 >>> 0) mag = a0 >>> 0 > b0 >>> 0 ? 1 : -1;
  const aZero = (ma3 | a2 | a1 | a0) === 0;
  const bZero = (mb3 | b2 | b1 | b0) === 0;
  if (aZero && bZero) return 0;
  if (sa !== sb) return sa ? -1 : 1;
  return sa ? -mag : mag;
}

export function quadCompare(dv: DataView, aOff: number, bOff: number): number {
  return quadCompareWords(
    dv.getUint32(aOff, true), dv.getUint32(aOff + 4, true), dv.getUint32(aOff + 8, true), dv.getUint32(aOff + 12, true),
    dv.getUint32(bOff, true), dv.getUint32(bOff + 4, true), dv.getUint32(bOff + 8, true), dv.getUint32(bOff + 12, true),
  );
}

interface Decoded {
  neg: boolean;
  /** 'num' covers zeros (m = 0n), subnormals and normals: value = m * 2^e. */
  cls: 'num' | 'inf' | 'nan';
  m: bigint;
  e: number;
}

function decode(bits: bigint): Decoded {
  const neg = (bits & SIGN) !== 0n;
  const exp = Number((bits >> MANT_BITS) & BigInt(EXP_MASK));
  const frac = bits & MANT_MASK;
  if (exp === EXP_MASK) return { neg, cls: frac === 0n ? 'inf' : 'nan', m: 0n, e: 0 };
  if (exp === 0) return { neg, cls: 'num', m: frac, e: MIN_E };
  return { neg, cls: 'num', m: frac | HIDDEN, e: exp - BIAS - 112 };
}

function bitLength(m: bigint): number {
  return m.toString(2).length;
}

/** The quad nearest to (neg ? -1 : 1) * m * 2^e, m > 0 (round to nearest, ties to even; overflow to infinity). */
function round(neg: boolean, m: bigint, e: number): bigint {
  const sign = neg ? SIGN : 0n;
  const len = bitLength(m);
  const k = Math.max(e + len - 113, MIN_E);
  let q: bigint;
  let kk = k;
  if (k > e) {
    const d = BigInt(k - e);
    q = m >> d;
    const rem = m & ((1n << d) - 1n);
    const half = 1n << (d - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    if (q === 1n << 113n) {
      q >>= 1n;
      kk += 1;
    }
  } else {
    q = m << BigInt(e - k);
  }
  if (q < HIDDEN) return sign | q; // subnormal (kk === MIN_E), or zero after rounding
  const biased = kk + 112 + BIAS;
  if (biased >= EXP_MASK) return sign | INF;
  return sign | (BigInt(biased) << MANT_BITS) | (q & MANT_MASK);
}

function nanOf(a: bigint, da: Decoded, b: bigint): bigint {
  return da.cls === 'nan' ? a | QUIET : b | QUIET;
}

export function quadAdd(a: bigint, b: bigint): bigint {
  const da = decode(a);
  const db = decode(b);
  if (da.cls === 'nan' || db.cls === 'nan') return nanOf(a, da, b);
  if (da.cls === 'inf') return db.cls === 'inf' && da.neg !== db.neg ? DEFAULT_NAN : a;
  if (db.cls === 'inf') return b;
  if (da.m === 0n && db.m === 0n) return da.neg && db.neg ? SIGN : 0n;
  if (da.m === 0n) return b;
  if (db.m === 0n) return a;
  const e = Math.min(da.e, db.e);
  const sa = (da.neg ? -da.m : da.m) << BigInt(da.e - e);
  const sb = (db.neg ? -db.m : db.m) << BigInt(db.e - e);
  const s = sa + sb;
  if (s === 0n) return 0n; // exact cancellation is +0 when rounding to nearest
  return s < 0n ? round(true, -s, e) : round(false, s, e);
}

export function quadSub(a: bigint, b: bigint): bigint {
  return quadAdd(a, b ^ SIGN);
}

export function quadMul(a: bigint, b: bigint): bigint {
  const da = decode(a);
  const db = decode(b);
  const neg = da.neg !== db.neg;
  if (da.cls === 'nan' || db.cls === 'nan') return nanOf(a, da, b);
  if (da.cls === 'inf' || db.cls === 'inf') {
    const other = da.cls === 'inf' ? db : da;
    if (other.cls === 'num' && other.m === 0n) return DEFAULT_NAN;
    return (neg ? SIGN : 0n) | INF;
  }
  if (da.m === 0n || db.m === 0n) return neg ? SIGN : 0n;
  return round(neg, da.m * db.m, da.e + db.e);
}

/** The quad for a JS number (exact: every double is a quad); for tests. */
export function quadFromNumber(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  const bits = dv.getBigUint64(0, true);
  const neg = bits >> 63n === 1n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const sign = neg ? SIGN : 0n;
  if (exp === 0x7ff) return sign | INF | (frac << 60n);
  if (exp === 0 && frac === 0n) return sign;
  if (exp === 0) return round(neg, frac, -1074);
  return round(neg, frac | (1n << 52n), exp - 1023 - 52);
}
