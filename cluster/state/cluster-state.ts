// ClusterState over any Kv: the host registry (a set of ids plus one expiring key per host), slot counters, and
// each user's jobs and FGroup host tables under that user's own prefix.
import { EmbeddedKv } from './embedded.js';
import { Keys, type UserKeys } from './keys.js';
import type { Kv } from './kv.js';
import { RedisKv } from './redis.js';
import { checkName, StateError, type ClusterState, type HostRecord, type JobRecord, type QueueEntry, type TenantState } from './types.js';

class KvClusterState implements ClusterState {
  private readonly keys: Keys;

  constructor(private readonly kv: Kv, cluster: string) {
    this.keys = new Keys(cluster);
  }

  async registerHost(host: HostRecord, ttlMs: number): Promise<void> {
    checkName('host id', host.id);
    await this.kv.set(this.keys.host(host.id), JSON.stringify(host), ttlMs);
    await this.kv.sadd(this.keys.hostIndex(), host.id);
  }

  heartbeat(hostId: string, ttlMs: number): Promise<boolean> {
    return this.kv.expire(this.keys.host(checkName('host id', hostId)), ttlMs);
  }

  async liveHosts(): Promise<HostRecord[]> {
    const ids = await this.kv.smembers(this.keys.hostIndex());
    const values = await this.kv.mget(ids.map((id) => this.keys.host(id)));
    const live: HostRecord[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (values[i] === undefined) await this.removeHost(ids[i]); // expired: its slots go back
      else live.push(JSON.parse(values[i]!) as HostRecord);
    }
    return live.sort((a, b) => a.id.localeCompare(b.id));
  }

  async removeHost(hostId: string): Promise<void> {
    await this.kv.del(this.keys.host(hostId), this.keys.slots(hostId));
    await this.kv.srem(this.keys.hostIndex(), hostId);
  }

  async reserveSlots(hostId: string, n: number, capacity: number): Promise<boolean> {
    if (!Number.isInteger(n) || n < 1) throw new StateError(`cannot reserve ${n} slots`);
    return (await this.kv.addWithin(this.keys.slots(checkName('host id', hostId)), n, capacity)) >= 0;
  }

  async releaseSlots(hostId: string, n: number): Promise<void> {
    await this.kv.addWithin(this.keys.slots(checkName('host id', hostId)), -n, Number.MAX_SAFE_INTEGER);
  }

  async usedSlots(hostId: string): Promise<number> {
    return Number((await this.kv.get(this.keys.slots(checkName('host id', hostId)))) ?? 0);
  }

  forUser(user: string): TenantState {
    return new KvTenantState(this.kv, this.keys.user(user), user);
  }

  async enqueue(job: Omit<QueueEntry, 'seq' | 'since'>, ttlMs: number): Promise<QueueEntry> {
    checkName('job id', job.id);
    checkName('user', job.user);
    // The counter only grows (atomically, across launchers): it orders the queue.
    const entry: QueueEntry = { ...job, since: Date.now(), seq: await this.kv.addWithin(this.keys.queueSeq(), 1, Number.MAX_SAFE_INTEGER) };
    await this.kv.set(this.keys.queued(job.id), JSON.stringify(entry), ttlMs);
    await this.kv.sadd(this.keys.queueIndex(), job.id);
    return entry;
  }

  renewQueued(id: string, ttlMs: number): Promise<boolean> {
    return this.kv.expire(this.keys.queued(checkName('job id', id)), ttlMs);
  }

  async dequeue(id: string): Promise<void> {
    await this.kv.del(this.keys.queued(checkName('job id', id)));
    await this.kv.srem(this.keys.queueIndex(), id);
  }

  async queue(): Promise<QueueEntry[]> {
    const ids = await this.kv.smembers(this.keys.queueIndex());
    const values = await this.kv.mget(ids.map((id) => this.keys.queued(id)));
    const live: QueueEntry[] = [];
    for (let i = 0; i < ids.length; i++) {
      if (values[i] === undefined) await this.kv.srem(this.keys.queueIndex(), ids[i]); // its launcher is gone
      else live.push(JSON.parse(values[i]!) as QueueEntry);
    }
    return live.sort((a, b) => a.seq - b.seq);
  }

  close(): Promise<void> {
    return this.kv.close();
  }
}

class KvTenantState implements TenantState {
  constructor(private readonly kv: Kv, private readonly keys: UserKeys, readonly user: string) {}

  async putJob(job: Omit<JobRecord, 'user'>): Promise<JobRecord> {
    const record: JobRecord = { ...job, user: this.user };
    await this.kv.set(this.keys.job(checkName('job id', job.id)), JSON.stringify(record));
    await this.kv.sadd(this.keys.jobIndex(), job.id);
    return record;
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const v = await this.kv.get(this.keys.job(checkName('job id', id)));
    return v === undefined ? undefined : (JSON.parse(v) as JobRecord);
  }

  async updateJob(id: string, change: Partial<Pick<JobRecord, 'state' | 'hosts' | 'exitCode' | 'message'>>): Promise<JobRecord | undefined> {
    // Only the job's own host changes its record, so read-modify-write needs no transaction.
    const job = await this.getJob(id);
    if (!job) return undefined;
    const next = { ...job, ...change };
    await this.kv.set(this.keys.job(id), JSON.stringify(next));
    return next;
  }

  async jobs(): Promise<JobRecord[]> {
    const ids = await this.kv.smembers(this.keys.jobIndex());
    const values = await this.kv.mget(ids.map((id) => this.keys.job(id)));
    return values.filter((v): v is string => v !== undefined).map((v) => JSON.parse(v) as JobRecord).sort((a, b) => a.createdAt - b.createdAt);
  }

  async setHostTable(groupId: string, hosts: string[]): Promise<void> {
    await this.kv.set(this.keys.hostTable(checkName('group id', groupId)), JSON.stringify(hosts));
  }

  async hostTable(groupId: string): Promise<string[] | undefined> {
    const v = await this.kv.get(this.keys.hostTable(checkName('group id', groupId)));
    return v === undefined ? undefined : (JSON.parse(v) as string[]);
  }
}

/** The in-process state (one machine, no Redis). */
export function embeddedState(cluster = 'local'): ClusterState {
  return new KvClusterState(new EmbeddedKv(), cluster);
}

/** State shared through Redis (redis://host:port). */
export async function redisState(url: string, cluster: string): Promise<ClusterState> {
  return new KvClusterState(await RedisKv.connect(url), cluster);
}
