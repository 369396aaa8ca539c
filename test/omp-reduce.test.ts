// Nowait reductions (every parallel reduction, and "for nowait") are combined by whichever thread arrives last,
// so the first to arrive need not wait for thread 0 twice (reduction, then join). The combination must still be
// in thread order (results independent of timing) and the reduction state must be safe to reuse at once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-omp-reduce-');
let program: string | undefined;
const binary = () => (program ??= build('omp_reduce_order.c', dir, ['-O2', '-fopenmp']));

function ompEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OMP_') && !k.startsWith('FAASMPI_OMP_')) env[k] = v;
  return { ...env, ...vars };
}

describe('nowait reductions combined by the last thread to arrive', () => {
  for (const [threads, policy] of [[3, 'passive'], [3, 'active'], [2, 'passive'], [4, 'passive'], [1, 'passive']] as const) {
    test(`OMP_NUM_THREADS=${threads}, OMP_WAIT_POLICY=${policy}: thread order whoever arrives last, back-to-back reuse`, { timeout: 120_000 }, () => {
      const r = faasmpiRun(['-np', '1', binary()], { env: ompEnv({ OMP_NUM_THREADS: String(threads), OMP_WAIT_POLICY: policy }), timeoutMs: 90_000 });
      assert.equal(r.status, 0, describeRun(r));
      assert.equal(r.stdout, `OK omp_reduce_order threads=${threads}\n`, describeRun(r));
    });
  }
});
