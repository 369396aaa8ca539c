// Reduction operations (MPI_Op): the predefined ones on every type they apply to, and user functions made by
// MPI_Op_create, which run inside the guest. Collectives and MPI_Reduce_local apply them through this API.
//
// apply() computes inout[i] = in[i] (op) inout[i] for `count` items of `type`, both buffers laid out as packed
// (contiguous) items of the type's size. The in-before-inout order matters for non-commutative user ops.
import type { Datatype, MpiError } from '../datatypes/index.js';

export interface ReductionOp {
  readonly handle: number;
  readonly commutative: boolean;
  apply(src: Uint8Array, srcOffset: number, inout: Uint8Array, inoutOffset: number, count: number, type: Datatype): MpiError | undefined;
}

/** How the runtime runs a user reduction function inside the guest (function-table index, guest pointers). */
export type GuestOpCaller = (fnIndex: number, inPtr: number, inoutPtr: number, count: number, typeHandle: number) => void;
