// OpenMP teams spread over host runtimes (faasmpirun --omp-spread): self-checking programs give exactly the
// one-host output with their teams over 2 and 3 hosts (loops under every schedule, reductions of every operator,
// array sections, user-declared reductions, the one-host combination order), -v shows each team's layout; the
// constructs not carried across hosts yet and a data race end the job naming them; a worker host killed in
// the middle of a region ends the job promptly, naming the host.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { startHost, TestCA, type TestHost } from './cluster-hosts.js';
import { build, describeRun, faasmpiRun, faasmpirun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-omp-hosts-');
const wasm: Record<string, string> = {};

function spread(hosts: number, threads: number, program: string, args: string[] = [], verbose = false) {
  return faasmpiRun(['--local-hosts', String(hosts), '--omp-spread', ...(verbose ? ['-v'] : []), '-np', '1', wasm[program], ...args], {
    env: { ...process.env, OMP_NUM_THREADS: String(threads) }, timeoutMs: 150_000, cwd: dir,
  });
}

function oneHost(threads: number, program: string) {
  return faasmpiRun(['-np', '1', wasm[program]], { env: { ...process.env, OMP_NUM_THREADS: String(threads) }, timeoutMs: 60_000, cwd: dir });
}

before(() => {
  for (const p of ['omp_hosts_basic.c', 'omp_hosts_loops.c', 'omp_reduction.c', 'omp_reduce_order.c', 'omp_hosts_misuse.c']) {
    wasm[p.replace(/\.c$/, '')] = build(p, dir, ['-fopenmp']);
  }
});

describe('self-checking OpenMP programs with their teams spread over hosts', () => {
  const cases: [string, number, number][] = [
    ['omp_hosts_basic', 2, 4], ['omp_hosts_basic', 3, 5],
    ['omp_hosts_loops', 2, 4], ['omp_hosts_loops', 3, 3],
    ['omp_reduction', 2, 4], ['omp_reduce_order', 3, 3],
  ];
  for (const [program, hosts, threads] of cases) {
    test(`${program}: ${threads} threads over ${hosts} hosts print what one host prints`, { timeout: 200_000 }, () => {
      const one = oneHost(threads, program);
      assert.equal(one.status, 0, describeRun(one));
      const r = spread(hosts, threads, program, [], true);
      assert.equal(r.status, 0, describeRun(r));
      assert.equal(r.stdout, one.stdout);
      // The layout: the threads split evenly, the rank's host first, each host a block of thread numbers.
      const per = Array.from({ length: hosts }, (_, i) => Math.floor(threads / hosts) + (i < threads % hosts ? 1 : 0));
      const layout = new RegExp(`OpenMP team of ${threads} threads at level 1 spread over ${hosts} hosts: ${per.map((c) => `host \\S+-h\\d: ${c} \\(thread`).join('.*')}`);
      assert.match(r.stderr, layout, describeRun(r));
      assert.match(r.stderr, /region\(s\) spread over hosts, \d+ synchronisation\(s\)/, describeRun(r));
    });
  }
});

describe('what a spread team refuses', () => {
  for (const [mode, construct] of [['task', 'task'], ['copyprivate', 'single copyprivate'], ['ordered', 'a loop with an ordered clause']]) {
    test(`${mode}: the job ends naming the construct and --omp-spread (it runs on one host)`, { timeout: 200_000 }, () => {
      const r = spread(2, 4, 'omp_hosts_misuse', [mode]);
      assert.equal(r.status, 1, describeRun(r));
      assert.ok(r.stderr.includes(`${construct} in a parallel region spread over hosts is not supported yet (--omp-spread)`), describeRun(r));
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no JS stack trace');
      assert.doesNotMatch(r.stdout, /OK omp_hosts_misuse/);
    });
  }

  test('a data race between hosts ends the job naming the bytes and the hosts, never picking a value silently', { timeout: 200_000 }, () => {
    const r = spread(2, 4, 'omp_hosts_misuse', ['race']);
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stderr, /data race: bytes \d+\.\.\d+ of the memory were written with different values by host \S+-h0 and host \S+-h1 between two synchronisation points/, describeRun(r));
    assert.doesNotMatch(r.stdout, /OK omp_hosts_misuse/);
    const one = oneHost(4, 'omp_hosts_misuse');
    assert.equal(one.status, 0, describeRun(one)); // the constructs themselves work on one host
  });
});

describe('a worker host that dies in the middle of a region', () => {
  const ca = new TestCA();
  const hosts: TestHost[] = [];
  before(async () => {
    for (const id of ['w1', 'w2']) hosts.push(await startHost({ id, cluster: 'omp-hosts-fault', ca, extra: ['--slots', '4', '--cores', '1'] }));
  });
  after(() => { for (const h of hosts) h.child.kill('SIGKILL'); });

  test('ends the job promptly with a message naming the host', { timeout: 120_000 }, async () => {
    const at = (h: TestHost) => h.address.replace(/:(\d+)$/, ':4@$1');
    const child = spawn(faasmpirun, ['--cluster', 'omp-hosts-fault', '-H', `${at(hosts[0])},${at(hosts[1])}`, '--omp-spread', '-np', '1', wasm.omp_hosts_misuse, 'slow'], {
      env: { ...process.env, OMP_NUM_THREADS: '2', FAASMPI_CREDENTIALS: ca.user('alice') }, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const started = new Promise<void>((resolve) => child.stdout.on('data', (d) => { stdout += d; if (stdout.includes('region starts')) resolve(); }));
    const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await Promise.race([started, ended]);
    assert.match(stdout, /region starts/, stderr);
    await new Promise((r) => setTimeout(r, 1500)); // the region is under way on both hosts
    const killedAt = performance.now();
    hosts[1].child.kill('SIGKILL');
    const code = await Promise.race([ended, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    if (code === 'hung') child.kill('SIGKILL');
    assert.notEqual(code, 'hung', `the job did not end within 20 s of the host's death:\n${stderr}`);
    assert.notEqual(code, 0, stderr);
    assert.match(stderr, /host w2/, stderr);
    assert.doesNotMatch(stdout, /OK omp_hosts_misuse/);
    assert.ok(performance.now() - killedAt < 20_000);
  });
});
