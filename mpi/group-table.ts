// The groups of one rank (part of MpiRank's state): ordered sets of processes, kept as the world ranks of their
// members. MPI_GROUP_EMPTY is predefined, the others are 0x88000000 | slot. No imports of the rank: the host
// functions (groups.ts) use it through MpiRank.
import * as abi from './abi.js';

export interface Group {
  handle: number;
  /** worldRanks[r] is the world rank of group rank r. */
  worldRanks: number[];
}

const MAX_SLOT = 0x00ffffff;
const EMPTY: Group = { handle: abi.MPI_GROUP_EMPTY, worldRanks: [] };

export class Groups {
  private readonly slots: (Group | undefined)[] = [];
  private readonly freeSlots: number[] = [];

  get(handle: number): Group | undefined {
    const h = handle >>> 0;
    if (h === abi.MPI_GROUP_EMPTY) return EMPTY;
    if (((h & 0xff000000) >>> 0) !== abi.DERIVED_GROUP_TAG) return undefined;
    return this.slots[h & MAX_SLOT];
  }

  /** A new group handle; an empty member list gives MPI_GROUP_EMPTY. Undefined if the table is full. */
  create(worldRanks: number[]): Group | undefined {
    if (worldRanks.length === 0) return EMPTY;
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.slots.length > MAX_SLOT) return undefined;
      slot = this.slots.length;
      this.slots.push(undefined);
    }
    const g: Group = { handle: (abi.DERIVED_GROUP_TAG | slot) >>> 0, worldRanks };
    this.slots[slot] = g;
    return g;
  }

  free(handle: number): void {
    const h = handle >>> 0;
    if (((h & 0xff000000) >>> 0) !== abi.DERIVED_GROUP_TAG) return;
    const slot = h & MAX_SLOT;
    if (this.slots[slot]) {
      this.slots[slot] = undefined;
      this.freeSlots.push(slot);
    }
  }

  get liveCount(): number {
    return this.slots.length - this.freeSlots.length;
  }
}

/** MPI_IDENT (same members, same order), MPI_SIMILAR (same members), or MPI_UNEQUAL. */
export function compareMembers(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return abi.MPI_UNEQUAL;
  if (a.every((w, i) => w === b[i])) return abi.MPI_IDENT;
  const inB = new Set(b);
  return a.every((w) => inB.has(w)) ? abi.MPI_SIMILAR : abi.MPI_UNEQUAL;
}
