// The communicators a rank knows: handle -> context id, the world ranks of its group, and this rank's place.
// Messages carry the context id, so traffic on different communicators never matches.
//
// Context ids are even (id + 1 is the communicator's collective context): MPI_COMM_WORLD 0, MPI_COMM_SELF 2.
// Every rank keeps `nextContext`, above every context it has taken part in; a new communicator takes the
// largest nextContext of the ranks that build it (agreed by message, mpi/comm-functions.ts), and they all move
// past it. So two communicators that share a pair of ranks never share a context.
import * as abi from './abi.js';

/** A Cartesian or distributed-graph topology attached to a communicator (MPI_Cart_create, ...). */
export type Topology =
  | { kind: 'cart'; dims: number[]; periods: boolean[] }
  /** MPI_Graph_create's graph: node r's neighbours are edges[index[r - 1] .. index[r]) (index[-1] = 0). */
  | { kind: 'graph'; index: number[]; edges: number[] }
  | {
    kind: 'dist-graph';
    /** In-neighbours (communicator ranks) and out-neighbours, in the order given to MPI. */
    sources: number[];
    destinations: number[];
    /** Present for weighted graphs only. */
    sourceWeights?: number[];
    destWeights?: number[];
  };

export interface Communicator {
  handle: number;
  /** Even ids are point-to-point contexts; id + 1 is the same communicator's collective context. */
  context: number;
  /** worldRanks[r] is the world rank of communicator rank r. */
  worldRanks: number[];
  /** This rank's rank in the communicator. */
  rank: number;
  name: string;
  topology?: Topology;
  /** User attributes: keyval handle -> value (a guest pointer-sized integer), in the order they were set. */
  attrs?: Map<number, number>;
  /**
   * Intercommunicators only: the world ranks of the remote group. worldRanks and rank are then the local
   * group's; point-to-point ranks (dest, source, status.MPI_SOURCE) name remote ranks. Both groups use the same
   * context id, and no rank is in both.
   */
  remote?: number[];
  /** Hints set by MPI_Comm_set_info / MPI_Comm_dup_with_info (key -> value, in the order set). */
  info?: Map<string, string>;
}

/** The ranks a communicator's point-to-point calls address: the remote group of an intercommunicator. */
export function peersOf(c: Communicator): number[] {
  return c.remote ?? c.worldRanks;
}

/**
 * Both groups of an intercommunicator as one list, the same on every member: the group holding the lower world
 * rank first. `localFirst` tells which group that is for this rank.
 */
export function bothGroups(c: Communicator): { members: number[]; localFirst: boolean } {
  const remote = c.remote!;
  const localFirst = Math.min(...c.worldRanks) < Math.min(...remote);
  return { members: localFirst ? [...c.worldRanks, ...remote] : [...remote, ...c.worldRanks], localFirst };
}

export const WORLD_CONTEXT = 0;
export const SELF_CONTEXT = 2;
const MAX_DERIVED_SLOT = 0x00ffffff;

export class Communicators {
  private readonly table = new Map<number, Communicator>();
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  /** The smallest context id this rank may take for a new communicator. */
  nextContext = SELF_CONTEXT + 2;

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
    const h = handle >>> 0;
    if (!this.table.delete(h)) return;
    if (((h & 0xff000000) >>> 0) === abi.DERIVED_COMM_TAG) this.freeSlots.push(h & MAX_DERIVED_SLOT);
  }

  /** Registers a new derived communicator (handle 0x84000000 | slot); undefined if the table is full. */
  create(fields: Omit<Communicator, 'handle'>): Communicator | undefined {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.nextSlot > MAX_DERIVED_SLOT) return undefined;
      slot = this.nextSlot++;
    }
    const comm: Communicator = { handle: (abi.DERIVED_COMM_TAG | slot) >>> 0, ...fields };
    this.table.set(comm.handle, comm);
    return comm;
  }

  /** Predefined communicators cannot be freed. */
  static isPredefined(handle: number): boolean {
    const h = handle >>> 0;
    return h === abi.MPI_COMM_WORLD || h === abi.MPI_COMM_SELF;
  }

  /** Derived communicators currently registered (for leak checks). */
  get liveDerivedCount(): number {
    return this.table.size - 2;
  }
}
