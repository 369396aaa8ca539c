// Rank migration on one host (issue 11, first part): unmodified self-checking MPI programs built with
// faasmpicc -fmigrate, run with faasmpirun --pack-at-barrier K, which moves every rank into a fresh Faaslet
// at the K-th all-rank MPI_Barrier (its wasm stack unwound and rewound by Asyncify, its memory shipped as a diff,
// its MPI objects carried). Each run is compared with an unmigrated run of the same program.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { describeRun, faasmpicc, faasmpicxx, faasmpiRun, programsDir, tempDir } from './helpers.js';

/** As helpers.build, with room for binaryen's Asyncify pass on a loaded machine (C++ takes longest). */
function build(source: string, out: string, flags: string[]): string {
  const target = join(out, source.replace(/\.(c|cpp)$/, '.wasm'));
  const r = spawnSync(source.endsWith('.cpp') ? faasmpicxx : faasmpicc, ['-O2', ...flags, join(programsDir, source), '-o', target], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`building ${source} failed:\n${r.error ?? ''}${r.stderr}${r.stdout}`);
  return target;
}

const dir = tempDir('faasmpi-migrate-');
const wasm: Record<string, string> = {};
before(() => {
  wasm.state = build('migrate_state.c', dir, ['-fmigrate']);
  wasm.pending = build('migrate_pending.c', dir, ['-fmigrate']);
  wasm.cpp = build('migrate_cpp.cpp', dir, ['-fmigrate']);
  mkdirSync(join(dir, 'plain'));
  wasm.plain = build('migrate_state.c', join(dir, 'plain'), []);
});

/** Lines of one rank's output, in order (ranks interleave; each rank's own order must survive a move). */
function linesOf(stdout: string, rank: number): string[] {
  return stdout.split('\n').filter((l) => new RegExp(`^(rank ${rank} |OK \\S+ rank ${rank}$|FAIL rank ${rank}:)`).test(l));
}

function movedRanks(stderr: string, barrier: number): number[] {
  const re = new RegExp(`^faasmpi: rank (\\d+) moved to a new Faaslet at MPI_Barrier ${barrier}: pause`, 'gm');
  return [...stderr.matchAll(re)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function sameAsUnmigrated(program: string, np: number, barrier: number, args: string[] = [], flags: string[] = []) {
  const plain = faasmpiRun([...flags, '-np', String(np), program, ...args], { timeoutMs: 120_000 });
  assert.equal(plain.status, 0, describeRun(plain));
  const moved = faasmpiRun([...flags, '-v', '--pack-at-barrier', String(barrier), '-np', String(np), program, ...args], { timeoutMs: 120_000 });
  assert.equal(moved.status, 0, describeRun(moved));
  assert.deepEqual(movedRanks(moved.stderr, barrier), range(np), `every rank (rank 0 too) moved at barrier ${barrier}\n${moved.stderr}`);
  for (const r of range(np)) assert.deepEqual(linesOf(moved.stdout, r), linesOf(plain.stdout, r), `rank ${r}'s output, in order`);
  assert.deepEqual(moved.stdout.split('\n').filter((l) => l.startsWith('total')), plain.stdout.split('\n').filter((l) => l.startsWith('total')));
  assert.doesNotMatch(moved.stdout, /FAIL/);
  return moved;
}

describe('ranks moved at an all-rank MPI_Barrier continue exactly where they were', () => {
  // Barrier 1 sits under 300 recursive frames, with an eager message already arrived but not yet received,
  // nonblocking traffic with a derived datatype before it, and the split communicator and its attribute used
  // after it.
  for (const np of [2, 3]) {
    test(`C program, ${np} ranks, moved at barrier 1`, () => { sameAsUnmigrated(wasm.state, np, 1); });
  }
  test('C program, 4 ranks, moved at barrier 3 (later in the run)', () => { sameAsUnmigrated(wasm.state, 4, 3); });
  test('without the post-initialisation snapshot (memory diff against zeroed memory)', () => {
    sameAsUnmigrated(wasm.state, 2, 2, [], ['--no-snapshot']);
  });
  test('C++: barrier reached through a virtual call, STL state and a Cartesian communicator live across it', () => {
    const bytes = readFileSync(wasm.cpp);
    // A function reachable through the table reaches MPI_Barrier: indirect calls must have been instrumented.
    assert.match(bytes.toString('latin1'), /"asyncifyIgnoresIndirect":false/);
    sameAsUnmigrated(wasm.cpp, 2, 3);
  });
  test('with 16 MiB touched per rank, the memory comes across intact (checked by the program)', () => {
    const moved = sameAsUnmigrated(wasm.state, 2, 1, ['2', '16']);
    assert.match(moved.stderr, /memory diff 16\.\d+ MiB/);
  });
});

describe('a rank that cannot be captured at the point', () => {
  test('a pending receive: not moved at barriers 1 and 2 (reason given), moved at 3, nothing lost', () => {
    const r = faasmpiRun(['-v', '--pack-at-barrier', '1', '-np', '2', wasm.pending], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stderr, /rank 0 cannot be migrated at MPI_Barrier 1: point-to-point work in progress \(1 posted receive/);
    assert.match(r.stderr, /rank 0 cannot be migrated at MPI_Barrier 2: a request not yet completed and freed/);
    assert.deepEqual(movedRanks(r.stderr, 1), []);
    assert.deepEqual(movedRanks(r.stderr, 2), []);
    assert.deepEqual(movedRanks(r.stderr, 3), [0, 1]);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ['OK migrate_pending rank 0', 'OK migrate_pending rank 1']);
  });
  test('live MPI_Info objects and an attached Bsend buffer (not carried yet) keep the ranks until they are gone', () => {
    const r = faasmpiRun(['-v', '--pack-at-barrier', '1', '-np', '2', wasm.pending, 'hold'], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stderr, /rank 1 cannot be migrated at MPI_Barrier 3: 1 MPI_Info object\(s\) not freed and an MPI_Bsend buffer attached/);
    assert.deepEqual(movedRanks(r.stderr, 3), []);
    assert.deepEqual(movedRanks(r.stderr, 4), [0, 1]);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ['OK migrate_pending rank 0', 'OK migrate_pending rank 1']);
  });
  test('without -v nothing is said and the job goes on', () => {
    const r = faasmpiRun(['--pack-at-barrier', '1', '-np', '2', wasm.pending], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.doesNotMatch(r.stderr, /cannot be migrated|moved to/);
  });
});

describe('jobs whose ranks are not moved', () => {
  test('a module built without -fmigrate runs with --pack-at-barrier, never moves, same results', () => {
    const bytes = readFileSync(wasm.plain).toString('latin1');
    assert.match(bytes, /"asyncify":false/);
    assert.doesNotMatch(bytes, /asyncify_start_unwind/);
    const plain = faasmpiRun(['-np', '2', wasm.plain], { timeoutMs: 60_000 });
    const asked = faasmpiRun(['-v', '--pack-at-barrier', '1', '-np', '2', wasm.plain], { timeoutMs: 60_000 });
    assert.equal(asked.status, 0, describeRun(asked));
    assert.doesNotMatch(asked.stderr, /moved to/);
    assert.match(asked.stderr, /faasmpirun: the program was not built with faasmpicc -fmigrate: its ranks are not moved/);
    assert.deepEqual(asked.stdout.split('\n').sort(), plain.stdout.split('\n').sort());
  });
  test('--pack-at-barrier needs a positive whole number', () => {
    const r = faasmpiRun(['--pack-at-barrier', '0', '-np', '2', wasm.plain]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /--pack-at-barrier needs a positive whole number, got '0'/);
    assert.doesNotMatch(r.stderr, /\n\s+at /); // no JS stack trace
  });
});

describe('Asyncify instruments only what can reach MPI_Barrier', () => {
  /** Defined functions that read Asyncify's state global (the instrumented ones), by name. */
  async function instrumented(file: string): Promise<string[]> {
    const { default: binaryen } = await import('binaryen');
    const m = binaryen.readBinary(readFileSync(file));
    try {
      const text = m.emitText();
      const getState = /\(export "asyncify_get_state" \(func \$([^)]+)\)\)/.exec(text)![1];
      const stateGlobal = new RegExp(`\\(func \\$${getState.replace(/[$()]/g, '\\$&')} \\(result i32\\)\\s*\\(global\\.get \\$([^)]+)\\)`).exec(text)![1];
      return text.split('\n (func ').slice(1)
        .filter((f) => f.includes(`(global.get $${stateGlobal})`) && !f.startsWith(`$${getState} `))
        .map((f) => f.split(/[ \n]/)[0].replace(/^\$/, ''));
    } finally {
      m.dispose();
    }
  }

  test('C: calls through pointers are left alone when no table function reaches the barrier (printf is not touched)', async () => {
    const names = await instrumented(wasm.pending);
    assert.match(readFileSync(wasm.pending).toString('latin1'), /"asyncifyIgnoresIndirect":true/);
    assert.deepEqual(names.filter((n) => !/^(main|__main_void|faasmpi_main|__original_main|__main_argc_argv)$/.test(n) && !/^asyncify_/.test(n)), []);
    assert.ok(names.includes('main'));
  });
});
