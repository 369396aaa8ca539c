// The reduction-op host functions: MPI_Op_create, MPI_Op_free, MPI_Op_commutative and MPI_Reduce_local.
// Errors are raised on MPI_COMM_WORLD (none of these calls has a communicator).
import * as abi from '../abi.js';
import { isMpiError, type MpiError } from '../datatypes/index.js';
import type { MpiPart, MpiRank } from '../rank.js';

function functions(rank: MpiRank) {
  const mem = rank.mem;
  const WORLD = abi.MPI_COMM_WORLD;
  const fail = (fn: string, e: MpiError) => rank.errors.raise(WORLD, fn, e.errorClass, e.message);

  return {
    MPI_Op_create: (fnPtr: number, commute: number, opPtr: number) => {
      const fn = 'MPI_Op_create';
      rank.requireActive(fn);
      if (fnPtr === 0) return rank.errors.raise(WORLD, fn, abi.MPI_ERR_ARG, 'user_fn is NULL');
      const h = rank.ops.create(fnPtr >>> 0, commute !== 0);
      if (isMpiError(h)) return fail(fn, h);
      mem.setI32(opPtr >>> 0, h);
      return abi.MPI_SUCCESS;
    },
    MPI_Op_free: (opPtr: number) => {
      const fn = 'MPI_Op_free';
      rank.requireActive(fn);
      const e = rank.ops.free(mem.i32(opPtr >>> 0));
      if (e) return fail(fn, e);
      mem.setI32(opPtr >>> 0, abi.MPI_OP_NULL);
      return abi.MPI_SUCCESS;
    },
    MPI_Op_commutative: (op: number, commutePtr: number) => {
      const fn = 'MPI_Op_commutative';
      rank.requireActive(fn);
      const o = rank.ops.resolve(op);
      if (isMpiError(o)) return fail(fn, o);
      mem.setI32(commutePtr >>> 0, o.commutative ? 1 : 0);
      return abi.MPI_SUCCESS;
    },
    MPI_Reduce_local: (inbuf: number, inoutbuf: number, count: number, datatype: number, op: number) => {
      const fn = 'MPI_Reduce_local';
      rank.requireActive(fn);
      if (count < 0) return rank.errors.raise(WORLD, fn, abi.MPI_ERR_COUNT, `invalid count ${count}`);
      if (inbuf === abi.MPI_IN_PLACE || inoutbuf === abi.MPI_IN_PLACE) {
        return rank.errors.raise(WORLD, fn, abi.MPI_ERR_BUFFER, 'MPI_IN_PLACE is not allowed in MPI_Reduce_local');
      }
      const t = rank.datatypes.forCommunication(datatype);
      if (isMpiError(t)) return fail(fn, t);
      const o = rank.ops.resolve(op);
      if (isMpiError(o)) return fail(fn, o);
      const bad = o.check(t);
      if (bad) return fail(fn, bad);
      if (count === 0 || t.size === 0) return abi.MPI_SUCCESS;
      const all = mem.all();
      const e = o.applyLaidOut(all, inbuf >>> 0, all, inoutbuf >>> 0, count, t);
      if (e) return fail(fn, e);
      return abi.MPI_SUCCESS;
    },
  };
}

export const opsPart: MpiPart = {
  names: Object.keys(functions({} as MpiRank)),
  functions,
};
