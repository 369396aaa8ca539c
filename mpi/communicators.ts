// The communicators a rank knows: handle -> context id, the world ranks of its group, and this rank's place.
// Messages carry the context id, so traffic on different communicators never matches.
import * as abi from './abi.js';

export interface Communicator {
  handle: number;
  /** Even ids are point-to-point contexts; id + 1 is the same communicator's collective context. */
  context: number;
  /** worldRanks[r] is the world rank of communicator rank r. */
  worldRanks: number[];
  /** This rank's rank in the communicator. */
  rank: number;
  name: string;
}

export const WORLD_CONTEXT = 0;
export const SELF_CONTEXT = 2;

export class Communicators {
  private readonly table = new Map<number, Communicator>();

  constructor(worldRank: number, worldSize: number) {
    this.table.set(abi.MPI_COMM_WORLD, {
      handle: abi.MPI_COMM_WORLD, context: WORLD_CONTEXT, rank: worldRank, name: 'MPI_COMM_WORLD',
      worldRanks: Array.from({ length: worldSize }, (_, i) => i),
    });
    this.table.set(abi.MPI_COMM_SELF, {
      handle: abi.MPI_COMM_SELF, context: SELF_CONTEXT, rank: 0, name: 'MPI_COMM_SELF', worldRanks: [worldRank],
    });
  }

  /** The communicator behind a handle (handles come from wasm as signed i32). */
  get(handle: number): Communicator | undefined {
    return this.table.get(handle >>> 0) ?? this.table.get(handle | 0);
  }

  add(comm: Communicator): void {
    this.table.set(comm.handle, comm);
  }

  remove(handle: number): void {
    this.table.delete(handle);
  }
}
