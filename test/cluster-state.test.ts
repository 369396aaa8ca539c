// Cluster state behaves the same embedded and in a real Redis: host registry with expiry, atomic slot
// accounting, per-user jobs and host tables, clusters and tenants kept apart, clear errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { embeddedState, redisState } from '../cluster/state/cluster-state.js';
import { StateError, type ClusterState, type HostRecord } from '../cluster/state/types.js';
import { startRedis, type RedisServer } from './redis-server.js';

const host = (id: string, slots = 4): HostRecord => ({ id, address: `127.0.0.1:${7000 + id.length}`, slots, startedAt: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: RedisServer;
before(async () => { redis = await startRedis(); });
after(async () => { await redis?.stop(); });

const stores: [string, (cluster: string) => Promise<ClusterState>][] = [
  ['embedded', async (cluster) => embeddedState(cluster)],
  ['redis', (cluster) => redisState(redis.url, cluster)],
];

for (const [kind, open] of stores) {
  describe(`cluster state (${kind})`, () => {
    test('hosts register, heartbeat and expire; an expired host loses its slots', async () => {
      const s = await open(`hosts-${kind}`);
      try {
        await s.registerHost(host('h1'), 10_000);
        await s.registerHost(host('h2'), 150);
        assert.deepEqual((await s.liveHosts()).map((h) => h.id), ['h1', 'h2']);
        assert.equal(await s.reserveSlots('h2', 3, 4), true);
        assert.equal(await s.heartbeat('h2', 150), true);
        await sleep(300);
        assert.deepEqual((await s.liveHosts()).map((h) => h.id), ['h1']);
        assert.equal(await s.heartbeat('h2', 150), false, 'an expired host must register again');
        assert.equal(await s.usedSlots('h2'), 0, 'slots of an expired host are released');
        await s.registerHost(host('h2'), 10_000);
        assert.deepEqual((await s.liveHosts()).map((h) => h.id), ['h1', 'h2'], 'a restarted host rejoins');
      } finally {
        await s.close();
      }
    });

    test('slot reservations never exceed capacity, even when concurrent', async () => {
      const s = await open(`slots-${kind}`);
      try {
        await s.registerHost(host('h1', 4), 10_000);
        const results = await Promise.all(Array.from({ length: 10 }, () => s.reserveSlots('h1', 1, 4)));
        assert.equal(results.filter(Boolean).length, 4);
        assert.equal(await s.usedSlots('h1'), 4);
        assert.equal(await s.reserveSlots('h1', 1, 4), false);
        await s.releaseSlots('h1', 2);
        assert.equal(await s.reserveSlots('h1', 2, 4), true);
        await assert.rejects(s.reserveSlots('h1', 0, 4), StateError);
      } finally {
        await s.close();
      }
    });

    test('jobs and host tables belong to their user; clusters do not see each other', async () => {
      const s = await open(`tenants-${kind}`);
      const other = await open(`tenants2-${kind}`);
      try {
        const alice = s.forUser('alice'), bob = s.forUser('bob');
        await alice.putJob({ id: 'j1', state: 'queued', np: 4, hosts: [], createdAt: 1 });
        await alice.setHostTable('g1', ['h1', 'h1', 'h2', 'h2']);
        assert.equal((await alice.getJob('j1'))?.user, 'alice');
        assert.equal(await bob.getJob('j1'), undefined, "bob cannot read alice's job");
        assert.equal(await bob.hostTable('g1'), undefined, "bob cannot read alice's host table");
        assert.equal(await bob.updateJob('j1', { state: 'failed' }), undefined, "bob cannot change alice's job");
        assert.deepEqual(await alice.hostTable('g1'), ['h1', 'h1', 'h2', 'h2']);
        const running = await alice.updateJob('j1', { state: 'running', hosts: ['h1', 'h2'] });
        assert.equal(running?.state, 'running');
        assert.deepEqual((await alice.jobs()).map((j) => j.id), ['j1']);
        assert.deepEqual(await bob.jobs(), []);
        assert.equal(await other.forUser('alice').getJob('j1'), undefined, 'another cluster has its own keys');
        await s.registerHost(host('h1'), 10_000);
        assert.deepEqual(await other.liveHosts(), []);
      } finally {
        await s.close();
        await other.close();
      }
    });

    test('names that would escape their key prefix are refused', async () => {
      const s = await open(`names-${kind}`);
      try {
        assert.throws(() => s.forUser('alice:job:x'), /user "alice:job:x"/);
        await assert.rejects(s.registerHost(host('h 1'), 1000), /host id "h 1"/);
        await assert.rejects(s.forUser('alice').getJob('../j'), /job id/);
      } finally {
        await s.close();
      }
    });
  });
}

test('an unreachable Redis is reported with its address, promptly', async () => {
  const t0 = Date.now();
  await assert.rejects(redisState('redis://127.0.0.1:1', 'x'), /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  assert.ok(Date.now() - t0 < 5000);
});

test('a stalled Redis (SIGSTOP) fails a command with its address instead of hanging', { timeout: 30_000 }, async () => {
  const stalled = await startRedis();
  const s = await redisState(stalled.url, 'stalled');
  try {
    await s.registerHost(host('h1'), 10_000);
    stalled.pause();
    const t0 = Date.now();
    await assert.rejects(s.liveHosts(), (e: Error) => e instanceof StateError && e.message.includes(stalled.url) && /timed out/i.test(e.message));
    assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
  } finally {
    stalled.resume();
    await s.close();
    await stalled.stop();
  }
});
