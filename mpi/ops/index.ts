// Reduction operations (MPI_Op): the predefined ones on every type they apply to, and user functions made by
// MPI_Op_create, which run inside the guest. Collectives and MPI_Reduce_local apply them through this API.
//
// apply() computes inout[i] = in[i] (op) inout[i] for `count` items of `type`, both buffers laid out as packed
// (contiguous) items of the type's size. The in-before-inout order matters for non-commutative user ops.
//
// Packed data is what MPI_Pack makes: the type's basic elements back to back (a pair type such as
// MPI_DOUBLE_INT packs to 12 bytes: value then index). A predefined op applies to a derived type whose basic
// elements are all of one predefined type (Datatype.basic); MPI_REPLACE and MPI_NO_OP apply to every type.
//
// Usage (per rank: rank.ops is an OpRegistry):
//   const op = rank.ops.resolve(handle);             // ReductionOp | MpiError (MPI_ERR_OP naming the handle)
//   const bad = op.check(type);                      // MPI_ERR_OP if op does not apply to type (before sending)
//   op.apply(inBytes, 0, accBytes, 0, count, type);  // packed data, any Uint8Array views (any alignment)
//   op.applyLaidOut(mem, inAddr, mem, inoutAddr, count, type) // data laid out by the type (user buffers)
// A user op's apply runs the guest function (copying data through a guest scratch buffer when it is not
// already in guest memory with the packed layout); ReductionOp objects stay usable after MPI_Op_free.
export type { GuestOpCaller, ReductionOp } from './op-types.js';
export { OpRegistry, PredefinedOp, UserOp, predefinedOp, describeType, USER_OP_TAG, type GuestAccess } from './registry.js';
export {
  opApplies, predefinedOpName, applyPredefinedPacked, applyLoc, packedPairLayout, naturalPairLayout,
  PREDEFINED_OP_NAMES, type PredefinedOpName, type PairLayout,
} from './predefined.js';
export { quadAdd, quadMul, quadSub, quadFromNumber, quadCompareWords } from './quad.js';
