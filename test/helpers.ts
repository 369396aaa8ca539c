// Shared test plumbing: build C/C++ programs with our wrappers, run them with our launcher.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const programsDir = join(repoRoot, 'test/programs');
export const faasmpicc = join(repoRoot, 'toolchain/bin/faasmpicc');
export const faasmpicxx = join(repoRoot, 'toolchain/bin/faasmpicxx');
export const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');

/** A loopback TCP port that was free a moment ago (for servers a test starts: Redis, Slurm, host runtimes). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

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

export function describeRun(r: Run): string {
  return `status ${r.status} after ${Math.round(r.ms)} ms\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

export interface SelfCheckingProgram {
  name: string;
  what: string;
  timeoutMs: number;
}

/**
 * Self-checking MPI programs (test/programs/<name>.c): each prints "FAIL rank R: ..." for a failed check and,
 * on success, exactly "OK <name> rank R" per rank. Programs are built on first use, so one that does not
 * build fails only its own tests.
 */
export class SelfChecking {
  private readonly dir: string;
  private readonly built = new Map<string, string>();

  constructor(prefix: string) {
    this.dir = tempDir(prefix);
  }

  wasm(name: string): string {
    let path = this.built.get(name);
    if (!path) {
      path = build(`${name}.c`, this.dir);
      this.built.set(name, path);
    }
    return path;
  }

  /** Runs a program and asserts it passed on every rank; `launcher` adds faasmpirun options. */
  runsClean(name: string, np: number, timeoutMs: number, launcher: string[] = [], env?: NodeJS.ProcessEnv): void {
    const r = faasmpiRun([...launcher, '-np', String(np), this.wasm(name)], { timeoutMs, env });
    const failed = r.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    assert.deepEqual(failed, [], describeRun(r));
    assert.equal(r.status, 0, describeRun(r));
    const ok = sortedLines(Array.from({ length: np }, (_, rank) => `OK ${name} rank ${rank}\n`).join(''));
    assert.deepEqual(sortedLines(r.stdout), ok, describeRun(r));
  }

  /** One describe() per program, one test per rank count. */
  describeAll(programs: SelfCheckingProgram[], rankCounts = [1, 2, 3, 4]): void {
    for (const p of programs) {
      describe(`${p.name}: ${p.what}`, () => {
        for (const np of rankCounts) {
          test(`-np ${np}`, { timeout: p.timeoutMs + 30_000 }, () => this.runsClean(p.name, np, p.timeoutMs));
        }
      });
    }
  }
}
