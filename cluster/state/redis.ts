// Cluster state in Redis, through ioredis: what several machines share. Connection failures and a stalled server
// surface as errors naming the Redis address rather than hanging (bounded retries, offline queue off, a time
// limit on every command).
import { Redis } from 'ioredis';
import type { Kv } from './kv.js';
import { StateError } from './types.js';

// Atomic "add unless over the cap" (slot reservation by concurrent planners).
const ADD_WITHIN = `
local v = tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(ARGV[1])
if v > tonumber(ARGV[2]) then return -1 end
if v < 0 then v = 0 end
redis.call('SET', KEYS[1], v)
return v`;

export class RedisKv implements Kv {
  private readonly redis: Redis;
  /** A command a live Redis answers in well under a millisecond; this long means it is stalled. */
  static readonly COMMAND_TIMEOUT_MS = 3000;

  private constructor(readonly url: string) {
    this.redis = new Redis(url, {
      lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 2, connectTimeout: 3000,
      commandTimeout: RedisKv.COMMAND_TIMEOUT_MS,
    });
    this.redis.on('error', () => { /* reported by the command that fails */ });
  }

  static async connect(url: string): Promise<RedisKv> {
    const kv = new RedisKv(url);
    try {
      await kv.redis.connect();
      await kv.redis.ping();
    } catch (e) {
      kv.redis.disconnect();
      throw new StateError(`cannot reach Redis at ${url}: ${(e as Error).message}`);
    }
    return kv;
  }

  private async run<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw new StateError(`Redis at ${this.url}: ${what} failed: ${(e as Error).message}`);
    }
  }

  async get(key: string) { return (await this.run('GET', () => this.redis.get(key))) ?? undefined; }
  async mget(keys: string[]) {
    if (keys.length === 0) return [];
    return (await this.run('MGET', () => this.redis.mget(keys))).map((v) => v ?? undefined);
  }
  async set(key: string, value: string, ttlMs?: number) {
    await this.run('SET', () => (ttlMs === undefined ? this.redis.set(key, value) : this.redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)))));
  }
  async expire(key: string, ttlMs: number) {
    return (await this.run('PEXPIRE', () => this.redis.pexpire(key, Math.max(1, Math.round(ttlMs))))) === 1;
  }
  async del(...keys: string[]) { if (keys.length > 0) await this.run('DEL', () => this.redis.del(...keys)); }
  async sadd(key: string, member: string) { await this.run('SADD', () => this.redis.sadd(key, member)); }
  async srem(key: string, member: string) { await this.run('SREM', () => this.redis.srem(key, member)); }
  async smembers(key: string) { return this.run('SMEMBERS', () => this.redis.smembers(key)); }
  async addWithin(key: string, n: number, cap: number) {
    return Number(await this.run('slot reservation', () => this.redis.eval(ADD_WITHIN, 1, key, n, cap)));
  }
  async close() { await this.redis.quit().catch(() => this.redis.disconnect()); }
}
