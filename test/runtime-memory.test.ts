// Memory of a long-running host: jobs give their memory back when they end, caches are bounded, and a job's
// memory can be capped (a job over its cap ends with a message; the host goes on).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { JobSpec } from '../host/job.js';
import { LocalHost } from '../host/local-host.js';
import { ModuleCache } from '../faaslet/module-loader.js';
import { hostSpecs } from '../host-interface/index.js';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { faasmpi, launch, startHost, TestCA } from './cluster-hosts.js';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-rt-memory-');
let wasm: string;
before(() => {
  wasm = build('rt_alloc.c', dir);
});

function spec(args: string[], env: string[], extra: Partial<JobSpec> = {}): JobSpec {
  return {
    program: wasm, argv0: 'rt_alloc', args, np: 2, env: ['RT_ALLOC_QUIET=1', ...env], sandboxRoot: dir, tagOutput: false,
    useSnapshots: true, stdin: { kind: 'null' }, deadlockTimeoutMs: 5000, ...extra,
  };
}

const rssMiB = () => Math.round(process.memoryUsage().rss / 1048576);

test('100 varied jobs through one host: its memory stays bounded', { timeout: 300_000 }, async () => {
  // Every job has its own argv and environment (its own snapshot, ~4.3 MB); its 2 ranks allocate 1-121 MiB.
  const host = new LocalHost({ warm: 2, snapshots: { maxBytes: 64 << 20 } });
  try {
    assert.equal((await host.runJob(spec(['1', 'first'], []))).exitCode, 0);
    const before = rssMiB();
    let peak = before;
    for (let i = 0; i < 100; i++) {
      const r = await host.runJob(spec([String(1 + (i % 7) * 20), `job${i}`], [`JOB=${i}`]));
      assert.equal(r.exitCode, 0, JSON.stringify(r));
      peak = Math.max(peak, rssMiB());
    }
    await new Promise((r) => setTimeout(r, 200));
    const afterJobs = rssMiB();
    console.log(`# RSS after 1 job ${before} MiB, peak ${peak} MiB, after 100 more ${afterJobs} MiB`);
    // Before jobs gave memory back, each added ~135 MB (+13 GB over 100 jobs). Now the host holds at most the
    // snapshot cache (64 MiB here) and under 128 MiB of not yet collected memories per thread (3 threads).
    assert.ok(afterJobs - before < 512, `RSS grew from ${before} to ${afterJobs} MiB`);
  } finally {
    await host.close();
  }
});

test('a job over its memory cap ends with a clear message; the host runs the next job', { timeout: 120_000 }, async () => {
  const host = new LocalHost({ warm: 2, maxJobMemoryBytes: 256 << 20 });
  try {
    const over = await host.runJob(spec(['200'], [], { maxMemoryBytes: 128 << 20 }));
    assert.notEqual(over.exitCode, 0);
    assert.match(over.memoryNote ?? '', /memory cap of 128 MiB \(64 MiB per rank; rank \d had grown to [\d.]+ MiB\)/);
    // Over the host's limit: refused before anything runs.
    await assert.rejects(host.runJob(spec(['1'], [], { maxMemoryBytes: 1 << 30 })), /asks for 1024 MiB of memory; this host allows a job at most 256 MiB/);
    // The host's default cap applies to a job that sets none: 100 MiB fits in 128 MiB per rank.
    const next = await host.runJob(spec(['100'], []));
    assert.equal(next.exitCode, 0, JSON.stringify(next));
    assert.equal(next.memoryNote, undefined);
  } finally {
    await host.close();
  }
});

test('a host memory budget: each running job\'s cap is set aside; a job that does not fit is refused, then fits', { timeout: 120_000 }, async () => {
  const host = new LocalHost({ warm: 2, maxHostMemoryBytes: 192 << 20 });
  try {
    // The first job holds its 128 MiB while it runs (it starts from a snapshot taken before).
    assert.equal((await host.runJob(spec(['1'], [], { maxMemoryBytes: 128 << 20 }))).exitCode, 0);
    const first = host.runJob(spec(['30'], [], { maxMemoryBytes: 128 << 20 }));
    await assert.rejects(host.runJob(spec(['1'], [], { maxMemoryBytes: 128 << 20 })), /this host has 64 MiB of its 192 MiB memory budget free; the job's ranks here may use up to 128 MiB/);
    assert.equal((await first).exitCode, 0);
    // Given back when it ended; a job without a cap of its own gets the whole budget as its cap.
    assert.equal((await host.runJob(spec(['1'], [], { maxMemoryBytes: 128 << 20 }))).exitCode, 0);
    const uncapped = await host.runJob(spec(['200'], []));
    assert.notEqual(uncapped.exitCode, 0);
    assert.match(uncapped.memoryNote ?? '', /memory cap of 192 MiB/);
    // Nonsense limits from a launcher are refused.
    await assert.rejects(host.runJob(spec(['1'], [], { maxMemoryBytes: -5 })), /the job's memory cap is not a positive number of bytes: -5/);
    await assert.rejects(host.runJob(spec(['1'], [], { initTimeoutMs: Number.NaN })), /initialisation time limit is not a positive number/);
  } finally {
    await host.close();
  }
});

test('faasmpirun --max-memory: the rank says what failed, the launcher names the cap', { timeout: 60_000 }, () => {
  const r = faasmpiRun(['--max-memory', '64M', '-np', '2', wasm, '100'], { timeoutMs: 60_000 });
  assert.notEqual(r.status, 0, describeRun(r));
  assert.match(r.stderr, /rt_alloc: cannot allocate 100 MiB/, describeRun(r));
  assert.match(r.stderr, /faasmpirun: the job ran with a memory cap of 64 MiB \(32 MiB per rank/, describeRun(r));
  const bad = faasmpiRun(['--max-memory', 'lots', wasm]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--max-memory needs a size such as 512M or 2G, got 'lots'/);
  const tiny = faasmpiRun(['--max-memory', '1M', '-np', '2', wasm, '1']);
  assert.equal(tiny.status, 1);
  assert.match(tiny.stderr, /faasmpirun: the job's memory cap \(1 MiB for 2 rank\(s\)\) leaves each rank 0.5 MiB, less than the [\d.]+ MiB its program needs to start/);
});

test('faasmpi host --max-job-memory / --max-host-memory: the operator caps jobs a host runs; bad sizes are refused', { timeout: 120_000 }, async () => {
  const ca = new TestCA();
  const bad = spawnSync(faasmpi, ['host', '--tls-dir', ca.host('m0'), '--max-job-memory', 'lots'], { encoding: 'utf8' });
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--max-job-memory needs a size such as 512M or 2G, got 'lots'/);
  const host = await startHost({ id: 'm1', cluster: 'memory-test', ca, extra: ['--max-job-memory', '64M', '--max-host-memory', '96M'] });
  const env = { ...process.env, FAASMPI_CREDENTIALS: ca.user('alice') };
  const run = (args: string[]) => launch(['--hosts', host.address.replace(/:(\d+)$/, '@$1'), ...args], env);
  try {
    // A job that sets no cap gets the host's: 100 MiB in one of its 2 ranks does not fit in 32 MiB each.
    const capped = await run(['-np', '2', wasm, '100']);
    assert.notEqual(capped.status, 0, capped.stderr);
    assert.match(capped.stderr, /rt_alloc: cannot allocate 100 MiB/);
    const asking = await run(['--max-memory', '128M', '-np', '1', wasm, '1']);
    assert.equal(asking.status, 1);
    assert.match(asking.stderr, /the job asks for 128 MiB of memory; this host allows a job at most 64 MiB/);
    const fits = await run(['-np', '2', wasm, '10']);
    assert.equal(fits.status, 0, fits.stderr);
    assert.match(fits.stdout, /allocated 10 MiB/);
  } finally {
    host.child.kill('SIGKILL');
  }
});

test('the module cache keeps the most recently used modules within its count and byte limits', async () => {
  const bytes = new Uint8Array(readFileSync(wasm));
  // Distinct modules of the same program: each with its own custom section appended (id 0, size 2, name "a".."d").
  const variant = (i: number) => Uint8Array.from([...bytes, 0, 2, 1, 0x61 + i]);
  const [a, b, c] = [0, 1, 2].map(variant);
  const byCount = new ModuleCache(hostSpecs, { maxModules: 2 });
  const first = byCount.loadBytes(a, 'a.wasm');
  await first;
  await byCount.loadBytes(b, 'b.wasm');
  const third = byCount.loadBytes(c, 'c.wasm');
  await third;
  assert.equal(byCount.size, 2);
  assert.equal(byCount.loadBytes(c, 'c.wasm'), third, 'a kept module is not compiled again');
  assert.notEqual(byCount.loadBytes(a, 'a.wasm'), first, 'the least recently used module was dropped');
  const byBytes = new ModuleCache(hostSpecs, { maxBytes: Math.floor(bytes.length * 1.5) });
  await byBytes.loadBytes(a, 'a.wasm');
  await byBytes.loadBytes(b, 'b.wasm');
  assert.equal(byBytes.size, 1, 'two modules do not fit in 1.5 modules of bytes');
  const tiny = new ModuleCache(hostSpecs, { maxBytes: 1 });
  await tiny.loadBytes(a, 'a.wasm');
  assert.equal(tiny.size, 1, 'a module larger than the budget still loads, alone');
});
