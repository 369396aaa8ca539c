// Communicator attributes. The predefined ones are answered here; MPI_Comm_get_attr itself is in the guest
// library, which passes the slot (in guest memory) that receives a predefined attribute's value.
//
// User keyvals (MPI_Comm_create_keyval) are per rank, handles 0xa4000000 | slot. Their copy and delete callbacks
// are guest function-table indices (MPI_COMM_NULL_COPY_FN / MPI_COMM_NULL_DELETE_FN 0, MPI_COMM_DUP_FN -1) that
// the runtime calls through the guest's exported __indirect_function_table; the copy callback's out-parameters
// live in the runtime's guest scratch space (MpiRank.withScratch). Attribute values are the guest's void*
// (an i32) and are stored on the Communicator (comm.attrs, in the order they were set).
import * as abi from './abi.js';
import { isMpiError } from './datatypes/index.js';
import { raiseOn, type AttrOwner, type Keyval, type KeyvalKind } from './keyvals.js';
import type { MpiPart, MpiRank } from './rank.js';

function predefinedValue(rank: MpiRank, keyval: number): number | undefined {
  switch (keyval >>> 0) {
    case abi.MPI_TAG_UB: return abi.TAG_UB_VALUE;
    case abi.MPI_HOST: return abi.MPI_PROC_NULL; // there is no host process
    case abi.MPI_IO: return abi.MPI_ANY_SOURCE; // every rank can do I/O (in its sandbox)
    case abi.MPI_WTIME_IS_GLOBAL: return 0; // clocks of different hosts are not synchronised
    case abi.MPI_UNIVERSE_SIZE: return rank.identity.size;
    case abi.MPI_APPNUM: return 0;
    case abi.MPI_LASTUSEDCODE: return rank.errors.lastUsedCode;
    default: return undefined;
  }
}

/** A guest function by table index. */
function guestFunction(rank: MpiRank, index: number): ((...args: number[]) => number) | undefined {
  const table = rank.guestExports().__indirect_function_table as WebAssembly.Table | undefined;
  if (!table || index <= 0 || index >= table.length) return undefined;
  return (table.get(index) as ((...args: number[]) => number) | null) ?? undefined;
}

/** Calls a keyval's delete callback for an attribute; returns its result (MPI_SUCCESS if there is none). */
function callDelete(rank: MpiRank, fn: string, owner: AttrOwner, k: Keyval, value: number): number {
  if (k.deleteFn === abi.MPI_COMM_NULL_DELETE_FN) return abi.MPI_SUCCESS;
  const f = guestFunction(rank, k.deleteFn);
  if (!f) return rank.errors.raise(raiseOn(owner), fn, abi.MPI_ERR_ARG, `delete callback ${k.deleteFn} is not a function of the module`);
  return f(owner.handle | 0, k.handle | 0, value, k.extra) | 0;
}

function dropAttr(rank: MpiRank, owner: AttrOwner, k: Keyval): void {
  owner.attrs!.delete(k.handle);
  k.uses--;
  rank.keyvals.release(k);
}

function setAttr(rank: MpiRank, owner: AttrOwner, k: Keyval, value: number): void {
  owner.attrs ??= new Map();
  if (!owner.attrs.has(k.handle)) k.uses++;
  owner.attrs.set(k.handle, value);
}

/**
 * Copies `from`'s attributes to the new communicator `to` as MPI_Comm_dup does (through each keyval's copy
 * callback). Returns MPI_SUCCESS or the error a callback returned (the attributes copied so far stay on `to`,
 * for the caller to delete).
 */
export function copyAttributes(rank: MpiRank, fn: string, from: AttrOwner, to: AttrOwner, kind: KeyvalKind = 'comm'): number {
  if (!from.attrs) return abi.MPI_SUCCESS;
  for (const [handle, value] of [...from.attrs]) {
    const k = rank.keyvals.get(handle, kind)!;
    if (k.copyFn === abi.MPI_COMM_NULL_COPY_FN) continue;
    if (k.copyFn === abi.MPI_COMM_DUP_FN) {
      setAttr(rank, to, k, value);
      continue;
    }
    const f = guestFunction(rank, k.copyFn);
    if (!f) return rank.errors.raise(raiseOn(from), fn, abi.MPI_ERR_ARG, `copy callback ${k.copyFn} is not a function of the module`);
    const result = rank.withScratch(8, (out) => {
      rank.mem.setI32(out, 0);
      rank.mem.setI32(out + 4, 0);
      const rc = f(from.handle | 0, k.handle | 0, k.extra, value, out, out + 4) | 0;
      return { rc, value: rank.mem.i32(out), flag: rank.mem.i32(out + 4) };
    });
    if (result.rc !== abi.MPI_SUCCESS) return rank.errors.raise(raiseOn(from), fn, result.rc, `copy callback of keyval 0x${k.handle.toString(16)} failed`);
    if (result.flag) setAttr(rank, to, k, result.value);
  }
  return abi.MPI_SUCCESS;
}

/**
 * Deletes every attribute of a communicator being freed (in the order they were set, or with `newestFirst` in
 * reverse, as MPI_Finalize does for MPI_COMM_SELF); returns MPI_SUCCESS or the first callback error.
 */
export function deleteAttributes(rank: MpiRank, fn: string, owner: AttrOwner, newestFirst = false, kind: KeyvalKind = 'comm'): number {
  if (!owner.attrs) return abi.MPI_SUCCESS;
  let result: number = abi.MPI_SUCCESS;
  const attrs = [...owner.attrs];
  if (newestFirst) attrs.reverse();
  for (const [handle, value] of attrs) {
    const k = rank.keyvals.get(handle, kind)!;
    const rc = callDelete(rank, fn, owner, k, value);
    if (rc !== abi.MPI_SUCCESS && result === abi.MPI_SUCCESS) result = rc;
    dropAttr(rank, owner, k);
  }
  return result;
}

/** MPI_Type_dup: the new type gets the old one's attributes through the copy callbacks. */
export function copyTypeAttributes(rank: MpiRank, fn: string, from: object, fromHandle: number, to: object, toHandle: number): number {
  if (!rank.keyvals.hasTypeAttrs(from)) return abi.MPI_SUCCESS;
  return copyAttributes(rank, fn, rank.keyvals.typeAttrs(from, fromHandle), rank.keyvals.typeAttrs(to, toHandle), 'type');
}

/** MPI_Type_free: the type's attributes are deleted (their delete callbacks run). */
export function deleteTypeAttributes(rank: MpiRank, fn: string, type: object, handle: number): number {
  if (!rank.keyvals.hasTypeAttrs(type)) return abi.MPI_SUCCESS;
  return deleteAttributes(rank, fn, rank.keyvals.typeAttrs(type, handle), false, 'type');
}

function functions(rank: MpiRank) {
  const mem = rank.mem;
  const keyvalError = (commH: number, fn: string, keyval: number) =>
    rank.errors.raise(commH, fn, abi.MPI_ERR_KEYVAL, `invalid keyval 0x${(keyval >>> 0).toString(16)}`);

  const calls = {
    faasmpi_comm_get_attr: (commH: number, keyval: number, slotPtr: number, valPtr: number, flagPtr: number) => {
      const fn = 'MPI_Comm_get_attr';
      rank.requireActive(fn);
      const comm = rank.comm(fn, commH);
      if (typeof comm === 'number') return comm;
      const k = rank.keyvals.get(keyval);
      if (k) {
        // attribute_val is a void**: it receives the stored value itself.
        const value = comm.attrs?.get(k.handle);
        if (value !== undefined) mem.setI32(valPtr, value);
        mem.setI32(flagPtr, value === undefined ? 0 : 1);
        return abi.MPI_SUCCESS;
      }
      const value = predefinedValue(rank, keyval);
      if (value === undefined) return keyvalError(commH, fn, keyval);
      mem.setI32(slotPtr, value);
      mem.setI32(valPtr, slotPtr); // for a predefined attribute it receives a pointer to the value
      mem.setI32(flagPtr, 1);
      return abi.MPI_SUCCESS;
    },
  };

  /** The object an attribute call names: a communicator, or a datatype's attribute holder. */
  type Resolve = (fn: string, h: number) => AttrOwner | number;
  const commOwner: Resolve = (fn, h) => rank.comm(fn, h);
  const typeOwner: Resolve = (fn, h) => {
    const t = rank.datatypes.resolve(h);
    if (isMpiError(t)) return rank.errors.raise(abi.MPI_COMM_WORLD, fn, t.errorClass, t.message);
    return rank.keyvals.typeAttrs(t, h);
  };

  const createKeyval = (fn: string, kind: KeyvalKind) => (copyFn: number, deleteFn: number, keyvalPtr: number, extra: number) => {
    rank.requireActive(fn);
    mem.span(keyvalPtr, 4, 'keyval');
    const k = rank.keyvals.create(copyFn | 0, deleteFn | 0, extra, kind);
    if (!k) return rank.errors.raise(abi.MPI_COMM_WORLD, fn, abi.MPI_ERR_OTHER, 'too many keyvals');
    mem.setI32(keyvalPtr, k.handle);
    return abi.MPI_SUCCESS;
  };
  const freeKeyval = (fn: string, kind: KeyvalKind) => (keyvalPtr: number) => {
    rank.requireActive(fn);
    const h = mem.i32(keyvalPtr);
    const k = rank.keyvals.get(h, kind);
    if (!k || k.freed) return keyvalError(abi.MPI_COMM_WORLD, fn, h);
    k.freed = true;
    rank.keyvals.release(k);
    mem.setI32(keyvalPtr, abi.MPI_KEYVAL_INVALID);
    return abi.MPI_SUCCESS;
  };
  const setAttrCall = (fn: string, kind: KeyvalKind, owner: Resolve) => (h: number, keyval: number, value: number) => {
    rank.requireActive(fn);
    const o = owner(fn, h);
    if (typeof o === 'number') return o;
    const k = rank.keyvals.get(keyval, kind);
    if (!k || k.freed) return keyvalError(raiseOn(o), fn, keyval);
    const old = o.attrs?.get(k.handle);
    if (old !== undefined) {
      const rc = callDelete(rank, fn, o, k, old);
      if (rc !== abi.MPI_SUCCESS) return rank.errors.raise(raiseOn(o), fn, rc, 'delete callback of the previous value failed');
    }
    setAttr(rank, o, k, value);
    return abi.MPI_SUCCESS;
  };
  const deleteAttrCall = (fn: string, kind: KeyvalKind, owner: Resolve) => (h: number, keyval: number) => {
    rank.requireActive(fn);
    const o = owner(fn, h);
    if (typeof o === 'number') return o;
    const k = rank.keyvals.get(keyval, kind);
    if (!k) return keyvalError(raiseOn(o), fn, keyval);
    const value = o.attrs?.get(k.handle);
    if (value === undefined) return keyvalError(raiseOn(o), fn, keyval);
    const rc = callDelete(rank, fn, o, k, value);
    if (rc !== abi.MPI_SUCCESS) return rank.errors.raise(raiseOn(o), fn, rc, 'delete callback failed');
    dropAttr(rank, o, k);
    return abi.MPI_SUCCESS;
  };

  return {
    faasmpi_comm_get_attr: calls.faasmpi_comm_get_attr,
    MPI_Comm_create_keyval: createKeyval('MPI_Comm_create_keyval', 'comm'),
    MPI_Comm_free_keyval: freeKeyval('MPI_Comm_free_keyval', 'comm'),
    MPI_Comm_set_attr: setAttrCall('MPI_Comm_set_attr', 'comm', commOwner),
    MPI_Comm_delete_attr: deleteAttrCall('MPI_Comm_delete_attr', 'comm', commOwner),
    // The MPI-1 names (deprecated, still used): the same calls; their callbacks have the same C types.
    MPI_Keyval_create: createKeyval('MPI_Keyval_create', 'comm'),
    MPI_Keyval_free: freeKeyval('MPI_Keyval_free', 'comm'),
    MPI_Attr_put: setAttrCall('MPI_Attr_put', 'comm', commOwner),
    MPI_Attr_delete: deleteAttrCall('MPI_Attr_delete', 'comm', commOwner),
    // Datatype attributes (copied by MPI_Type_dup, deleted by MPI_Type_free: datatype-functions.ts).
    MPI_Type_create_keyval: createKeyval('MPI_Type_create_keyval', 'type'),
    MPI_Type_free_keyval: freeKeyval('MPI_Type_free_keyval', 'type'),
    MPI_Type_set_attr: setAttrCall('MPI_Type_set_attr', 'type', typeOwner),
    MPI_Type_delete_attr: deleteAttrCall('MPI_Type_delete_attr', 'type', typeOwner),
    MPI_Type_get_attr: (h: number, keyval: number, valPtr: number, flagPtr: number) => {
      const fn = 'MPI_Type_get_attr';
      rank.requireActive(fn);
      const o = typeOwner(fn, h);
      if (typeof o === 'number') return o;
      const k = rank.keyvals.get(keyval, 'type');
      if (!k) return keyvalError(abi.MPI_COMM_WORLD, fn, keyval);
      const value = o.attrs?.get(k.handle);
      mem.setI32(flagPtr, value === undefined ? 0 : 1);
      if (value !== undefined) mem.setI32(valPtr, value);
      return abi.MPI_SUCCESS;
    },
    // Window keyvals (windows themselves come with one-sided communication).
    MPI_Win_create_keyval: createKeyval('MPI_Win_create_keyval', 'win'),
    MPI_Win_free_keyval: freeKeyval('MPI_Win_free_keyval', 'win'),
  };
}

export const attributesPart: MpiPart = { names: Object.keys(functions({} as MpiRank)), functions };
