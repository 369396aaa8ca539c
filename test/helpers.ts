// Shared test plumbing: build C/C++ programs with our wrappers, run them with our launcher.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const programsDir = join(repoRoot, 'test/programs');
export const faasmpicc = join(repoRoot, 'toolchain/bin/faasmpicc');
export const faasmpicxx = join(repoRoot, 'toolchain/bin/faasmpicxx');
export const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');

export function tempDir(prefix = 'faasmpi-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
  const t0 = performance.now();
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd: opts.cwd, encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, env: opts.env ?? process.env, input: opts.input ?? '',
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

/** Compiles test/programs/<source> (C or C++ by extension) into dir; throws with clang's output on failure. */
export function build(source: string, dir: string, extraFlags: string[] = []): string {
  const out = join(dir, source.replace(/\.(c|cpp|cc)$/, '.wasm'));
  const cc = /\.(cpp|cc)$/.test(source) ? faasmpicxx : faasmpicc;
  const r = run(cc, ['-O2', ...extraFlags, join(programsDir, source), '-o', out]);
  if (r.status !== 0) throw new Error(`building ${source} failed:\n${r.stderr}${r.stdout}`);
  return out;
}

export function faasmpiRun(args: string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
  return run(faasmpirun, args, opts);
}

export function sortedLines(s: string): string[] {
  return s.split('\n').filter((l) => l.length > 0).sort();
}
