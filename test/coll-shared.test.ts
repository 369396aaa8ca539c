// One-host collectives on the shared-memory area (collectives/shared.ts, issue 14): a self-checking program
// (test/programs/coll_sm.c) runs every shared collective 10,000 rounds on MPI_COMM_WORLD and a split communicator
// at 1-8 ranks (8 ranks on a 2-core machine: oversubscribed, waits end in futex sleeps), with odd sizes, MPI_IN_PLACE,
// a derived type, a non-commutative user op, rank-order double sums, sizes above the slot (read in place; strided: messages) and
// nonblocking collectives in flight across the blocking ones; it also checks that the blocking calls took the
// shared path. Plus the area's sequence arithmetic across the int32 wrap.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CollArea, DEPTH, reached } from '../mpi/transport/coll-area.js';
import { describeRun, faasmpiRun, sortedLines, SelfChecking } from './helpers.js';

const programs = new SelfChecking('faasmpi-coll-sm-');

function runsClean(np: number, rounds: number, env?: NodeJS.ProcessEnv): void {
  const r = faasmpiRun(['-np', String(np), programs.wasm('coll_sm'), String(rounds), 'exact'], { timeoutMs: 240_000, env });
  assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('FAIL')), [], describeRun(r));
  assert.equal(r.status, 0, describeRun(r));
  assert.deepEqual(sortedLines(r.stdout), sortedLines(Array.from({ length: np }, (_, k) => `OK coll_sm rank ${k}\n`).join('')), describeRun(r));
}

describe('coll_sm: shared-memory collectives, 10,000 rounds', () => {
  for (const np of [1, 2, 3, 4]) test(`-np ${np}`, { timeout: 300_000 }, () => runsClean(np, 10_000));
  // Oversubscribed: fewer rounds keep the suite's time reasonable; slots and parities still turn over thousands of times.
  for (const np of [5, 8]) test(`-np ${np} (2,000 rounds)`, { timeout: 300_000 }, () => runsClean(np, 2_000));
});

describe('coll_sm with FAASMPI_COLL_SHARED=0', () => {
  test('-np 2: the program notices that the shared path was not taken (its check is live)', { timeout: 120_000 }, () => {
    const r = faasmpiRun(['-np', '2', programs.wasm('coll_sm'), '20', 'exact'], { timeoutMs: 60_000, env: { ...process.env, FAASMPI_COLL_SHARED: '0' } });
    assert.notEqual(r.status, 0, describeRun(r));
    assert.match(r.stdout, /FAIL rank \d: blocking collectives run on shared memory/, describeRun(r));
    assert.doesNotMatch(r.stdout, /FAIL rank \d: (world|half|round)/, describeRun(r));
  });
});

describe('CollArea sequence numbers', () => {
  test('reached() orders sequence numbers across the int32 wrap', () => {
    assert.equal(reached(0x7fffffff, 0x7ffffffe), true);
    assert.equal(reached(-0x80000000, 0x7fffffff), true, 'one past the largest int32 has reached it');
    assert.equal(reached(0x7fffffff, -0x80000000), false);
    assert.equal(reached(5, 5), true);
    assert.equal(reached(4, 5), false);
  });

  test('post() keeps the other slots\' byte counts; a post without data keeps its own slot\'s', () => {
    const area = CollArea.create(2);
    const w = area.seqWord(1, 3);
    area.post(w, 7, 100);
    area.post(w, 8, 200);
    area.post(w, 7 + DEPTH);
    assert.equal(area.seq(w), 7 + DEPTH);
    assert.equal(area.blockBytes(w, 7), 100, 'a reader of collective 7 still sees its byte count after a data-less post that uses its slot');
    assert.equal(area.blockBytes(w, 8), 200);
    assert.notEqual(area.dataAt(1, 3, 7), area.dataAt(1, 3, 8));
    assert.equal(area.dataAt(1, 3, 7), area.dataAt(1, 3, 7 + DEPTH));
    area.setAddresses(w, 8, 0x1000, 0xfffffff0);
    assert.equal(area.address(w, 8, 0), 0x1000);
    assert.equal(area.address(w, 8, 1), 0xfffffff0, 'addresses above 2 GiB come back unsigned');
    assert.notEqual(area.seqWord(0, 3), w);
    assert.equal(CollArea.slotOf(0), 0);
    assert.equal(CollArea.slotOf(1 << 20), undefined, 'a communicator beyond the slots uses messages');
  });
});
