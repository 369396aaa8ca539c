// OpenMP, end to end: self-checking C/C++ programs in test/programs/omp_*.c(pp) built with faasmpicc -fopenmp and
// run with faasmpirun at 1, 2 and 4 threads (OMP_NUM_THREADS, forwarded by default). Each program prints
// "FAIL: <what> expected X got Y" for a failed check and exits 1; on success it prints exactly
// "OK <program> threads=N". Every program also passes natively (clang-19 -fopenmp with libomp; omp_hybrid with
// Open MPI) at 1, 2 and 4 threads. Also: the OMP_* variables reach the runtime, MPI + OpenMP in one job, a
// construct the runtime does not support is refused by name, and a failing OpenMP thread ends the job.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { build, describeRun, faasmpiRun, sortedLines, tempDir, type Run } from './helpers.js';

const dir = tempDir('faasmpi-omp-');
const built = new Map<string, string>();

/** Builds test/programs/<source> with -fopenmp on first use, so a program that does not build fails only its own tests. */
function wasm(source: string): string {
  let path = built.get(source);
  if (!path) {
    path = build(source, dir, ['-fopenmp']);
    built.set(source, path);
  }
  return path;
}

/** Our environment without any OMP_* (the shell running the tests must not change what the programs see), plus vars. */
function ompEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OMP_')) env[k] = v;
  return { ...env, ...vars };
}

function runOmp(source: string, opts: { np?: number; args?: string[]; vars?: Record<string, string>; launcher?: string[]; timeoutMs?: number } = {}): Run {
  const args = ['-np', String(opts.np ?? 1), ...(opts.launcher ?? []), wasm(source), ...(opts.args ?? [])];
  return faasmpiRun(args, { env: ompEnv(opts.vars ?? {}), timeoutMs: opts.timeoutMs ?? 30_000 });
}

/** A clean self-checking run: no FAIL line, status 0, and exactly the expected OK lines (any order). */
function assertOk(r: Run, okLines: string[]): void {
  const failed = r.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
  assert.deepEqual(failed, [], describeRun(r));
  assert.equal(r.status, 0, describeRun(r));
  assert.deepEqual(sortedLines(r.stdout), sortedLines(okLines.map((l) => `${l}\n`).join('')), describeRun(r));
}

const threadCounts = [1, 2, 4];
const selfChecking = [
  { source: 'omp_parallel.c', what: 'team sizes, num_threads, if, levels/ancestors/team sizes, nesting, proc_bind, master/masked, barrier, flush, wtime, dynamic' },
  { source: 'omp_loops.c', what: 'every schedule over int/unsigned/long long/unsigned long long up and down, collapse, nowait, lastprivate, firstprivate, ordered, sections, single, copyprivate' },
  { source: 'omp_reduction.c', what: 'all operators on char..double, on parallel/for/for nowait, several at once, array sections, declare reduction' },
  { source: 'omp_sync.c', what: 'critical (unnamed, named, hint), atomic update/read/write/capture/compare, simple and nested locks, barriers in loops' },
  { source: 'omp_tasks.c', what: 'task data, taskwait, recursive tasks, taskgroup, if(0), final, mergeable, taskyield, depend, taskloop grainsize/num_tasks' },
  { source: 'omp_threadprivate.c', what: 'threadprivate globals and statics, persistence across regions, copyin, copyprivate, _Thread_local per thread' },
  { source: 'omp_cpp.cpp', what: 'C++: vectors, a std::map behind a critical section, strings, conditional lastprivate, class reductions, tasks, threadprivate objects' },
];

for (const p of selfChecking) {
  const name = p.source.replace(/\.(c|cpp)$/, '');
  describe(`${name}: ${p.what}`, () => {
    for (const n of threadCounts) {
      test(`OMP_NUM_THREADS=${n}`, { timeout: 90_000 }, () => {
        assertOk(runOmp(p.source, { vars: { OMP_NUM_THREADS: String(n) } }), [`OK ${name} threads=${n}`]);
      });
    }
  });
}

describe('omp_env: OMP_* variables reach the runtime', () => {
  const cases: { vars: Record<string, string>; args: string[]; threads: number; what: string }[] = [
    { what: 'OMP_NUM_THREADS=3', vars: { OMP_NUM_THREADS: '3' }, args: ['expect-threads=3'], threads: 3 },
    { what: 'OMP_SCHEDULE=dynamic,4', vars: { OMP_NUM_THREADS: '2', OMP_SCHEDULE: 'dynamic,4' }, args: ['expect-schedule=dynamic,4'], threads: 2 },
    { what: 'OMP_DYNAMIC=true', vars: { OMP_NUM_THREADS: '3', OMP_DYNAMIC: 'true' }, args: ['expect-dynamic=1', 'expect-threads=3'], threads: 3 },
    { what: 'OMP_MAX_ACTIVE_LEVELS=2', vars: { OMP_NUM_THREADS: '2', OMP_MAX_ACTIVE_LEVELS: '2' }, args: ['expect-max-active-levels=2'], threads: 2 },
    { what: 'OMP_NUM_THREADS=2,3 (a list: the inner level gets 3)', vars: { OMP_NUM_THREADS: '2,3' }, args: ['expect-threads=2', 'expect-nested=2,3'], threads: 2 },
    { what: 'OMP_STACKSIZE=4M (a thread uses 3 MiB of stack)', vars: { OMP_NUM_THREADS: '2', OMP_STACKSIZE: '4M' }, args: ['expect-stack=3M'], threads: 2 },
  ];
  for (const c of cases) {
    test(c.what, { timeout: 90_000 }, () => {
      assertOk(runOmp('omp_env.c', { vars: c.vars, args: c.args }), [`OK omp_env threads=${c.threads}`]);
    });
  }

  test('-x OMP_NUM_THREADS=3 sets the thread count too', { timeout: 90_000 }, () => {
    assertOk(runOmp('omp_env.c', { launcher: ['-x', 'OMP_NUM_THREADS=3'], args: ['expect-threads=3'] }), ['OK omp_env threads=3']);
  });
});

describe('omp_hybrid: MPI + OpenMP', () => {
  test('-np 2, OMP_NUM_THREADS=2: FUNNELED, teams reduce, ranks Allreduce, master makes MPI calls', { timeout: 90_000 }, () => {
    assertOk(runOmp('omp_hybrid.c', { np: 2, vars: { OMP_NUM_THREADS: '2' } }), ['OK omp_hybrid rank 0', 'OK omp_hybrid rank 1']);
  });

  test('MPI_THREAD_MULTIPLE requested: what is provided is reported, and it is not MULTIPLE', { timeout: 90_000 }, () => {
    const r = runOmp('omp_hybrid.c', { np: 2, vars: { OMP_NUM_THREADS: '2' }, args: ['request=multiple', 'max-provided=serialized'] });
    assertOk(r, ['OK omp_hybrid rank 0', 'OK omp_hybrid rank 1']);
  });
});

describe('what the OpenMP runtime refuses or survives', () => {
  test('a host teams region (__kmpc_fork_teams) fails the job with a message naming teams', { timeout: 90_000 }, () => {
    const r = runOmp('omp_unsupported.c', { vars: { OMP_NUM_THREADS: '2' }, timeoutMs: 20_000 });
    assert.notEqual(r.status, 0, describeRun(r));
    assert.notEqual(r.status, null, `killed by the test's timeout: ${describeRun(r)}`);
    assert.match(r.stderr, /teams/, describeRun(r));
    assert.doesNotMatch(r.stdout, /^OK /m, describeRun(r));
  });

  test('a trap on OpenMP thread 1 ends the job quickly, naming the trap', { timeout: 90_000 }, () => {
    const r = runOmp('omp_trap.c', { timeoutMs: 20_000 });
    assert.notEqual(r.status, 0, describeRun(r));
    assert.notEqual(r.status, null, `killed by the test's timeout: ${describeRun(r)}`);
    assert.match(r.stderr, /trap/i, describeRun(r));
    assert.match(r.stderr, /unreachable/, describeRun(r));
    assert.match(r.stdout, /before the region/, describeRun(r));
    assert.doesNotMatch(r.stdout, /after the region/, describeRun(r));
    assert.ok(r.ms < 5000, `took ${Math.round(r.ms)} ms: ${describeRun(r)}`);
  });

  test('exit(3) on OpenMP thread 1 ends the job with status 3', { timeout: 90_000 }, () => {
    const r = runOmp('omp_trap.c', { args: ['exit'], timeoutMs: 20_000 });
    assert.equal(r.status, 3, describeRun(r));
    assert.doesNotMatch(r.stdout, /after the region/, describeRun(r));
    assert.ok(r.ms < 5000, `took ${Math.round(r.ms)} ms: ${describeRun(r)}`);
  });

  test('unsetting a lock nobody holds ends the job, naming the call and the thread', { timeout: 90_000 }, () => {
    const r = runOmp('omp_misuse.c', { args: ['unset'], timeoutMs: 20_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stderr, /rank 0 OpenMP thread \d+: omp_unset_lock: the lock is not set/, describeRun(r));
    assert.doesNotMatch(r.stdout, /after the region/, describeRun(r));
  });

  test('an MPI call from a non-main OpenMP thread ends the job, saying only the main thread may call MPI', { timeout: 90_000 }, () => {
    const r = runOmp('omp_misuse.c', { args: ['mpi'], timeoutMs: 20_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stderr, /MPI_Barrier called from OpenMP thread \d+.*MPI_THREAD_FUNNELED/, describeRun(r));
  });

  test('an invalid OMP_NUM_THREADS is refused with a message naming it', { timeout: 90_000 }, () => {
    const r = runOmp('omp_misuse.c', { vars: { OMP_NUM_THREADS: 'lots' }, timeoutMs: 20_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stderr, /OMP_NUM_THREADS=lots: expected a positive integer/, describeRun(r));
  });
});
