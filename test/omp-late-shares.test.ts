// A member that has not taken its share of a region by the join (asleep in a futex wait, descheduled on a busy
// machine, or still starting) has it run by the forker (openmp/thread.ts runLateShares): each share must still run
// exactly once, with its own thread number and its own threadprivate copy, and regions that need every member
// (barrier, reduction) must be unaffected. OMP_WAIT_POLICY=passive makes members sleep at once, so late shares
// are certain; the default policy is checked for correctness only.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-omp-late-');
let program: string | undefined;
const binary = () => (program ??= build('omp_late_shares.c', dir, ['-O2', '-fopenmp']));

function ompEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OMP_') && !k.startsWith('FAASMPI_OMP_')) env[k] = v;
  return { ...env, ...vars };
}

function run(threads: number, policy: string | undefined, args: string[]): number {
  const env = ompEnv({ OMP_NUM_THREADS: String(threads), ...(policy ? { OMP_WAIT_POLICY: policy } : {}) });
  const r = faasmpiRun(['-np', '1', binary(), ...args], { env, timeoutMs: 60_000 });
  assert.equal(r.status, 0, describeRun(r));
  const m = /^late=(\d+) threads=(\d+) ok\n$/.exec(r.stdout);
  assert.ok(m, describeRun(r));
  assert.equal(Number(m[2]), threads, describeRun(r));
  return Number(m[1]);
}

describe('shares of late threads run by the forker', () => {
  for (const threads of [2, 3]) {
    test(`passive waits, ${threads} threads: shares run for sleeping members, each exactly once, with their threadprivate data`, { timeout: 90_000 }, () => {
      assert.ok(run(threads, 'passive', ['tp']) > 0, 'no share was run by the forker although members sleep at once');
    });
  }
  test('passive waits, 2 threads, no threadprivate data', { timeout: 90_000 }, () => {
    assert.ok(run(2, 'passive', []) > 0);
  });
  test('default wait policy, 2 threads: same results whoever runs the shares', { timeout: 90_000 }, () => {
    run(2, undefined, ['tp']);
  });
});

// The self-checking construct programs of openmp.test.ts with members that sleep at once: every construct
// (loops of each schedule, ordered, sections, tasks, reductions, locks, nested teams, threadprivate, C++) with
// some of its shares run by the forker. (Nested active teams: a share is never run by the forker, or two teams
// that run at once would share threads; omp_threadprivate.c checks that.)
describe('construct programs with late members (OMP_WAIT_POLICY=passive, 3 threads)', () => {
  const built = new Map<string, string>();
  for (const source of ['omp_parallel.c', 'omp_loops.c', 'omp_reduction.c', 'omp_sync.c', 'omp_tasks.c', 'omp_threadprivate.c', 'omp_cpp.cpp']) {
    const name = source.replace(/\.(c|cpp)$/, '');
    test(name, { timeout: 120_000 }, () => {
      if (!built.has(source)) built.set(source, build(source, dir, ['-fopenmp']));
      const r = faasmpiRun(['-np', '1', built.get(source)!], { env: ompEnv({ OMP_NUM_THREADS: '3', OMP_WAIT_POLICY: 'passive' }), timeoutMs: 100_000 });
      assert.equal(r.status, 0, describeRun(r));
      assert.ok(r.stdout.includes(`OK ${name} threads=3`), describeRun(r));
    });
  }
});

// A late share run by the main thread still acts as its own thread: misuse is reported as that thread's, and MPI
// (MPI_THREAD_FUNNELED) refuses its calls as it would the thread's own.
describe('late shares act as their thread (OMP_WAIT_POLICY=passive)', () => {
  let misuse: string | undefined;
  const run = (mode: string) => faasmpiRun(['-np', '1', (misuse ??= build('omp_misuse.c', dir, ['-fopenmp']))!, mode], {
    env: ompEnv({ OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'passive' }), timeoutMs: 30_000,
  });
  for (let i = 0; i < 3; i++) {
    test(`unsetting a lock nobody holds names OpenMP thread 1 (run ${i + 1})`, { timeout: 60_000 }, () => {
      const r = run('unset');
      assert.equal(r.status, 1, describeRun(r));
      assert.match(r.stderr, /rank 0 OpenMP thread 1: omp_unset_lock: the lock is not set/, describeRun(r));
    });
    test(`an MPI call in thread 1's share is refused (run ${i + 1})`, { timeout: 60_000 }, () => {
      const r = run('mpi');
      assert.equal(r.status, 1, describeRun(r));
      assert.match(r.stderr, /called from OpenMP thread 1; MPI provides MPI_THREAD_FUNNELED/, describeRun(r));
      assert.doesNotMatch(r.stdout, /after the region/, describeRun(r));
    });
  }
});
