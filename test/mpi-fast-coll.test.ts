// The short path of Barrier, Bcast and Allreduce (collectives/fast.ts, issue 14 item 5): a self-checking program
// (test/programs/mpi_fast_coll.c) mixes ranks on the short path with ranks on the general one in the same calls
// (a misaligned buffer, a derived type) and checks every result bit for bit against the rank-order combination:
// a short path that combined in another order, used another slot or sequence number, or dropped a truncation,
// fails or hangs here. It also checks that the short path was taken (and, with the shared area off, that it was not).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeRun, faasmpiRun, SelfChecking } from './helpers.js';

const programs = new SelfChecking('faasmpi-fast-coll-');

describe('mpi_fast_coll: short and general collective paths in one job', () => {
  for (const np of [1, 2, 3, 4]) {
    test(`-np ${np}`, { timeout: 300_000 }, () => {
      const r = faasmpiRun(['-np', String(np), programs.wasm('mpi_fast_coll'), '1000'], { timeoutMs: 240_000 });
      assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('FAIL')), [], describeRun(r));
      assert.equal(r.status, 0, describeRun(r));
      assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('OK mpi_fast_coll')).length, np, describeRun(r));
    });
  }

  test('with FAASMPI_COLL_SHARED=0 the program notices that the short path was not taken (its check is live)', { timeout: 120_000 }, () => {
    const r = faasmpiRun(['-np', '2', programs.wasm('mpi_fast_coll'), '20'], { timeoutMs: 60_000, env: { ...process.env, FAASMPI_COLL_SHARED: '0' } });
    assert.notEqual(r.status, 0, describeRun(r));
    assert.match(r.stdout, /FAIL rank \d: the short path took 0 calls/, describeRun(r));
    assert.doesNotMatch(r.stdout, /FAIL rank \d: round/, describeRun(r));
  });
});
