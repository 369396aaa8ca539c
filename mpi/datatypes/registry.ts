// Per-Faaslet-process datatype table: the MPI_Type_* operations on integer handles. Every user mistake is
// returned as an MpiError ({errorClass, message}); nothing here throws for bad arguments.
import {
  DERIVED_DATATYPE_TAG, MAX_DERIVED_SLOT, MPI_COMBINER_CONTIGUOUS, MPI_COMBINER_DUP, MPI_COMBINER_HINDEXED,
  MPI_COMBINER_HINDEXED_BLOCK, MPI_COMBINER_HVECTOR, MPI_COMBINER_INDEXED, MPI_COMBINER_INDEXED_BLOCK,
  MPI_COMBINER_NAMED, MPI_COMBINER_RESIZED, MPI_COMBINER_STRUCT, MPI_COMBINER_SUBARRAY, MPI_COMBINER_VECTOR,
  MPI_DATATYPE_NULL, MPI_ERR_ARG, MPI_ERR_COUNT, MPI_ERR_OTHER, MPI_ERR_TRUNCATE, MPI_ERR_TYPE, MPI_ORDER_C,
  MPI_ORDER_FORTRAN, MPI_SUCCESS, MPI_UNDEFINED, MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_NONE,
  MPI_DISTRIBUTE_DFLT_DARG, MPI_COMBINER_DARRAY,
} from './handles.js';
import {
  Datatype, computeProps, flatten, getCount, getElements, hex, isMpiError, mpiError, predefinedObject,
  type Layout, type MpiError,
} from './datatype.js';
import { pack, unpack, type UnpackResult } from './copy.js';

export interface Envelope {
  numIntegers: number;
  numAddresses: number;
  numDatatypes: number;
  combiner: number;
}

export interface Contents {
  combiner: number;
  integers: number[];
  addresses: number[];
  /** Handles; derived ones count as new user references (free them with MPI_Type_free, as MPI requires). */
  datatypes: number[];
}

type Ints = ArrayLike<number>;

const isInt = (x: number) => Number.isSafeInteger(x);

export class DatatypeRegistry {
  private readonly slots: (Datatype | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  /** Names given to predefined types in this process (the shared objects keep their default names). */
  private readonly predefinedNames = new Map<number, string>();

  /** Derived types currently holding a slot (user handles, or kept alive by other types / pending operations). */
  get liveDerivedCount(): number {
    return this.slots.length - this.freeSlots.length;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Handle resolution

  /** The datatype object of a handle (committed or not). */
  resolve(handle: number): Datatype | MpiError {
    const h = handle >>> 0;
    const p = predefinedObject(h);
    if (p) return p;
    if (h === MPI_DATATYPE_NULL) return mpiError(MPI_ERR_TYPE, 'datatype is MPI_DATATYPE_NULL');
    if (((h & 0xff000000) >>> 0) === DERIVED_DATATYPE_TAG) {
      const t = this.slots[h & 0x00ffffff];
      if (t && t.userRefs > 0) return t;
      if (t) return mpiError(MPI_ERR_TYPE, `datatype ${hex(h)} has been freed`);
    }
    return mpiError(MPI_ERR_TYPE, `invalid datatype handle ${hex(h)}`);
  }

  /** The datatype object of a handle used for communication, MPI_Pack etc.: it must be committed. */
  forCommunication(handle: number): Datatype | MpiError {
    const t = this.resolve(handle);
    if (isMpiError(t)) return t;
    if (!t.committed) return mpiError(MPI_ERR_TYPE, `datatype ${hex(handle)} is not committed`);
    return t;
  }

  /**
   * For a pending operation: a committed datatype that stays valid (even if the user frees the handle) until
   * release() is called.
   */
  acquire(handle: number): Datatype | MpiError {
    const t = this.forCommunication(handle);
    if (!isMpiError(t) && !t.predefined) t.refs++;
    return t;
  }

  /** One more reference to a datatype already acquired (each use of it by a persistent request). */
  retain(t: Datatype): void {
    if (!t.predefined) t.refs++;
  }

  release(t: Datatype): void {
    if (!t.predefined) this.decRef(t);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Constructors (return the new handle)

  contiguous(count: number, oldtype: number): number | MpiError {
    const e = checkCount(count, 'count');
    if (e) return e;
    const old = this.resolve(oldtype);
    if (isMpiError(old)) return old;
    return this.register({ kind: 'regular', child: old, count: 1, blocklen: count, stride: 0, disp: 0 },
      MPI_COMBINER_CONTIGUOUS, [count], [], [old]);
  }

  vector(count: number, blocklength: number, stride: number, oldtype: number): number | MpiError {
    const e = checkCount(count, 'count') ?? checkBlocklen(blocklength) ?? checkInt(stride, 'stride');
    if (e) return e;
    const old = this.resolve(oldtype);
    if (isMpiError(old)) return old;
    return this.register({ kind: 'regular', child: old, count, blocklen: blocklength, stride: stride * old.extent, disp: 0 },
      MPI_COMBINER_VECTOR, [count, blocklength, stride], [], [old]);
  }

  hvector(count: number, blocklength: number, strideBytes: number, oldtype: number): number | MpiError {
    const e = checkCount(count, 'count') ?? checkBlocklen(blocklength) ?? checkInt(strideBytes, 'stride');
    if (e) return e;
    const old = this.resolve(oldtype);
    if (isMpiError(old)) return old;
    return this.register({ kind: 'regular', child: old, count, blocklen: blocklength, stride: strideBytes, disp: 0 },
      MPI_COMBINER_HVECTOR, [count, blocklength], [strideBytes], [old]);
  }

  indexed(count: number, blocklengths: Ints, displacements: Ints, oldtype: number): number | MpiError {
    const e = checkCount(count, 'count') ?? checkArrays(count, blocklengths, displacements) ?? checkBlocklens(count, blocklengths);
    if (e) return e;
    const old = this.resolve(oldtype);
    if (isMpiError(old)) return old;
    const bl = toF64(blocklengths, count), d = toF64(displacements, count, old.extent);
    return this.register({ kind: 'list', children: old, blocklens: bl, disps: d }, MPI_COMBINER_INDEXED,
      [count, ...bl, ...toF64(displacements, count)], [], [old]);
  }

  hindexed(count: number, blocklengths: Ints, byteDisplacements: Ints, oldtype: number): number | MpiError {
    const e = checkCount(count, 'count') ?? checkArrays(count, blocklengths, byteDisplacements) ?? checkBlocklens(count, blocklengths);
    if (e) return e;
    const old = this.resolve(oldtype);
    if (isMpiError(old)) return old;
    const bl = toF64(blocklengths, count), d = toF64(byteDisplacements, count);
    return this.register({ kind: 'list', children: old, blocklens: bl, disps: d }, MPI_COMBINER_HINDEXED,
      [count, ...bl], [...d], [old]);
  }

  indexedBlock(count: number, blocklength: number, displacements: Ints, oldtype: number): number | MpiError {
    const e = checkCount(count, 'count') ?? checkBlocklen(blocklength) ?? checkArrays(count, displacements);
    if (e) return e;
    const old = this.resolve(oldtype);
    if (isMpiError(old)) return old;
    return this.register({ kind: 'list', children: old, blocklens: blocklength, disps: toF64(displacements, count, old.extent) },
      MPI_COMBINER_INDEXED_BLOCK, [count, blocklength, ...toF64(displacements, count)], [], [old]);
  }

  hindexedBlock(count: number, blocklength: number, byteDisplacements: Ints, oldtype: number): number | MpiError {
    const e = checkCount(count, 'count') ?? checkBlocklen(blocklength) ?? checkArrays(count, byteDisplacements);
    if (e) return e;
    const old = this.resolve(oldtype);
    if (isMpiError(old)) return old;
    const d = toF64(byteDisplacements, count);
    return this.register({ kind: 'list', children: old, blocklens: blocklength, disps: d },
      MPI_COMBINER_HINDEXED_BLOCK, [count, blocklength], [...d], [old]);
  }

  /** MPI_Type_create_struct; the extent is padded to the largest member alignment (C rule) unless resized members set it. */
  struct(count: number, blocklengths: Ints, byteDisplacements: Ints, types: Ints): number | MpiError {
    const e = checkCount(count, 'count') ?? checkArrays(count, blocklengths, byteDisplacements, types) ?? checkBlocklens(count, blocklengths);
    if (e) return e;
    const children: Datatype[] = [];
    for (let i = 0; i < count; i++) {
      const t = this.resolve(types[i]);
      if (isMpiError(t)) return mpiError(t.errorClass, `array_of_types[${i}]: ${t.message}`);
      children.push(t);
    }
    const bl = toF64(blocklengths, count), d = toF64(byteDisplacements, count);
    return this.register({ kind: 'list', children, blocklens: bl, disps: d }, MPI_COMBINER_STRUCT,
      [count, ...bl], [...d], children, true);
  }

  resized(oldtype: number, lb: number, extent: number): number | MpiError {
    const e = checkInt(lb, 'lb') ?? checkInt(extent, 'extent');
    if (e) return e;
    const old = this.resolve(oldtype);
    if (isMpiError(old)) return old;
    return this.register({ kind: 'alias', child: old, lb, extent }, MPI_COMBINER_RESIZED, [], [lb, extent], [old]);
  }

  /** MPI_Type_create_subarray: lb 0, extent prod(sizes) * extent(oldtype); order MPI_ORDER_C or MPI_ORDER_FORTRAN. */
  subarray(ndims: number, sizes: Ints, subsizes: Ints, starts: Ints, order: number, oldtype: number): number | MpiError {
    if (!isInt(ndims) || ndims <= 0) return mpiError(MPI_ERR_ARG, `invalid number of dimensions ${ndims} (must be positive)`);
    const e = checkArrays(ndims, sizes, subsizes, starts);
    if (e) return e;
    if (order !== MPI_ORDER_C && order !== MPI_ORDER_FORTRAN) return mpiError(MPI_ERR_ARG, `invalid array order ${order} (must be MPI_ORDER_C or MPI_ORDER_FORTRAN)`);
    for (let i = 0; i < ndims; i++) {
      const sz = sizes[i], sub = subsizes[i], st = starts[i];
      if (!isInt(sz) || sz <= 0) return mpiError(MPI_ERR_ARG, `array_of_sizes[${i}] = ${sz} must be positive`);
      if (!isInt(sub) || sub < 0 || sub > sz) return mpiError(MPI_ERR_ARG, `array_of_subsizes[${i}] = ${sub} must be in [0, ${sz}]`);
      if (!isInt(st) || st < 0 || st + sub > sz) return mpiError(MPI_ERR_ARG, `array_of_starts[${i}] = ${st} must be in [0, ${sz - sub}]`);
    }
    const old = this.resolve(oldtype);
    if (isMpiError(old)) return old;
    const ext = old.extent;
    // Dimensions from fastest to slowest varying, with their byte strides.
    const dims: number[] = [];
    for (let k = 0; k < ndims; k++) dims.push(order === MPI_ORDER_C ? ndims - 1 - k : k);
    let stride = ext;
    let disp = 0;
    let t: Datatype | null = null;
    for (const i of dims) {
      disp += starts[i] * stride;
      const layout: Layout = t === null
        ? { kind: 'regular', child: old, count: 1, blocklen: subsizes[i], stride: 0, disp: 0 }
        : { kind: 'regular', child: t, count: subsizes[i], blocklen: 1, stride, disp: 0 };
      t = anonymous(layout);
      stride *= sizes[i];
    }
    const placed = anonymous({ kind: 'regular', child: t!, count: 1, blocklen: 1, stride: 0, disp });
    const ints = [ndims, ...toF64(sizes, ndims), ...toF64(subsizes, ndims), ...toF64(starts, ndims), order];
    return this.register({ kind: 'alias', child: placed, lb: 0, extent: stride }, MPI_COMBINER_SUBARRAY, ints, [], [old]);
  }

  /**
   * MPI_Type_create_darray: the elements process `rank` of a `psizes` grid (ranks row-major) owns of a
   * `gsizes` array distributed per dimension by block, cyclic(darg) or not at all. Built per dimension from the
   * fastest varying: the owned indices of a dimension are placed at index * stride over the type of the faster
   * dimensions; lb 0, extent prod(gsizes) * extent(oldtype), like a subarray.
   */
  darray(size: number, rank: number, ndims: number, gsizes: Ints, distribs: Ints, dargs: Ints, psizes: Ints, order: number, oldtype: number): number | MpiError {
    if (!isInt(ndims) || ndims <= 0) return mpiError(MPI_ERR_ARG, `invalid number of dimensions ${ndims} (must be positive)`);
    if (order !== MPI_ORDER_C && order !== MPI_ORDER_FORTRAN) return mpiError(MPI_ERR_ARG, `invalid array order ${order} (must be MPI_ORDER_C or MPI_ORDER_FORTRAN)`);
    let procs = 1;
    for (let i = 0; i < ndims; i++) procs *= psizes[i];
    if (procs !== size) return mpiError(MPI_ERR_ARG, `the process grid (${Array.from(psizes).slice(0, ndims).join(' x ')}) does not have size ${size} processes`);
    if (!isInt(rank) || rank < 0 || rank >= size) return mpiError(MPI_ERR_ARG, `invalid rank ${rank} (size ${size})`);
    const old = this.resolve(oldtype);
    if (isMpiError(old)) return old;
    // Grid coordinates of `rank`, row-major whatever the array order.
    const coords = new Array<number>(ndims);
    for (let i = ndims - 1, r = rank; i >= 0; i--) { coords[i] = r % psizes[i]; r = Math.floor(r / psizes[i]); }
    const owned: number[][] = [];
    for (let i = 0; i < ndims; i++) {
      const g = gsizes[i], p = psizes[i], c = coords[i], d = distribs[i], a = dargs[i];
      if (!isInt(g) || g <= 0 || !isInt(p) || p <= 0) return mpiError(MPI_ERR_ARG, `invalid gsizes[${i}] = ${g} or psizes[${i}] = ${p}`);
      const mine: number[] = [];
      if (d === MPI_DISTRIBUTE_NONE) {
        if (p !== 1) return mpiError(MPI_ERR_ARG, `dimension ${i} is not distributed but psizes[${i}] = ${p}`);
        for (let j = 0; j < g; j++) mine.push(j);
      } else if (d === MPI_DISTRIBUTE_BLOCK) {
        const b = a === MPI_DISTRIBUTE_DFLT_DARG ? Math.ceil(g / p) : a;
        if (!isInt(b) || b <= 0 || b * p < g) return mpiError(MPI_ERR_ARG, `block size ${a} of dimension ${i} does not cover ${g} elements over ${p} processes`);
        for (let j = c * b; j < Math.min((c + 1) * b, g); j++) mine.push(j);
      } else if (d === MPI_DISTRIBUTE_CYCLIC) {
        const b = a === MPI_DISTRIBUTE_DFLT_DARG ? 1 : a;
        if (!isInt(b) || b <= 0) return mpiError(MPI_ERR_ARG, `invalid cyclic block size ${a} of dimension ${i}`);
        for (let start = c * b; start < g; start += p * b) for (let j = start; j < Math.min(start + b, g); j++) mine.push(j);
      } else return mpiError(MPI_ERR_ARG, `invalid distribution ${d} of dimension ${i}`);
      owned.push(mine);
    }
    const dims: number[] = [];
    for (let k = 0; k < ndims; k++) dims.push(order === MPI_ORDER_C ? ndims - 1 - k : k);
    let stride = old.extent;
    let t: Datatype = old;
    for (const i of dims) {
      const disps = Float64Array.from(owned[i], (j) => j * stride);
      t = anonymous({ kind: 'list', children: t, blocklens: 1, disps });
      stride *= gsizes[i];
    }
    const ints = [size, rank, ndims, ...toF64(gsizes, ndims), ...toF64(distribs, ndims), ...toF64(dargs, ndims), ...toF64(psizes, ndims), order];
    return this.register({ kind: 'alias', child: t, lb: 0, extent: stride }, MPI_COMBINER_DARRAY, ints, [], [old]);
  }

  dup(oldtype: number): number | MpiError {
    const old = this.resolve(oldtype);
    if (isMpiError(old)) return old;
    const h = this.register({ kind: 'alias', child: old }, MPI_COMBINER_DUP, [], [], [old]);
    if (typeof h === 'number' && old.committed) this.commit(h);
    return h;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Commit / free

  commit(handle: number): typeof MPI_SUCCESS | MpiError {
    const t = this.resolve(handle);
    if (isMpiError(t)) return t;
    if (t.committed) return MPI_SUCCESS;
    t.committed = true;
    if (!flatten(t)) {
      t.committed = false;
      return mpiError(MPI_ERR_OTHER, `datatype ${hex(handle)} is too fragmented to commit (more than 2^25 blocks)`);
    }
    return MPI_SUCCESS;
  }

  /** MPI_Type_free: invalidates the handle; the type lives on while derived types or pending operations use it. */
  free(handle: number): typeof MPI_SUCCESS | MpiError {
    const t = this.resolve(handle);
    if (isMpiError(t)) return t;
    if (t.predefined) return mpiError(MPI_ERR_TYPE, `cannot free predefined datatype ${t.predefined.name}`);
    t.userRefs--;
    this.decRef(t);
    return MPI_SUCCESS;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Queries

  size(handle: number): number | MpiError {
    const t = this.resolve(handle);
    return isMpiError(t) ? t : t.size;
  }

  extent(handle: number): { lb: number; extent: number } | MpiError {
    const t = this.resolve(handle);
    return isMpiError(t) ? t : { lb: t.lb, extent: t.extent };
  }

  trueExtent(handle: number): { lb: number; extent: number } | MpiError {
    const t = this.resolve(handle);
    return isMpiError(t) ? t : { lb: t.trueLb, extent: t.trueExtent };
  }

  envelope(handle: number): Envelope | MpiError {
    const t = this.resolve(handle);
    if (isMpiError(t)) return t;
    return { numIntegers: t.envInts.length, numAddresses: t.envAddrs.length, numDatatypes: t.envTypes.length, combiner: t.combiner };
  }

  contents(handle: number): Contents | MpiError {
    const t = this.resolve(handle);
    if (isMpiError(t)) return t;
    if (t.combiner === MPI_COMBINER_NAMED) {
      return mpiError(MPI_ERR_TYPE, `MPI_Type_get_contents is erroneous for the named datatype ${t.name}`);
    }
    const datatypes = t.envTypes.map((c) => {
      if (!c.predefined) { c.userRefs++; c.refs++; }
      return c.handle;
    });
    return { combiner: t.combiner, integers: [...t.envInts], addresses: [...t.envAddrs], datatypes };
  }

  getName(handle: number): string | MpiError {
    const t = this.resolve(handle);
    if (isMpiError(t)) return t;
    return t.predefined ? this.predefinedNames.get(t.handle) ?? t.name : t.name;
  }

  setName(handle: number, name: string): typeof MPI_SUCCESS | MpiError {
    const t = this.resolve(handle);
    if (isMpiError(t)) return t;
    if (t.predefined) this.predefinedNames.set(t.handle, name);
    else t.name = name;
    return MPI_SUCCESS;
  }

  /**
   * The predefined handle every basic element of the type is (pair types such as MPI_DOUBLE_INT count as one),
   * for the reduction-op engine; 0 for an empty type, MPI_UNDEFINED for a mixed one.
   */
  basicType(handle: number): number | MpiError {
    const t = this.resolve(handle);
    if (isMpiError(t)) return t;
    return t.basic < 0 ? MPI_UNDEFINED : t.basic;
  }

  /** MPI_Get_elements for a received byte count (MPI_UNDEFINED if a basic element is cut). */
  getElements(handle: number, bytes: number): number | MpiError {
    const t = this.resolve(handle);
    return isMpiError(t) ? t : getElements(t, bytes);
  }

  /** MPI_Get_count for a received byte count (MPI_UNDEFINED if not whole items). */
  getCount(handle: number, bytes: number): number | MpiError {
    const t = this.resolve(handle);
    return isMpiError(t) ? t : getCount(t, bytes);
  }

  /**
   * getElements/getCount for any 63-bit byte count (an MPI_Count status; exact beyond 2^53). MPI_UNDEFINED
   * comes back as BigInt(MPI_UNDEFINED).
   */
  countsX(handle: number, bytes: bigint): { elements: bigint; count: bigint } | MpiError {
    const t = this.resolve(handle);
    if (isMpiError(t)) return t;
    const undef = BigInt(MPI_UNDEFINED);
    if (t.size === 0) return { elements: 0n, count: 0n };
    const size = BigInt(t.size);
    const whole = bytes / size, rem = Number(bytes % size);
    const part = getElements(t, rem);
    return {
      elements: part === MPI_UNDEFINED ? undef : whole * BigInt(t.nElements) + BigInt(part),
      count: rem === 0 ? whole : undef,
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // MPI_Pack / MPI_Unpack / MPI_Pack_size (the packed format is the raw byte stream, no header)

  packSize(incount: number, handle: number): number | MpiError {
    if (!isInt(incount) || incount < 0) return mpiError(MPI_ERR_COUNT, `invalid count ${incount}`);
    const t = this.forCommunication(handle);
    return isMpiError(t) ? t : incount * t.size;
  }

  /** MPI_Pack: returns the new position. */
  mpiPack(
    inMem: Uint8Array, inAddr: number, incount: number, handle: number,
    outMem: Uint8Array, outAddr: number, outsize: number, position: number,
  ): number | MpiError {
    if (!isInt(incount) || incount < 0) return mpiError(MPI_ERR_COUNT, `invalid count ${incount}`);
    if (!isInt(outsize) || outsize < 0) return mpiError(MPI_ERR_ARG, `invalid outsize ${outsize}`);
    if (!isInt(position) || position < 0) return mpiError(MPI_ERR_ARG, `invalid position ${position}`);
    const t = this.forCommunication(handle);
    if (isMpiError(t)) return t;
    const bytes = incount * t.size;
    if (position + bytes > outsize) {
      return mpiError(MPI_ERR_TRUNCATE, `MPI_Pack needs ${bytes} bytes at position ${position} but the output buffer holds ${outsize}`);
    }
    const r = pack(inMem, inAddr, incount, t, outMem, outAddr + position);
    return isMpiError(r) ? r : position + r;
  }

  /** MPI_Unpack: returns the new position. */
  mpiUnpack(
    inMem: Uint8Array, inAddr: number, insize: number, position: number,
    outMem: Uint8Array, outAddr: number, outcount: number, handle: number,
  ): number | MpiError {
    if (!isInt(outcount) || outcount < 0) return mpiError(MPI_ERR_COUNT, `invalid count ${outcount}`);
    if (!isInt(insize) || insize < 0) return mpiError(MPI_ERR_ARG, `invalid insize ${insize}`);
    if (!isInt(position) || position < 0) return mpiError(MPI_ERR_ARG, `invalid position ${position}`);
    const t = this.forCommunication(handle);
    if (isMpiError(t)) return t;
    const bytes = outcount * t.size;
    if (position + bytes > insize) {
      return mpiError(MPI_ERR_TRUNCATE, `MPI_Unpack needs ${bytes} bytes at position ${position} but the input buffer holds ${insize}`);
    }
    const r: UnpackResult | MpiError = unpack(inMem, inAddr + position, bytes, outMem, outAddr, outcount, t);
    return isMpiError(r) ? r : position + r.bytes;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Internals

  private register(layout: Layout, combiner: number, ints: number[], addrs: number[], types: Datatype[], pad = false): number | MpiError {
    const props = computeProps(layout, pad);
    if (!Number.isSafeInteger(props.size) || !Number.isFinite(props.lb) || !Number.isFinite(props.ub)) {
      return mpiError(MPI_ERR_ARG, 'datatype size or bounds overflow');
    }
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.slots.length > MAX_DERIVED_SLOT) return mpiError(MPI_ERR_OTHER, 'too many derived datatypes');
      slot = this.slots.length;
      this.slots.push(undefined);
    }
    const t = new Datatype(layout, combiner, ints, addrs, types, props);
    t.handle = (DERIVED_DATATYPE_TAG | slot) >>> 0;
    this.slots[slot] = t;
    for (const c of types) if (!c.predefined) c.refs++;
    return t.handle;
  }

  private decRef(t: Datatype): void {
    if (--t.refs > 0) return;
    const slot = t.handle & 0x00ffffff;
    if (this.slots[slot] === t) {
      this.slots[slot] = undefined;
      this.freeSlots.push(slot);
    }
    t.blocks = null;
    for (const c of t.envTypes) if (!c.predefined) this.decRef(c);
  }
}

function anonymous(layout: Layout): Datatype {
  return new Datatype(layout, MPI_COMBINER_NAMED, [], [], [], computeProps(layout, false));
}

function checkInt(x: number, what: string): MpiError | null {
  return isInt(x) ? null : mpiError(MPI_ERR_ARG, `invalid ${what} ${x}`);
}

function checkCount(x: number, what: string): MpiError | null {
  return isInt(x) && x >= 0 ? null : mpiError(MPI_ERR_COUNT, `invalid ${what} ${x} (must be non-negative)`);
}

function checkBlocklen(x: number): MpiError | null {
  return isInt(x) && x >= 0 ? null : mpiError(MPI_ERR_ARG, `invalid blocklength ${x} (must be non-negative)`);
}

function checkBlocklens(count: number, bl: Ints): MpiError | null {
  for (let i = 0; i < count; i++) {
    if (!isInt(bl[i]) || bl[i] < 0) return mpiError(MPI_ERR_ARG, `array_of_blocklengths[${i}] = ${bl[i]} is negative`);
  }
  return null;
}

function checkArrays(count: number, ...arrays: Ints[]): MpiError | null {
  for (const a of arrays) {
    if (!a || a.length < count) return mpiError(MPI_ERR_ARG, `argument array has ${a ? a.length : 0} entries, ${count} needed`);
    for (let i = 0; i < count; i++) if (!isInt(a[i])) return mpiError(MPI_ERR_ARG, `argument array entry ${i} = ${a[i]} is not an integer`);
  }
  return null;
}

function toF64(a: Ints, count: number, scale = 1): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = a[i] * scale;
  return out;
}
