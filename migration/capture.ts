// What a migration captures of one rank, as one typed object owned by the migration (migration/): everything the
// rank's next Faaslet needs to continue exactly where this one stopped. Plain data: it crosses threads (and, in
// its byte form, hosts).
import type { GlobalValue } from '../snapshots/snapshot.js';
import type { MemoryDiff } from '../snapshots/diff.js';
import type { MpiState } from './mpi-state.js';
import type { PointState } from './migration-point.js';

export const CAPTURE_VERSION = 1;

export interface RankCapture {
  version: typeof CAPTURE_VERSION;
  /** sha256 of the module: the capture resumes only in the same module. */
  moduleId: string;
  worldRank: number;
  /** Linear memory as the chunks that differ from the base the destination already has. */
  memory: MemoryDiff;
  /** Mutable globals, __stack_pointer among them (Asyncify's own state globals are per instance, not here). */
  globals: GlobalValue[];
  /** Guest address of the Asyncify data (saved call stack), inside `memory`. */
  asyncifyData: number;
  /** What the interrupted MPI_Barrier returns when the next Faaslet re-enters it. */
  barrierResult: number;
  /** The rank's count of all-rank barriers and whether its job has moved. */
  point: PointState;
  /** Communicators, groups, datatypes, ops, keyvals, error handlers, unreceived messages, ... */
  mpi: MpiState;
  /** Milliseconds the capture took in the old Faaslet (unwind + diff + MPI state), for the pause figures. */
  captureMs: number;
  /** When the stack began to unwind (ms since the epoch: comparable across threads) - the pause starts here. */
  unwoundAtMs: number;
}
