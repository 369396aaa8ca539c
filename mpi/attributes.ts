// Communicator attributes. The predefined ones are answered here; MPI_Comm_get_attr itself is in the guest
// library, which passes the slot (in guest memory) that receives a predefined attribute's value.
//
// User keyvals (MPI_Comm_create_keyval) are per rank, handles 0xa4000000 | slot. Their copy and delete callbacks
// are guest function-table indices (MPI_COMM_NULL_COPY_FN / MPI_COMM_NULL_DELETE_FN 0, MPI_COMM_DUP_FN -1) that
// the runtime calls through the guest's exported __indirect_function_table; the copy callback's out-parameters
// live in the runtime's guest scratch space (MpiRank.withScratch). Attribute values are the guest's void*
// (an i32) and are stored on the Communicator (comm.attrs, in the order they were set).
import * as abi from './abi.js';
import type { Communicator } from './communicators.js';
import type { MpiPart, MpiRank } from './rank.js';

interface Keyval {
  handle: number;
  copyFn: number;
  deleteFn: number;
  extra: number;
  /** MPI_Comm_free_keyval was called; the keyval lives on while attributes use it. */
  freed: boolean;
  /** Attributes currently set with this keyval. */
  uses: number;
}

export class Keyvals {
  private readonly slots: (Keyval | undefined)[] = [];

  get(handle: number): Keyval | undefined {
    const h = handle >>> 0;
    if (((h & 0xff000000) >>> 0) !== abi.USER_KEYVAL_TAG) return undefined;
    return this.slots[h & 0x00ffffff];
  }

  create(copyFn: number, deleteFn: number, extra: number): Keyval | undefined {
    if (this.slots.length > 0x00ffffff) return undefined;
    // Slots are not reused: an attribute of a freed keyval can still be found by its handle.
    const k: Keyval = { handle: (abi.USER_KEYVAL_TAG | this.slots.length) >>> 0, copyFn, deleteFn, extra, freed: false, uses: 0 };
    this.slots.push(k);
    return k;
  }

  /** Drops a keyval that is freed and no longer used. */
  release(k: Keyval): void {
    if (k.freed && k.uses === 0) this.slots[k.handle & 0x00ffffff] = undefined;
  }
}

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
function callDelete(rank: MpiRank, fn: string, comm: Communicator, k: Keyval, value: number): number {
  if (k.deleteFn === abi.MPI_COMM_NULL_DELETE_FN) return abi.MPI_SUCCESS;
  const f = guestFunction(rank, k.deleteFn);
  if (!f) return rank.errors.raise(comm.handle, fn, abi.MPI_ERR_ARG, `delete callback ${k.deleteFn} is not a function of the module`);
  return f(comm.handle | 0, k.handle | 0, value, k.extra) | 0;
}

function dropAttr(rank: MpiRank, comm: Communicator, k: Keyval): void {
  comm.attrs!.delete(k.handle);
  k.uses--;
  rank.keyvals.release(k);
}

function setAttr(rank: MpiRank, comm: Communicator, k: Keyval, value: number): void {
  comm.attrs ??= new Map();
  if (!comm.attrs.has(k.handle)) k.uses++;
  comm.attrs.set(k.handle, value);
}

/**
 * Copies `from`'s attributes to the new communicator `to` as MPI_Comm_dup does (through each keyval's copy
 * callback). Returns MPI_SUCCESS or the error a callback returned (the attributes copied so far stay on `to`,
 * for the caller to delete).
 */
export function copyAttributes(rank: MpiRank, fn: string, from: Communicator, to: Communicator): number {
  if (!from.attrs) return abi.MPI_SUCCESS;
  for (const [handle, value] of [...from.attrs]) {
    const k = rank.keyvals.get(handle)!;
    if (k.copyFn === abi.MPI_COMM_NULL_COPY_FN) continue;
    if (k.copyFn === abi.MPI_COMM_DUP_FN) {
      setAttr(rank, to, k, value);
      continue;
    }
    const f = guestFunction(rank, k.copyFn);
    if (!f) return rank.errors.raise(from.handle, fn, abi.MPI_ERR_ARG, `copy callback ${k.copyFn} is not a function of the module`);
    const result = rank.withScratch(8, (out) => {
      rank.mem.setI32(out, 0);
      rank.mem.setI32(out + 4, 0);
      const rc = f(from.handle | 0, k.handle | 0, k.extra, value, out, out + 4) | 0;
      return { rc, value: rank.mem.i32(out), flag: rank.mem.i32(out + 4) };
    });
    if (result.rc !== abi.MPI_SUCCESS) return rank.errors.raise(from.handle, fn, result.rc, `copy callback of keyval 0x${k.handle.toString(16)} failed`);
    if (result.flag) setAttr(rank, to, k, result.value);
  }
  return abi.MPI_SUCCESS;
}

/**
 * Deletes every attribute of a communicator being freed (in the order they were set, or with `newestFirst` in
 * reverse, as MPI_Finalize does for MPI_COMM_SELF); returns MPI_SUCCESS or the first callback error.
 */
export function deleteAttributes(rank: MpiRank, fn: string, comm: Communicator, newestFirst = false): number {
  if (!comm.attrs) return abi.MPI_SUCCESS;
  let result: number = abi.MPI_SUCCESS;
  const attrs = [...comm.attrs];
  if (newestFirst) attrs.reverse();
  for (const [handle, value] of attrs) {
    const k = rank.keyvals.get(handle)!;
    const rc = callDelete(rank, fn, comm, k, value);
    if (rc !== abi.MPI_SUCCESS && result === abi.MPI_SUCCESS) result = rc;
    dropAttr(rank, comm, k);
  }
  return result;
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
    comm_create_keyval_: (fn: string) => (copyFn: number, deleteFn: number, keyvalPtr: number, extra: number) => {
      rank.requireActive(fn);
      const k = rank.keyvals.create(copyFn | 0, deleteFn | 0, extra);
      if (!k) return rank.errors.raise(abi.MPI_COMM_WORLD, fn, abi.MPI_ERR_OTHER, 'too many keyvals');
      mem.setI32(keyvalPtr, k.handle);
      return abi.MPI_SUCCESS;
    },
    comm_free_keyval_: (fn: string) => (keyvalPtr: number) => {
      rank.requireActive(fn);
      const h = mem.i32(keyvalPtr);
      const k = rank.keyvals.get(h);
      if (!k || k.freed) return keyvalError(abi.MPI_COMM_WORLD, fn, h);
      k.freed = true;
      rank.keyvals.release(k);
      mem.setI32(keyvalPtr, abi.MPI_KEYVAL_INVALID);
      return abi.MPI_SUCCESS;
    },
    comm_set_attr_: (fn: string) => (commH: number, keyval: number, value: number) => {
      rank.requireActive(fn);
      const comm = rank.comm(fn, commH);
      if (typeof comm === 'number') return comm;
      const k = rank.keyvals.get(keyval);
      if (!k || k.freed) return keyvalError(commH, fn, keyval);
      const old = comm.attrs?.get(k.handle);
      if (old !== undefined) {
        const rc = callDelete(rank, fn, comm, k, old);
        if (rc !== abi.MPI_SUCCESS) return rank.errors.raise(commH, fn, rc, 'delete callback of the previous value failed');
      }
      setAttr(rank, comm, k, value);
      return abi.MPI_SUCCESS;
    },
    comm_delete_attr_: (fn: string) => (commH: number, keyval: number) => {
      rank.requireActive(fn);
      const comm = rank.comm(fn, commH);
      if (typeof comm === 'number') return comm;
      const k = rank.keyvals.get(keyval);
      if (!k) return keyvalError(commH, fn, keyval);
      const value = comm.attrs?.get(k.handle);
      if (value === undefined) return keyvalError(commH, fn, keyval);
      const rc = callDelete(rank, fn, comm, k, value);
      if (rc !== abi.MPI_SUCCESS) return rank.errors.raise(commH, fn, rc, 'delete callback failed');
      dropAttr(rank, comm, k);
      return abi.MPI_SUCCESS;
    },
  };
  const { comm_create_keyval_: createKeyval, comm_free_keyval_: freeKeyval, comm_set_attr_: setAttrCall, comm_delete_attr_: deleteAttrCall } = calls;
  return {
    faasmpi_comm_get_attr: calls.faasmpi_comm_get_attr,
    MPI_Comm_create_keyval: createKeyval('MPI_Comm_create_keyval'),
    MPI_Comm_free_keyval: freeKeyval('MPI_Comm_free_keyval'),
    MPI_Comm_set_attr: setAttrCall('MPI_Comm_set_attr'),
    MPI_Comm_delete_attr: deleteAttrCall('MPI_Comm_delete_attr'),
    // The MPI-1 names (deprecated, still used): the same calls; their callbacks have the same C types.
    MPI_Keyval_create: createKeyval('MPI_Keyval_create'),
    MPI_Keyval_free: freeKeyval('MPI_Keyval_free'),
    MPI_Attr_put: setAttrCall('MPI_Attr_put'),
    MPI_Attr_delete: deleteAttrCall('MPI_Attr_delete'),
  };
}

export const attributesPart: MpiPart = { names: Object.keys(functions({} as MpiRank)), functions };
