// Initialisation on a long-running host: constructors run exactly as often as natively, and a program whose
// constructors never return is stopped after a time limit instead of holding a worker forever.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { JobSpec } from '../host/job.js';
import { LocalHost } from '../host/local-host.js';
import { PrepareAbandoned, PrepareTimeout } from '../host/snapshot-cache.js';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-rt-init-');
const host = new LocalHost({ warm: 1 });
after(() => host.close());

function spec(program: string, env: string[], initTimeoutMs?: number): JobSpec {
  return {
    program, argv0: 'prog', args: [], np: 2, env, sandboxRoot: dir, tagOutput: false, useSnapshots: true,
    stdin: { kind: 'null' }, deadlockTimeoutMs: 5000, initTimeoutMs,
  };
}

test('a constructor writing to a file and to stdout runs exactly np times (no extra run for the snapshot)', () => {
  const wasm = build('rt_ctor_effects.c', dir);
  const work = tempDir('faasmpi-rt-ctor-');
  const r = faasmpiRun(['-v', '-np', '3', wasm], { cwd: work, timeoutMs: 60_000 });
  assert.equal(r.status, 0, describeRun(r));
  assert.equal(readFileSync(join(work, 'ctor.log'), 'utf8'), 'constructor\n'.repeat(3));
  assert.equal(r.stdout.split('\n').filter((l) => l === 'constructor ran').length, 3, describeRun(r));
  assert.equal(r.stdout.split('\n').filter((l) => l === 'main ran').length, 3, describeRun(r));
  assert.match(r.stderr, /fresh start: initialisation calls wasi_snapshot_preview1\.path_open/, describeRun(r));
});

test('constructors that never return end the job with a clear message; the module then runs normally', { timeout: 120_000 }, () => {
  const wasm = build('rt_ctor_spin.c', dir);
  const spun = faasmpiRun(['--init-timeout', '1', '-x', 'SPIN=1', '-np', '2', wasm], { timeoutMs: 60_000 });
  assert.equal(spun.status, 1, describeRun(spun));
  assert.match(spun.stderr, /faasmpirun: the program's initialisation \(its constructors\) did not finish within 1 s; it was stopped \(--init-timeout S sets the limit\)/);
  assert.doesNotMatch(spun.stderr, /\n\s+at /, 'no JS stack trace');
  const fixed = faasmpiRun(['--init-timeout', '1', '-np', '2', wasm, 'a'], { timeoutMs: 60_000 });
  assert.equal(fixed.status, 0, describeRun(fixed));
  assert.equal(fixed.stdout, 'main ran argc=2\n'.repeat(2));
});

test('one host: a spinning preparation is stopped by its time limit or its job\'s abort, and frees its worker', { timeout: 120_000 }, async () => {
  const wasm = build('rt_ctor_spin.c', dir);
  // Time limit.
  await assert.rejects(host.runJob(spec(wasm, ['SPIN=1'], 500)), PrepareTimeout);
  // The launcher goes away while the constructors spin: the job stops waiting at once.
  const gone = new AbortController();
  const t0 = Date.now();
  const abandoned = host.runJob(spec(wasm, ['SPIN=2'], 600_000), gone.signal);
  setTimeout(() => gone.abort(), 300);
  await assert.rejects(abandoned, PrepareAbandoned);
  assert.ok(Date.now() - t0 < 10_000);
  // The same inputs again: a new preparation (not the abandoned one), stopped by its own limit.
  await assert.rejects(host.runJob(spec(wasm, ['SPIN=2'], 500)), PrepareTimeout);
  // Nothing is left spinning: the host still runs jobs of the module.
  const ok = await host.runJob(spec(wasm, []));
  assert.equal(ok.exitCode, 0);
  // Its constructor reads the environment (getenv("SPIN")): the ranks run it themselves, each with its own.
  assert.equal(ok.snapshot.used, false);
  assert.match(ok.snapshot.note, /reads the environment/);
});
