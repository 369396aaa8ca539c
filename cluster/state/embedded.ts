// The in-process store: what a single machine uses, so it needs no Redis. Same semantics as Redis for the
// operations in Kv, including expiry.
import type { Kv } from './kv.js';

interface Entry {
  value: string | Set<string>;
  expires: number; // ms since epoch; Infinity: never
}

export class EmbeddedKv implements Kv {
  private readonly data = new Map<string, Entry>();

  private live(key: string): Entry | undefined {
    const e = this.data.get(key);
    if (e && e.expires <= Date.now()) {
      this.data.delete(key);
      return undefined;
    }
    return e;
  }
  private str(key: string): string | undefined {
    const e = this.live(key);
    return typeof e?.value === 'string' ? e.value : undefined;
  }
  private set_(key: string): Set<string> {
    const e = this.live(key);
    if (e && e.value instanceof Set) return e.value;
    const s = new Set<string>();
    this.data.set(key, { value: s, expires: Infinity });
    return s;
  }

  async get(key: string) { return this.str(key); }
  async mget(keys: string[]) { return keys.map((k) => this.str(k)); }
  async set(key: string, value: string, ttlMs?: number) {
    this.data.set(key, { value, expires: ttlMs === undefined ? Infinity : Date.now() + ttlMs });
  }
  async expire(key: string, ttlMs: number) {
    const e = this.live(key);
    if (!e) return false;
    e.expires = Date.now() + ttlMs;
    return true;
  }
  async del(...keys: string[]) { for (const k of keys) this.data.delete(k); }
  async sadd(key: string, member: string) { this.set_(key).add(member); }
  async srem(key: string, member: string) { this.set_(key).delete(member); }
  async smembers(key: string) { return [...(this.live(key)?.value as Set<string> | undefined ?? [])]; }
  async addWithin(key: string, n: number, cap: number) {
    const next = Number(this.str(key) ?? 0) + n;
    if (next > cap) return -1;
    this.data.set(key, { value: String(Math.max(0, next)), expires: Infinity });
    return Math.max(0, next);
  }
  async close() { this.data.clear(); }
}
