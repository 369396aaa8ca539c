// Moving data described by (address, count, datatype) between guest memories (Uint8Array views, possibly of
// different SharedArrayBuffers) using the blocks flattened at commit. Blocks are copied with
// TypedArray.prototype.set(subarray) (copyWithin within one buffer); runs of small blocks are copied by a plain
// loop, word-wise through Int32Array views when every offset, length and address is a multiple of 4.
// Every block is checked to lie inside its memory before anything is copied: errors are returned, never thrown.
import { MPI_ERR_BUFFER, MPI_ERR_COUNT, MPI_ERR_TYPE } from './handles.js';
import {
  getCount, getElements, hex, mpiError, wordBlocks, type Blocks, type Datatype, type IndexArray, type MpiError,
} from './datatype.js';

type View = Uint8Array | Int32Array;

/** Blocks of at most this many units (bytes or words) are copied by a loop instead of set(subarray()). */
const SMALL = 24;

function describe(t: Datatype): string {
  return t.name ? `${t.name} (${hex(t.handle)})` : hex(t.handle);
}

function blocksOf(t: Datatype): Blocks | MpiError {
  if (t.blocks) return t.blocks;
  return mpiError(MPI_ERR_TYPE, `datatype ${describe(t)} is not committed`);
}

function badInt(x: number): boolean {
  return !Number.isSafeInteger(x);
}

/** Checks that `items` items of t at `addr` lie inside a memory of `memLen` bytes. */
function checkLayout(what: string, memLen: number, addr: number, items: number, t: Datatype, blk: Blocks): MpiError | null {
  if (badInt(addr)) return mpiError(MPI_ERR_BUFFER, `${what} buffer address ${addr} is not an integer address`);
  if (items <= 0 || blk.n === 0) return null;
  const ext = t.extent;
  const lo = addr + blk.minOff + Math.min(0, (items - 1) * ext);
  const hi = addr + blk.maxEnd + Math.max(0, (items - 1) * ext);
  if (lo < 0 || hi > memLen) {
    return mpiError(MPI_ERR_BUFFER,
      `${what} buffer at address ${hex(addr)} (${items} x datatype ${describe(t)}) covers bytes [${lo}, ${hi}) outside the memory of ${memLen} bytes`);
  }
  return null;
}

function checkRange(what: string, memLen: number, offset: number, bytes: number): MpiError | null {
  if (badInt(offset)) return mpiError(MPI_ERR_BUFFER, `${what} buffer address ${offset} is not an integer address`);
  if (bytes > 0 && (offset < 0 || offset + bytes > memLen)) {
    return mpiError(MPI_ERR_BUFFER, `${what} buffer at address ${hex(offset)} of ${bytes} bytes lies outside the memory of ${memLen} bytes`);
  }
  return null;
}

/** Whole-buffer views of a and b (the same object when they share a buffer), bytes or 32-bit words. */
function views(a: Uint8Array, b: Uint8Array, words: boolean): [View, View] {
  const same = a.buffer === b.buffer;
  if (words) {
    const va = new Int32Array(a.buffer, 0, a.buffer.byteLength >>> 2);
    return [va, same ? va : new Int32Array(b.buffer, 0, b.buffer.byteLength >>> 2)];
  }
  if (same) {
    const v = a.byteOffset === 0 && a.length === a.buffer.byteLength ? a : new Uint8Array(a.buffer);
    return [v, v];
  }
  return [a.byteOffset === 0 ? a : new Uint8Array(a.buffer), b.byteOffset === 0 ? b : new Uint8Array(b.buffer)];
}

function move(from: View, f: number, to: View, t: number, len: number): void {
  if (len <= SMALL) {
    for (let k = 0; k < len; k++) to[t + k] = from[f + k];
  } else if (from === to) {
    to.copyWithin(t, f, f + len);
  } else {
    to.set(from.subarray(f, f + len), t);
  }
}

/** Offsets and lengths of the blocks in the chosen unit (bytes, or words when `words`). */
function unitBlocks(blk: Blocks, words: boolean): { offs: IndexArray; lens: IndexArray } {
  return words ? wordBlocks(blk) : blk;
}

/**
 * Copies `total` units of a layout (items at mem[base + i*ext + offs[j]], lengths lens[j]) to (toLinear) or from
 * a contiguous run starting at lin[pos]. Units are bytes or words (`words`); `ext`, `itemSize` and `total` are in
 * units.
 */
function walk(
  mem: View, base: number, lin: View, pos: number, blk: Blocks, words: boolean,
  ext: number, itemSize: number, total: number, toLinear: boolean,
): void {
  const nb = blk.n;
  if (total <= 0 || nb === 0) return;
  const u = words ? 4 : 1;
  if (nb === 1 && (blk.lens[0] === ext * u || total * u <= blk.lens[0])) {
    const m = base + blk.offs[0] / u;
    if (toLinear) move(mem, m, lin, pos, total);
    else move(lin, pos, mem, m, total);
    return;
  }
  const full = Math.floor(total / itemSize);
  let p = pos;
  if (!Number.isNaN(blk.regularStride)) {
    // Equal blocks evenly spaced (vectors): no per-block table reads.
    const o0 = blk.offs[0] / u, len = blk.lens[0] / u, bs = blk.regularStride / u;
    for (let i = 0; i < full; i++) {
      p = toLinear
        ? gatherRegular(mem, base + i * ext + o0, bs, len, nb, lin, p)
        : scatterRegular(mem, base + i * ext + o0, bs, len, nb, lin, p);
    }
  } else if (full > 0) {
    const { offs, lens } = unitBlocks(blk, words);
    for (let i = 0; i < full; i++) {
      p = toLinear
        ? gatherList(mem, base + i * ext, offs, lens, nb, lin, p)
        : scatterList(mem, base + i * ext, offs, lens, nb, lin, p);
    }
  }
  let rem = total - full * itemSize;
  if (rem > 0) {
    const { offs, lens } = unitBlocks(blk, words);
    const b = base + full * ext;
    for (let j = 0; j < nb && rem > 0; j++) {
      const len = Math.min(lens[j], rem);
      if (toLinear) move(mem, b + offs[j], lin, p, len);
      else move(lin, p, mem, b + offs[j], len);
      p += len;
      rem -= len;
    }
  }
}

function gatherRegular(mem: View, m: number, bs: number, len: number, nb: number, lin: View, p: number): number {
  if (len === 1) {
    for (let j = 0; j < nb; j++, m += bs) lin[p++] = mem[m];
  } else if (len === 2) {
    for (let j = 0; j < nb; j++, m += bs, p += 2) { lin[p] = mem[m]; lin[p + 1] = mem[m + 1]; }
  } else if (len <= SMALL) {
    for (let j = 0; j < nb; j++, m += bs, p += len) for (let k = 0; k < len; k++) lin[p + k] = mem[m + k];
  } else {
    for (let j = 0; j < nb; j++, m += bs, p += len) move(mem, m, lin, p, len);
  }
  return p;
}

function scatterRegular(mem: View, m: number, bs: number, len: number, nb: number, lin: View, p: number): number {
  if (len === 1) {
    for (let j = 0; j < nb; j++, m += bs) mem[m] = lin[p++];
  } else if (len === 2) {
    for (let j = 0; j < nb; j++, m += bs, p += 2) { mem[m] = lin[p]; mem[m + 1] = lin[p + 1]; }
  } else if (len <= SMALL) {
    for (let j = 0; j < nb; j++, m += bs, p += len) for (let k = 0; k < len; k++) mem[m + k] = lin[p + k];
  } else {
    for (let j = 0; j < nb; j++, m += bs, p += len) move(lin, p, mem, m, len);
  }
  return p;
}

function gatherList(mem: View, b: number, offs: IndexArray, lens: IndexArray, nb: number, lin: View, p: number): number {
  for (let j = 0; j < nb; j++) {
    const len = lens[j];
    const m = b + offs[j];
    if (len <= SMALL) for (let k = 0; k < len; k++) lin[p + k] = mem[m + k];
    else move(mem, m, lin, p, len);
    p += len;
  }
  return p;
}

function scatterList(mem: View, b: number, offs: IndexArray, lens: IndexArray, nb: number, lin: View, p: number): number {
  for (let j = 0; j < nb; j++) {
    const len = lens[j];
    const m = b + offs[j];
    if (len <= SMALL) for (let k = 0; k < len; k++) mem[m + k] = lin[p + k];
    else move(lin, p, mem, m, len);
    p += len;
  }
  return p;
}

/**
 * Packs `count` items of `type` at src[srcAddr] into the contiguous bytes dst[dstOffset ...]; returns the bytes
 * written (count * size). `type` must be committed.
 */
export function pack(src: Uint8Array, srcAddr: number, count: number, type: Datatype, dst: Uint8Array, dstOffset: number): number | MpiError {
  const blk = blocksOf(type);
  if ('errorClass' in blk) return blk;
  if (badInt(count) || count < 0) return mpiError(MPI_ERR_COUNT, `invalid count ${count}`);
  const bytes = count * type.size;
  const e = checkLayout('source', src.length, srcAddr, count, type, blk) ?? checkRange('destination', dst.length, dstOffset, bytes);
  if (e) return e;
  if (bytes === 0) return 0;
  const sAbs = src.byteOffset + srcAddr;
  const dAbs = dst.byteOffset + dstOffset;
  const words = blk.aligned4 && sAbs % 4 === 0 && dAbs % 4 === 0;
  const [sv, dv] = views(src, dst, words);
  const u = words ? 4 : 1;
  walk(sv, sAbs / u, dv, dAbs / u, blk, words, type.extent / u, type.size / u, bytes / u, true);
  return bytes;
}

export interface UnpackResult {
  /** Bytes unpacked: min(byteCount, count * size). */
  bytes: number;
  /** MPI_Get_elements of `bytes` (MPI_UNDEFINED if a basic element was cut). */
  elements: number;
  /** MPI_Get_count of `bytes` (MPI_UNDEFINED if not whole items). */
  count: number;
  /** More bytes arrived than `count` items hold (the caller reports MPI_ERR_TRUNCATE). */
  truncated: boolean;
}

/**
 * Unpacks `byteCount` contiguous bytes src[srcOffset ...] into `count` items of `type` at dst[dstAddr]. A short
 * message (fewer bytes than count * size) unpacks what arrived, including a partial last item.
 */
export function unpack(
  src: Uint8Array, srcOffset: number, byteCount: number, dst: Uint8Array, dstAddr: number, count: number, type: Datatype,
): UnpackResult | MpiError {
  const blk = blocksOf(type);
  if ('errorClass' in blk) return blk;
  if (badInt(count) || count < 0) return mpiError(MPI_ERR_COUNT, `invalid count ${count}`);
  if (badInt(byteCount) || byteCount < 0) return mpiError(MPI_ERR_COUNT, `invalid byte count ${byteCount}`);
  const cap = count * type.size;
  const bytes = Math.min(byteCount, cap);
  const items = type.size === 0 ? 0 : Math.ceil(bytes / type.size);
  const e = checkRange('source', src.length, srcOffset, bytes) ?? checkLayout('destination', dst.length, dstAddr, items, type, blk);
  if (e) return e;
  if (bytes > 0) {
    const sAbs = src.byteOffset + srcOffset;
    const dAbs = dst.byteOffset + dstAddr;
    const words = blk.aligned4 && bytes % 4 === 0 && sAbs % 4 === 0 && dAbs % 4 === 0;
    const [sv, dv] = views(src, dst, words);
    const u = words ? 4 : 1;
    walk(dv, dAbs / u, sv, sAbs / u, blk, words, type.extent / u, type.size / u, bytes / u, false);
  }
  return { bytes, elements: getElements(type, bytes), count: getCount(type, bytes), truncated: byteCount > cap };
}

export interface CopyResult {
  /** Bytes moved: min(srcCount * srcSize, dstCount * dstSize). */
  bytes: number;
  /** The source holds more bytes than the destination (the caller reports MPI_ERR_TRUNCATE). */
  truncated: boolean;
}

function linear(blk: Blocks, ext: number, items: number): boolean {
  return blk.n === 1 && (blk.lens[0] === ext || items <= 1);
}

/**
 * Moves data directly from one layout to another (no intermediate buffer): the byte stream of srcCount items of
 * srcType goes into dstCount items of dstType, in typemap order. The type signatures are assumed to match
 * (MPI type matching is not checked); a destination smaller than the source receives what fits.
 */
export function copy(
  src: Uint8Array, srcAddr: number, srcCount: number, srcType: Datatype,
  dst: Uint8Array, dstAddr: number, dstCount: number, dstType: Datatype,
): CopyResult | MpiError {
  const sb = blocksOf(srcType);
  if ('errorClass' in sb) return sb;
  const db = blocksOf(dstType);
  if ('errorClass' in db) return db;
  if (badInt(srcCount) || srcCount < 0) return mpiError(MPI_ERR_COUNT, `invalid source count ${srcCount}`);
  if (badInt(dstCount) || dstCount < 0) return mpiError(MPI_ERR_COUNT, `invalid destination count ${dstCount}`);
  const srcBytes = srcCount * srcType.size;
  const bytes = Math.min(srcBytes, dstCount * dstType.size);
  const sItems = srcType.size === 0 ? 0 : Math.ceil(bytes / srcType.size);
  const dItems = dstType.size === 0 ? 0 : Math.ceil(bytes / dstType.size);
  const e = checkLayout('source', src.length, srcAddr, sItems, srcType, sb) ?? checkLayout('destination', dst.length, dstAddr, dItems, dstType, db);
  if (e) return e;
  const result = { bytes, truncated: srcBytes > bytes };
  if (bytes === 0) return result;
  const sAbs = src.byteOffset + srcAddr;
  const dAbs = dst.byteOffset + dstAddr;
  const words = sb.aligned4 && db.aligned4 && sAbs % 4 === 0 && dAbs % 4 === 0;
  const u = words ? 4 : 1;
  const [sv, dv] = views(src, dst, words);
  const sExt = srcType.extent / u, dExt = dstType.extent / u, total = bytes / u;
  if (linear(sb, srcType.extent, sItems)) {
    walk(dv, dAbs / u, sv, (sAbs + sb.offs[0]) / u, db, words, dExt, dstType.size / u, total, false);
  } else if (linear(db, dstType.extent, dItems)) {
    walk(sv, sAbs / u, dv, (dAbs + db.offs[0]) / u, sb, words, sExt, srcType.size / u, total, true);
  } else {
    const s = unitBlocks(sb, words), d = unitBlocks(db, words);
    twoStream(sv, sAbs / u, s.offs, s.lens, sb.n, sExt, dv, dAbs / u, d.offs, d.lens, db.n, dExt, total);
  }
  return result;
}

/** Walks both block lists at once, copying the overlap of the current source and destination blocks. */
function twoStream(
  sv: View, sBase: number, so: IndexArray, sl: IndexArray, snb: number, sExt: number,
  dv: View, dBase: number, dO: IndexArray, dl: IndexArray, dnb: number, dExt: number, total: number,
): void {
  let si = 0, sj = 0, sp = 0, di = 0, dj = 0, dp = 0, left = total;
  let sItem = sBase, dItem = dBase;
  while (left > 0) {
    const sLen = sl[sj], dLen = dl[dj];
    let n = sLen - sp;
    if (dLen - dp < n) n = dLen - dp;
    if (left < n) n = left;
    const f = sItem + so[sj] + sp, t = dItem + dO[dj] + dp;
    if (n <= SMALL) for (let k = 0; k < n; k++) dv[t + k] = sv[f + k];
    else move(sv, f, dv, t, n);
    left -= n;
    sp += n;
    if (sp === sLen) { sp = 0; if (++sj === snb) { sj = 0; si++; sItem = sBase + si * sExt; } }
    dp += n;
    if (dp === dLen) { dp = 0; if (++dj === dnb) { dj = 0; di++; dItem = dBase + di * dExt; } }
  }
}
