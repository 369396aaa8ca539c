// MPI jobs spread over several host runtimes: our self-checking MPI programs with ranks split across 2-3 hosts
// (faasmpirun --local-hosts: separate `faasmpi host` processes on loopback, embedded state), cross-host message
// counts of the collectives, output/exit status/environment as on one host, and a cluster sharing a real Redis:
// placement, tenants' job records, two users at once, a launcher of another CA, a host killed mid-job and restarted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { redisState } from '../cluster/state/cluster-state.js';
import { listHosts, sleep, startHost, TestCA, until, type TestHost } from './cluster-hosts.js';
import { launch } from './cluster-hosts.js';
import { build, describeRun, faasmpiRun, SelfChecking, sortedLines, tempDir, type Run } from './helpers.js';
import { startRedis, type RedisServer } from './redis-server.js';

const programs = new SelfChecking('faasmpi-cluster-');
const wasm = (name: string) => programs.wasm(name);

describe('MPI programs with ranks split over host runtimes (--local-hosts, no Redis)', () => {
  const runs: [string, number, number][] = [
    ['p2p_basic', 4, 2], ['p2p_tags_order', 4, 3], ['p2p_probe', 4, 2], ['p2p_nonblocking', 4, 3], ['p2p_datatypes', 3, 3],
    ['p2p_truncate', 4, 2], ['coll_reduce', 4, 2], ['coll_move', 4, 3], ['coll_nonblocking', 4, 2], ['comm_split', 4, 2],
    ['comm_dup', 4, 3], ['comm_groups', 4, 2], ['comm_cart', 4, 2], ['comm_graph', 3, 2],
  ];
  for (const [name, np, hosts] of runs) {
    test(`${name}: -np ${np} on ${hosts} hosts`, { timeout: 150_000 }, () => {
      programs.runsClean(name, np, 120_000, ['--local-hosts', String(hosts)]);
    });
  }
});

/** "CROSS <collective> <messages>" lines of coll_cross_host, as a map. */
function crossCounts(r: Run): Record<string, number> {
  return Object.fromEntries([...r.stdout.matchAll(/^CROSS (\S+) (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
}

describe('collectives cross each pair of hosts at most once per step (host leaders)', () => {
  test('4 ranks on 2 hosts: one message per host pair and step, where a flat algorithm sends one per rank pair', { timeout: 90_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-np', '4', wasm('coll_cross_host')], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.doesNotMatch(r.stdout, /FAIL/, describeRun(r));
    // Barrier: the two leaders signal each other once (one step); Allreduce: leaders exchange partial results
    // once; Bcast, Gather, Reduce: one message between the two hosts. Flat: Gather 2, Allreduce 8, Barrier 4.
    assert.deepEqual(crossCounts(r), { barrier: 2, bcast: 1, bcast_1MiB: 1, allreduce: 2, allreduce_1MiB: 2, gather: 1, reduce: 1 });
  });
  test('6 ranks on 3 hosts: each step crosses each ordered host pair at most once', { timeout: 90_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '3', '-np', '6', wasm('coll_cross_host')], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, describeRun(r));
    // Barrier: dissemination over 3 leaders, 2 steps x 3; Allreduce: 3 leaders send to 2 others in one step;
    // Bcast/Gather/Reduce: one message per other host.
    assert.deepEqual(crossCounts(r), { barrier: 6, bcast: 2, bcast_1MiB: 2, allreduce: 6, allreduce_1MiB: 6, gather: 2, reduce: 2 });
  });
  test('on one host no collective message crosses', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['-np', '4', wasm('coll_cross_host')], { timeoutMs: 30_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.deepEqual(Object.values(crossCounts(r)), [0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('output, exit status, environment and failures behave as on one host', () => {
  const dir = tempDir('faasmpi-cluster-launch-');
  let argsEnv = '';
  before(() => { argsEnv = build('args_env.c', dir); });

  test('argv, -x variables and --tag-output reach every rank on every host', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-np', '3', '--tag-output', '-x', 'GREETING=hi there', argsEnv, 'a b'], { timeoutMs: 30_000 });
    assert.equal(r.status, 0, describeRun(r));
    for (let rank = 0; rank < 3; rank++) {
      assert.match(r.stdout, new RegExp(`^\\[${rank}\\] faaslet ${rank} of 3 argc=2$`, 'm'), describeRun(r));
      assert.match(r.stdout, new RegExp(`^\\[${rank}\\] argv\\[1\\]=a b$`, 'm'));
      assert.match(r.stdout, new RegExp(`^\\[${rank}\\] GREETING=hi there$`, 'm'));
    }
  });
  test('MPI + OpenMP: each rank forks its thread team on its own host', { timeout: 90_000 }, () => {
    const hybrid = build('omp_hybrid.c', dir, ['-fopenmp']);
    const r = faasmpiRun(['--local-hosts', '2', '-np', '2', hybrid], { env: { ...process.env, OMP_NUM_THREADS: '2' }, timeoutMs: 60_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.deepEqual(sortedLines(r.stdout), ['OK omp_hybrid rank 0', 'OK omp_hybrid rank 1'], describeRun(r));
  });
  test("a rank's exit status on another host is the job's", { timeout: 60_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-np', '4', argsEnv, '3:7'], { timeoutMs: 30_000 });
    assert.equal(r.status, 7, describeRun(r));
  });
  test('MPI_Abort on one host ends the ranks on all hosts, fast', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-np', '4', wasm('p2p_abort')], { timeoutMs: 30_000 });
    assert.equal(r.status, 42, describeRun(r));
    assert.match(r.stderr, /rank 1\b[^\n]*MPI_Abort/, describeRun(r));
    assert.ok(r.ms < 8000, `took ${Math.round(r.ms)} ms`);
  });
  test('a trap on the second host ends the job with the trap and status 139', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-np', '2', '--policy', 'spread', wasm('trap')], { timeoutMs: 30_000 });
    assert.equal(r.status, 139, describeRun(r));
    assert.match(r.stderr, /rank 1 trapped: memory access out of bounds/, describeRun(r));
  });
  test('a deadlock spanning hosts is reported with what every rank waits for', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-np', '4', '--deadlock-timeout', '1', wasm('p2p_deadlock')], { timeoutMs: 30_000 });
    assert.equal(r.status, 1, describeRun(r));
    for (let rank = 0; rank < 4; rank++) {
      assert.match(r.stderr, new RegExp(`rank ${rank}: blocked in MPI_Recv\\(source=${(rank + 1) % 4}, tag=7`), describeRun(r));
    }
  });
  test('a job larger than the hosts can hold is rejected, saying what it needs', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '--nhosts', '3', '-np', '4', argsEnv], { timeoutMs: 30_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stderr, /asks for 3 hosts; the cluster has/, describeRun(r));
  });
});


describe('a cluster of host processes sharing a real Redis', () => {
  const cluster = 'jobs-test';
  const ca = new TestCA();
  const as = (user: string) => ({ ...process.env, FAASMPI_CREDENTIALS: ca.user(user) });
  const env = as('erin');
  let redis: RedisServer;
  const hosts = new Map<string, TestHost>();
  const start = async (id: string, port = 0) => {
    const h = await startHost({ id, cluster, ca, redis: redis.url, port, extra: ['--slots', '2', '--cores', '1', '--heartbeat-ms', '200', '--ttl-ms', '1000'] });
    hosts.set(id, h);
    return h;
  };
  const via = (ids: string[]) => ['--cluster', cluster, '--hosts', ids.map((id) => hosts.get(id)!.address.replace(/:(\d+)$/, '@$1')).join(',')];
  before(async () => {
    redis = await startRedis();
    await Promise.all(['h1', 'h2', 'h3'].map((id) => start(id)));
  });
  after(async () => {
    for (const h of hosts.values()) h.child.kill('SIGKILL');
    await redis?.stop();
  });

  test('a job placed from the registry spreads over hosts; its record is its user\'s only', { timeout: 90_000 }, async () => {
    const r = faasmpiRun(['--redis', redis.url, '--cluster', cluster, '--user', 'alice', '--policy', 'spread', '-np', '4', '-v', wasm('p2p_tags_order')], { env: as('alice'), timeoutMs: 60_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.deepEqual(sortedLines(r.stdout), [0, 1, 2, 3].map((i) => `OK p2p_tags_order rank ${i}`));
    const state = await redisState(redis.url, cluster);
    try {
      const jobs = await state.forUser('alice').jobs();
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0].state, 'finished');
      assert.equal(new Set(jobs[0].hosts).size, 3, `host table ${jobs[0].hosts}`);
      assert.deepEqual(await state.forUser('alice').hostTable(jobs[0].id), jobs[0].hosts);
      assert.deepEqual(await state.forUser('bob').jobs(), [], "bob does not see alice's job");
      assert.equal(await state.forUser('bob').hostTable(jobs[0].id), undefined);
    } finally {
      await state.close();
    }
  });

  test('collectives and communicators with ranks placed from the registry', { timeout: 120_000 }, () => {
    for (const name of ['coll_reduce', 'comm_split']) {
      programs.runsClean(name, 4, 90_000, ['--redis', redis.url, '--cluster', cluster, '--policy', 'spread'], env);
    }
  });

  test('two users run at once on the same hosts, each seeing only its own ranks', { timeout: 90_000 }, async () => {
    const [a, b] = await Promise.all([
      launch([...via(['h1', 'h2']), '--policy', 'spread', '-np', '2', wasm('ring_loop'), '1.5'], as('carol')),
      launch([...via(['h1', 'h2']), '--policy', 'spread', '-np', '2', wasm('ring_loop'), '1.5'], as('dave')),
    ]);
    for (const r of [a, b]) {
      assert.equal(r.status, 0, describeRun(r));
      assert.equal(r.stdout.match(/^OK ring_loop rank \d rounds \d+$/gm)?.length, 2, describeRun(r));
    }
  });

  test('a launcher with a certificate of another CA is refused, and the host logs it', { timeout: 60_000 }, async () => {
    const refusals = () => hosts.get('h1')!.stderr().match(/refused a connection from/g)?.length ?? 0;
    const before = refusals();
    const r = faasmpiRun([...via(['h1']), '-np', '1', wasm('p2p_attr')], { env: { ...env, FAASMPI_CREDENTIALS: new TestCA().user('erin') }, timeoutMs: 30_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stderr, /faasmpirun: cannot link to host 127\.0\.0\.1:\d+: .*(certificate|self.signed)/i, describeRun(r));
    await until('h1 logs the refusal', () => refusals() > before);
  });

  test('a launcher without credentials, or claiming another user, is stopped with a clear message', { timeout: 30_000 }, () => {
    const none = faasmpiRun([...via(['h1']), '-np', '1', wasm('p2p_attr')], { env: { ...process.env, FAASMPI_CREDENTIALS: '' }, timeoutMs: 20_000 });
    assert.equal(none.status, 1, describeRun(none));
    assert.match(none.stderr, /needs your user certificate: --credentials DIR/);
    const other = faasmpiRun([...via(['h1']), '--user', 'alice', '-np', '1', wasm('p2p_attr')], { env: as('mallory'), timeoutMs: 20_000 });
    assert.equal(other.status, 1, describeRun(other));
    assert.match(other.stderr, /--user alice: your certificate is user mallory's/);
  });

  test('a host killed mid-job ends that job fast, naming it; other jobs and hosts go on; restarted, it rejoins', { timeout: 120_000 }, async () => {
    const doomed = launch([...via(['h1', 'h2']), '--policy', 'spread', '-np', '4', wasm('ring_loop'), '60'], env);
    const bystander = launch([...via(['h3']), '-np', '2', wasm('ring_loop'), '4'], env);
    await sleep(2000);
    const h2 = hosts.get('h2')!;
    const port = Number(h2.address.split(':')[1]);
    const killedAt = performance.now();
    h2.child.kill('SIGKILL');
    const r = await doomed;
    const after = performance.now() - killedAt;
    assert.notEqual(r.status, 0, describeRun(r));
    assert.match(r.stderr, /host h2\b/, describeRun(r));
    assert.ok(after < 5000, `the job ended ${Math.round(after)} ms after the kill`);
    const b = await bystander;
    assert.equal(b.status, 0, describeRun(b));
    assert.equal(b.stdout.match(/^OK ring_loop/gm)?.length, 2, describeRun(b));
    await until('the dead host leaves the registry', () => !listHosts(redis.url, cluster).includes('h2'), 5000);
    // h1 has its slots back and takes a job on its own.
    const alone = faasmpiRun([...via(['h1']), '-np', '2', wasm('ring_loop'), '0.2'], { env, timeoutMs: 30_000 });
    assert.equal(alone.status, 0, describeRun(alone));
    await start('h2', port);
    await until('the restarted host is registered', () => listHosts(redis.url, cluster).includes('h2'));
    const again = faasmpiRun([...via(['h1', 'h2']), '--policy', 'spread', '-np', '4', wasm('ring_loop'), '0.2'], { env, timeoutMs: 30_000 });
    assert.equal(again.status, 0, describeRun(again));
  });
});

describe('a launcher facing an unreachable host, a stopped host or a dying Redis ends cleanly', () => {
  const cluster = 'faults-test';
  const ca = new TestCA();
  const env = { ...process.env, FAASMPI_CREDENTIALS: ca.user('erin') };
  let redis: RedisServer;
  let redisStopped = false;
  const hosts = new Map<string, TestHost>();
  const via = (ids: string[]) => ['--cluster', cluster, '--hosts', ids.map((id) => hosts.get(id)!.address.replace(/:(\d+)$/, '@$1')).join(',')];
  before(async () => {
    redis = await startRedis();
    await Promise.all(['f1', 'f2'].map(async (id) => {
      hosts.set(id, await startHost({ id, cluster, ca, redis: redis.url, extra: ['--slots', '2', '--cores', '1'] }));
    }));
  });
  after(async () => {
    for (const h of hosts.values()) {
      h.child.kill('SIGCONT');
      h.child.kill('SIGKILL');
    }
    if (!redisStopped) await redis?.stop();
  });

  test('one host that cannot be linked: the launcher exits at once, naming it, with no link left open', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['--cluster', cluster, '--hosts', `${hosts.get('f1')!.address.replace(/:(\d+)$/, '@$1')},127.0.0.1@1`, '-np', '2', wasm('ring_loop'), '0.2'], { env, timeoutMs: 30_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stderr, /cannot link to host 127\.0\.0\.1:1/, describeRun(r));
  });

  test('a host stopped with SIGSTOP mid-job is noticed by the keepalive: the job ends, naming it', { timeout: 90_000 }, async () => {
    const job = launch([...via(['f1', 'f2']), '--policy', 'spread', '-np', '4', wasm('ring_loop'), '60'], { ...env, FAASMPI_LINK_TIMEOUT_MS: '2000' });
    await sleep(2500);
    const f2 = hosts.get('f2')!;
    f2.child.kill('SIGSTOP');
    try {
      const r = await job;
      assert.notEqual(r.status, 0, describeRun(r));
      assert.match(r.stderr, /host f2\b.*(no answer|went away)/, describeRun(r));
    } finally {
      f2.child.kill('SIGCONT');
    }
  });

  test('Redis dying mid-job does not change a successful job\'s outcome', { timeout: 90_000 }, async () => {
    const job = launch(['--redis', redis.url, '--cluster', cluster, '--nhosts', '1', '-np', '2', wasm('ring_loop'), '4'], env);
    await sleep(2500);
    await redis.stop();
    redisStopped = true;
    const r = await job;
    assert.equal(r.status, 0, describeRun(r));
    assert.equal(r.stdout.match(/^OK ring_loop/gm)?.length, 2, describeRun(r));
    assert.match(r.stderr, /warning: the job's end was not recorded/, describeRun(r));
  });
});
