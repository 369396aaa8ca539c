// Faaslet cold start: fresh (instantiate + constructors) vs restored from a snapshot, the full path through a
// warm worker, memory per idle Faaslet and how many one host process holds. Native baseline: spawning the same
// program as a native process. Job start-up through faasmpirun against mpirun: experiments/start-up.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import b from 'benny';
import { LocalHost } from '../host/local-host.js';
import { buildNative, buildWasm } from './build.js';
import { FaasletFactory } from './faaslet-factory.js';
import type { BenchmarkResult, Row } from './result.js';
import { startUpRows } from './start-up.js';

const FAASM = { freshMs: 5.2, restoreMs: 0.5, freshKB: 200, restoreKB: 90 };

async function startTimes(label: string, wasm: string): Promise<Row[]> {
  const factory = await FaasletFactory.load(wasm);
  const snapshot = factory.snapshot();
  const summary = await b.suite(
    `cold start (${label})`,
    b.add('fresh', () => void factory.fresh()),
    b.add('restore', () => void factory.create(snapshot)),
    b.configure({ cases: { minSamples: 30, maxTime: 3 } }),
  );
  const meanMs = (name: string) => 1000 * summary.results.find((r) => r.name === name)!.details.mean;
  return [
    { metric: `${label}: fresh start (instantiate + constructors)`, unit: 'ms', ours: meanMs('fresh'), reference: FAASM.freshMs },
    { metric: `${label}: restore from snapshot`, unit: 'ms', ours: meanMs('restore'), reference: FAASM.restoreMs },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Whole start through the host: post a task to a warm worker, start the Faaslet, run main, report back. */
async function startThroughHost(wasm: string, native: string): Promise<Row> {
  const host = new LocalHost();
  const spec = { program: wasm, argv0: 'empty', args: [], np: 1, env: [], sandboxRoot: process.cwd(), tagOutput: false, useSnapshots: true, stdin: { kind: 'null' as const }, deadlockTimeoutMs: 10_000 };
  for (let i = 0; i < 20; i++) await host.runJob(spec);
  const ours: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await host.runJob(spec);
    ours.push(performance.now() - t0);
  }
  await host.close();
  const nat: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    spawnSync(native);
    nat.push(performance.now() - t0);
  }
  return { metric: 'start and run an empty main (median): Faaslet via warm worker vs native process spawn', unit: 'ms', ours: median(ours), native: median(nat) };
}

function idle(wasm: string, mode: 'fresh' | 'restore'): { bytesEach: number; held: number; limit: string } {
  const child = fileURLToPath(new URL('./idle-faaslets.js', import.meta.url));
  const out = execFileSync(process.execPath, ['--expose-gc', child, wasm, mode, '500', '60'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

export async function run(): Promise<BenchmarkResult> {
  const hello = buildWasm('hello.c');
  const startup = buildWasm('startup.cpp');
  const empty = buildWasm('empty.c');
  const emptyNative = buildNative('empty.c');
  const rows: Row[] = [...(await startTimes('hello.c', hello)), ...(await startTimes('startup.cpp', startup))];
  rows.push(await startThroughHost(empty, emptyNative));
  const fresh = idle(hello, 'fresh');
  const restored = idle(hello, 'restore');
  rows.push(
    { metric: 'memory per idle Faaslet, fresh (hello.c)', unit: 'KiB', ours: fresh.bytesEach / 1024, reference: FAASM.freshKB },
    { metric: 'memory per idle Faaslet, restored (hello.c)', unit: 'KiB', ours: restored.bytesEach / 1024, reference: FAASM.restoreKB },
    { metric: 'idle Faaslets held by one host process (restored, 60 s cap)', unit: 'Faaslets', ours: restored.held, note: `stopped by: ${restored.limit}` },
  );
  const startUp = await startUpRows();
  rows.push(...startUp.rows);
  return {
    name: 'cold-start',
    title: 'Faaslet cold start and footprint',
    rows,
    notes: [
      'Fresh and restore are measured in one thread with benny (instantiate from the cached compiled module; restore copies only the non-zero pages of the snapshot).',
      'Reference column: figures published for Faasm (fresh 5.2 ms, restore 0.5 ms, 200 KB / 90 KB per Faaslet).',
      'Memory per idle Faaslet is the RSS growth of a process holding 500 more Faaslets, divided by 500.',
      ...startUp.notes,
    ],
  };
}
