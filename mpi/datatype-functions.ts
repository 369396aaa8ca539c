// The MPI datatype host functions: MPI_Type_* constructors and queries, MPI_Pack/Unpack/Pack_size,
// MPI_Get_address/Aint_add/Aint_diff, and MPI_Get_count/Get_elements(_x)/Status_set_* on a status (whose count is
// in bytes, see mpi/status.ts). The work is done by the datatype engine (mpi/datatypes/) over views of the whole
// guest memory, made afresh on every call (memory can grow).
//
// wasm32 ABI notes: MPI_Aint is a 4-byte intptr_t (arrays of displacements are i32 arrays; an extent or bound
// that does not fit is reported as MPI_UNDEFINED, as MPI-3.1 requires); MPI_Count outputs are i64 (BigInt on the
// host side). Errors of calls without a communicator argument are raised on MPI_COMM_WORLD, those of
// MPI_Pack/MPI_Unpack/MPI_Pack_size on their communicator. MPI_Status_set_elements(_x) records count * size
// bytes (the MPICH convention).
import { copyTypeAttributes, deleteTypeAttributes } from './attributes.js';
import * as abi from './abi.js';
import { isMpiError, mpiError, predefinedDatatypeByName, swapExternal32, type MpiError } from './datatypes/index.js';
import type { MpiPart, MpiRank } from './rank.js';
import { isStatusIgnore, MAX_STATUS_BYTES_X, readStatusBytes, setStatusBytes, setStatusCancelled } from './status.js';

const INT_MAX = 0x7fffffff;
const INT_MIN = -0x80000000;

const fitsInt = (x: number) => Number.isInteger(x) && x >= INT_MIN && x <= INT_MAX;

function functions(rank: MpiRank) {
  const mem = rank.mem;
  const WORLD = abi.MPI_COMM_WORLD;

  // ---- plumbing ----
  const reg = () => rank.datatypes;
  /** All of guest memory as bytes (a fresh view: memory may have grown). */
  const whole = (): Uint8Array => {
    const dv = mem.view();
    return new Uint8Array(dv.buffer, 0, dv.byteLength);
  };
  const fail = (fn: string, e: MpiError, comm: number = WORLD) => rank.errors.raise(comm, fn, e.errorClass, e.message);
  const argError = (fn: string, problem: string, comm: number = WORLD) => rank.errors.raise(comm, fn, abi.MPI_ERR_ARG, problem);

  /** n consecutive i32 (int or MPI_Aint on wasm32) at ptr; n <= 0 reads nothing (the engine validates counts). */
  const readInts = (ptr: number, n: number, what: string): Int32Array | MpiError => {
    if (!Number.isInteger(n) || n <= 0) return new Int32Array(0);
    const p = ptr >>> 0;
    const dv = mem.view();
    if (p + 4 * n > dv.byteLength) return mpiError(abi.MPI_ERR_ARG, `${what} (${n} entries at 0x${p.toString(16)}) lies outside memory`);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = dv.getInt32(p + 4 * i, true);
    return out;
  };
  const setI64 = (ptr: number, v: number) => mem.setI64(ptr, BigInt(v));
  /** An MPI_Aint / int output: MPI_UNDEFINED if the value does not fit in 32 bits. */
  const setIntOrUndefined = (ptr: number, v: number) => mem.setI32(ptr >>> 0, fitsInt(v) ? v : abi.MPI_UNDEFINED);

  /** Reads a NUL-terminated string of at most max - 1 bytes (longer strings are truncated). */
  const readName = (ptr: number, max: number): string => mem.readCString(ptr, max - 1, 'type_name');

  /** Ends a constructor: writes the new handle or raises the engine's error. */
  const made = (fn: string, r: number | MpiError, newtypePtr: number) => {
    if (isMpiError(r)) return fail(fn, r);
    mem.setI32(newtypePtr >>> 0, r);
    return abi.MPI_SUCCESS;
  };

  /** MPI_Type_create_f90_real/complex: float, double or long double (IEEE binary128 on wasm32) by precision p and range r. */
  const f90Float = (fn: string, p: number, r: number, typePtr: number, names: [string, string, string]) => {
    rank.requireActive(fn);
    const P = p === abi.MPI_UNDEFINED ? 0 : p, R = r === abi.MPI_UNDEFINED ? 0 : r;
    if (P < 0 || R < 0) return argError(fn, `invalid precision ${p} or range ${r}`);
    const i = P <= 6 && R <= 37 ? 0 : P <= 15 && R <= 307 ? 1 : P <= 33 && R <= 4931 ? 2 : -1;
    if (i < 0) return argError(fn, `no floating-point type has precision ${p} and range ${r}`);
    mem.setI32(typePtr, predefinedDatatypeByName(names[i as 0 | 1 | 2])!.handle);
    return abi.MPI_SUCCESS;
  };

  /** The datarep argument: only "external32" exists. Undefined if it is that, else the error raised. */
  const external32 = (fn: string, ptr: number): number | undefined => {
    const rep = mem.readCString(ptr >>> 0, 64, 'datarep');
    return rep === 'external32' ? undefined : argError(fn, `unknown data representation "${rep}" (only "external32")`);
  };

  // ---- shared implementations ----
  const hvector = (fn: string) => (count: number, blocklength: number, stride: number, oldtype: number, newPtr: number) => {
    rank.requireActive(fn);
    return made(fn, reg().hvector(count, blocklength, stride, oldtype), newPtr);
  };
  const hindexed = (fn: string) => (count: number, blPtr: number, dispPtr: number, oldtype: number, newPtr: number) => {
    rank.requireActive(fn);
    const bl = readInts(blPtr, count, 'array_of_blocklengths');
    if (isMpiError(bl)) return fail(fn, bl);
    const d = readInts(dispPtr, count, 'array_of_displacements');
    if (isMpiError(d)) return fail(fn, d);
    return made(fn, reg().hindexed(count, bl, d, oldtype), newPtr);
  };
  const struct = (fn: string) => (count: number, blPtr: number, dispPtr: number, typesPtr: number, newPtr: number) => {
    rank.requireActive(fn);
    const bl = readInts(blPtr, count, 'array_of_blocklengths');
    if (isMpiError(bl)) return fail(fn, bl);
    const d = readInts(dispPtr, count, 'array_of_displacements');
    if (isMpiError(d)) return fail(fn, d);
    const types = readInts(typesPtr, count, 'array_of_types');
    if (isMpiError(types)) return fail(fn, types);
    return made(fn, reg().struct(count, bl, d, types), newPtr);
  };
  const extentQuery = (fn: string, which: 'extent' | 'trueExtent', wide: boolean) => (datatype: number, lbPtr: number, extentPtr: number) => {
    rank.requireActive(fn);
    const r = which === 'extent' ? reg().extent(datatype) : reg().trueExtent(datatype);
    if (isMpiError(r)) return fail(fn, r);
    if (wide) {
      setI64(lbPtr, r.lb);
      setI64(extentPtr, r.extent);
    } else {
      setIntOrUndefined(lbPtr, r.lb);
      setIntOrUndefined(extentPtr, r.extent);
    }
    return abi.MPI_SUCCESS;
  };
  const getAddress = (fn: string) => (location: number, addressPtr: number) => {
    rank.requireActive(fn);
    mem.setI32(addressPtr >>> 0, location);
    return abi.MPI_SUCCESS;
  };
  // Status counts are MPI_Count (63 bits of bytes), so these compute in BigInt: exact beyond 2^53.
  const elementsOrCount = (fn: string, kind: 'count' | 'elements', wide: boolean) => (statusPtr: number, datatype: number, countPtr: number) => {
    rank.requireActive(fn);
    if (isStatusIgnore(statusPtr)) return argError(fn, 'status is MPI_STATUS_IGNORE (or NULL)');
    const r = reg().countsX(datatype, readStatusBytes(mem, statusPtr >>> 0));
    if (isMpiError(r)) return fail(fn, r);
    const n = kind === 'count' ? r.count : r.elements;
    if (wide) mem.setI64(countPtr, n);
    else mem.setI32(countPtr >>> 0, n >= -0x80000000n && n <= 0x7fffffffn ? Number(n) : abi.MPI_UNDEFINED);
    return abi.MPI_SUCCESS;
  };
  const setElements = (fn: string) => (statusPtr: number, datatype: number, count: number | bigint) => {
    rank.requireActive(fn);
    const n = BigInt(count);
    if (n < 0n) return rank.errors.raise(WORLD, fn, abi.MPI_ERR_COUNT, `invalid count ${count}`);
    const size = reg().size(datatype);
    if (isMpiError(size)) return fail(fn, size);
    if (isStatusIgnore(statusPtr)) return argError(fn, 'status is MPI_STATUS_IGNORE (or NULL)');
    const bytes = n * BigInt(size);
    if (bytes > MAX_STATUS_BYTES_X) return rank.errors.raise(WORLD, fn, abi.MPI_ERR_COUNT, `count ${count} of ${size}-byte items exceeds the 2^63 - 1 bytes a status holds`);
    setStatusBytes(mem, statusPtr >>> 0, bytes);
    return abi.MPI_SUCCESS;
  };
  const deprecatedBound = (fn: string, which: 'extent' | 'lb' | 'ub') => (datatype: number, outPtr: number) => {
    rank.requireActive(fn);
    const r = reg().extent(datatype);
    if (isMpiError(r)) return fail(fn, r);
    setIntOrUndefined(outPtr, which === 'extent' ? r.extent : which === 'lb' ? r.lb : r.lb + r.extent);
    return abi.MPI_SUCCESS;
  };

  return {
    // ---- constructors ----
    MPI_Type_contiguous: (count: number, oldtype: number, newPtr: number) => {
      rank.requireActive('MPI_Type_contiguous');
      return made('MPI_Type_contiguous', reg().contiguous(count, oldtype), newPtr);
    },
    MPI_Type_vector: (count: number, blocklength: number, stride: number, oldtype: number, newPtr: number) => {
      rank.requireActive('MPI_Type_vector');
      return made('MPI_Type_vector', reg().vector(count, blocklength, stride, oldtype), newPtr);
    },
    MPI_Type_hvector: hvector('MPI_Type_hvector'),
    MPI_Type_create_hvector: hvector('MPI_Type_create_hvector'),
    MPI_Type_indexed: (count: number, blPtr: number, dispPtr: number, oldtype: number, newPtr: number) => {
      const fn = 'MPI_Type_indexed';
      rank.requireActive(fn);
      const bl = readInts(blPtr, count, 'array_of_blocklengths');
      if (isMpiError(bl)) return fail(fn, bl);
      const d = readInts(dispPtr, count, 'array_of_displacements');
      if (isMpiError(d)) return fail(fn, d);
      return made(fn, reg().indexed(count, bl, d, oldtype), newPtr);
    },
    MPI_Type_hindexed: hindexed('MPI_Type_hindexed'),
    MPI_Type_create_hindexed: hindexed('MPI_Type_create_hindexed'),
    MPI_Type_create_indexed_block: (count: number, blocklength: number, dispPtr: number, oldtype: number, newPtr: number) => {
      const fn = 'MPI_Type_create_indexed_block';
      rank.requireActive(fn);
      const d = readInts(dispPtr, count, 'array_of_displacements');
      if (isMpiError(d)) return fail(fn, d);
      return made(fn, reg().indexedBlock(count, blocklength, d, oldtype), newPtr);
    },
    MPI_Type_create_hindexed_block: (count: number, blocklength: number, dispPtr: number, oldtype: number, newPtr: number) => {
      const fn = 'MPI_Type_create_hindexed_block';
      rank.requireActive(fn);
      const d = readInts(dispPtr, count, 'array_of_displacements');
      if (isMpiError(d)) return fail(fn, d);
      return made(fn, reg().hindexedBlock(count, blocklength, d, oldtype), newPtr);
    },
    MPI_Type_create_struct: struct('MPI_Type_create_struct'),
    MPI_Type_struct: struct('MPI_Type_struct'),
    MPI_Type_create_darray: (size: number, r: number, ndims: number, gsizesPtr: number, distribsPtr: number, dargsPtr: number,
      psizesPtr: number, order: number, oldtype: number, newPtr: number) => {
      const fn = 'MPI_Type_create_darray';
      rank.requireActive(fn);
      const n = Math.max(0, ndims);
      const arrays = [gsizesPtr, distribsPtr, dargsPtr, psizesPtr].map((p, i) => readInts(p, n, ['array_of_gsizes', 'array_of_distribs', 'array_of_dargs', 'array_of_psizes'][i]));
      const bad = arrays.find(isMpiError);
      if (bad) return fail(fn, bad);
      const [g, d, a, p] = arrays as ArrayLike<number>[];
      return made(fn, reg().darray(size, r, ndims, g, d, a, p, order, oldtype), newPtr);
    },
    MPI_Type_create_resized: (oldtype: number, lb: number, extent: number, newPtr: number) => {
      rank.requireActive('MPI_Type_create_resized');
      return made('MPI_Type_create_resized', reg().resized(oldtype, lb, extent), newPtr);
    },
    MPI_Type_create_subarray: (
      ndims: number, sizesPtr: number, subsizesPtr: number, startsPtr: number, order: number, oldtype: number, newPtr: number,
    ) => {
      const fn = 'MPI_Type_create_subarray';
      rank.requireActive(fn);
      const sizes = readInts(sizesPtr, ndims, 'array_of_sizes');
      if (isMpiError(sizes)) return fail(fn, sizes);
      const subsizes = readInts(subsizesPtr, ndims, 'array_of_subsizes');
      if (isMpiError(subsizes)) return fail(fn, subsizes);
      const starts = readInts(startsPtr, ndims, 'array_of_starts');
      if (isMpiError(starts)) return fail(fn, starts);
      return made(fn, reg().subarray(ndims, sizes, subsizes, starts, order, oldtype), newPtr);
    },
    MPI_Type_dup: (oldtype: number, newPtr: number) => {
      const fn = 'MPI_Type_dup';
      rank.requireActive(fn);
      const r = reg().dup(oldtype);
      const rc = made(fn, r, newPtr);
      if (rc !== abi.MPI_SUCCESS || isMpiError(r)) return rc;
      const from = reg().resolve(oldtype), to = reg().resolve(r);
      if (isMpiError(from) || isMpiError(to)) return rc;
      return copyTypeAttributes(rank, fn, from, oldtype, to, r);
    },

    // ---- commit / free ----
    MPI_Type_commit: (typePtr: number) => {
      rank.requireActive('MPI_Type_commit');
      const r = reg().commit(mem.i32(typePtr >>> 0));
      return isMpiError(r) ? fail('MPI_Type_commit', r) : abi.MPI_SUCCESS;
    },
    MPI_Type_free: (typePtr: number) => {
      rank.requireActive('MPI_Type_free');
      const h = mem.i32(typePtr >>> 0);
      const t = reg().resolve(h);
      if (!isMpiError(t) && !t.predefined) {
        const rc = deleteTypeAttributes(rank, 'MPI_Type_free', t, h);
        if (rc !== abi.MPI_SUCCESS) return rank.errors.raise(WORLD, 'MPI_Type_free', rc, 'an attribute delete callback failed');
      }
      const r = reg().free(h);
      if (isMpiError(r)) return fail('MPI_Type_free', r);
      mem.setI32(typePtr >>> 0, abi.MPI_DATATYPE_NULL);
      return abi.MPI_SUCCESS;
    },

    // ---- queries ----
    MPI_Type_size: (datatype: number, sizePtr: number) => {
      rank.requireActive('MPI_Type_size');
      const r = reg().size(datatype);
      if (isMpiError(r)) return fail('MPI_Type_size', r);
      setIntOrUndefined(sizePtr, r);
      return abi.MPI_SUCCESS;
    },
    MPI_Type_size_x: (datatype: number, sizePtr: number) => {
      rank.requireActive('MPI_Type_size_x');
      const r = reg().size(datatype);
      if (isMpiError(r)) return fail('MPI_Type_size_x', r);
      setI64(sizePtr, r);
      return abi.MPI_SUCCESS;
    },
    MPI_Type_get_extent: extentQuery('MPI_Type_get_extent', 'extent', false),
    MPI_Type_get_extent_x: extentQuery('MPI_Type_get_extent_x', 'extent', true),
    MPI_Type_get_true_extent: extentQuery('MPI_Type_get_true_extent', 'trueExtent', false),
    MPI_Type_get_true_extent_x: extentQuery('MPI_Type_get_true_extent_x', 'trueExtent', true),
    MPI_Type_extent: deprecatedBound('MPI_Type_extent', 'extent'),
    MPI_Type_lb: deprecatedBound('MPI_Type_lb', 'lb'),
    MPI_Type_ub: deprecatedBound('MPI_Type_ub', 'ub'),
    MPI_Type_get_envelope: (datatype: number, niPtr: number, naPtr: number, ndPtr: number, combinerPtr: number) => {
      rank.requireActive('MPI_Type_get_envelope');
      const e = reg().envelope(datatype);
      if (isMpiError(e)) return fail('MPI_Type_get_envelope', e);
      mem.setI32(niPtr >>> 0, e.numIntegers);
      mem.setI32(naPtr >>> 0, e.numAddresses);
      mem.setI32(ndPtr >>> 0, e.numDatatypes);
      mem.setI32(combinerPtr >>> 0, e.combiner);
      return abi.MPI_SUCCESS;
    },
    MPI_Type_get_contents: (
      datatype: number, maxIntegers: number, maxAddresses: number, maxDatatypes: number,
      intsPtr: number, addrsPtr: number, typesPtr: number,
    ) => {
      const fn = 'MPI_Type_get_contents';
      rank.requireActive(fn);
      const e = reg().envelope(datatype);
      if (isMpiError(e)) return fail(fn, e);
      if (e.combiner !== abi.MPI_COMBINER_NAMED) {
        if (maxIntegers < e.numIntegers || maxAddresses < e.numAddresses || maxDatatypes < e.numDatatypes) {
          return argError(fn, `the arrays are too small: the type needs ${e.numIntegers} integers, ${e.numAddresses} addresses and ` +
            `${e.numDatatypes} datatypes (got room for ${maxIntegers}, ${maxAddresses}, ${maxDatatypes})`);
        }
        const n = 4 * (e.numIntegers + e.numAddresses + e.numDatatypes);
        const end = Math.max(
          (intsPtr >>> 0) + 4 * e.numIntegers, (addrsPtr >>> 0) + 4 * e.numAddresses, (typesPtr >>> 0) + 4 * e.numDatatypes);
        if (n > 0 && end > mem.view().byteLength) return argError(fn, 'an output array lies outside memory');
      }
      const c = reg().contents(datatype);
      if (isMpiError(c)) return fail(fn, c);
      const dv = mem.view();
      c.integers.forEach((v, i) => dv.setInt32((intsPtr >>> 0) + 4 * i, v, true));
      c.addresses.forEach((v, i) => dv.setInt32((addrsPtr >>> 0) + 4 * i, fitsInt(v) ? v : abi.MPI_UNDEFINED, true));
      c.datatypes.forEach((v, i) => dv.setInt32((typesPtr >>> 0) + 4 * i, v, true));
      return abi.MPI_SUCCESS;
    },
    MPI_Type_set_name: (datatype: number, namePtr: number) => {
      rank.requireActive('MPI_Type_set_name');
      const r = reg().setName(datatype, readName(namePtr, abi.MPI_MAX_OBJECT_NAME));
      return isMpiError(r) ? fail('MPI_Type_set_name', r) : abi.MPI_SUCCESS;
    },
    MPI_Type_get_name: (datatype: number, namePtr: number, lenPtr: number) => {
      rank.requireActive('MPI_Type_get_name');
      const r = reg().getName(datatype);
      if (isMpiError(r)) return fail('MPI_Type_get_name', r);
      mem.setI32(lenPtr >>> 0, mem.writeCString(namePtr >>> 0, abi.MPI_MAX_OBJECT_NAME, r));
      return abi.MPI_SUCCESS;
    },

    // ---- pack / unpack ----
    MPI_Pack: (inbuf: number, incount: number, datatype: number, outbuf: number, outsize: number, positionPtr: number, comm: number) => {
      const fn = 'MPI_Pack';
      rank.requireActive(fn);
      const c = rank.comm(fn, comm);
      if (typeof c === 'number') return c;
      const all = whole();
      const r = reg().mpiPack(all, inbuf >>> 0, incount, datatype, all, outbuf >>> 0, outsize, mem.i32(positionPtr >>> 0));
      if (isMpiError(r)) return fail(fn, r, c.handle);
      mem.setI32(positionPtr >>> 0, r);
      return abi.MPI_SUCCESS;
    },
    MPI_Unpack: (inbuf: number, insize: number, positionPtr: number, outbuf: number, outcount: number, datatype: number, comm: number) => {
      const fn = 'MPI_Unpack';
      rank.requireActive(fn);
      const c = rank.comm(fn, comm);
      if (typeof c === 'number') return c;
      const all = whole();
      const r = reg().mpiUnpack(all, inbuf >>> 0, insize, mem.i32(positionPtr >>> 0), all, outbuf >>> 0, outcount, datatype);
      if (isMpiError(r)) return fail(fn, r, c.handle);
      mem.setI32(positionPtr >>> 0, r);
      return abi.MPI_SUCCESS;
    },
    MPI_Pack_size: (incount: number, datatype: number, comm: number, sizePtr: number) => {
      const fn = 'MPI_Pack_size';
      rank.requireActive(fn);
      const c = rank.comm(fn, comm);
      if (typeof c === 'number') return c;
      const r = reg().packSize(incount, datatype);
      if (isMpiError(r)) return fail(fn, r, c.handle);
      if (r > INT_MAX) return rank.errors.raise(c.handle, fn, abi.MPI_ERR_COUNT, `${incount} items need ${r} bytes, more than an int holds`);
      mem.setI32(sizePtr >>> 0, r);
      return abi.MPI_SUCCESS;
    },

    // ---- the portable representation (datatypes/external32.ts) ----
    MPI_Pack_external: (datarepPtr: number, inbuf: number, incount: number, datatype: number, outbuf: number, outsize: number, positionPtr: number) => {
      const fn = 'MPI_Pack_external';
      rank.requireActive(fn);
      const bad = external32(fn, datarepPtr);
      if (bad !== undefined) return bad;
      const all = whole();
      const start = mem.i32(positionPtr >>> 0);
      const r = reg().mpiPack(all, inbuf >>> 0, incount, datatype, all, outbuf >>> 0, outsize, start);
      if (isMpiError(r)) return fail(fn, r);
      const t = reg().resolve(datatype);
      if (!isMpiError(t)) swapExternal32(whole(), (outbuf >>> 0) + start, incount, t);
      mem.setI32(positionPtr >>> 0, r);
      return abi.MPI_SUCCESS;
    },
    MPI_Unpack_external: (datarepPtr: number, inbuf: number, insize: number, positionPtr: number, outbuf: number, outcount: number, datatype: number) => {
      const fn = 'MPI_Unpack_external';
      rank.requireActive(fn);
      const bad = external32(fn, datarepPtr);
      if (bad !== undefined) return bad;
      const t = reg().forCommunication(datatype);
      if (isMpiError(t)) return fail(fn, t);
      const start = mem.i32(positionPtr >>> 0);
      if (start < 0 || insize < 0 || outcount < 0) return argError(fn, `invalid insize ${insize}, position ${start} or outcount ${outcount}`);
      const bytes = Math.min(outcount * t.size, Math.max(0, insize - start));
      // Swapped on a host copy: the input buffer stays as the caller wrote it.
      const native = new Uint8Array(bytes);
      native.set(mem.bytes((inbuf >>> 0) + start, bytes, 'inbuf'));
      swapExternal32(native, 0, Math.floor(bytes / Math.max(1, t.size)), t);
      const r = reg().mpiUnpack(native, 0, bytes, 0, whole(), outbuf >>> 0, outcount, datatype);
      if (isMpiError(r)) return fail(fn, r);
      mem.setI32(positionPtr >>> 0, start + r);
      return abi.MPI_SUCCESS;
    },
    MPI_Pack_external_size: (datarepPtr: number, incount: number, datatype: number, sizePtr: number) => {
      const fn = 'MPI_Pack_external_size';
      rank.requireActive(fn);
      const bad = external32(fn, datarepPtr);
      if (bad !== undefined) return bad;
      const r = reg().packSize(incount, datatype);
      if (isMpiError(r)) return fail(fn, r);
      if (r > INT_MAX) return rank.errors.raise(WORLD, fn, abi.MPI_ERR_COUNT, `${incount} items need ${r} bytes, more than an MPI_Aint holds`);
      mem.setI32(sizePtr >>> 0, r);
      return abi.MPI_SUCCESS;
    },

    // ---- addresses ----
    MPI_Get_address: getAddress('MPI_Get_address'),
    MPI_Address: getAddress('MPI_Address'),
    MPI_Aint_add: (base: number, disp: number) => {
      rank.requireActive('MPI_Aint_add');
      return (base + disp) | 0;
    },
    MPI_Aint_diff: (addr1: number, addr2: number) => {
      rank.requireActive('MPI_Aint_diff');
      return (addr1 - addr2) | 0;
    },

    // ---- counts from a status ----
    MPI_Get_count: elementsOrCount('MPI_Get_count', 'count', false),
    MPI_Get_elements: elementsOrCount('MPI_Get_elements', 'elements', false),
    MPI_Get_elements_x: elementsOrCount('MPI_Get_elements_x', 'elements', true),
    MPI_Status_set_elements: setElements('MPI_Status_set_elements'),
    // Fortran 90 parameterized types: the smallest predefined C type with the precision and range asked for (a
    // named type, so MPI_Type_get_envelope reports MPI_COMBINER_NAMED rather than the F90 combiners).
    MPI_Type_create_f90_integer: (r: number, typePtr: number) => {
      const fn = 'MPI_Type_create_f90_integer';
      rank.requireActive(fn);
      const name = r === abi.MPI_UNDEFINED || r <= 2 ? 'MPI_INT8_T' : r <= 4 ? 'MPI_INT16_T' : r <= 9 ? 'MPI_INT32_T' : r <= 18 ? 'MPI_INT64_T' : undefined;
      if (!name || r < 0 && r !== abi.MPI_UNDEFINED) return argError(fn, `no integer type has a decimal range of ${r}`);
      mem.setI32(typePtr, predefinedDatatypeByName(name)!.handle);
      return abi.MPI_SUCCESS;
    },
    MPI_Type_create_f90_real: (p: number, r: number, typePtr: number) => f90Float('MPI_Type_create_f90_real', p, r, typePtr, ['MPI_FLOAT', 'MPI_DOUBLE', 'MPI_LONG_DOUBLE']),
    MPI_Type_create_f90_complex: (p: number, r: number, typePtr: number) =>
      f90Float('MPI_Type_create_f90_complex', p, r, typePtr, ['MPI_C_FLOAT_COMPLEX', 'MPI_C_DOUBLE_COMPLEX', 'MPI_C_LONG_DOUBLE_COMPLEX']),
    /** The predefined C type of a class and size (there are no Fortran types here to return instead). */
    MPI_Type_match_size: (typeclass: number, size: number, typePtr: number) => {
      const fn = 'MPI_Type_match_size';
      rank.requireActive(fn);
      const byClass: Record<number, Record<number, string>> = {
        [abi.MPI_TYPECLASS_INTEGER]: { 1: 'MPI_INT8_T', 2: 'MPI_INT16_T', 4: 'MPI_INT32_T', 8: 'MPI_INT64_T' },
        [abi.MPI_TYPECLASS_REAL]: { 4: 'MPI_FLOAT', 8: 'MPI_DOUBLE', 16: 'MPI_LONG_DOUBLE' },
        [abi.MPI_TYPECLASS_COMPLEX]: { 8: 'MPI_C_FLOAT_COMPLEX', 16: 'MPI_C_DOUBLE_COMPLEX', 32: 'MPI_C_LONG_DOUBLE_COMPLEX' },
      };
      const sizes = byClass[typeclass];
      if (!sizes) return argError(fn, `invalid typeclass ${typeclass}`);
      const name = sizes[size];
      const t = name === undefined ? undefined : predefinedDatatypeByName(name);
      if (!t) return argError(fn, `no predefined type of typeclass ${typeclass} has size ${size}`);
      mem.setI32(typePtr, t.handle);
      return abi.MPI_SUCCESS;
    },
    MPI_Status_set_elements_x: setElements('MPI_Status_set_elements_x'),
    MPI_Status_set_cancelled: (statusPtr: number, flag: number) => {
      rank.requireActive('MPI_Status_set_cancelled');
      if (isStatusIgnore(statusPtr)) return argError('MPI_Status_set_cancelled', 'status is MPI_STATUS_IGNORE (or NULL)');
      setStatusCancelled(mem, statusPtr >>> 0, flag !== 0);
      return abi.MPI_SUCCESS;
    },
  };
}

export const datatypesPart: MpiPart = {
  names: Object.keys(functions({} as MpiRank)),
  functions,
};
