// faasmpirun --wait-hosts N [--wait-timeout S] with --redis: a launcher started before its hosts (a Kubernetes
// job, a batch script) waits until N hosts are live, then places on them; too few hosts by the deadline end it
// with a message saying how many there were.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launch, sleep, startHost, TestCA, type TestHost } from './cluster-hosts.js';
import { describeRun, faasmpiRun, SelfChecking } from './helpers.js';
import { startRedis, type RedisServer } from './redis-server.js';

const programs = new SelfChecking('faasmpi-wait-hosts-');

describe('faasmpirun --wait-hosts', () => {
  const cluster = 'wait-hosts-test';
  const ca = new TestCA();
  const env = { ...process.env, FAASMPI_CREDENTIALS: ca.user('wendy') };
  let redis: RedisServer;
  const hosts: TestHost[] = [];
  const start = async (id: string) => {
    hosts.push(await startHost({ id, cluster, ca, redis: redis.url, extra: ['--slots', '2', '--cores', '1', '--heartbeat-ms', '200', '--ttl-ms', '1000'] }));
  };
  before(async () => { redis = await startRedis(); });
  after(async () => {
    for (const h of hosts) h.child.kill('SIGKILL');
    await redis?.stop();
  });

  test('a launcher started before its hosts waits for them, then spreads over both', { timeout: 60_000 }, async () => {
    const ring = programs.wasm('ring_loop');
    const job = launch(['--redis', redis.url, '--cluster', cluster, '--wait-hosts', '2', '--wait-timeout', '30', '--policy', 'spread', '-v', '-np', '2', ring, '0.2'], env);
    await sleep(1500); // the launcher is waiting: no host is live yet
    await start('w1');
    await sleep(500); // one host is not enough
    await start('w2');
    const r = await job;
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stderr, /ranks on hosts w1 w2/, describeRun(r));
    assert.deepEqual(r.stdout.split('\n').filter(Boolean).map((l) => l.replace(/ rounds \d+/, '')).sort(), ['OK ring_loop rank 0', 'OK ring_loop rank 1']);
  });

  test('too few hosts by --wait-timeout: the launcher ends, saying how many were live', { timeout: 30_000 }, () => {
    const r = faasmpiRun(['--redis', redis.url, '--cluster', cluster, '--wait-hosts', '3', '--wait-timeout', '1', '-np', '2', programs.wasm('ring_loop')], { env, timeoutMs: 20_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stderr, /^faasmpirun: only 2 of the 3 hosts asked for \(--wait-hosts\) were live in cluster wait-hosts-test at redis:\/\/\S+ after 1 s/, describeRun(r));
    assert.ok(r.ms < 10_000, `took ${Math.round(r.ms)} ms`);
  });

  test('bad values and --wait-hosts without --redis are usage errors', () => {
    for (const [args, message] of [
      [['--wait-hosts', '2'], /--wait-hosts waits for hosts registered in Redis: give --redis URL too/],
      [['--redis', 'redis://127.0.0.1:1', '--wait-hosts', '0'], /--wait-hosts needs a positive whole number, got '0'/],
      [['--wait-timeout', 'soon'], /--wait-timeout needs a positive number of seconds, got 'soon'/],
    ] as const) {
      const r = faasmpiRun([...args, '-np', '1', 'x.wasm'], { env });
      assert.equal(r.status, 2, describeRun(r));
      assert.match(r.stderr, message, describeRun(r));
    }
  });
});
