// The shared state of a cluster: host registry with heartbeats, slot accounting, and per-user job records and
// FGroup host tables. One interface, two implementations: embedded (in-process, the single-machine default)
// and Redis (several machines). A user's state is reached only through forUser(user), so one tenant's code
// cannot name another tenant's keys.

export interface HostRecord {
  id: string;
  /** Where other hosts and launchers reach it (host:port). */
  address: string;
  /** Faaslets it runs at once. */
  slots: number;
  startedAt: number;
}

export type JobState = 'queued' | 'running' | 'finished' | 'failed';

export interface JobRecord {
  id: string;
  user: string;
  state: JobState;
  np: number;
  /** Host of each rank (the FGroup's host table), once placed. */
  hosts: string[];
  createdAt: number;
  exitCode?: number;
  message?: string;
}

/** A job waiting for slots in the cluster's queue (first come, first placed). */
export interface QueueEntry {
  id: string;
  user: string;
  np: number;
  /** When it joined the queue (ms since epoch). */
  since: number;
  /** Its place in line: smaller goes first. */
  seq: number;
}

export interface ClusterState {
  /** Adds or refreshes a host; it stays live for ttlMs unless heartbeats renew it. */
  registerHost(host: HostRecord, ttlMs: number): Promise<void>;
  /** Renews a live host; false when it is unknown or already expired (it must register again). */
  heartbeat(hostId: string, ttlMs: number): Promise<boolean>;
  liveHosts(): Promise<HostRecord[]>;
  /** Forgets a host and releases all its slots. */
  removeHost(hostId: string): Promise<void>;
  /** Takes n slots of a host if that keeps it within capacity; atomic across planners. */
  reserveSlots(hostId: string, n: number, capacity: number): Promise<boolean>;
  releaseSlots(hostId: string, n: number): Promise<void>;
  usedSlots(hostId: string): Promise<number>;
  forUser(user: string): TenantState;
  /** Puts a job at the end of the queue; it stays while renewed within ttlMs (a launcher that dies leaves it). */
  enqueue(job: Omit<QueueEntry, 'seq' | 'since'>, ttlMs: number): Promise<QueueEntry>;
  /** Keeps a queued job in the queue; false when it is no longer there (it expired). */
  renewQueued(id: string, ttlMs: number): Promise<boolean>;
  dequeue(id: string): Promise<void>;
  /** The waiting jobs, first in line first. */
  queue(): Promise<QueueEntry[]>;
  close(): Promise<void>;
}

export interface TenantState {
  readonly user: string;
  putJob(job: Omit<JobRecord, 'user'>): Promise<JobRecord>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /** Applies a change to a job; undefined if this user has no such job. */
  updateJob(id: string, change: Partial<Pick<JobRecord, 'state' | 'hosts' | 'exitCode' | 'message'>>): Promise<JobRecord | undefined>;
  jobs(): Promise<JobRecord[]>;
  setHostTable(groupId: string, hosts: string[]): Promise<void>;
  hostTable(groupId: string): Promise<string[] | undefined>;
}

export class StateError extends Error {}

/** Cluster and user names become key segments: keep them to a safe alphabet. */
export function checkName(what: string, name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new StateError(`${what} "${name}": use 1-64 letters, digits, '_', '.' or '-'`);
  return name;
}
