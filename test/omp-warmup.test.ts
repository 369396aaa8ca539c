// OpenMP fast from the first region of a fresh job (issue 15): the threads of the first region start while main
// runs (before it), and every thread warms the runtime's JS with a private synthetic run before its first work.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { warmUp } from '../openmp/warm-up.js';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-omp-warmup-');
let prestart: string | undefined;
const program = () => (prestart ??= build('omp_prestart.c', dir, ['-fopenmp']));

function ompEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OMP_') && !k.startsWith('FAASMPI_OMP_')) env[k] = v;
  return { ...env, ...vars };
}

describe('threads of the first region start before it', () => {
  for (const n of [1, 2, 3]) {
    test(`OMP_NUM_THREADS=${n}: all up before any construct, the first region starts none, a larger team gets more`, { timeout: 90_000 }, () => {
      const r = faasmpiRun(['-np', '1', program()], { env: ompEnv({ OMP_NUM_THREADS: String(n) }) });
      assert.equal(r.status, 0, describeRun(r));
      assert.equal(r.stdout, `OK omp_prestart threads=${n}\n`, describeRun(r));
    });
  }

  test('without warm-up (FAASMPI_OMP_WARMUP_MS=0) the threads still start early', { timeout: 90_000 }, () => {
    const r = faasmpiRun(['-np', '1', program()], { env: ompEnv({ OMP_NUM_THREADS: '2', FAASMPI_OMP_WARMUP_MS: '0' }) });
    assert.equal(r.status, 0, describeRun(r));
    assert.equal(r.stdout, 'OK omp_prestart threads=2\n', describeRun(r));
  });

  test('-np 2: each rank gets its own early threads', { timeout: 90_000 }, () => {
    const r = faasmpiRun(['-np', '2', program()], { env: ompEnv({ OMP_NUM_THREADS: '2' }) });
    assert.equal(r.status, 0, describeRun(r));
    assert.equal(r.stdout, 'OK omp_prestart threads=2\n'.repeat(2), describeRun(r));
  });

  test('a program that never forks ends at once: its waiting threads do not keep the job alive', { timeout: 90_000 }, () => {
    const r = faasmpiRun(['-np', '1', program(), 'none'], { env: ompEnv({ OMP_NUM_THREADS: '4' }), timeoutMs: 20_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.equal(r.stdout, 'OK omp_prestart none threads=4\n', describeRun(r));
  });
});

describe('warm-up', () => {
  test('runs synthetic regions on private state and stops when interrupted', () => {
    assert.ok(warmUp({ minMs: 5, maxMs: 5 }) > 0);
    assert.equal(warmUp({ minMs: 1000, maxMs: 1000, interrupt: () => true }), 0);
    let asked = 0;
    const n = warmUp({ minMs: 0, maxMs: 10_000, enough: () => ++asked > 3 });
    assert.ok(n > 0 && asked === 4, `ran ${n} regions, asked ${asked} times`);
  });

  // V8 optimises a function only after enough runs, and drops optimised code whose assumptions break: the warm-up
  // is worth something only if it drives the runtime's own hot paths until V8 has optimised them.
  test('V8 optimises the fork, join, barrier, single and reduction paths during the warm-up', { timeout: 90_000 }, () => {
    const code = `
      import { warmUp } from ${JSON.stringify(new URL('../openmp/warm-up.js', import.meta.url).href)};
      import { OmpThread } from ${JSON.stringify(new URL('../openmp/thread.js', import.meta.url).href)};
      const status = new Function('f', 'return %GetOptimizationStatus(f)');
      const P = OmpThread.prototype;
      // (Small helpers such as callMicrotask are inlined into these and may never be optimised on their own.)
      const fns = { fork: P.fork, runRegion: P.runRegion, barrier: P.barrier, single: P.single, reduce: P.reduce, reduceNowait: P.reduceNowait };
      const optimised = () => Object.values(fns).every((f) => (status(f) & 16) !== 0);
      const regions = warmUp({ minMs: 0, maxMs: 30000, enough: optimised });
      console.log(JSON.stringify({ regions, optimised: Object.fromEntries(Object.entries(fns).map(([k, f]) => [k, (status(f) & 16) !== 0])) }));`;
    const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { regions: number; optimised: Record<string, boolean> };
    assert.deepEqual(Object.entries(out.optimised).filter(([, ok]) => !ok).map(([k]) => k), [], `not optimised after ${out.regions} regions`);
  });
});
