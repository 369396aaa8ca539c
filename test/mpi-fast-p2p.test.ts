// Small sends on the short path (P2PEngine.trySendEager, issue 14 item 2) and MPI's non-overtaking rule: a
// self-checking program (test/programs/mpi_fast_p2p.c) fills the receiver's inbox while it is busy, so general-path
// sends queue for room, and mixes short-path sends (small, predefined types) behind them with derived types,
// rendezvous sizes, MPI_Ssend, wildcards and MPI_Probe; every message must arrive in sending order. It failed
// before the engine queued a new send behind an earlier one to the same rank still waiting for room.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeRun, faasmpiRun, SelfChecking } from './helpers.js';

const programs = new SelfChecking('faasmpi-fast-p2p-');

describe('mpi_fast_p2p: short-path sends never overtake queued ones', () => {
  for (const np of [2, 3]) {
    test(`-np ${np}`, { timeout: 180_000 }, () => {
      const r = faasmpiRun(['-np', String(np), programs.wasm('mpi_fast_p2p'), '10'], { timeoutMs: 120_000 });
      assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('FAIL')), [], describeRun(r));
      assert.equal(r.status, 0, describeRun(r));
      assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('OK mpi_fast_p2p')).length, np, describeRun(r));
    });
  }
});
