// `faasmpi host` processes in a cluster sharing a real Redis: they register and heartbeat, a killed host drops
// out (its slots released) and rejoins when restarted, links without the cluster secret are refused and logged.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { redisState } from '../cluster/state/cluster-state.js';
import { connectLink } from '../cluster/wire/link.js';
import { faasmpi, listHosts as listTestHosts, startHost as startTestHost, until, type TestHost } from './cluster-hosts.js';
import { startRedis, type RedisServer } from './redis-server.js';

const secret = 'test-secret';
const startHost = (redis: string, id: string) =>
  startTestHost({ id, redis, cluster: 'hosts-test', secret, extra: ['--slots', '4', '--heartbeat-ms', '100', '--ttl-ms', '400'] });
const listHosts = (redis: string) => listTestHosts(redis, 'hosts-test');

describe('faasmpi host processes', () => {
  let redis: RedisServer;
  const hosts: TestHost[] = [];
  before(async () => { redis = await startRedis(); });
  after(async () => {
    for (const h of hosts) h.child.kill('SIGKILL');
    await redis?.stop();
  });

  test('hosts register; a killed host drops out with its slots released, and rejoins when restarted', { timeout: 30_000 }, async () => {
    hosts.push(await startHost(redis.url, 'h1'), await startHost(redis.url, 'h2'));
    await until('both hosts are listed', () => listHosts(redis.url).join(',') === 'h1,h2');
    const state = await redisState(redis.url, 'hosts-test');
    try {
      assert.equal(await state.reserveSlots('h2', 3, 4), true);
      hosts[1].child.kill('SIGKILL');
      const t0 = Date.now();
      await until('the killed host is gone', () => listHosts(redis.url).join(',') === 'h1');
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
      assert.equal(await state.usedSlots('h2'), 0, "the dead host's slots are released");
      hosts.push(await startHost(redis.url, 'h2'));
      await until('the restarted host is back', () => listHosts(redis.url).join(',') === 'h1,h2');
    } finally {
      await state.close();
    }
  });

  test('a link with the cluster secret is accepted; one without it is refused and logged', { timeout: 30_000 }, async () => {
    const target = hosts[0];
    const good = await connectLink(target.address, { cluster: 'hosts-test', hostId: 'h9', secret });
    await until('the host logs the link', () => /linked with host h9/.test(target.stderr()));
    good.close();
    await assert.rejects(connectLink(target.address, { cluster: 'hosts-test', hostId: 'intruder', secret: 'wrong' }), /refused the link: 401/);
    await until('the host logs the refusal', () => /refused a link from .*wrong cluster secret/.test(target.stderr()));
  });

  test('a host without the cluster secret does not start', () => {
    const r = spawnSync(faasmpi, ['host', '--port', '0'], { encoding: 'utf8', env: { ...process.env, FAASMPI_CLUSTER_SECRET: '' } });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /set FAASMPI_CLUSTER_SECRET/);
  });

  test('a stopped host leaves the registry', { timeout: 30_000 }, async () => {
    const h = hosts[0];
    const exited = new Promise<number | null>((resolve) => h.child.once('exit', resolve));
    h.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(listHosts(redis.url), ['h2']);
  });
});
