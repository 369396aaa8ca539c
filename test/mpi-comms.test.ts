// Communicators, groups, attributes and topologies, end to end: self-checking C programs in
// test/programs/comm_*.c built with faasmpicc and run with faasmpirun at 1-4 ranks. Each program prints
// "FAIL rank R: <what> expected X got Y" for a failed check and exits 1; on success every rank prints exactly
// "OK <program> rank R". They use point-to-point traffic only (no collectives), and every one also passes
// under Open MPI 4.1 (mpicc -O2 + mpirun) at 1-4 ranks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { build, faasmpiRun, sortedLines, tempDir, type Run } from './helpers.js';

const dir = tempDir('faasmpi-comms-');
const built = new Map<string, string>();
/** Builds test/programs/<name>.c on first use (so one program that does not build fails only its own tests). */
function wasm(name: string): string {
  let path = built.get(name);
  if (!path) {
    path = build(`${name}.c`, dir);
    built.set(name, path);
  }
  return path;
}

function okLines(name: string, np: number): string[] {
  return sortedLines(Array.from({ length: np }, (_, r) => `OK ${name} rank ${r}\n`).join(''));
}

function describeRun(r: Run): string {
  return `status ${r.status} after ${Math.round(r.ms)} ms\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

function runsClean(name: string, np: number, timeoutMs: number): void {
  const r = faasmpiRun(['-np', String(np), wasm(name)], { timeoutMs });
  const failed = r.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
  assert.deepEqual(failed, [], describeRun(r));
  assert.equal(r.status, 0, describeRun(r));
  assert.deepEqual(sortedLines(r.stdout), okLines(name, np), describeRun(r));
}

const selfChecking: { name: string; what: string; timeoutMs: number }[] = [
  { name: 'comm_split', what: 'split (parity, reversed keys, UNDEFINED), split_type SHARED, create, create_group, compare, names, free', timeoutMs: 60_000 },
  { name: 'comm_dup', what: 'dup isolation (same envelope on WORLD and dups, wildcards, probe), error handler inheritance', timeoutMs: 60_000 },
  { name: 'comm_groups', what: 'group incl/excl/ranges, union/intersection/difference, translate_ranks, compare, Comm_create', timeoutMs: 60_000 },
  { name: 'comm_keyval', what: 'keyvals with copy/delete callbacks, DUP_FN, NULL_COPY_FN, set/get/delete_attr, free_keyval', timeoutMs: 60_000 },
  { name: 'comm_cart', what: 'Dims_create, 3-D Cartesian with mixed periodicity, shifts at the edges, Cart_sub, neighbour collectives', timeoutMs: 60_000 },
  { name: 'comm_graph', what: 'distributed graph ring and weighted star, neighbour allgather/alltoall', timeoutMs: 60_000 },
];

for (const p of selfChecking) {
  describe(`${p.name}: ${p.what}`, () => {
    for (const np of [1, 2, 3, 4]) {
      test(`-np ${np}`, { timeout: p.timeoutMs + 30_000 }, () => runsClean(p.name, np, p.timeoutMs));
    }
  });
}
