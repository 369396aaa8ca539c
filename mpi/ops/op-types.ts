// The interface every reduction operation offers (mpi/ops/index.ts describes its use).
import type { Datatype, MpiError } from '../datatypes/index.js';

export interface ReductionOp {
  readonly handle: number;
  readonly commutative: boolean;
  /** 'MPI_SUM', ... or 'user op 0x98000000' (for messages). */
  readonly name: string;
  readonly predefined: boolean;
  apply(src: Uint8Array, srcOffset: number, inout: Uint8Array, inoutOffset: number, count: number, type: Datatype): MpiError | undefined;
  /** Like apply, but both buffers hold `count` items laid out by `type` from byte addresses srcAddr / inoutAddr. */
  applyLaidOut(src: Uint8Array, srcAddr: number, inout: Uint8Array, inoutAddr: number, count: number, type: Datatype): MpiError | undefined;
  /** MPI_ERR_OP if the op does not apply to the type (user ops apply to everything). */
  check(type: Datatype): MpiError | undefined;
}

/** How the runtime runs a user reduction function inside the guest (function-table index, guest pointers). */
export type GuestOpCaller = (fnIndex: number, inPtr: number, inoutPtr: number, count: number, typeHandle: number) => void;
