// The host-side MPI datatype engine: handles, constructors and their bounds, flattening, pack/unpack/copy.
// Pack/unpack/copy are checked against a naive reference that walks the typemap element by element.
import { test, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import {
  DatatypeRegistry, copy, isMpiError, pack, unpack, predefinedObject, datatypeHeaderDefines,
  predefinedDatatype, predefinedSizeFromHandle, elementKind, PREDEFINED_DATATYPES, type Datatype, type MpiError,
  MPI_CHAR, MPI_BYTE, MPI_SHORT, MPI_INT, MPI_LONG, MPI_UNSIGNED_LONG, MPI_LONG_LONG, MPI_LONG_LONG_INT, MPI_FLOAT,
  MPI_DOUBLE, MPI_LONG_DOUBLE, MPI_WCHAR, MPI_C_BOOL, MPI_AINT, MPI_OFFSET, MPI_COUNT, MPI_C_COMPLEX,
  MPI_C_FLOAT_COMPLEX, MPI_C_DOUBLE_COMPLEX, MPI_C_LONG_DOUBLE_COMPLEX, MPI_INT64_T, MPI_UINT8_T, MPI_PACKED,
  MPI_FLOAT_INT, MPI_DOUBLE_INT, MPI_LONG_INT, MPI_2INT, MPI_SHORT_INT, MPI_LONG_DOUBLE_INT, MPI_DATATYPE_NULL,
  MPI_ERR_ARG, MPI_ERR_BUFFER, MPI_ERR_COUNT, MPI_ERR_TRUNCATE, MPI_ERR_TYPE, MPI_SUCCESS, MPI_UNDEFINED,
  MPI_ORDER_C, MPI_ORDER_FORTRAN, MPI_COMBINER_NAMED, MPI_COMBINER_VECTOR, MPI_COMBINER_STRUCT,
  MPI_COMBINER_SUBARRAY, MPI_COMBINER_RESIZED, MPI_COMBINER_DUP, MPI_COMBINER_HVECTOR, MPI_COMBINER_INDEXED,
  MPI_COMBINER_HINDEXED, MPI_COMBINER_INDEXED_BLOCK, MPI_COMBINER_HINDEXED_BLOCK, MPI_COMBINER_CONTIGUOUS,
} from '../mpi/datatypes/index.js';

// ---------------------------------------------------------------------------------------------------------------
// helpers

function ok<T>(r: T | MpiError): T {
  if (isMpiError(r)) assert.fail(`unexpected MPI error ${r.errorClass}: ${r.message}`);
  return r as T;
}

function err(r: unknown, errorClass: number, pattern?: RegExp): MpiError {
  assert.ok(isMpiError(r), `expected MPI error ${errorClass}, got ${JSON.stringify(r)}`);
  assert.equal(r.errorClass, errorClass, r.message);
  if (pattern) assert.match(r.message, pattern);
  return r;
}

function committed(reg: DatatypeRegistry, h: number | MpiError): number {
  const handle = ok(h);
  assert.equal(reg.commit(handle), MPI_SUCCESS);
  return handle;
}

function obj(reg: DatatypeRegistry, h: number): Datatype {
  return ok(reg.forCommunication(h));
}

function bounds(reg: DatatypeRegistry, h: number) {
  const e = ok(reg.extent(h));
  const te = ok(reg.trueExtent(h));
  return { size: ok(reg.size(h)), lb: e.lb, extent: e.extent, trueLb: te.lb, trueExtent: te.extent };
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
}

function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r.next() * 256);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The naive reference: a typemap as an explicit list of basic elements (byte offset, byte size), with the MPI
// lb/ub rules (markers from resized, C padding for structs), built alongside the engine's types.

interface Ref {
  elems: Array<[number, number]>;
  lb: number;
  ub: number;
  lbm: boolean;
  ubm: boolean;
  align: number;
}

const refExtent = (r: Ref) => r.ub - r.lb;

function refBasic(size: number, align: number): Ref {
  return { elems: [[0, size]], lb: 0, ub: size, lbm: false, ubm: false, align };
}

function refPieces(pieces: Array<[Ref, number, number]>, pad = false): Ref {
  const elems: Array<[number, number]> = [];
  let lbN = Infinity, ubN = -Infinity, lbM = Infinity, ubM = -Infinity, align = 1;
  for (const [c, d, n] of pieces) {
    if (n <= 0) continue;
    if (c.elems.length > 0 || c.lbm) align = Math.max(align, c.align);
    for (let k = 0; k < n; k++) {
      const base = d + k * refExtent(c);
      for (const [o, s] of c.elems) elems.push([base + o, s]);
      if (c.lbm) lbM = Math.min(lbM, base + c.lb); else if (c.elems.length) lbN = Math.min(lbN, base + c.lb);
      if (c.ubm) ubM = Math.max(ubM, base + c.ub); else if (c.elems.length) ubN = Math.max(ubN, base + c.ub);
    }
  }
  const lbm = lbM !== Infinity, ubm = ubM !== -Infinity;
  let lb = lbm ? lbM : lbN, ub = ubm ? ubM : ubN;
  if (lb === Infinity) lb = ub === -Infinity ? 0 : ub;
  if (ub === -Infinity) ub = lb;
  if (pad && !ubm && ub > lb) ub = lb + Math.ceil((ub - lb) / align) * align;
  return { elems, lb, ub, lbm, ubm, align };
}

const refResized = (c: Ref, lb: number, extent: number): Ref => ({ ...c, lb, ub: lb + extent, lbm: true, ubm: true });

function refSubarray(sizes: number[], subsizes: number[], starts: number[], order: number, old: Ref): Ref {
  // Enumerate the subarray's elements in storage order, element by element.
  const nd = sizes.length;
  const ext = refExtent(old);
  const elems: Array<[number, number]> = [];
  const idx = new Array(nd).fill(0);
  const dimsSlowToFast = order === MPI_ORDER_C ? [...Array(nd).keys()] : [...Array(nd).keys()].reverse();
  const strides = new Array(nd).fill(0);
  let s = ext;
  for (const i of [...dimsSlowToFast].reverse()) { strides[i] = s; s *= sizes[i]; }
  const total = subsizes.reduce((a, b) => a * b, 1);
  for (let e = 0; e < total; e++) {
    let rem = e;
    for (const i of [...dimsSlowToFast].reverse()) { idx[i] = rem % subsizes[i]; rem = Math.floor(rem / subsizes[i]); }
    let off = 0;
    for (let i = 0; i < nd; i++) off += (starts[i] + idx[i]) * strides[i];
    for (const [o, sz] of old.elems) elems.push([off + o, sz]);
  }
  return { elems, lb: 0, ub: s, lbm: true, ubm: true, align: old.align };
}

/** Reference pack: every element, every byte, in typemap order. */
function refPack(mem: Uint8Array, addr: number, count: number, t: Ref): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    for (const [o, s] of t.elems) for (let b = 0; b < s; b++) out.push(mem[addr + i * refExtent(t) + o + b]);
  }
  return Uint8Array.from(out);
}

/** Reference unpack of `bytes` packed bytes (a prefix of count items). */
function refUnpack(packed: Uint8Array, bytes: number, mem: Uint8Array, addr: number, count: number, t: Ref): void {
  let p = 0;
  for (let i = 0; i < count; i++) {
    for (const [o, s] of t.elems) for (let b = 0; b < s; b++) { if (p >= bytes) return; mem[addr + i * refExtent(t) + o + b] = packed[p++]; }
  }
}

function refTouched(t: Ref, count: number): { lo: number; hi: number } {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < count; i++) for (const [o, s] of t.elems) {
    lo = Math.min(lo, i * refExtent(t) + o);
    hi = Math.max(hi, i * refExtent(t) + o + s);
  }
  return { lo, hi };
}

/** Builds each type in the engine and in the reference at once. */
class Both {
  constructor(readonly reg: DatatypeRegistry) {}
  basic(h: number): { h: number; r: Ref } {
    const p = predefinedDatatype(h)!;
    if (p.kind === 'pair') {
      const [a, b] = p.components!;
      const ra = this.basic(predefinedDatatype(PREDEFINED_DATATYPES.find((d) => d.name === a.basic)!.handle)!.handle).r;
      const rb = this.basic(predefinedDatatype(PREDEFINED_DATATYPES.find((d) => d.name === b.basic)!.handle)!.handle).r;
      return { h, r: refPieces([[ra, a.offset, 1], [rb, b.offset, 1]], true) };
    }
    return { h, r: refBasic(p.size, p.alignment) };
  }
  contiguous(n: number, t: { h: number; r: Ref }) {
    return { h: ok(this.reg.contiguous(n, t.h)), r: refPieces([[t.r, 0, n]]) };
  }
  vector(count: number, bl: number, stride: number, t: { h: number; r: Ref }) {
    const p: Array<[Ref, number, number]> = [];
    for (let i = 0; i < count; i++) p.push([t.r, i * stride * refExtent(t.r), bl]);
    return { h: ok(this.reg.vector(count, bl, stride, t.h)), r: refPieces(p) };
  }
  hvector(count: number, bl: number, stride: number, t: { h: number; r: Ref }) {
    const p: Array<[Ref, number, number]> = [];
    for (let i = 0; i < count; i++) p.push([t.r, i * stride, bl]);
    return { h: ok(this.reg.hvector(count, bl, stride, t.h)), r: refPieces(p) };
  }
  indexed(bls: number[], disps: number[], t: { h: number; r: Ref }) {
    return { h: ok(this.reg.indexed(bls.length, bls, disps, t.h)), r: refPieces(bls.map((b, i) => [t.r, disps[i] * refExtent(t.r), b])) };
  }
  hindexed(bls: number[], disps: number[], t: { h: number; r: Ref }) {
    return { h: ok(this.reg.hindexed(bls.length, bls, disps, t.h)), r: refPieces(bls.map((b, i) => [t.r, disps[i], b])) };
  }
  indexedBlock(bl: number, disps: number[], t: { h: number; r: Ref }) {
    return { h: ok(this.reg.indexedBlock(disps.length, bl, disps, t.h)), r: refPieces(disps.map((d) => [t.r, d * refExtent(t.r), bl])) };
  }
  hindexedBlock(bl: number, disps: number[], t: { h: number; r: Ref }) {
    return { h: ok(this.reg.hindexedBlock(disps.length, bl, disps, t.h)), r: refPieces(disps.map((d) => [t.r, d, bl])) };
  }
  struct(bls: number[], disps: number[], ts: Array<{ h: number; r: Ref }>) {
    return {
      h: ok(this.reg.struct(bls.length, bls, disps, ts.map((t) => t.h))),
      r: refPieces(bls.map((b, i) => [ts[i].r, disps[i], b]), true),
    };
  }
  resized(t: { h: number; r: Ref }, lb: number, extent: number) {
    return { h: ok(this.reg.resized(t.h, lb, extent)), r: refResized(t.r, lb, extent) };
  }
  subarray(sizes: number[], subsizes: number[], starts: number[], order: number, t: { h: number; r: Ref }) {
    return { h: ok(this.reg.subarray(sizes.length, sizes, subsizes, starts, order, t.h)), r: refSubarray(sizes, subsizes, starts, order, t.r) };
  }
  dup(t: { h: number; r: Ref }) {
    return { h: ok(this.reg.dup(t.h)), r: t.r };
  }
}

/** Checks engine pack/unpack/copy of `count` items of t against the reference, at a few addresses/alignments. */
function checkAgainstReference(reg: DatatypeRegistry, t: { h: number; r: Ref }, count: number, seed: number, label: string): void {
  assert.equal(reg.commit(t.h), MPI_SUCCESS);
  const d = obj(reg, t.h);
  const sizeRef = t.r.elems.reduce((a, [, s]) => a + s, 0);
  assert.equal(d.size, sizeRef, `${label}: size`);
  assert.equal(d.lb, t.r.lb, `${label}: lb`);
  assert.equal(d.extent, refExtent(t.r), `${label}: extent`);
  const { lo, hi } = count > 0 && t.r.elems.length ? refTouched(t.r, count) : { lo: 0, hi: 0 };
  if (t.r.elems.length) {
    const one = refTouched(t.r, 1);
    assert.equal(d.trueLb, one.lo, `${label}: true lb`);
    assert.equal(d.trueExtent, one.hi - one.lo, `${label}: true extent`);
  }
  const memSize = hi - lo + 64;
  for (const shift of [0, 1, 4]) {
    const addr = -lo + 16 + shift;
    const mem = randomBytes(memSize + 8, seed + shift);
    const expected = refPack(mem, addr, count, t.r);
    // pack
    const out = new Uint8Array(expected.length + 8);
    const written = ok(pack(mem, addr, count, d, out, shift));
    assert.equal(written, expected.length, `${label}: bytes packed`);
    assert.deepEqual(out.subarray(shift, shift + written), expected, `${label}: pack (shift ${shift})`);
    // unpack (full) into a fresh memory
    const dstA = new Uint8Array(memSize + 8), dstB = new Uint8Array(memSize + 8);
    refUnpack(expected, expected.length, dstA, addr, count, t.r);
    const u = ok(unpack(out, shift, written, dstB, addr, count, d));
    assert.equal(u.bytes, written);
    assert.equal(u.truncated, false);
    assert.deepEqual(dstB, dstA, `${label}: unpack (shift ${shift})`);
    // short message: a prefix that ends mid-item
    if (written > 2) {
      const short = written - Math.max(1, Math.floor(written / 3));
      const sA = new Uint8Array(memSize + 8), sB = new Uint8Array(memSize + 8);
      refUnpack(expected, short, sA, addr, count, t.r);
      const s = ok(unpack(out, shift, short, sB, addr, count, d));
      assert.equal(s.bytes, short);
      assert.deepEqual(sB, sA, `${label}: short unpack (shift ${shift})`);
    }
    // direct copy into a contiguous byte layout and back into the same layout in another memory
    const cB = new Uint8Array(memSize + 8);
    const cr = ok(copy(mem, addr, count, d, cB, addr, count, d));
    assert.equal(cr.bytes, written);
    const cA = new Uint8Array(memSize + 8);
    refUnpack(expected, expected.length, cA, addr, count, t.r);
    assert.deepEqual(cB, cA, `${label}: copy layout->layout (shift ${shift})`);
  }
}

/** copy() from (a items of s) to (b items of d), two different layouts, against reference pack + unpack of the byte stream. */
function checkCopyPair(reg: DatatypeRegistry, s: { h: number; r: Ref }, a: number, d: { h: number; r: Ref }, b: number, seed: number, label: string): void {
  reg.commit(s.h); reg.commit(d.h);
  const ts = a > 0 && s.r.elems.length ? refTouched(s.r, a) : { lo: 0, hi: 0 };
  const td = b > 0 && d.r.elems.length ? refTouched(d.r, b) : { lo: 0, hi: 0 };
  for (const shift of [0, 3]) {
    const sAddr = -ts.lo + 8 + shift, dAddr = -td.lo + 4;
    const src = randomBytes(ts.hi - ts.lo + 32, seed + shift);
    const dst = randomBytes(td.hi - td.lo + 32, seed + 7);
    const want = dst.slice();
    const stream = refPack(src, sAddr, a, s.r);
    const dCap = d.r.elems.reduce((x, [, n]) => x + n, 0) * b;
    const bytes = Math.min(stream.length, dCap);
    refUnpack(stream, bytes, want, dAddr, b, d.r);
    const r = ok(copy(src, sAddr, a, obj(reg, s.h), dst, dAddr, b, obj(reg, d.h)));
    assert.deepEqual(r, { bytes, truncated: stream.length > bytes }, label);
    assert.deepEqual(dst, want, `${label} (shift ${shift})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------

describe('predefined datatype handles', () => {
  test('handles encode size and index; values follow the wasm32 ABI', () => {
    const seen = new Set<number>();
    for (const d of PREDEFINED_DATATYPES) {
      assert.ok(!seen.has(d.handle), `${d.name} handle is unique`);
      seen.add(d.handle);
      assert.equal((d.handle & 0xff000000) >>> 0, 0x4c000000);
      assert.equal(predefinedSizeFromHandle(d.handle), d.size, d.name);
      assert.equal(d.handle & 0xff, d.index);
      const o = predefinedObject(d.handle)!;
      assert.equal(o.size, d.size);
      assert.equal(o.extent, d.extent);
      assert.equal(o.committed, true);
    }
    assert.equal(MPI_INT, 0x4c000408);
    assert.equal(predefinedSizeFromHandle(MPI_INT), 4);
    assert.equal(predefinedSizeFromHandle(MPI_DOUBLE), 8);
    assert.equal(predefinedSizeFromHandle(MPI_DATATYPE_NULL), undefined);
    const sizes: Array<[number, number]> = [
      [MPI_CHAR, 1], [MPI_WCHAR, 4], [MPI_SHORT, 2], [MPI_LONG, 4], [MPI_UNSIGNED_LONG, 4], [MPI_LONG_LONG, 8],
      [MPI_LONG_DOUBLE, 16], [MPI_C_BOOL, 1], [MPI_AINT, 4], [MPI_OFFSET, 8], [MPI_COUNT, 8],
      [MPI_C_FLOAT_COMPLEX, 8], [MPI_C_DOUBLE_COMPLEX, 16], [MPI_C_LONG_DOUBLE_COMPLEX, 32], [MPI_PACKED, 1],
    ];
    for (const [h, s] of sizes) assert.equal(predefinedDatatype(h)!.size, s, predefinedDatatype(h)!.name);
    assert.equal(MPI_LONG_LONG, MPI_LONG_LONG_INT);
    assert.equal(MPI_C_COMPLEX, MPI_C_FLOAT_COMPLEX);
    assert.equal(predefinedDatatype(MPI_DOUBLE)!.alignment, 8);
    assert.equal(predefinedDatatype(MPI_LONG_DOUBLE)!.alignment, 16);
    assert.equal(predefinedDatatype(MPI_LONG_LONG)!.alignment, 8);
    assert.equal(elementKind(MPI_INT), 'i32');
    assert.equal(elementKind(MPI_LONG), 'i32');
    assert.equal(elementKind(MPI_UINT8_T), 'u8');
    assert.equal(elementKind(MPI_INT64_T), 'i64');
    assert.equal(elementKind(MPI_LONG_DOUBLE), 'f128');
    assert.equal(elementKind(MPI_C_DOUBLE_COMPLEX), 'c128');
    assert.equal(elementKind(MPI_C_BOOL), 'bool');
    assert.equal(elementKind(MPI_BYTE), 'byte');
    assert.equal(elementKind(MPI_DOUBLE_INT), undefined);
    assert.match(datatypeHeaderDefines(), /#define MPI_INT \(\(MPI_Datatype\)0x4c000408\)/);
    assert.match(datatypeHeaderDefines(), /#define MPI_LONG_LONG MPI_LONG_LONG_INT/);
  });

  test('pair types: sizes, extents (C alignment) and components', () => {
    const reg = new DatatypeRegistry();
    // [handle, size, extent, offset of the int]
    const cases: Array<[number, number, number, number]> = [
      [MPI_FLOAT_INT, 8, 8, 4],
      [MPI_DOUBLE_INT, 12, 16, 8], // double aligns to 8: 8 + 4 = 12, padded to 16
      [MPI_LONG_INT, 8, 8, 4],
      [MPI_2INT, 8, 8, 4],
      [MPI_SHORT_INT, 6, 8, 4], // short at 0, int at 4 (2 bytes of padding), size 2 + 4
      [MPI_LONG_DOUBLE_INT, 20, 32, 16], // long double aligns to 16: 16 + 4 = 20, padded to 32
    ];
    for (const [h, size, extent, intOff] of cases) {
      const p = predefinedDatatype(h)!;
      assert.equal(p.kind, 'pair');
      assert.equal(p.components![1].offset, intOff, p.name);
      assert.equal(p.components![1].kind, 'i32');
      assert.deepEqual(bounds(reg, h), { size, lb: 0, extent, trueLb: 0, trueExtent: intOff + 4 });
      assert.equal(ok(reg.basicType(h)), h, 'a pair is one element for reductions');
    }
    // Get_elements counts the two components separately.
    assert.equal(ok(reg.getElements(MPI_DOUBLE_INT, 12)), 2);
    assert.equal(ok(reg.getElements(MPI_DOUBLE_INT, 8)), 1);
    assert.equal(ok(reg.getElements(MPI_DOUBLE_INT, 20)), 3);
    assert.equal(ok(reg.getElements(MPI_DOUBLE_INT, 10)), MPI_UNDEFINED);
    assert.equal(ok(reg.getCount(MPI_DOUBLE_INT, 24)), 2);
    assert.equal(ok(reg.getCount(MPI_DOUBLE_INT, 20)), MPI_UNDEFINED);
    // MPI_SHORT_INT packs 6 bytes per item, skipping the padding.
    const mem = Uint8Array.from({ length: 16 }, (_, i) => i);
    const out = new Uint8Array(12);
    assert.equal(ok(pack(mem, 0, 2, predefinedObject(MPI_SHORT_INT)!, out, 0)), 12);
    assert.deepEqual([...out], [0, 1, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15]);
  });

  test('predefined types: envelope NAMED, contents erroneous, free is an error, names, signed handles', () => {
    const reg = new DatatypeRegistry();
    assert.deepEqual(ok(reg.envelope(MPI_INT)), { numIntegers: 0, numAddresses: 0, numDatatypes: 0, combiner: MPI_COMBINER_NAMED });
    err(reg.contents(MPI_INT), MPI_ERR_TYPE, /named datatype MPI_INT/);
    err(reg.free(MPI_DOUBLE), MPI_ERR_TYPE, /cannot free predefined datatype MPI_DOUBLE/);
    assert.equal(reg.commit(MPI_INT), MPI_SUCCESS);
    assert.equal(ok(reg.getName(MPI_DOUBLE)), 'MPI_DOUBLE');
    assert.equal(reg.setName(MPI_DOUBLE, 'mydouble'), MPI_SUCCESS);
    assert.equal(ok(reg.getName(MPI_DOUBLE)), 'mydouble');
    assert.equal(ok(new DatatypeRegistry().getName(MPI_DOUBLE)), 'MPI_DOUBLE', 'names are per process');
    // A handle read from wasm memory as a signed i32 resolves the same way.
    const v = ok(reg.contiguous(2, MPI_INT));
    assert.ok(v > 0x7fffffff);
    assert.equal(ok(reg.size(v | 0)), 8);
    assert.equal(ok(reg.size(MPI_INT | 0)), 4);
    err(reg.size(MPI_DATATYPE_NULL), MPI_ERR_TYPE, /MPI_DATATYPE_NULL/);
    err(reg.size(0x4c0004ff), MPI_ERR_TYPE, /invalid datatype handle 0x4c0004ff/);
    err(reg.size(0x8c000777), MPI_ERR_TYPE, /invalid datatype handle 0x8c000777/);
  });
});

describe('constructors: size, lb, extent, true extent', () => {
  test('contiguous and vector, including negative stride', () => {
    const reg = new DatatypeRegistry();
    // contiguous(5, int): 20 bytes.
    assert.deepEqual(bounds(reg, ok(reg.contiguous(5, MPI_INT))), { size: 20, lb: 0, extent: 20, trueLb: 0, trueExtent: 20 });
    // contiguous(0, int): empty, lb = ub = 0.
    assert.deepEqual(bounds(reg, ok(reg.contiguous(0, MPI_INT))), { size: 0, lb: 0, extent: 0, trueLb: 0, trueExtent: 0 });
    // vector(3, 2, 4, int): blocks of 8 bytes at 0, 16, 32 -> ub 40.
    assert.deepEqual(bounds(reg, ok(reg.vector(3, 2, 4, MPI_INT))), { size: 24, lb: 0, extent: 40, trueLb: 0, trueExtent: 40 });
    // vector(3, 1, -2, double): doubles at 0, -16, -32 -> lb -32, ub 8, extent 40.
    assert.deepEqual(bounds(reg, ok(reg.vector(3, 1, -2, MPI_DOUBLE))), { size: 24, lb: -32, extent: 40, trueLb: -32, trueExtent: 40 });
    // hvector(2, 3, 20, short): shorts at 0,2,4 and 20,22,24 -> ub 26.
    assert.deepEqual(bounds(reg, ok(reg.hvector(2, 3, 20, MPI_SHORT))), { size: 12, lb: 0, extent: 26, trueLb: 0, trueExtent: 26 });
    // hvector(2, 1, -6, short): 0 and -6 -> lb -6, ub 2.
    assert.deepEqual(bounds(reg, ok(reg.hvector(2, 1, -6, MPI_SHORT))), { size: 4, lb: -6, extent: 8, trueLb: -6, trueExtent: 8 });
    // Nested: T = contiguous(2, double) (extent 16); vector(2, 1, 3, T): T at 0 and 48 -> ub 64.
    const t = ok(reg.contiguous(2, MPI_DOUBLE));
    assert.deepEqual(bounds(reg, ok(reg.vector(2, 1, 3, t))), { size: 32, lb: 0, extent: 64, trueLb: 0, trueExtent: 64 });
  });

  test('indexed, hindexed, indexed_block, hindexed_block', () => {
    const reg = new DatatypeRegistry();
    // indexed({2,1,3}, {5,0,-2}, int): [20,28) [0,4) [-8,4) -> lb -8, ub 28.
    assert.deepEqual(bounds(reg, ok(reg.indexed(3, [2, 1, 3], [5, 0, -2], MPI_INT))), { size: 24, lb: -8, extent: 36, trueLb: -8, trueExtent: 36 });
    // hindexed({1,2}, {3,-10}, short): [3,5) [-10,-6) -> lb -10 ub 5.
    assert.deepEqual(bounds(reg, ok(reg.hindexed(2, [1, 2], [3, -10], MPI_SHORT))), { size: 6, lb: -10, extent: 15, trueLb: -10, trueExtent: 15 });
    // Zero-length blocks do not count: hindexed({0,1}, {-100, 8}, int): [8,12).
    assert.deepEqual(bounds(reg, ok(reg.hindexed(2, [0, 1], [-100, 8], MPI_INT))), { size: 4, lb: 8, extent: 4, trueLb: 8, trueExtent: 4 });
    // indexed_block(2, {1, 4}, double): [8,24) [32,48) -> lb 8 ub 48.
    assert.deepEqual(bounds(reg, ok(reg.indexedBlock(2, 2, [1, 4], MPI_DOUBLE))), { size: 32, lb: 8, extent: 40, trueLb: 8, trueExtent: 40 });
    // hindexed_block(3, {-12, 0}, int): [-12,0) [0,12) -> lb -12 ub 12.
    assert.deepEqual(bounds(reg, ok(reg.hindexedBlock(2, 3, [-12, 0], MPI_INT))), { size: 24, lb: -12, extent: 24, trueLb: -12, trueExtent: 24 });
    // A single zero-size block of a nested negative-extent type: vector(2,1,-2,int) has lb -8, ub 4 (extent 12);
    // indexed({2}, {1}, it): copies at 12 and 24 -> data [4,8)u[12,16) and [16,20)u[24,28) -> lb 4, ub 28.
    const neg = ok(reg.vector(2, 1, -2, MPI_INT));
    assert.deepEqual(bounds(reg, neg), { size: 8, lb: -8, extent: 12, trueLb: -8, trueExtent: 12 });
    assert.deepEqual(bounds(reg, ok(reg.indexed(1, [2], [1], neg))), { size: 16, lb: 4, extent: 24, trueLb: 4, trueExtent: 24 });
  });

  test('struct: C alignment padding of the extent', () => {
    const reg = new DatatypeRegistry();
    // {int @0, double @8}: ub 16, alignment 8 -> extent 16.
    assert.deepEqual(bounds(reg, ok(reg.struct(2, [1, 1], [0, 8], [MPI_INT, MPI_DOUBLE]))), { size: 12, lb: 0, extent: 16, trueLb: 0, trueExtent: 16 });
    // {double @0, char @8}: data ends at 9 -> padded to 16.
    assert.deepEqual(bounds(reg, ok(reg.struct(2, [1, 1], [0, 8], [MPI_DOUBLE, MPI_CHAR]))), { size: 9, lb: 0, extent: 16, trueLb: 0, trueExtent: 9 });
    // {char @0, int @4, char @8}: ends at 9, alignment 4 -> 12.
    assert.deepEqual(bounds(reg, ok(reg.struct(3, [1, 1, 1], [0, 4, 8], [MPI_CHAR, MPI_INT, MPI_CHAR]))), { size: 6, lb: 0, extent: 12, trueLb: 0, trueExtent: 9 });
    // {char @0, char @1}: alignment 1 -> 2.
    assert.deepEqual(bounds(reg, ok(reg.struct(2, [1, 1], [0, 1], [MPI_CHAR, MPI_CHAR]))), { size: 2, lb: 0, extent: 2, trueLb: 0, trueExtent: 2 });
    // {char @0, long double @16}: ends at 32, alignment 16 -> 32.
    assert.deepEqual(bounds(reg, ok(reg.struct(2, [1, 1], [0, 16], [MPI_CHAR, MPI_LONG_DOUBLE]))), { size: 17, lb: 0, extent: 32, trueLb: 0, trueExtent: 32 });
    // {short[3] @0, long long @8} alignment 8: ends at 16 -> 16.
    assert.deepEqual(bounds(reg, ok(reg.struct(2, [3, 1], [0, 8], [MPI_SHORT, MPI_LONG_LONG]))), { size: 14, lb: 0, extent: 16, trueLb: 0, trueExtent: 16 });
    // Negative displacement: {double @-8, char @4}: lb -8, data ends at 5 -> 13 rounded to 16.
    assert.deepEqual(bounds(reg, ok(reg.struct(2, [1, 1], [-8, 4], [MPI_DOUBLE, MPI_CHAR]))), { size: 9, lb: -8, extent: 16, trueLb: -8, trueExtent: 13 });
    // Nested struct member keeps its alignment: S = {double, char} (extent 16); {char @0, S @8}: ends at 24 -> 24.
    const s = ok(reg.struct(2, [1, 1], [0, 8], [MPI_DOUBLE, MPI_CHAR]));
    assert.deepEqual(bounds(reg, ok(reg.struct(2, [1, 1], [0, 8], [MPI_CHAR, s]))), { size: 10, lb: 0, extent: 24, trueLb: 0, trueExtent: 17 });
    // Array of structs: contiguous(3, S) has extent 48 (3 x 16) like a C array.
    assert.deepEqual(bounds(reg, ok(reg.contiguous(3, s))), { size: 27, lb: 0, extent: 48, trueLb: 0, trueExtent: 41 });
    // Mixed types: not homogeneous; homogeneous derived types report their basic type.
    assert.equal(ok(reg.basicType(s)), MPI_UNDEFINED);
    assert.equal(ok(reg.basicType(ok(reg.vector(3, 2, 5, MPI_DOUBLE)))), MPI_DOUBLE);
    assert.equal(ok(reg.basicType(ok(reg.contiguous(0, MPI_DOUBLE)))), 0);
  });

  test('resized: explicit markers are sticky through later constructors', () => {
    const reg = new DatatypeRegistry();
    // R = resized(int, -4, 12): lb -4, ub 8; data [0,4).
    const r = ok(reg.resized(MPI_INT, -4, 12));
    assert.deepEqual(bounds(reg, r), { size: 4, lb: -4, extent: 12, trueLb: 0, trueExtent: 4 });
    // contiguous(3, R): copies at 0, 12, 24 -> lb marker -4, ub marker 24 + 8 = 32 -> extent 36; data [0, 28).
    assert.deepEqual(bounds(reg, ok(reg.contiguous(3, r))), { size: 12, lb: -4, extent: 36, trueLb: 0, trueExtent: 28 });
    // Struct with R at 100 and a double at 0: the markers win: lb 96, ub 108 (no padding with an explicit ub).
    assert.deepEqual(bounds(reg, ok(reg.struct(2, [1, 1], [100, 0], [r, MPI_DOUBLE]))), { size: 12, lb: 96, extent: 12, trueLb: 0, trueExtent: 104 });
    // Resize a vector with negative stride to a smaller extent: vector(2,1,-2,double) [lb -16, ub 8] -> (0, 8).
    const v = ok(reg.vector(2, 1, -2, MPI_DOUBLE));
    const rv = ok(reg.resized(v, 0, 8));
    assert.deepEqual(bounds(reg, rv), { size: 16, lb: 0, extent: 8, trueLb: -16, trueExtent: 24 });
    // The classic column type: vector(4, 1, 4, double) resized to one double, used with count 4 walks a 4x4 transpose.
    const col = ok(reg.resized(ok(reg.vector(4, 1, 4, MPI_DOUBLE)), 0, 8));
    assert.deepEqual(bounds(reg, col), { size: 32, lb: 0, extent: 8, trueLb: 0, trueExtent: 104 });
    reg.commit(col);
    const m = new Float64Array(16).map((_, i) => i);
    const out = new Float64Array(16);
    ok(pack(new Uint8Array(m.buffer), 0, 4, obj(reg, col), new Uint8Array(out.buffer), 0));
    assert.deepEqual([...out], [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]);
  });

  test('subarray in C and Fortran order', () => {
    const reg = new DatatypeRegistry();
    // C: 4x5 ints, rows 1..2, cols 2..4 -> offsets (r*5+c)*4: [28,40) [48,60); lb 0, extent 80.
    const c = committed(reg, reg.subarray(2, [4, 5], [2, 3], [1, 2], MPI_ORDER_C, MPI_INT));
    assert.deepEqual(bounds(reg, c), { size: 24, lb: 0, extent: 80, trueLb: 28, trueExtent: 32 });
    const bc = obj(reg, c).blocks!;
    assert.deepEqual([...bc.offs], [28, 48]);
    assert.deepEqual([...bc.lens], [12, 12]);
    // Fortran: first index fastest: (i + 4j)*4 for i in 1..2, j in 2..4: [36,44) [52,60) [68,76).
    const f = committed(reg, reg.subarray(2, [4, 5], [2, 3], [1, 2], MPI_ORDER_FORTRAN, MPI_INT));
    assert.deepEqual(bounds(reg, f), { size: 24, lb: 0, extent: 80, trueLb: 36, trueExtent: 40 });
    const bf = obj(reg, f).blocks!;
    assert.deepEqual([...bf.offs], [36, 52, 68]);
    assert.deepEqual([...bf.lens], [8, 8, 8]);
    // Whole array: one contiguous block.
    const whole = committed(reg, reg.subarray(3, [2, 3, 4], [2, 3, 4], [0, 0, 0], MPI_ORDER_C, MPI_DOUBLE));
    assert.equal(obj(reg, whole).blocks!.contiguous, true);
    assert.deepEqual(ok(reg.envelope(c)), { numIntegers: 8, numAddresses: 0, numDatatypes: 1, combiner: MPI_COMBINER_SUBARRAY });
    assert.deepEqual(ok(reg.contents(c)).integers, [2, 4, 5, 2, 3, 1, 2, MPI_ORDER_C]);
    err(reg.subarray(2, [4, 5], [2, 6], [0, 0], MPI_ORDER_C, MPI_INT), MPI_ERR_ARG, /array_of_subsizes\[1\]/);
    err(reg.subarray(2, [4, 5], [2, 3], [3, 0], MPI_ORDER_C, MPI_INT), MPI_ERR_ARG, /array_of_starts\[0\]/);
    err(reg.subarray(2, [4, 0], [2, 0], [0, 0], MPI_ORDER_C, MPI_INT), MPI_ERR_ARG, /array_of_sizes\[1\]/);
    err(reg.subarray(0, [], [], [], MPI_ORDER_C, MPI_INT), MPI_ERR_ARG, /dimensions/);
    err(reg.subarray(1, [4], [2], [0], 99, MPI_INT), MPI_ERR_ARG, /order/);
  });

  test('dup, envelope and contents of every combiner', () => {
    const reg = new DatatypeRegistry();
    const v = ok(reg.vector(3, 2, 4, MPI_INT));
    const d = ok(reg.dup(v));
    assert.deepEqual(bounds(reg, d), bounds(reg, v));
    assert.deepEqual(ok(reg.contents(d)), { combiner: MPI_COMBINER_DUP, integers: [], addresses: [], datatypes: [v] });
    // A duplicate of a committed type is committed; of an uncommitted one it is not.
    err(reg.forCommunication(d), MPI_ERR_TYPE, /not committed/);
    const vc = committed(reg, reg.vector(2, 1, 2, MPI_INT));
    ok(reg.forCommunication(ok(reg.dup(vc))));
    const dp = ok(reg.dup(MPI_DOUBLE_INT));
    assert.deepEqual(bounds(reg, dp), { size: 12, lb: 0, extent: 16, trueLb: 0, trueExtent: 12 });
    assert.equal(ok(reg.getName(dp)), '', 'names are not copied');
    assert.equal(ok(reg.basicType(dp)), MPI_DOUBLE_INT);
    const cases: Array<[number | MpiError, number, number[], number[], number]> = [
      [reg.contiguous(7, MPI_INT), MPI_COMBINER_CONTIGUOUS, [7], [], 1],
      [reg.vector(3, 2, -4, MPI_INT), MPI_COMBINER_VECTOR, [3, 2, -4], [], 1],
      [reg.hvector(3, 2, 40, MPI_INT), MPI_COMBINER_HVECTOR, [3, 2], [40], 1],
      [reg.indexed(2, [1, 2], [5, -1], MPI_INT), MPI_COMBINER_INDEXED, [2, 1, 2, 5, -1], [], 1],
      [reg.hindexed(2, [1, 2], [20, -4], MPI_INT), MPI_COMBINER_HINDEXED, [2, 1, 2], [20, -4], 1],
      [reg.indexedBlock(2, 3, [0, 9], MPI_INT), MPI_COMBINER_INDEXED_BLOCK, [2, 3, 0, 9], [], 1],
      [reg.hindexedBlock(2, 3, [0, 36], MPI_INT), MPI_COMBINER_HINDEXED_BLOCK, [2, 3], [0, 36], 1],
      [reg.struct(2, [1, 4], [0, 8], [MPI_INT, MPI_DOUBLE]), MPI_COMBINER_STRUCT, [2, 1, 4], [0, 8], 2],
      [reg.resized(MPI_INT, -4, 16), MPI_COMBINER_RESIZED, [], [-4, 16], 1],
    ];
    for (const [h, combiner, ints, addrs, nt] of cases) {
      const handle = ok(h);
      assert.deepEqual(ok(reg.envelope(handle)), { numIntegers: ints.length, numAddresses: addrs.length, numDatatypes: nt, combiner });
      const c = ok(reg.contents(handle));
      assert.deepEqual(c.integers, ints);
      assert.deepEqual(c.addresses, addrs);
      assert.equal(c.datatypes.length, nt);
    }
    assert.equal(ok(reg.getName(v)), '');
    reg.setName(v, 'my vector');
    assert.equal(ok(reg.getName(v)), 'my vector');
  });

  test('argument errors are returned, never thrown', () => {
    const reg = new DatatypeRegistry();
    err(reg.contiguous(-1, MPI_INT), MPI_ERR_COUNT, /count -1/);
    err(reg.vector(2, -1, 1, MPI_INT), MPI_ERR_ARG, /blocklength -1/);
    err(reg.vector(2, 1, 1, MPI_DATATYPE_NULL), MPI_ERR_TYPE);
    err(reg.indexed(2, [1, -3], [0, 1], MPI_INT), MPI_ERR_ARG, /array_of_blocklengths\[1\]/);
    err(reg.indexed(3, [1, 1], [0, 1], MPI_INT), MPI_ERR_ARG, /entries/);
    err(reg.struct(2, [1, 1], [0, 4], [MPI_INT, 0x8c0000aa]), MPI_ERR_TYPE, /array_of_types\[1\]/);
    err(reg.hvector(2, 1, 1.5, MPI_INT), MPI_ERR_ARG, /stride/);
    err(reg.packSize(-2, MPI_INT), MPI_ERR_COUNT);
  });
});

describe('commit, free and reference counting', () => {
  test('uncommitted types cannot be used for communication', () => {
    const reg = new DatatypeRegistry();
    const v = ok(reg.vector(2, 1, 2, MPI_INT));
    const e = err(reg.forCommunication(v), MPI_ERR_TYPE);
    assert.deepEqual(e, { errorClass: 3, message: `datatype 0x${v.toString(16)} is not committed` });
    err(reg.packSize(1, v), MPI_ERR_TYPE, /not committed/);
    err(reg.mpiPack(new Uint8Array(64), 0, 1, v, new Uint8Array(64), 0, 64, 0), MPI_ERR_TYPE, /not committed/);
    err(pack(new Uint8Array(64), 0, 1, ok(reg.resolve(v)), new Uint8Array(64), 0), MPI_ERR_TYPE, /not committed/);
    // Queries and use as a building block are fine before commit.
    assert.equal(ok(reg.size(v)), 8);
    const c = committed(reg, reg.contiguous(2, v));
    assert.equal(ok(reg.packSize(3, c)), 48);
    assert.equal(reg.commit(v), MPI_SUCCESS);
    assert.equal(reg.commit(v), MPI_SUCCESS, 'commit is idempotent');
    assert.equal(ok(reg.packSize(3, v)), 24);
  });

  test('freed handles are invalid; types built from them stay valid', () => {
    const reg = new DatatypeRegistry();
    const inner = ok(reg.vector(2, 1, 2, MPI_INT));
    const outer = committed(reg, reg.contiguous(2, inner));
    assert.equal(reg.free(inner), MPI_SUCCESS);
    err(reg.size(inner), MPI_ERR_TYPE, /has been freed/);
    err(reg.free(inner), MPI_ERR_TYPE, /has been freed/);
    err(reg.contiguous(1, inner), MPI_ERR_TYPE, /has been freed/);
    // outer still works: ints at 0, 8, 12?, no: inner extent 12 ([0,4) [8,12)), so copies at 0 and 12.
    const mem = Uint8Array.from({ length: 32 }, (_, i) => i);
    const out = new Uint8Array(16);
    assert.equal(ok(pack(mem, 0, 1, obj(reg, outer), out, 0)), 16);
    assert.deepEqual([...out], [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23]);
    assert.equal(reg.liveDerivedCount, 2);
    reg.free(outer);
    assert.equal(reg.liveDerivedCount, 0, 'freeing the last user releases the whole chain');
  });

  test('a type held by a pending operation survives MPI_Type_free; its slot is reused only after release', () => {
    const reg = new DatatypeRegistry();
    const v = committed(reg, reg.vector(4, 1, 2, MPI_INT));
    const held = ok(reg.acquire(v));
    assert.equal(reg.free(v), MPI_SUCCESS);
    err(reg.resolve(v), MPI_ERR_TYPE, /freed/);
    const fresh = ok(reg.contiguous(2, MPI_INT));
    assert.notEqual(fresh, v, 'slot still reserved');
    const mem = new Uint8Array(64).map((_, i) => i);
    const out = new Uint8Array(16);
    assert.equal(ok(pack(mem, 0, 1, held, out, 0)), 16);
    assert.deepEqual([...out], [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27]);
    reg.release(held);
    const again = ok(reg.contiguous(3, MPI_INT));
    assert.equal(again, v, 'slot reused after the last reference went');
    // Predefined types can be acquired/released freely.
    const p = ok(reg.acquire(MPI_INT));
    reg.release(p);
    err(reg.acquire(ok(reg.vector(1, 1, 1, MPI_INT))), MPI_ERR_TYPE, /not committed/);
  });

  test('get_contents returns new references to derived types', () => {
    const reg = new DatatypeRegistry();
    const inner = ok(reg.contiguous(2, MPI_INT));
    const outer = ok(reg.vector(2, 1, 2, inner));
    reg.free(inner);
    const c = ok(reg.contents(outer));
    assert.deepEqual(c.datatypes, [inner]);
    assert.equal(ok(reg.size(inner)), 8, 'revived by get_contents');
    assert.equal(reg.free(inner), MPI_SUCCESS);
    reg.free(outer);
    assert.equal(reg.liveDerivedCount, 0);
  });
});

describe('pack / unpack / copy against the element-by-element reference', () => {
  test('every constructor, nested and negative cases', () => {
    const reg = new DatatypeRegistry();
    const b = new Both(reg);
    const INT = b.basic(MPI_INT), DBL = b.basic(MPI_DOUBLE), CH = b.basic(MPI_CHAR), SH = b.basic(MPI_SHORT);
    const LD = b.basic(MPI_LONG_DOUBLE);
    const S = b.struct([1, 2, 1], [0, 4, 16], [CH, INT, DBL]);
    const cases: Array<[string, { h: number; r: Ref }, number]> = [
      ['int', INT, 10],
      ['double_int', b.basic(MPI_DOUBLE_INT), 5],
      ['short_int', b.basic(MPI_SHORT_INT), 5],
      ['long_double_int', b.basic(MPI_LONG_DOUBLE_INT), 3],
      ['contiguous', b.contiguous(5, DBL), 3],
      ['vector', b.vector(4, 2, 3, INT), 3],
      ['vector neg stride', b.vector(3, 2, -3, SH), 4],
      ['vector of chars (unaligned)', b.vector(5, 3, 4, CH), 3],
      ['hvector', b.hvector(3, 2, 13, SH), 2],
      ['hvector neg', b.hvector(3, 1, -24, DBL), 2],
      ['indexed', b.indexed([2, 1, 3], [5, 0, -2], INT), 3],
      ['hindexed', b.hindexed([1, 0, 2], [7, 100, -9], CH), 4],
      ['indexed_block', b.indexedBlock(2, [4, 1, 7], DBL), 2],
      ['hindexed_block', b.hindexedBlock(3, [-30, 2, 50], SH), 2],
      ['struct', S, 3],
      ['struct long double', b.struct([1, 1], [0, 16], [CH, LD]), 2],
      ['struct of structs', b.struct([2, 1], [0, 48], [S, b.vector(2, 1, 2, INT)]), 2],
      ['resized', b.resized(INT, -4, 12), 5],
      ['resized vector', b.resized(b.vector(3, 1, 3, DBL), 0, 8), 3],
      ['contiguous of resized', b.contiguous(3, b.resized(SH, 2, 6)), 2],
      ['struct with resized member', b.struct([1, 1], [20, 0], [b.resized(INT, -4, 12), DBL]), 3],
      ['subarray C', b.subarray([4, 5], [2, 3], [1, 2], MPI_ORDER_C, INT), 2],
      ['subarray F', b.subarray([4, 5], [2, 3], [1, 2], MPI_ORDER_FORTRAN, INT), 2],
      ['subarray 3D C of struct', b.subarray([3, 4, 2], [2, 2, 1], [1, 1, 1], MPI_ORDER_C, S), 1],
      ['subarray 3D F', b.subarray([3, 4, 5], [2, 3, 2], [0, 1, 3], MPI_ORDER_FORTRAN, SH), 2],
      ['dup', b.dup(b.vector(2, 2, 3, DBL)), 2],
      ['nested vector of indexed', b.vector(3, 2, -5, b.indexed([1, 2], [3, 0], SH)), 2],
      ['overlapping indexed', b.indexed([2, 2], [0, 1], INT), 2],
      ['empty', b.contiguous(0, INT), 3],
      ['zero count', INT, 0],
    ];
    let seed = 1;
    for (const [label, t, count] of cases) checkAgainstReference(reg, t, count, seed++, label);
  });

  test('random nested types', () => {
    const reg = new DatatypeRegistry();
    const b = new Both(reg);
    const R = rng(12345);
    const basics = [MPI_CHAR, MPI_SHORT, MPI_INT, MPI_DOUBLE, MPI_FLOAT, MPI_DOUBLE_INT, MPI_SHORT_INT].map((h) => b.basic(h));
    const gen = (depth: number): { h: number; r: Ref } => {
      if (depth === 0 || R.next() < 0.25) return basics[R.int(0, basics.length - 1)];
      const c = gen(depth - 1);
      const e = Math.max(1, Math.abs(refExtent(c.r)));
      switch (R.int(0, 9)) {
        case 0: return b.contiguous(R.int(0, 4), c);
        case 1: return b.vector(R.int(1, 4), R.int(0, 3), R.int(-4, 5), c);
        case 2: return b.hvector(R.int(1, 4), R.int(1, 3), R.int(-3 * e, 4 * e), c);
        case 3: { const n = R.int(1, 4); return b.indexed([...Array(n)].map(() => R.int(0, 3)), [...Array(n)].map(() => R.int(-6, 8)), c); }
        case 4: { const n = R.int(1, 4); return b.hindexed([...Array(n)].map(() => R.int(0, 2)), [...Array(n)].map(() => R.int(-4 * e, 6 * e)), c); }
        case 5: { const n = R.int(1, 4); return b.indexedBlock(R.int(0, 3), [...Array(n)].map(() => R.int(-5, 5)), c); }
        case 6: { const n = R.int(1, 4); return b.hindexedBlock(R.int(1, 2), [...Array(n)].map(() => R.int(-3 * e, 3 * e)), c); }
        case 7: {
          const n = R.int(1, 3);
          const ts = [c, ...[...Array(n - 1)].map(() => gen(depth - 1))];
          return b.struct(ts.map(() => R.int(0, 2)), ts.map(() => R.int(-40, 60)), ts);
        }
        case 8: return b.resized(c, R.int(-8, 8), R.int(0, 3 * e));
        default: {
          const nd = R.int(1, 3);
          const sizes = [...Array(nd)].map(() => R.int(1, 4));
          const subs = sizes.map((s) => R.int(0, s));
          const starts = sizes.map((s, i) => R.int(0, s - subs[i]));
          return b.subarray(sizes, subs, starts, R.next() < 0.5 ? MPI_ORDER_C : MPI_ORDER_FORTRAN, c);
        }
      }
    };
    let checked = 0;
    let prev: { h: number; r: Ref } | null = null;
    for (let i = 0; i < 300; i++) {
      const t = gen(3);
      if (t.r.elems.length > 4000) continue;
      checkAgainstReference(reg, t, R.int(0, 3), 1000 + i, `random #${i}`);
      // Layout-to-layout copy between this type and the previous one (the byte streams are compared).
      if (prev) checkCopyPair(reg, prev, R.int(0, 3), t, R.int(0, 3), 5000 + i, `random copy #${i}`);
      prev = t;
      checked++;
    }
    assert.ok(checked > 200);
  });

  test('copy between different layouts with the same signature, in one memory and across memories', () => {
    const reg = new DatatypeRegistry();
    const b = new Both(reg);
    const DBL = b.basic(MPI_DOUBLE), INT = b.basic(MPI_INT);
    // 12 doubles: as 2 x vector(3, 2, 3) on one side, as indexed blocks in reverse order on the other.
    const src = b.vector(3, 2, 3, DBL);
    const dst = b.indexed([4, 1, 7], [20, 0, 8], DBL);
    reg.commit(src.h); reg.commit(dst.h);
    const mem = randomBytes(4096, 7);
    const expect = refPack(mem, 64, 2, src.r);
    assert.equal(expect.length, 96);
    const other = new Uint8Array(4096);
    const r = ok(copy(mem, 64, 2, obj(reg, src.h), other, 256, 1, obj(reg, dst.h)));
    assert.deepEqual(r, { bytes: 96, truncated: false });
    const want = new Uint8Array(4096);
    refUnpack(expect, 96, want, 256, 1, dst.r);
    assert.deepEqual(other, want);
    // Same memory, disjoint regions (copyWithin path for big blocks too).
    const same = mem.slice();
    const wantSame = mem.slice();
    refUnpack(expect, 96, wantSame, 2048, 1, dst.r);
    ok(copy(same, 64, 2, obj(reg, src.h), same, 2048, 1, obj(reg, dst.h)));
    assert.deepEqual(same, wantSame);
    // Large blocks in one buffer: contiguous(64 int) -> hvector(2, 32, 1024, int).
    const big = randomBytes(8192, 9);
    const bigWant = big.slice();
    const hv = b.hvector(2, 32, 1024, INT); reg.commit(hv.h);
    refUnpack(refPack(big, 0, 64, INT.r), 256, bigWant, 4096, 1, hv.r);
    ok(copy(big, 0, 64, obj(reg, MPI_INT), big, 4096, 1, obj(reg, hv.h)));
    assert.deepEqual(big, bigWant);
    // Subviews with odd byte offsets (byte path) give the same result as the reference.
    const backing = randomBytes(5000, 11);
    const sv = new Uint8Array(backing.buffer, 3, 2000), dv = new Uint8Array(backing.buffer, 2501, 2000);
    const expectOdd = refPack(sv, 64, 2, src.r);
    const wantOdd = new Uint8Array(dv);
    refUnpack(expectOdd, 96, wantOdd, 300, 1, dst.r);
    ok(copy(sv, 64, 2, obj(reg, src.h), dv, 300, 1, obj(reg, dst.h)));
    assert.deepEqual(new Uint8Array(dv), wantOdd);
    // Struct {int, double} (extent 16) <-> contiguous MPI_INT,MPI_DOUBLE stream via hindexed with other spacing.
    const s1 = b.struct([1, 1], [0, 8], [INT, DBL]);
    const s2 = b.struct([1, 1], [0, 4], [INT, DBL]); // packed struct layout, extent 16 (12 padded to 16)
    const s2r = b.resized(s2, 0, 12);
    reg.commit(s1.h); reg.commit(s2r.h);
    const m2 = randomBytes(512, 13), o2 = new Uint8Array(512), w2 = new Uint8Array(512);
    refUnpack(refPack(m2, 0, 5, s1.r), 60, w2, 8, 5, s2r.r);
    assert.deepEqual(ok(copy(m2, 0, 5, obj(reg, s1.h), o2, 8, 5, obj(reg, s2r.h))), { bytes: 60, truncated: false });
    assert.deepEqual(o2, w2);
  });

  test('short messages and truncation', () => {
    const reg = new DatatypeRegistry();
    const s = committed(reg, reg.struct(2, [1, 1], [0, 8], [MPI_INT, MPI_DOUBLE])); // size 12, extent 16
    const packed = Uint8Array.from({ length: 48 }, (_, i) => i + 1);
    // 20 bytes into 3 items: item 0 whole (12 bytes), item 1 gets its int and 4 bytes of its double.
    const mem = new Uint8Array(64);
    const r = ok(unpack(packed, 0, 20, mem, 0, 3, obj(reg, s)));
    assert.deepEqual(r, { bytes: 20, elements: MPI_UNDEFINED, count: MPI_UNDEFINED, truncated: false });
    assert.deepEqual([...mem.subarray(0, 32)], [1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 0, 0, 0, 17, 18, 19, 20, 0, 0, 0, 0]);
    // 16 bytes: whole int of item 1 -> 3 elements, count undefined.
    assert.deepEqual(ok(unpack(packed, 0, 16, new Uint8Array(64), 0, 3, obj(reg, s))), { bytes: 16, elements: 3, count: MPI_UNDEFINED, truncated: false });
    assert.deepEqual(ok(unpack(packed, 0, 24, new Uint8Array(64), 0, 3, obj(reg, s))), { bytes: 24, elements: 4, count: 2, truncated: false });
    // More than fits: only count * size unpacked, truncated flagged.
    const t = new Uint8Array(64);
    assert.deepEqual(ok(unpack(packed, 0, 48, t, 0, 2, obj(reg, s))), { bytes: 24, elements: 4, count: 2, truncated: true });
    assert.deepEqual([...t.subarray(32)], new Array(32).fill(0), 'nothing written past two items');
    // copy with a smaller destination.
    assert.deepEqual(ok(copy(packed, 0, 12, obj(reg, MPI_INT), new Uint8Array(64), 0, 2, obj(reg, s))), { bytes: 24, truncated: true });
    // Get_elements / Get_count through the registry.
    assert.equal(ok(reg.getElements(s, 36)), 6);
    assert.equal(ok(reg.getCount(s, 36)), 3);
    assert.equal(ok(reg.getElements(MPI_INT, 6)), MPI_UNDEFINED);
    assert.equal(ok(reg.getCount(MPI_INT, 0)), 0);
    const v = committed(reg, reg.vector(1000, 3, 5, MPI_SHORT));
    assert.equal(ok(reg.getElements(v, 6000 + 2 * 401)), 3000 + 401);
  });

  test('bounds errors name the address and never throw', () => {
    const reg = new DatatypeRegistry();
    const v = committed(reg, reg.vector(4, 1, 4, MPI_INT)); // data [0,4) ... [48,52)
    const d = obj(reg, v);
    const mem = new Uint8Array(100);
    const out = new Uint8Array(100);
    assert.equal(ok(pack(mem, 48, 1, d, out, 0)), 16); // last int ends at 100
    err(pack(mem, 52, 1, d, out, 0), MPI_ERR_BUFFER, /0x00000034/);
    err(pack(mem, 0, 2, d, out, 0), MPI_ERR_BUFFER, /outside the memory of 100 bytes/); // second item ends at 116
    err(pack(mem, 0, 1, d, out, 90), MPI_ERR_BUFFER, /destination buffer at address 0x0000005a/);
    err(pack(mem, -4, 1, d, out, 0), MPI_ERR_BUFFER);
    const neg = committed(reg, reg.vector(2, 1, -2, MPI_INT)); // data [-8,-4) and [0,4)
    err(pack(mem, 4, 1, obj(reg, neg), out, 0), MPI_ERR_BUFFER, /\[-4, 8\)/);
    assert.equal(ok(pack(mem, 8, 1, obj(reg, neg), out, 0)), 8);
    err(unpack(out, 0, 16, mem, 60, 1, d), MPI_ERR_BUFFER, /destination/);
    err(unpack(out, 95, 16, mem, 0, 1, d), MPI_ERR_BUFFER, /source/);
    err(copy(mem, 0, 1, d, out, 60, 1, d), MPI_ERR_BUFFER);
    err(pack(mem, 0, -1, d, out, 0), MPI_ERR_COUNT);
    // A short message only needs the items it fills.
    assert.equal(ok(unpack(out, 0, 16, mem, 48, 3, d)).bytes, 16);
    // Zero count: nothing touched, no bounds problem even at the end.
    assert.equal(ok(pack(mem, 1000, 0, d, out, 1000)), 0);
  });
});

describe('MPI_Pack / MPI_Unpack / MPI_Pack_size', () => {
  test('positions advance; outsize and insize are enforced', () => {
    const reg = new DatatypeRegistry();
    const v = committed(reg, reg.vector(3, 1, 2, MPI_INT)); // 12 bytes
    const mem = new Uint8Array(256);
    const i32 = new Int32Array(mem.buffer);
    for (let i = 0; i < 16; i++) i32[i] = i * 10;
    const pk = new Uint8Array(256);
    assert.equal(ok(reg.packSize(2, v)), 24);
    let pos = ok(reg.mpiPack(mem, 0, 2, v, pk, 100, 36, 0)); // items at 0 and extent 20
    assert.equal(pos, 24);
    pos = ok(reg.mpiPack(mem, 60, 1, MPI_INT, pk, 100, 36, pos)); // int 15 -> 150
    assert.equal(pos, 28);
    err(reg.mpiPack(mem, 0, 1, v, pk, 100, 36, pos), MPI_ERR_TRUNCATE, /needs 12 bytes at position 28 but the output buffer holds 36/);
    const got = new Int32Array(pk.buffer, 100, 7);
    assert.deepEqual([...got], [0, 20, 40, 50, 70, 90, 150]);
    // Unpack in the same steps into another layout.
    const back = new Uint8Array(256);
    let ip = ok(reg.mpiUnpack(pk, 100, 28, 0, back, 0, 6, MPI_INT));
    assert.equal(ip, 24);
    ip = ok(reg.mpiUnpack(pk, 100, 28, ip, back, 64, 1, MPI_INT));
    assert.equal(ip, 28);
    assert.deepEqual([...new Int32Array(back.buffer, 0, 6)], [0, 20, 40, 50, 70, 90]);
    assert.equal(new Int32Array(back.buffer, 64, 1)[0], 150);
    err(reg.mpiUnpack(pk, 100, 28, 20, back, 0, 1, v), MPI_ERR_TRUNCATE, /needs 12 bytes at position 20/);
    err(reg.mpiPack(mem, 0, 1, v, pk, 250, 12, 0), MPI_ERR_BUFFER, /0x000000fa/);
    err(reg.mpiPack(mem, 0, 1, v, pk, 0, 12, -1), MPI_ERR_ARG);
  });
});

describe('performance', () => {
  test('vector of 1M doubles with stride 2 (micro-benchmark, printed)', () => {
    const reg = new DatatypeRegistry();
    const n = 1 << 20;
    const t0 = performance.now();
    const v = committed(reg, reg.vector(n, 1, 2, MPI_DOUBLE));
    const tCommit = performance.now() - t0;
    const d = obj(reg, v);
    const src = new Uint8Array(new SharedArrayBuffer(n * 16));
    const f = new Float64Array(src.buffer);
    for (let i = 0; i < 2 * n; i++) f[i] = i;
    const dst = new Uint8Array(new SharedArrayBuffer(n * 8));
    const back = new Uint8Array(new SharedArrayBuffer(n * 16));
    const time = (fn: () => void) => {
      fn(); // warm-up
      let best = Infinity;
      for (let k = 0; k < 5; k++) { const s = performance.now(); fn(); best = Math.min(best, performance.now() - s); }
      return best;
    };
    const tPack = time(() => ok(pack(src, 0, 1, d, dst, 0)));
    const df = new Float64Array(dst.buffer);
    assert.equal(df[0], 0);
    assert.equal(df[1], 2);
    assert.equal(df[n - 1], 2 * (n - 1));
    const tUnpack = time(() => ok(unpack(dst, 0, n * 8, back, 0, 1, d)));
    assert.equal(new Float64Array(back.buffer)[2 * (n - 1)], 2 * (n - 1));
    const other = committed(reg, reg.vector(n / 2, 2, 3, MPI_DOUBLE));
    const tCopy = time(() => ok(copy(src, 0, 1, d, back, 0, 1, obj(reg, other))));
    const unaligned = new Uint8Array(src.buffer, 1, n * 16 - 8);
    const tByte = time(() => ok(pack(unaligned, 0, 1, d, dst, 0)));
    const contig = time(() => ok(pack(src, 0, n, obj(reg, MPI_DOUBLE), back, 0)));
    console.log(`  datatype micro-benchmark (1M doubles, stride 2): commit ${tCommit.toFixed(1)} ms, pack ${tPack.toFixed(2)} ms, ` +
      `unpack ${tUnpack.toFixed(2)} ms, layout->layout copy ${tCopy.toFixed(2)} ms, unaligned (byte path) pack ${tByte.toFixed(2)} ms, ` +
      `contiguous 8 MB pack ${contig.toFixed(2)} ms`);
  });
});
