// An FGroup is the set of Faaslets of one application (the ranks of an MPI job). Each member has a virtual
// address (group id, index); the host table says which host runs each index, so nothing above the transport
// needs to know where a peer lives.
import { randomBytes } from 'node:crypto';

export interface FGroup {
  id: string;
  size: number;
  /** hostTable[index] is the id of the host that runs that member. */
  hostTable: string[];
}

/**
 * A fresh job id. Hosts key a job's state by it and refuse a second job with the same id, so it must not be
 * guessable: another tenant who could predict it could claim it first and block the job.
 */
export function newGroupId(): string {
  return `g-${randomBytes(12).toString('hex')}`;
}

/** All members on one host: the single-machine default. */
export function singleHostGroup(size: number, hostId: string): FGroup {
  return { id: newGroupId(), size, hostTable: Array.from({ length: size }, () => hostId) };
}
