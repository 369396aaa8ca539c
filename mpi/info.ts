// MPI_Info objects (MPI-3.1 9): ordered (key, value) string pairs behind handles INFO_TAG | slot, and the
// communicator calls that take or give one (MPI_Comm_set_info/get_info, MPI_Comm_dup_with_info,
// MPI_Comm_idup). The runtime acts on no hint; a communicator keeps those set on it and gives them back.
import * as abi from './abi.js';
import { copyAttributes, deleteAttributes } from './attributes.js';
import { commName, dup } from './comm-functions.js';
import type { Communicator } from './communicators.js';
import { HandleTable } from './handle-table.js';
import type { MpiPart, MpiRank } from './rank.js';

type Info = Map<string, string>;

/** The info objects of one rank (MPI_INFO_ENV is predefined and empty). */
export class Infos extends HandleTable<Info> {
  private readonly env: Info = new Map();
  constructor() {
    super(abi.INFO_TAG);
  }

  lookup(handle: number): Info | undefined {
    return (handle >>> 0) === abi.MPI_INFO_ENV ? this.env : this.get(handle);
  }
}

const OK = abi.MPI_SUCCESS;

function functions(rank: MpiRank) {
  const mem = rank.mem;
  let table: Infos | undefined;
  const infos = () => (table ??= new Infos());
  const W = abi.MPI_COMM_WORLD;
  const raise = (fn: string, cls: number, problem: string, comm = W) => rank.errors.raise(comm, fn, cls, problem);

  const info = (fn: string, h: number): Info | number => {
    rank.requireActive(fn);
    return infos().lookup(h) ?? raise(fn, abi.MPI_ERR_INFO, `invalid info handle 0x${(h >>> 0).toString(16)}`);
  };
  /** A key argument: 1 .. MPI_MAX_INFO_KEY characters (leading and trailing spaces are not part of it). */
  const key = (fn: string, ptr: number): string | number => {
    const raw = mem.readCString(ptr, abi.MPI_MAX_INFO_KEY + 1, 'key');
    const k = raw.trim();
    if (k.length === 0) return raise(fn, abi.MPI_ERR_INFO_KEY, 'empty info key');
    if (raw.length > abi.MPI_MAX_INFO_KEY) return raise(fn, abi.MPI_ERR_INFO_KEY, `info key longer than MPI_MAX_INFO_KEY (${abi.MPI_MAX_INFO_KEY})`);
    return k;
  };
  const newInfo = (ptr: number, entries: Info) => mem.setI32(ptr, infos().add(new Map(entries)));

  /** MPI_Comm_dup_with_info / MPI_Comm_idup: a dup with the attributes copied; hints from `hints`. */
  const dupWith = (fn: string, commH: number, hints: Info | undefined): Communicator | number => {
    rank.requireActive(fn);
    const c = rank.comm(fn, commH);
    if (typeof c === 'number') return c;
    const nc = dup(rank, fn, c);
    if (typeof nc === 'number') return nc;
    const rc = copyAttributes(rank, fn, c, nc);
    if (rc !== OK) {
      deleteAttributes(rank, fn, nc);
      rank.errors.forget(nc.handle);
      rank.comms.remove(nc.handle);
      return rc;
    }
    if (hints && hints.size > 0) nc.info = new Map(hints);
    return nc;
  };

  return {
    MPI_Info_create: (ptr: number) => {
      rank.requireActive('MPI_Info_create');
      mem.span(ptr, 4, 'info');
      newInfo(ptr, new Map());
      return OK;
    },
    MPI_Info_dup: (h: number, ptr: number) => {
      const i = info('MPI_Info_dup', h);
      if (typeof i === 'number') return i;
      mem.span(ptr, 4, 'newinfo');
      newInfo(ptr, i);
      return OK;
    },
    MPI_Info_free: (ptr: number) => {
      const fn = 'MPI_Info_free';
      const h = mem.i32(ptr, 'info');
      const i = info(fn, h);
      if (typeof i === 'number') return i;
      if ((h >>> 0) === abi.MPI_INFO_ENV) return raise(fn, abi.MPI_ERR_INFO, 'cannot free MPI_INFO_ENV');
      infos().remove(h);
      mem.setI32(ptr, abi.MPI_INFO_NULL);
      return OK;
    },
    MPI_Info_set: (h: number, keyPtr: number, valuePtr: number) => {
      const fn = 'MPI_Info_set';
      const i = info(fn, h);
      if (typeof i === 'number') return i;
      const k = key(fn, keyPtr);
      if (typeof k === 'number') return k;
      const raw = mem.readCString(valuePtr, abi.MPI_MAX_INFO_VAL + 1, 'value');
      if (raw.length > abi.MPI_MAX_INFO_VAL) return raise(fn, abi.MPI_ERR_INFO_VALUE, `info value longer than MPI_MAX_INFO_VAL (${abi.MPI_MAX_INFO_VAL})`);
      const v = raw.trim();
      if (v.length === 0) return raise(fn, abi.MPI_ERR_INFO_VALUE, 'empty info value');
      i.set(k, v);
      return OK;
    },
    MPI_Info_delete: (h: number, keyPtr: number) => {
      const fn = 'MPI_Info_delete';
      const i = info(fn, h);
      if (typeof i === 'number') return i;
      const k = key(fn, keyPtr);
      if (typeof k === 'number') return k;
      if (!i.delete(k)) return raise(fn, abi.MPI_ERR_INFO_NOKEY, `no info key "${k}"`);
      return OK;
    },
    MPI_Info_get: (h: number, keyPtr: number, valuelen: number, valuePtr: number, flagPtr: number) => {
      const fn = 'MPI_Info_get';
      const i = info(fn, h);
      if (typeof i === 'number') return i;
      const k = key(fn, keyPtr);
      if (typeof k === 'number') return k;
      if (valuelen < 0) return raise(fn, abi.MPI_ERR_ARG, `negative valuelen ${valuelen}`);
      const v = i.get(k);
      mem.setI32(flagPtr, v === undefined ? 0 : 1);
      // value receives at most valuelen characters and a NUL (the buffer holds valuelen + 1 bytes).
      if (v !== undefined) mem.writeCString(valuePtr, valuelen + 1, v);
      return OK;
    },
    MPI_Info_get_valuelen: (h: number, keyPtr: number, lenPtr: number, flagPtr: number) => {
      const fn = 'MPI_Info_get_valuelen';
      const i = info(fn, h);
      if (typeof i === 'number') return i;
      const k = key(fn, keyPtr);
      if (typeof k === 'number') return k;
      const v = i.get(k);
      mem.setI32(flagPtr, v === undefined ? 0 : 1);
      if (v !== undefined) mem.setI32(lenPtr, Buffer.byteLength(v));
      return OK;
    },
    MPI_Info_get_nkeys: (h: number, nPtr: number) => {
      const i = info('MPI_Info_get_nkeys', h);
      if (typeof i === 'number') return i;
      mem.setI32(nPtr, i.size);
      return OK;
    },
    MPI_Info_get_nthkey: (h: number, n: number, keyPtr: number) => {
      const fn = 'MPI_Info_get_nthkey';
      const i = info(fn, h);
      if (typeof i === 'number') return i;
      if (n < 0 || n >= i.size) return raise(fn, abi.MPI_ERR_ARG, `key index ${n} out of range (the info has ${i.size} keys)`);
      mem.writeCString(keyPtr, abi.MPI_MAX_INFO_KEY + 1, [...i.keys()][n]);
      return OK;
    },

    MPI_Comm_set_info: (commH: number, h: number) => {
      const fn = 'MPI_Comm_set_info';
      rank.requireActive(fn);
      const c = rank.comm(fn, commH);
      if (typeof c === 'number') return c;
      const i = infos().lookup(h);
      if (!i) return raise(fn, abi.MPI_ERR_INFO, `invalid info handle 0x${(h >>> 0).toString(16)}`, c.handle);
      c.info = new Map([...(c.info ?? []), ...i]);
      return OK;
    },
    MPI_Comm_get_info: (commH: number, ptr: number) => {
      const fn = 'MPI_Comm_get_info';
      rank.requireActive(fn);
      const c = rank.comm(fn, commH);
      if (typeof c === 'number') return c;
      mem.span(ptr, 4, 'info_used');
      newInfo(ptr, c.info ?? new Map());
      return OK;
    },
    MPI_Comm_dup_with_info: (commH: number, h: number, newPtr: number) => {
      const fn = 'MPI_Comm_dup_with_info';
      mem.span(newPtr, 4, 'newcomm');
      const i = (h >>> 0) === abi.MPI_INFO_NULL ? undefined : infos().lookup(h);
      if (i === undefined && (h >>> 0) !== abi.MPI_INFO_NULL) return raise(fn, abi.MPI_ERR_INFO, `invalid info handle 0x${(h >>> 0).toString(16)}`);
      const nc = dupWith(fn, commH, i);
      if (typeof nc === 'number') return nc;
      mem.setI32(newPtr, nc.handle);
      return OK;
    },
    /**
     * Made at once (the agreement is the blocking one of MPI_Comm_dup), so the request is complete when it is
     * returned; a program that starts other communication on the parent before the matching idup of a peer
     * would block here. Keeps the parent's hints, as MPI_Comm_idup does.
     */
    MPI_Comm_idup: (commH: number, newPtr: number, reqPtr: number) => {
      const fn = 'MPI_Comm_idup';
      mem.span(newPtr, 4, 'newcomm');
      mem.span(reqPtr, 4, 'request');
      const parent = rank.comms.get(commH);
      const nc = dupWith(fn, commH, parent?.info);
      if (typeof nc === 'number') return nc;
      mem.setI32(newPtr, nc.handle);
      const done = {
        kind: 'coll' as const, id: 0, done: true, comm: nc, what: () => `${fn}(comm=${commName(nc)})`,
        status: { source: abi.MPI_ANY_SOURCE, tag: abi.MPI_ANY_TAG, error: OK, bytes: 0, cancelled: false },
      };
      mem.setI32(reqPtr, rank.requests.add({ op: done, kind: 'coll' }));
      return OK;
    },
  };
}

export const infoPart: MpiPart = { names: Object.keys(functions({} as MpiRank)), functions };
