// The decision to give every module a shared (SharedArrayBuffer) memory, measured: the same compute kernel
// built by faasmpicc (imported shared memory) and as a plain wasm32-wasi command (own, unshared memory),
// both run by faasmpirun, and natively.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildNative, buildPlainWasm, buildWasm, repoRoot } from './build.js';
import type { BenchmarkResult } from './result.js';

const RUNS = 5;

function kernelMs(cmd: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(cmd, args, { encoding: 'utf8' });
    const m = /kernel_ms ([\d.]+)/.exec(out);
    if (!m) throw new Error(`no kernel_ms in output of ${cmd}: ${out}`);
    times.push(Number(m[1]));
  }
  return Math.min(...times);
}

export async function run(): Promise<BenchmarkResult> {
  const shared = buildWasm('kernel.c');
  const plain = buildPlainWasm('kernel.c');
  const native = buildNative('kernel.c');
  const runner = join(repoRoot, 'cli/bin/faasmpirun');
  const nativeMs = kernelMs(native, []);
  const sharedMs = kernelMs(runner, [shared]);
  const plainMs = kernelMs(runner, [plain]);
  return {
    name: 'shared-memory',
    title: 'Shared vs unshared linear memory (compute kernel, best of 5)',
    rows: [
      { metric: 'kernel, faasmpicc build (shared imported memory)', unit: 'ms', ours: sharedMs, native: nativeMs },
      { metric: 'kernel, plain wasm32-wasi build (unshared memory)', unit: 'ms', ours: plainMs, native: nativeMs },
      { metric: 'shared / unshared', unit: 'x', ours: sharedMs / plainMs },
    ],
    notes: ['Kernel: 200 Jacobi sweeps over 512x512 doubles, then 20M dependent loads over a 16 MiB table; both wasm builds at -O2.'],
  };
}
