// The few storage operations cluster state needs. Redis provides them over the network; the embedded store
// provides them in process. Each must be atomic on its own (addWithin above all: two planners reserving slots).
export interface Kv {
  get(key: string): Promise<string | undefined>;
  mget(keys: string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Renews a key's time to live; false if the key does not exist (or expired). */
  expire(key: string, ttlMs: number): Promise<boolean>;
  del(...keys: string[]): Promise<void>;
  sadd(key: string, member: string): Promise<void>;
  srem(key: string, member: string): Promise<void>;
  smembers(key: string): Promise<string[]>;
  /** Adds n to an integer (missing: 0) unless the result would exceed cap; returns the new value, or -1. */
  addWithin(key: string, n: number, cap: number): Promise<number>;
  close(): Promise<void>;
}
