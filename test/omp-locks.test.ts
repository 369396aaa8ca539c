// Critical sections and simple locks take a free lock inside the module (toolchain/guest/omp_locks.c) and call
// the host only to wait for a held one or to wake a sleeper: a host call per section cost microseconds in a
// fresh job. These tests check that the fast path is really in the module, that waiting and waking still work
// (passive waits make every blocked thread sleep), and that misuse still reaches the host's checks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-omp-locks-');
let program: string | undefined;
const binary = () => (program ??= build('omp_locks_guest.c', dir, ['-O2', '-fopenmp']));

function ompEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OMP_') && !k.startsWith('FAASMPI_OMP_')) env[k] = v;
  return { ...env, ...vars };
}

function run(vars: Record<string, string>, args: string[] = []) {
  return faasmpiRun(['-np', '1', binary(), ...args], { env: ompEnv(vars), timeoutMs: 60_000 });
}

describe('critical sections and locks in the module', () => {
  // omp_set_lock and friends stay imported: the module's versions hand misuse to them (see the last tests).
  test('the module enters and leaves critical sections itself: no host import for them, only the slow paths', { timeout: 90_000 }, () => {
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(binary())))
      .filter((i) => i.module === 'faasmpi_omp').map((i) => i.name);
    for (const name of ['__kmpc_critical', '__kmpc_end_critical']) {
      assert.ok(!imports.includes(name), `${name} is still a host call: ${imports.join(' ')}`);
    }
    assert.ok(imports.includes('faasmpi_omp_lock_wait') && imports.includes('faasmpi_omp_lock_wake'), imports.join(' '));
  });

  for (const [threads, policy] of [[2, 'passive'], [3, 'passive'], [2, 'active'], [1, 'passive']] as const) {
    test(`OMP_NUM_THREADS=${threads}, OMP_WAIT_POLICY=${policy}: exact counts, mutual exclusion, omp_test_lock`, { timeout: 90_000 }, () => {
      const r = run({ OMP_NUM_THREADS: String(threads), OMP_WAIT_POLICY: policy });
      assert.equal(r.status, 0, describeRun(r));
      assert.equal(r.stdout, `OK omp_locks_guest threads=${threads}\n`, describeRun(r));
    });
  }

  test('setting a destroyed lock ends the job, naming omp_set_lock', { timeout: 90_000 }, () => {
    const r = run({ OMP_NUM_THREADS: '2' }, ['destroyed']);
    assert.notEqual(r.status, 0, describeRun(r));
    assert.match(r.stderr, /omp_set_lock: the lock was not initialised/, describeRun(r));
    assert.doesNotMatch(r.stdout, /set a destroyed lock/);
  });

  test('unsetting a lock that was never initialised ends the job, naming omp_unset_lock', { timeout: 90_000 }, () => {
    const r = run({ OMP_NUM_THREADS: '2' }, ['uninit']);
    assert.notEqual(r.status, 0, describeRun(r));
    assert.match(r.stderr, /omp_unset_lock: the lock was not initialised/, describeRun(r));
    assert.doesNotMatch(r.stdout, /unset an uninitialised lock/);
  });
});
