// The datatype object: a typemap described structurally (how it was built from other types), its MPI-3.1 §4.1
// bounds (lb/ub with sticky markers from MPI_Type_create_resized, true lb/ub, C alignment padding of structs) and,
// once flattened (at commit), the compact list of (byteOffset, byteLength) blocks that the copy routines walk.
import {
  MPI_COMBINER_NAMED, MPI_UNDEFINED, PREDEFINED_DATATYPES, predefinedDatatypeByName,
  type PredefinedDatatype,
} from './handles.js';

export interface MpiError {
  errorClass: number;
  message: string;
}

export function mpiError(errorClass: number, message: string): MpiError {
  return { errorClass, message };
}

export function isMpiError(x: unknown): x is MpiError {
  return typeof x === 'object' && x !== null && typeof (x as MpiError).errorClass === 'number' && typeof (x as MpiError).message === 'string';
}

export function hex(handle: number): string {
  return '0x' + (handle >>> 0).toString(16).padStart(8, '0');
}

/** How a type is built. Each non-leaf layout is a sequence of "pieces": `n` copies of `child` at `disp + k*extent(child)`. */
export type Layout =
  | { kind: 'leaf' }
  /** `count` pieces of `blocklen` copies of child, piece i at byte `disp + i*stride` (contiguous, vector, hvector). */
  | { kind: 'regular'; child: Datatype; count: number; blocklen: number; stride: number; disp: number }
  /** Piece i: `blocklens[i]` (or the shared number) copies of `children[i]` (or the shared child) at byte `disps[i]`. */
  | { kind: 'list'; children: Datatype | Datatype[]; blocklens: number | Float64Array; disps: Float64Array }
  /** Same typemap as child; if `lb`/`extent` are set (resized) the markers are replaced. */
  | { kind: 'alias'; child: Datatype; lb?: number; extent?: number };

/** Int32Array when every value fits in 32 bits (the usual case), Float64Array otherwise. */
export type IndexArray = Int32Array | Float64Array;

/** The flattened typemap of ONE item, in typemap order, adjacent blocks merged. */
export interface Blocks {
  n: number;
  /** Byte offsets (relative to the buffer address) and byte lengths of the blocks. */
  offs: IndexArray;
  lens: IndexArray;
  /** Min offset / max end over all blocks (exact bounds of the data of one item). */
  minOff: number;
  maxEnd: number;
  /** One block whose length equals the extent: `count` items form one contiguous byte range. */
  contiguous: boolean;
  /** Every offset, length and the extent is a multiple of 4 (word-wise copies are possible). */
  aligned4: boolean;
  /** offs/4 and lens/4, made on first use by wordBlocks(). */
  offsW: IndexArray | null;
  lensW: IndexArray | null;
  /** n >= 2, all blocks the same length and evenly spaced by this many bytes; NaN otherwise. */
  regularStride: number;
}

/** Limit on flattened blocks per type (16 bytes each): beyond it commit fails with MPI_ERR_OTHER. */
export const MAX_BLOCKS = 1 << 25;

export interface TypeProps {
  size: number;
  nElements: number;
  alignment: number;
  lb: number;
  ub: number;
  trueLb: number;
  trueUb: number;
  lbMarker: boolean;
  ubMarker: boolean;
  /** Predefined handle if the typemap consists of one predefined type only (pair types count as one), 0 if empty, -1 if mixed. */
  basic: number;
}

export class Datatype implements TypeProps {
  /** 0 for anonymous intermediate types (subarray construction); set by the registry. */
  handle = 0;
  committed = false;
  /** Live user handles (MPI_Type_free decrements; MPI_Type_get_contents increments). */
  userRefs = 1;
  /** userRefs + derived types built from this one + pending operations holding it. */
  refs = 1;
  name = '';
  blocks: Blocks | null = null;

  size!: number;
  nElements!: number;
  alignment!: number;
  lb!: number;
  ub!: number;
  trueLb!: number;
  trueUb!: number;
  lbMarker!: boolean;
  ubMarker!: boolean;
  basic!: number;

  constructor(
    readonly layout: Layout,
    readonly combiner: number,
    readonly envInts: number[],
    readonly envAddrs: number[],
    readonly envTypes: Datatype[],
    props: TypeProps,
    readonly predefined: PredefinedDatatype | null = null,
  ) {
    Object.assign(this, props);
  }

  get extent(): number {
    return this.ub - this.lb;
  }

  get trueExtent(): number {
    return this.trueUb - this.trueLb;
  }
}

/** Calls fn for each piece of a non-leaf layout. */
export function forEachPiece(layout: Layout, fn: (child: Datatype, disp: number, n: number) => void): void {
  switch (layout.kind) {
    case 'leaf':
      return;
    case 'regular':
      for (let i = 0; i < layout.count; i++) fn(layout.child, layout.disp + i * layout.stride, layout.blocklen);
      return;
    case 'list': {
      const { children, blocklens, disps } = layout;
      const shared = Array.isArray(children) ? null : children;
      const bl = typeof blocklens === 'number' ? blocklens : -1;
      for (let i = 0; i < disps.length; i++) {
        fn(shared ?? (children as Datatype[])[i], disps[i], bl >= 0 ? bl : (blocklens as Float64Array)[i]);
      }
      return;
    }
    case 'alias':
      fn(layout.child, 0, 1);
      return;
  }
}

const roundUp = (x: number, a: number) => Math.ceil(x / a) * a;

/** Bounds and counts of a type made of pieces, by the MPI-3.1 typemap rules. `pad` applies the C struct rule. */
export function computeProps(layout: Layout, pad: boolean): TypeProps {
  if (layout.kind === 'alias') {
    const c = layout.child;
    const p: TypeProps = {
      size: c.size, nElements: c.nElements, alignment: c.alignment, lb: c.lb, ub: c.ub, trueLb: c.trueLb, trueUb: c.trueUb,
      lbMarker: c.lbMarker, ubMarker: c.ubMarker, basic: c.basic,
    };
    if (layout.lb !== undefined && layout.extent !== undefined) {
      p.lb = layout.lb;
      p.ub = layout.lb + layout.extent;
      p.lbMarker = p.ubMarker = true;
    }
    return p;
  }
  let size = 0, nElements = 0, alignment = 1, basic = 0;
  let natLb = Infinity, natUb = -Infinity, mLb = Infinity, mUb = -Infinity, tLb = Infinity, tUb = -Infinity;
  // `times` pieces of n copies of c, at displacements spanning [dMin, dMax].
  const add = (c: Datatype, dMin: number, dMax: number, n: number, times: number) => {
    if (n <= 0 || times <= 0) return;
    const ext = c.ub - c.lb;
    const lo = dMin + Math.min(0, (n - 1) * ext);
    const hi = dMax + Math.max(0, (n - 1) * ext);
    const hasData = c.size > 0;
    if (hasData || c.lbMarker || c.ubMarker) {
      if (c.alignment > alignment) alignment = c.alignment;
    }
    if (c.lbMarker) mLb = Math.min(mLb, lo + c.lb);
    else if (hasData) natLb = Math.min(natLb, lo + c.lb);
    if (c.ubMarker) mUb = Math.max(mUb, hi + c.ub);
    else if (hasData) natUb = Math.max(natUb, hi + c.ub);
    if (hasData) {
      size += times * n * c.size;
      nElements += times * n * c.nElements;
      tLb = Math.min(tLb, lo + c.trueLb);
      tUb = Math.max(tUb, hi + c.trueUb);
      if (basic === 0) basic = c.basic;
      else if (basic !== c.basic) basic = -1;
    }
  };
  if (layout.kind === 'regular') {
    const span = (layout.count - 1) * layout.stride;
    add(layout.child, layout.disp + Math.min(0, span), layout.disp + Math.max(0, span), layout.blocklen, layout.count);
  } else {
    forEachPiece(layout, (c, d, n) => add(c, d, d, n, 1));
  }
  const lbMarker = mLb !== Infinity;
  const ubMarker = mUb !== -Infinity;
  let lb = lbMarker ? mLb : natLb;
  let ub = ubMarker ? mUb : natUb;
  if (lb === Infinity) lb = ub === -Infinity ? 0 : ub; // no data and no markers
  if (ub === -Infinity) ub = lb;
  if (pad && !ubMarker && ub > lb) ub = lb + roundUp(ub - lb, alignment);
  if (tLb === Infinity) { tLb = 0; tUb = 0; }
  return { size, nElements, alignment, lb, ub, trueLb: tLb, trueUb: tUb, lbMarker, ubMarker, basic };
}

// ---------------------------------------------------------------------------------------------------------------
// Flattening

class BlockBuilder {
  n = 0;
  offs = new Float64Array(16);
  lens = new Float64Array(16);
  overflow = false;

  emit(off: number, len: number): void {
    if (len <= 0) return;
    const n = this.n;
    if (n > 0 && this.offs[n - 1] + this.lens[n - 1] === off) {
      this.lens[n - 1] += len;
      return;
    }
    if (n === this.offs.length) {
      if (n >= MAX_BLOCKS) { this.overflow = true; return; }
      const o = new Float64Array(n * 2); o.set(this.offs); this.offs = o;
      const l = new Float64Array(n * 2); l.set(this.lens); this.lens = l;
    }
    this.offs[n] = off;
    this.lens[n] = len;
    this.n = n + 1;
  }
}

function compact(a: Float64Array, n: number): IndexArray {
  let fits = true;
  for (let j = 0; j < n && fits; j++) fits = a[j] === (a[j] | 0);
  if (fits) {
    const r = new Int32Array(n);
    r.set(a.subarray(0, n));
    return r;
  }
  return a.length === n ? a : a.slice(0, n);
}

function finishBlocks(b: BlockBuilder, extent: number): Blocks {
  const n = b.n;
  const offs = compact(b.offs, n);
  const lens = compact(b.lens, n);
  let minOff = Infinity, maxEnd = -Infinity, aligned4 = extent % 4 === 0;
  for (let j = 0; j < n; j++) {
    const o = offs[j], l = lens[j];
    if (o < minOff) minOff = o;
    if (o + l > maxEnd) maxEnd = o + l;
    if (aligned4 && (o % 4 !== 0 || l % 4 !== 0)) aligned4 = false;
  }
  if (n === 0) { minOff = 0; maxEnd = 0; }
  let regularStride = NaN;
  if (n >= 2) {
    const s = offs[1] - offs[0];
    let ok = true;
    for (let j = 1; j < n && ok; j++) ok = lens[j] === lens[0] && offs[j] - offs[j - 1] === s;
    if (ok) regularStride = s;
  }
  return { n, offs, lens, minOff, maxEnd, contiguous: n === 1 && lens[0] === extent, aligned4, offsW: null, lensW: null, regularStride };
}

/**
 * Where `count` items of `t` at `addr` start if they form one contiguous byte range, else undefined. Empty
 * data (count 0, size 0) is contiguous at addr; a type without a block list (not flattened, or freed) is not.
 * The one contiguity test of the runtime: the p2p protocols and the collectives both ask it.
 */
export function contiguousStart(t: Datatype, count: number, addr: number): number | undefined {
  if (count === 0 || t.size === 0) return addr;
  const b = t.blocks;
  if (!b) return undefined;
  if (b.n === 1 && (b.contiguous || count === 1)) return addr + b.offs[0];
  return undefined;
}

/** The block offsets and lengths in 32-bit words (only for aligned4 blocks). */
export function wordBlocks(blk: Blocks): { offs: IndexArray; lens: IndexArray } {
  if (!blk.offsW || !blk.lensW) {
    const n = blk.n;
    const o = new Float64Array(n), l = new Float64Array(n);
    for (let j = 0; j < n; j++) { o[j] = blk.offs[j] / 4; l[j] = blk.lens[j] / 4; }
    blk.offsW = compact(o, n);
    blk.lensW = compact(l, n);
  }
  return { offs: blk.offsW, lens: blk.lensW };
}

/**
 * The blocks of one item of `t`, computed once and cached on committed types (and on predefined types).
 * Returns null if the type has more than MAX_BLOCKS blocks.
 */
export function flatten(t: Datatype): Blocks | null {
  if (t.blocks) return t.blocks;
  const L = t.layout;
  let result: Blocks | null;
  if (L.kind === 'leaf') {
    const b = new BlockBuilder();
    b.emit(0, t.size);
    result = finishBlocks(b, t.extent);
  } else if (L.kind === 'alias') {
    const cb = flatten(L.child);
    // Same blocks as the child; the flags depend on the extent, so rebuild them if resizing changed it.
    result = cb && (L.child.extent === t.extent ? cb : rebuild(cb, t.extent));
  } else if (L.kind === 'regular') {
    // contiguous / vector / hvector: one child, so no per-piece lookups
    const c = L.child;
    const cb = c.size === 0 || L.blocklen === 0 ? null : flatten(c);
    const b = new BlockBuilder();
    let failed = false;
    if (cb) {
      const ext = c.ub - c.lb, n = L.blocklen, co = cb.offs, cl = cb.lens, m = cb.n;
      if (m === 1 && (cl[0] === ext || n === 1)) {
        const o0 = co[0], len = n * cl[0];
        if (L.count > 0 && L.count <= MAX_BLOCKS) return cacheBlocks(t, regularBlocks(L.disp + o0, L.stride, len, L.count, t.extent));
        for (let i = 0; i < L.count && !b.overflow; i++) b.emit(L.disp + i * L.stride + o0, len);
      } else {
        for (let i = 0; i < L.count && !b.overflow; i++) {
          const d = L.disp + i * L.stride;
          for (let k = 0; k < n && !b.overflow; k++) {
            const base = d + k * ext;
            for (let j = 0; j < m; j++) b.emit(base + co[j], cl[j]);
          }
        }
      }
      failed = b.overflow;
    } else if (c.size > 0 && L.blocklen > 0) {
      failed = true; // the child itself is too fragmented
    }
    result = failed ? null : finishBlocks(b, t.extent);
  } else {
    const b = new BlockBuilder();
    const cache = new Map<Datatype, Blocks | null>();
    let failed = false;
    forEachPiece(L, (c, d, n) => {
      if (failed || n <= 0 || c.size === 0) return;
      let cb = cache.get(c);
      if (cb === undefined) { cb = flatten(c); cache.set(c, cb); }
      if (!cb) { failed = true; return; }
      const ext = c.ub - c.lb;
      if (cb.n === 1 && (cb.lens[0] === ext || n === 1)) {
        b.emit(d + cb.offs[0], n * cb.lens[0]);
        return;
      }
      const co = cb.offs, cl = cb.lens, m = cb.n;
      for (let k = 0; k < n && !b.overflow; k++) {
        const base = d + k * ext;
        for (let j = 0; j < m; j++) b.emit(base + co[j], cl[j]);
      }
      if (b.overflow) failed = true;
    });
    result = failed || b.overflow ? null : finishBlocks(b, t.extent);
  }
  return result ? cacheBlocks(t, result) : null;
}

function cacheBlocks(t: Datatype, b: Blocks): Blocks {
  if (t.committed || t.predefined) t.blocks = b;
  return b;
}

/** `count` blocks of `len` bytes at off0 + i*stride (a vector of a contiguous child), built directly. */
function regularBlocks(off0: number, stride: number, len: number, count: number, extent: number): Blocks {
  const last = off0 + (count - 1) * stride;
  const minOff = Math.min(off0, last), maxEnd = Math.max(off0, last) + len;
  const aligned4 = extent % 4 === 0 && off0 % 4 === 0 && len % 4 === 0 && stride % 4 === 0;
  if (count === 1 || stride === len) {
    const offs = Int32Array.of(0), lens = Int32Array.of(0);
    const single = count === 1 ? [off0, len] : [Math.min(off0, last), len * count];
    const fits = single[0] === (single[0] | 0) && single[1] === (single[1] | 0);
    const o = fits ? offs : new Float64Array(1), l = fits ? lens : new Float64Array(1);
    o[0] = single[0]; l[0] = single[1];
    return { n: 1, offs: o, lens: l, minOff, maxEnd, contiguous: l[0] === extent, aligned4, offsW: null, lensW: null, regularStride: NaN };
  }
  const fits = minOff === (minOff | 0) && maxEnd === (maxEnd | 0) && len === (len | 0);
  const offs = fits ? new Int32Array(count) : new Float64Array(count);
  const lens = fits ? new Int32Array(count) : new Float64Array(count);
  for (let i = 0, o = off0; i < count; i++, o += stride) offs[i] = o;
  lens.fill(len);
  return { n: count, offs, lens, minOff, maxEnd, contiguous: false, aligned4, offsW: null, lensW: null, regularStride: stride };
}

function rebuild(cb: Blocks, extent: number): Blocks {
  const b = new BlockBuilder();
  b.offs = Float64Array.from(cb.offs);
  b.lens = Float64Array.from(cb.lens);
  b.n = cb.n;
  return finishBlocks(b, extent);
}

// ---------------------------------------------------------------------------------------------------------------
// Element counting (MPI_Get_elements / MPI_Get_count)

/** Basic elements in the first `bytes` bytes (0 <= bytes < size) of one item's typemap; -1 if it ends inside a basic element. */
function prefixElements(t: Datatype, bytes: number): number {
  if (bytes === 0) return 0;
  const L = t.layout;
  if (L.kind === 'leaf') return -1; // 0 < bytes < size of a basic element
  if (L.kind === 'alias') return prefixElements(L.child, bytes);
  if (L.kind === 'regular') {
    const c = L.child;
    const pieceBytes = L.blocklen * c.size;
    const whole = Math.floor(bytes / pieceBytes);
    let rem = bytes - whole * pieceBytes;
    let acc = whole * L.blocklen * c.nElements;
    const k = Math.floor(rem / c.size);
    acc += k * c.nElements;
    rem -= k * c.size;
    if (rem === 0) return acc;
    const r = prefixElements(c, rem);
    return r < 0 ? -1 : acc + r;
  }
  let acc = 0;
  let rem = bytes;
  let result = -1;
  let done = false;
  forEachPiece(L, (c, _d, n) => {
    if (done || n <= 0 || c.size === 0) return;
    const pieceBytes = n * c.size;
    if (rem >= pieceBytes) {
      acc += n * c.nElements;
      rem -= pieceBytes;
      if (rem === 0) { done = true; result = acc; }
      return;
    }
    done = true;
    const k = Math.floor(rem / c.size);
    acc += k * c.nElements;
    rem -= k * c.size;
    if (rem === 0) { result = acc; return; }
    const r = prefixElements(c, rem);
    result = r < 0 ? -1 : acc + r;
  });
  return result;
}

/** MPI_Get_elements for `bytes` bytes of a message of type t: basic elements, or MPI_UNDEFINED if one is cut. */
export function getElements(t: Datatype, bytes: number): number {
  if (bytes <= 0 || t.size === 0) return 0;
  const whole = Math.floor(bytes / t.size);
  const rem = bytes - whole * t.size;
  const r = prefixElements(t, rem);
  return r < 0 ? MPI_UNDEFINED : whole * t.nElements + r;
}

/** MPI_Get_count: whole items, or MPI_UNDEFINED if `bytes` is not a multiple of the type size. */
export function getCount(t: Datatype, bytes: number): number {
  if (t.size === 0) return 0;
  return bytes % t.size === 0 ? bytes / t.size : MPI_UNDEFINED;
}

// ---------------------------------------------------------------------------------------------------------------
// Predefined datatype objects (shared by every registry; immutable, committed, never freed)

const PREDEFINED_OBJECTS = new Map<number, Datatype>();

function makePredefined(d: PredefinedDatatype): Datatype {
  let t: Datatype;
  if (d.kind !== 'pair') {
    t = new Datatype({ kind: 'leaf' }, MPI_COMBINER_NAMED, [], [], [], {
      size: d.size, nElements: 1, alignment: d.alignment, lb: 0, ub: d.size, trueLb: 0, trueUb: d.size,
      lbMarker: false, ubMarker: false, basic: d.handle,
    }, d);
  } else {
    const [a, b] = d.components!;
    const ta = PREDEFINED_OBJECTS.get(predefinedDatatypeByName(a.basic)!.handle)!;
    const tb = PREDEFINED_OBJECTS.get(predefinedDatatypeByName(b.basic)!.handle)!;
    const layout: Layout = { kind: 'list', children: [ta, tb], blocklens: 1, disps: Float64Array.of(a.offset, b.offset) };
    const props = computeProps(layout, true);
    props.basic = d.handle; // a pair is one element for reductions (MINLOC/MAXLOC)
    t = new Datatype(layout, MPI_COMBINER_NAMED, [], [], [], props, d);
    if (t.size !== d.size || t.extent !== d.extent) throw new Error(`pair type ${d.name} layout mismatch`);
  }
  t.handle = d.handle;
  t.name = d.name;
  t.committed = true;
  flatten(t);
  return t;
}

for (const d of PREDEFINED_DATATYPES) if (d.kind !== 'pair') PREDEFINED_OBJECTS.set(d.handle, makePredefined(d));
for (const d of PREDEFINED_DATATYPES) if (d.kind === 'pair') PREDEFINED_OBJECTS.set(d.handle, makePredefined(d));

/** The shared Datatype object of a predefined handle. */
export function predefinedObject(handle: number): Datatype | undefined {
  return PREDEFINED_OBJECTS.get(handle >>> 0);
}
