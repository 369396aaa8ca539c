// Operators' move requests (issue 11, item 4's explicit requests): `faasmpi migrate JOB --rank R --to HOST` and
// `--pack`, sent with a user certificate to a host of the running job, answered at the job's next migration
// point. Only the job's owner may ask; a job that opted out (--no-migrate) is never moved; `faasmpi jobs` shows
// where each rank runs now. Two `faasmpi host` processes sharing a real Redis.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { faasmpi, launch, startHost, TestCA, until, type TestHost } from './cluster-hosts.js';
import { describeRun, faasmpicc, programsDir, tempDir } from './helpers.js';
import { startRedis, type RedisServer } from './redis-server.js';

const dir = tempDir('faasmpi-migrate-requests-');
let wasm = '';

const cluster = 'migrate-requests';
const ca = new TestCA();
const as = (user: string) => ({ ...process.env, FAASMPI_CREDENTIALS: ca.user(user), FAASMPI_MIGRATE_CHECK_EVERY: '4' });
let redis: RedisServer;
const hosts = new Map<string, TestHost>();

before(async () => {
  wasm = join(dir, 'migrate_hosts.wasm');
  const b = spawnSync(faasmpicc, ['-O2', '-fmigrate', join(programsDir, 'migrate_hosts.c'), '-o', wasm], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(b.status, 0, b.stderr);
  redis = await startRedis();
  for (const id of ['h1', 'h2']) {
    hosts.set(id, await startHost({ id, cluster, ca, redis: redis.url, extra: ['--slots', '4', '--cores', '1', '--heartbeat-ms', '200', '--ttl-ms', '2000'] }));
  }
});
after(async () => {
  for (const h of hosts.values()) h.child.kill('SIGKILL');
  await redis?.stop();
});

function faasmpiCmd(args: string[], user: string) {
  return spawnSync(faasmpi, args, { encoding: 'utf8', env: as(user), timeout: 60_000 });
}

/** The user's running job: its id and where its ranks run ("0-1@h1,2-3@h2"). */
async function runningJob(user: string): Promise<{ id: string; ranks: string }> {
  let found: { id: string; ranks: string } | undefined;
  await until(`${user}'s job runs`, () => {
    const r = faasmpiCmd(['jobs', '--redis', redis.url, '--cluster', cluster, '--user', user], user);
    const m = /^job (\S+) running np \d+ hosts \S+ ranks (\S+)$/m.exec(r.stdout);
    if (m) found = { id: m[1], ranks: m[2] };
    return found !== undefined;
  }, 60_000);
  return found!;
}

/** "where R ROUND HOST" lines: the host of rank `rank` in its first and last round. */
function firstAndLast(stdout: string, rank: number): [string, string] {
  const hs = [...stdout.matchAll(new RegExp(`^where ${rank} \\d+ (\\S+)$`, 'gm'))].map((m) => m[1]);
  return [hs[0], hs[hs.length - 1]];
}

const addressOf = (id: string) => hosts.get(id)!.address;

describe('faasmpi migrate', () => {
  test('the owner moves rank 0 to the other host; another user, a bad rank and a bad host are refused; faasmpi jobs follows', { timeout: 240_000 }, async () => {
    const run = launch(['--redis', redis.url, '--cluster', cluster, '--policy', 'spread', '-np', '4', '-v', wasm, '6000', '100'], as('alice'));
    const { id, ranks } = await runningJob('alice');
    assert.equal(ranks, '0-1@h1,2-3@h2');
    // Another user: not found in their records, and refused by the host itself when asked directly.
    const bobRedis = faasmpiCmd(['migrate', id, '--rank', '0', '--to', 'h2', '--redis', redis.url, '--cluster', cluster], 'bob');
    assert.equal(bobRedis.status, 2, bobRedis.stderr);
    assert.match(bobRedis.stderr, /you have no job/);
    const bob = faasmpiCmd(['migrate', id, '--rank', '0', '--to', 'h2', '--hosts', addressOf('h1')], 'bob');
    assert.equal(bob.status, 1, bob.stderr);
    assert.match(bob.stderr, new RegExp(`job ${id} is not yours`));
    const badRank = faasmpiCmd(['migrate', id, '--rank', '9', '--to', 'h2', '--redis', redis.url, '--cluster', cluster], 'alice');
    assert.equal(badRank.status, 1);
    assert.match(badRank.stderr, /rank 9 is not a rank of job .* \(0-3\)/);
    const badHost = faasmpiCmd(['migrate', id, '--rank', '0', '--to', 'elsewhere', '--redis', redis.url, '--cluster', cluster], 'alice');
    assert.match(badHost.stderr, /host "elsewhere" is not one of job/);
    const ok = faasmpiCmd(['migrate', id, '--rank', '0', '--to', 'h2', '--redis', redis.url, '--cluster', cluster], 'alice');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /passed to its launcher/);
    const r = await run;
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stderr, /a move was asked for \(rank 0 to host h2\)/);
    assert.match(r.stderr, /moving at MPI_Barrier \d+ to epoch 1: rank 0 h1 -> h2$/m);
    assert.deepEqual(firstAndLast(r.stdout, 0), ['h1', 'h2'], 'rank 0 reports its new host');
    assert.deepEqual(firstAndLast(r.stdout, 1), ['h1', 'h1']);
    assert.doesNotMatch(r.stdout, /FAIL/);
    assert.equal(r.stdout.split('\n').filter((l) => /^OK migrate_hosts rank \d$/.test(l)).length, 4);
    const jobs = faasmpiCmd(['jobs', '--redis', redis.url, '--cluster', cluster, '--user', 'alice'], 'alice');
    assert.match(jobs.stdout, new RegExp(`^job ${id} finished np 4 hosts \\S+ ranks 0@h2,1@h1,2-3@h2 exit 0$`, 'm'));
  });

  test('--pack puts a spread job onto one host', { timeout: 240_000 }, async () => {
    const run = launch(['--redis', redis.url, '--cluster', cluster, '--policy', 'spread', '-np', '4', '-v', wasm, '5000', '100'], as('carol'));
    const { id } = await runningJob('carol');
    const ok = faasmpiCmd(['migrate', id, '--pack', '--redis', redis.url, '--cluster', cluster], 'carol');
    assert.equal(ok.status, 0, ok.stderr);
    const r = await run;
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stderr, /moving at MPI_Barrier \d+ to epoch 1: rank 0 h1 -> h2, rank 1 h1 -> h2$/m);
    for (const rank of [0, 1, 2, 3]) assert.equal(firstAndLast(r.stdout, rank)[1], 'h2');
  });

  test('a second move in the same run: rank 0 then rank 1 moved on request, all ranks end on one host', { timeout: 240_000 }, async () => {
    const run = launch(['--redis', redis.url, '--cluster', cluster, '--policy', 'spread', '-np', '4', '-v', wasm, '7000', '100'], as('gina'));
    const { id } = await runningJob('gina');
    const first = faasmpiCmd(['migrate', id, '--rank', '0', '--to', 'h2', '--redis', redis.url, '--cluster', cluster], 'gina');
    assert.equal(first.status, 0, first.stderr);
    await until('rank 0 runs on h2', () => /ranks 0@h2,1@h1,2-3@h2/.test(faasmpiCmd(['jobs', '--redis', redis.url, '--cluster', cluster, '--user', 'gina'], 'gina').stdout), 60_000);
    const second = faasmpiCmd(['migrate', id, '--rank', '1', '--to', 'h2', '--redis', redis.url, '--cluster', cluster], 'gina');
    assert.equal(second.status, 0, second.stderr);
    const r = await run;
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stderr, /to epoch 1: rank 0 h1 -> h2$/m);
    assert.match(r.stderr, /to epoch 2: rank 1 h1 -> h2$/m);
    for (const rank of [0, 1, 2, 3]) assert.equal(firstAndLast(r.stdout, rank)[1], 'h2');
    assert.equal(r.stdout.split('\n').filter((l) => /^OK migrate_hosts rank \d$/.test(l)).length, 4);
    assert.doesNotMatch(r.stdout, /FAIL/);
  });

  test('the planner: a job placed with --policy pack that had to be split is consolidated once another job frees its slots', { timeout: 240_000 }, async () => {
    // Job A holds 2 slots on each host, so job B (pack) must start 2+2; when A ends, B moves onto one host.
    const a = launch(['--redis', redis.url, '--cluster', cluster, '--policy', 'spread', '--no-migrate', '-np', '4', wasm, '1500', '100'], as('hank'));
    await runningJob('hank');
    const b = launch(['--redis', redis.url, '--cluster', cluster, '--policy', 'pack', '-np', '4', '-v', wasm, '7000', '100'], as('ivan'));
    const { ranks } = await runningJob('ivan');
    assert.equal(ranks, '0-1@h1,2-3@h2', 'B starts split');
    const ra = await a;
    assert.equal(ra.status, 0, describeRun(ra));
    const rb = await b;
    assert.equal(rb.status, 0, describeRun(rb));
    assert.match(rb.stderr, /moving at MPI_Barrier \d+ to epoch 1: rank 0 h1 -> h2, rank 1 h1 -> h2$/m);
    for (const rank of [0, 1, 2, 3]) assert.equal(firstAndLast(rb.stdout, rank)[1], 'h2');
    assert.doesNotMatch(rb.stdout, /FAIL/);
  });

  test('a job that opted out (--no-migrate) is refused and never moves', { timeout: 240_000 }, async () => {
    const run = launch(['--redis', redis.url, '--cluster', cluster, '--policy', 'spread', '--no-migrate', '-np', '4', '-v', wasm, '3000', '100'], as('dave'));
    const { id } = await runningJob('dave');
    const no = faasmpiCmd(['migrate', id, '--pack', '--redis', redis.url, '--cluster', cluster], 'dave');
    assert.equal(no.status, 1);
    assert.match(no.stderr, new RegExp(`job ${id} opted out of moves \\(--no-migrate\\)`));
    const r = await run;
    assert.equal(r.status, 0, describeRun(r));
    assert.doesNotMatch(r.stderr, /moving at/);
    assert.deepEqual(firstAndLast(r.stdout, 0), ['h1', 'h1']);
  });
});
