// The cluster's job queue, with a real `faasmpi host` (2 slots) and launchers sharing a real Redis: a job that
// does not fit now waits, first come first placed, shows in `faasmpi jobs`, and starts when slots free up;
// --no-queue fails at once; a job larger than the hosts is never queued; an interrupted launcher withdraws its
// job from the line cleanly.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { redisState } from '../cluster/state/cluster-state.js';
import { embeddedState } from '../cluster/state/cluster-state.js';
import { faasmpi, launch, startHost, TestCA, until, type TestHost } from './cluster-hosts.js';
import { describeRun, faasmpiRun, faasmpirun, SelfChecking, type Run } from './helpers.js';
import { startRedis, type RedisServer } from './redis-server.js';

const programs = new SelfChecking('faasmpi-queue-');
const cluster = 'queue-test';

describe('the queue in the cluster state', () => {
  test('first in, first out; entries of launchers that stopped renewing them expire', async () => {
    const state = embeddedState('q');
    await state.enqueue({ id: 'g-a', user: 'u', np: 2 }, 60_000);
    await state.enqueue({ id: 'g-b', user: 'v', np: 1 }, 50);
    await state.enqueue({ id: 'g-c', user: 'u', np: 4 }, 60_000);
    assert.deepEqual((await state.queue()).map((e) => e.id), ['g-a', 'g-b', 'g-c']);
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual((await state.queue()).map((e) => e.id), ['g-a', 'g-c'], 'g-b was not renewed');
    assert.equal(await state.renewQueued('g-b', 1000), false);
    await state.dequeue('g-a');
    assert.deepEqual((await state.queue()).map((e) => e.id), ['g-c']);
    await assert.rejects(state.enqueue({ id: '../x', user: 'u', np: 1 }, 1000), /job id/);
    await state.close();
  });
});

describe('launchers sharing a Redis queue for a host with 2 slots', () => {
  const ca = new TestCA();
  const env = { ...process.env, FAASMPI_CREDENTIALS: ca.user('alice') };
  let redis: RedisServer;
  let host: TestHost;
  const via = () => ['--cluster', cluster, '--redis', redis.url];
  let lastList = '';
  const jobsList = () => {
    const r = spawnSync(faasmpi, ['jobs', '--redis', redis.url, '--cluster', cluster, '--user', 'alice'], { encoding: 'utf8' });
    lastList = `${r.stdout}${r.stderr}`;
    return r.stdout;
  };
  const seen = async (what: string, re: RegExp) => {
    for (const t0 = Date.now(); Date.now() - t0 < 20_000; await new Promise((r) => setTimeout(r, 100))) if (re.test(jobsList())) return;
    assert.fail(`timed out waiting until ${what}; faasmpi jobs says:\n${lastList}`);
  };

  before(async () => {
    redis = await startRedis();
    host = await startHost({ id: 'q1', cluster, ca, redis: redis.url, extra: ['--slots', '2', '--cores', '1'] });
    programs.wasm('ring_loop');
  });
  after(async () => {
    host?.child.kill('SIGKILL');
    await redis?.stop();
  });

  /** Waits until alice has a job running (the host's slots are taken). */
  async function running(): Promise<void> {
    const state = await redisState(redis.url, cluster);
    try {
      for (const t0 = Date.now(); Date.now() - t0 < 30_000; await new Promise((r) => setTimeout(r, 50))) {
        if ((await state.forUser('alice').jobs()).some((j) => j.state === 'running')) return;
      }
      assert.fail('no job of alice was recorded as running');
    } finally {
      await state.close();
    }
  }

  test('jobs that do not fit wait in line, show in faasmpi jobs, and start in order as slots free up', { timeout: 120_000 }, async () => {
    const ends: string[] = [];
    const first = launch([...via(), '-np', '2', programs.wasm('ring_loop'), '8'], env).then((r) => { ends.push('first'); return r; });
    await running();
    const second = launch([...via(), '-np', '2', programs.wasm('ring_loop'), '0.5'], env).then((r) => { ends.push('second'); return r; });
    await seen('the second job is queued', /^queued 1 \S+ user alice np 2 waiting/m);
    const third = launch([...via(), '-np', '1', programs.wasm('ring_loop'), '0.2'], env).then((r) => { ends.push('third'); return r; });
    await seen('the third job is queued behind it', /^queued 2 \S+ user alice np 1 /m);
    assert.match(jobsList(), /^job \S+ queued np 2$/m, 'the queued job is in alice\'s records');

    // Meanwhile --no-queue fails at once, as before queues existed.
    const hasty = faasmpiRun([...via(), '--no-queue', '-np', '1', programs.wasm('ring_loop'), '0.2'], { env, timeoutMs: 30_000 });
    assert.equal(hasty.status, 1, describeRun(hasty));
    assert.match(hasty.stderr, /^faasmpirun: the job needs 1 slots; the cluster has 0 free slots on 1 live host\(s\): q1 0$/m, describeRun(hasty));

    const runs: Run[] = await Promise.all([first, second, third]);
    for (const r of runs) assert.equal(r.status, 0, describeRun(r));
    assert.match(runs[1].stderr, /^faasmpirun: job \S+ waits in the queue \(position 1\): the job needs 2 slots; the cluster has 0 free slots/m, describeRun(runs[1]));
    assert.match(runs[2].stderr, /^faasmpirun: job \S+ waits in the queue \(position 2\)/m, describeRun(runs[2]));
    assert.equal(runs[1].stdout.match(/^OK ring_loop rank \d rounds \d+$/gm)?.length, 2, describeRun(runs[1]));
    assert.deepEqual(ends, ['first', 'second', 'third']);
    const list = jobsList();
    assert.match(list, /^no job waits in cluster queue-test's queue$/m);
    assert.doesNotMatch(list, /^job \S+ (queued|running) /m, 'every record says how its job ended');
  });

  test('a job larger than the hosts is not queued: it would wait for ever', { timeout: 60_000 }, () => {
    const r = faasmpiRun([...via(), '-np', '3', programs.wasm('ring_loop'), '0.2'], { env, timeoutMs: 30_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stderr, /the job needs 3 slots; the cluster has 2 free slots .* \(more than the hosts have in all, busy or not: not queued\)/, describeRun(r));
  });

  test('Ctrl-C on a waiting launcher withdraws its job from the line and exits 130; the job never runs', { timeout: 90_000 }, async () => {
    const blocker = launch([...via(), '-np', '2', programs.wasm('ring_loop'), '4'], env);
    await running();
    const child = spawn(faasmpirun, [...via(), '-np', '1', programs.wasm('ring_loop'), '0.2'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await until('the job is queued', () => /waits in the queue/.test(stderr), 20_000);
    const t0 = performance.now();
    child.kill('SIGINT');
    const status = await exited;
    assert.equal(status, 130, `${stderr}\n${stdout}`);
    assert.ok(performance.now() - t0 < 3000, 'the launcher ended at once');
    assert.match(stderr, /^faasmpirun: job \S+ was withdrawn from the queue: it never started$/m);
    assert.doesNotMatch(stdout, /OK ring_loop/);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(jobsList(), /^queued /m);
    assert.match(jobsList(), /^job \S+ failed np 1$/m, 'its record says it never ran');
    assert.equal((await blocker).status, 0);
  });
});
