// An FGroup is the set of Faaslets of one application (the ranks of an MPI job). Each member has a virtual
// address (group id, index); the host table says which host runs each index, so nothing above the transport
// needs to know where a peer lives.

export interface FGroup {
  id: string;
  size: number;
  /** hostTable[index] is the id of the host that runs that member. */
  hostTable: string[];
}

export function newGroupId(): string {
  return `g-${process.pid.toString(36)}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** All members on one host: the single-machine default. */
export function singleHostGroup(size: number, hostId: string): FGroup {
  return { id: newGroupId(), size, hostTable: Array.from({ length: size }, () => hostId) };
}
