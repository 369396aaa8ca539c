// The planner: places a job's ranks on live hosts and reserves their slots in the shared state. Policies: pack
// (as few hosts as possible) or spread (evenly over as many hosts as allowed); a job may ask for an exact number
// of hosts. Ranks on one host get consecutive indices, so host-local collective steps stay local. A job that
// cannot be placed is rejected with what it needs and what the cluster has.
import type { ClusterState, HostRecord } from './state/types.js';

export type PlacementPolicy = 'pack' | 'spread';

export interface PlacementRequest {
  np: number;
  policy: PlacementPolicy;
  /** Exactly this many hosts (default: as the policy decides). */
  hosts?: number;
}

export interface HostCapacity {
  id: string;
  free: number;
}

export class PlacementError extends Error {}

/** Pure placement: the host of each rank, or a PlacementError saying why not. */
export function place(req: PlacementRequest, capacity: HostCapacity[]): string[] {
  if (!Number.isInteger(req.np) || req.np < 1) throw new PlacementError(`-np must be a positive integer (got ${req.np})`);
  const usable = capacity.filter((h) => h.free > 0).sort((a, b) => b.free - a.free || a.id.localeCompare(b.id));
  const total = usable.reduce((s, h) => s + h.free, 0);
  const describe = () => capacity.length === 0 ? 'no live hosts' : `${total} free slots on ${capacity.length} live host(s): ${capacity.map((h) => `${h.id} ${h.free}`).join(', ')}`;
  if (req.hosts !== undefined) {
    if (!Number.isInteger(req.hosts) || req.hosts < 1) throw new PlacementError(`the number of hosts must be a positive integer (got ${req.hosts})`);
    if (req.hosts > req.np) throw new PlacementError(`${req.np} ranks cannot use ${req.hosts} hosts (each host needs a rank)`);
    if (usable.length < req.hosts) throw new PlacementError(`the job asks for ${req.hosts} hosts; the cluster has ${describe()}`);
  }
  if (total < req.np) throw new PlacementError(`the job needs ${req.np} slots; the cluster has ${describe()}`);
  let chosen: HostCapacity[];
  if (req.hosts !== undefined) chosen = usable.slice(0, req.hosts);
  else if (req.policy === 'pack') {
    chosen = [];
    for (let need = req.np, i = 0; need > 0; i++) { chosen.push(usable[i]); need -= usable[i].free; }
  } else chosen = usable.slice(0, Math.min(usable.length, req.np));
  const room = chosen.reduce((s, h) => s + h.free, 0);
  if (room < req.np) throw new PlacementError(`the job needs ${req.np} slots on ${chosen.length} host(s); those have ${room} free (${describe()})`);
  const counts = req.policy === 'pack' && req.hosts === undefined ? fill(req.np, chosen) : even(req.np, chosen);
  // Consecutive ranks per host, hosts in id order (stable host tables for the same placement).
  const order = chosen.map((h, i) => ({ id: h.id, n: counts[i] })).sort((a, b) => a.id.localeCompare(b.id));
  return order.flatMap(({ id, n }) => Array<string>(n).fill(id));
}

/** Fill each host in turn. */
function fill(np: number, hosts: HostCapacity[]): number[] {
  let left = np;
  return hosts.map((h) => { const n = Math.min(h.free, left); left -= n; return n; });
}

/** As even as the free slots allow: water-filling. */
function even(np: number, hosts: HostCapacity[]): number[] {
  const counts = hosts.map(() => 0);
  let left = np;
  while (left > 0) {
    let progressed = false;
    for (let i = 0; i < hosts.length && left > 0; i++) {
      if (counts[i] < hosts[i].free) { counts[i]++; left--; progressed = true; }
    }
    if (!progressed) break;
  }
  return counts;
}

export class Planner {
  constructor(private readonly state: ClusterState) {}

  async capacity(): Promise<{ hosts: HostRecord[]; free: HostCapacity[] }> {
    const hosts = await this.state.liveHosts();
    const free = await Promise.all(hosts.map(async (h) => ({ id: h.id, free: Math.max(0, h.slots - (await this.state.usedSlots(h.id))) })));
    return { hosts, free };
  }

  /**
   * Places the job and reserves its slots: the host of each rank. Another planner may reserve the same slots
   * at the same moment; then what was taken is given back and the placement is made again.
   */
  async placeJob(req: PlacementRequest): Promise<string[]> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const { hosts, free } = await this.capacity();
      const table = place(req, free);
      const perHost = counts(table);
      const taken: [string, number][] = [];
      let ok = true;
      for (const [id, n] of perHost) {
        const cap = hosts.find((h) => h.id === id)!.slots;
        if (await this.state.reserveSlots(id, n, cap)) taken.push([id, n]);
        else { ok = false; break; }
      }
      if (ok) return table;
      for (const [id, n] of taken) await this.state.releaseSlots(id, n);
    }
    throw new PlacementError('could not reserve slots: other jobs keep taking them (try again)');
  }

  /** Gives a finished job's slots back. */
  async release(table: string[]): Promise<void> {
    for (const [id, n] of counts(table)) await this.state.releaseSlots(id, n);
  }
}

function counts(table: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const id of table) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}

/**
 * Consolidation of a running job: the host table that puts its ranks on as few hosts as possible without
 * oversubscribing any (a host may hold its own ranks of the job plus its free slots), moving as few ranks as
 * possible. `free` counts the slots not taken, this job's own excluded. Returns the table unchanged when
 * nothing fewer fits.
 */
export function packPlan(table: readonly string[], free: ReadonlyMap<string, number>): string[] {
  const hosts = [...new Set(table)];
  const own = counts([...table]);
  const room = (h: string) => (own.get(h) ?? 0) + Math.max(0, free.get(h) ?? 0);
  // Fewest hosts first; among as many, keep the hosts that already hold the most of the job's ranks (fewest
  // moves). Ties keep the later host, so that the host of rank 0 (placed first) is not special.
  const order = [...hosts].sort((a, b) => room(b) - room(a) || (own.get(b) ?? 0) - (own.get(a) ?? 0) || b.localeCompare(a));
  let keep: string[] = [];
  for (let n = 1; n <= order.length; n++) {
    const byOwn = [...hosts].sort((a, b) => (own.get(b) ?? 0) - (own.get(a) ?? 0) || room(b) - room(a) || b.localeCompare(a));
    // Candidate sets of size n: the n hosts with most own ranks, or the n roomiest; take one that fits.
    const fits = (set: string[]) => set.reduce((s, h) => s + room(h), 0) >= table.length;
    const sets = [byOwn.slice(0, n), order.slice(0, n)];
    const ok = sets.filter(fits).sort((a, b) => movesInto(b, own) - movesInto(a, own));
    if (ok.length > 0) { keep = ok[0]; break; }
  }
  if (keep.length >= hosts.length) return [...table];
  const left = new Map(keep.map((h) => [h, room(h) - (own.get(h) ?? 0)]));
  return table.map((h) => {
    if (left.has(h)) return h;
    const to = keep.find((k) => left.get(k)! > 0)!;
    left.set(to, left.get(to)! - 1);
    return to;
  });
}

/** Ranks already on the hosts of `set` (they need not move). */
function movesInto(set: string[], own: Map<string, number>): number {
  return set.reduce((s, h) => s + (own.get(h) ?? 0), 0);
}
