// Where the threads of a team spread over hosts run: thread numbers in contiguous blocks, the forking (main)
// host first, then the job's other hosts in the order given, each up to its share. Contiguous blocks keep a
// static schedule's neighbouring iterations on one host and let a host combine its threads' work in thread
// order.
import { OmpError } from '../errors.js';

export interface HostShare {
  host: string;
  /** Threads this host can run for the team (the main host's count includes the forking thread). */
  slots: number;
}

export interface HostBlock {
  host: string;
  /** First thread number on this host, and how many. */
  first: number;
  count: number;
}

/** Places an n-thread team: the main host (shares[0]) fills first; threads no host can take are not placed. */
export function placeTeam(n: number, shares: HostShare[]): HostBlock[] {
  if (!Number.isInteger(n) || n < 1) throw new OmpError(`a team of ${n} threads cannot be placed`);
  if (shares.length === 0 || shares[0].slots < 1) throw new OmpError('the forking host has no slot for its own thread');
  const blocks: HostBlock[] = [];
  let next = 0;
  for (const s of shares) {
    if (next >= n) break;
    const count = Math.min(Math.max(0, Math.floor(s.slots)), n - next);
    if (count === 0) continue;
    blocks.push({ host: s.host, first: next, count });
    next += count;
  }
  return blocks;
}

/** Which block runs thread `tnum`. */
export function blockOf(blocks: readonly HostBlock[], tnum: number): HostBlock | undefined {
  return blocks.find((b) => tnum >= b.first && tnum < b.first + b.count);
}

/** The -v line for a team's first fork: threads per host. */
export function describeLayout(rank: number, level: number, blocks: readonly HostBlock[]): string {
  const n = blocks.reduce((s, b) => s + b.count, 0);
  const parts = blocks.map((b) => `host ${b.host}: ${b.count} (thread${b.count > 1 ? `s ${b.first}-${b.first + b.count - 1}` : ` ${b.first}`})`);
  return `rank ${rank}: OpenMP team of ${n} threads at level ${level} spread over ${blocks.length} host${blocks.length > 1 ? 's' : ''}: ${parts.join(', ')}`;
}

/** --omp-spread's shares: the team split evenly over the hosts (the main host first takes any remainder). */
export function evenShares(n: number, hosts: readonly string[]): HostShare[] {
  const base = Math.floor(n / hosts.length), extra = n % hosts.length;
  return hosts.map((host, i) => ({ host, slots: base + (i < extra ? 1 : 0) }));
}
