// Which algorithm a collective call runs, apart from the algorithms themselves (like Open MPI's coll/tuned decision
// functions). Every rank of a call must choose the same one, so the choices depend only on what MPI requires the
// ranks to agree on: the communicator (its size, its hosts) and the bytes a call moves (count x type size, equal
// by matching type signatures). Never on this rank's own layout: the buffers' addresses or whether its datatype is
// contiguous (a contiguous type at the root, a strided one with the same signature elsewhere).
import { SLOT_BYTES } from '../mpi/transport/coll-area.js';

/** The blocking collectives that run on the shared-memory area (collectives/shared.ts) on one host. */
export type SharedKind = 'barrier' | 'bcast' | 'reduce' | 'allreduce' | 'gather' | 'allgather' | 'scatter' | 'alltoall';

/** Above this many ranks a flat all-read-all pattern costs more than the message trees. */
const SHARED_MAX_RANKS = 64;

/**
 * Does a blocking call of `kind` on an n-rank one-host communicator run on the shared area? `bytes` is the bytes
 * of one rank's block (the whole buffer for Bcast and the reductions). Its data slot must hold what one rank writes:
 * n blocks for Scatter's root and Alltoall, one block otherwise.
 */
export function useShared(kind: SharedKind, n: number, bytes: number, contiguousType: boolean, hostCores: number): boolean {
  if (n < 2 || n > SHARED_MAX_RANKS) return false;
  // More ranks than cores: a rooted call's readers (Bcast) or root (Reduce) wake once per peer instead of along a
  // tree, measured 1.4-8x slower than the messages at 4 and 8 ranks on 2 cores (the host's share is the same
  // number for every rank of a one-host communicator: agreed).
  if ((kind === 'bcast' || kind === 'reduce') && n > hostCores) return false;
  const written = kind === 'scatter' || kind === 'alltoall' ? n * bytes : kind === 'barrier' ? 0 : bytes;
  return written <= SLOT_BYTES || sharedInPlaceReads(kind, n, bytes, contiguousType);
}

/**
 * Reduce/Allreduce too large for the slots, of a contiguous datatype (the same at every rank: MPI requires one
 * datatype for a reduction, so its contiguity is agreed): members publish their buffers' addresses and each
 * reduces one segment of everyone's input in place (collectives/shared.ts).
 */
export function sharedInPlaceReads(kind: SharedKind, n: number, bytes: number, contiguousType: boolean): boolean {
  return (kind === 'reduce' || kind === 'allreduce') && n >= 2 && n <= SHARED_MAX_RANKS && bytes > SLOT_BYTES && contiguousType;
}

/** Allreduce over messages: up to this many bytes every rank gathers every contribution and reduces them all... */
const ALLREDUCE_GATHER_MAX = 16 * 1024;
/** ... if the communicator is at most this large. */
const ALLREDUCE_GATHER_RANKS = 8;
/** From this many bytes, one-host reductions of contiguous data read the peers' buffers directly. */
const DIRECT_MIN = 32 * 1024;

/** Allreduce over messages: gather-and-reduce everywhere (else reduce-scatter + allgather). */
export function allreduceByGather(n: number, bytes: number): boolean {
  return bytes <= ALLREDUCE_GATHER_MAX && n <= ALLREDUCE_GATHER_RANKS;
}

/**
 * Reduce/Allreduce reading the peers' buffers in place: one host, large, and a datatype that is contiguous (the
 * reduction's datatype is the same at every rank - MPI requires it - so its contiguity is agreed).
 */
export function reduceInPlaceReads(n: number, bytes: number, singleHost: boolean, contiguousType: boolean): boolean {
  return n > 1 && bytes >= DIRECT_MIN && singleHost && contiguousType;
}
