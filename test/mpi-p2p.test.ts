// MPI point-to-point, end to end: self-checking C programs in test/programs/p2p_*.c built with faasmpicc and
// run with faasmpirun at 1-4 ranks. Each program prints "FAIL rank R: <what> expected X got Y" for a failed
// check and exits 1; on success every rank prints exactly "OK <program> rank R". Every program (except the
// deadlock one, which hangs natively) also passes under Open MPI (mpicc + mpirun) at 1-4 ranks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeRun, faasmpiRun, SelfChecking, type SelfCheckingProgram } from './helpers.js';

const programs = new SelfChecking('faasmpi-p2p-');
const wasm = (name: string) => programs.wasm(name);

const selfChecking: SelfCheckingProgram[] = [
  { name: 'p2p_basic', what: 'every predefined datatype, counts 0..8 MiB, Ssend/Rsend/Bsend, Sendrecv(_replace), PROC_NULL, self', timeoutMs: 180_000 },
  { name: 'p2p_tags_order', what: 'wildcards, status fields, non-overtaking order, tags out of order, SELF vs WORLD', timeoutMs: 60_000 },
  { name: 'p2p_attr', what: 'MPI_TAG_UB from MPI_Comm_get_attr', timeoutMs: 30_000 },
  { name: 'p2p_nonblocking', what: 'I*send/Irecv, Wait/Test families, REQUEST_NULL, Cancel, persistent requests', timeoutMs: 90_000 },
  { name: 'p2p_probe', what: 'Probe/Iprobe, Mprobe/Mrecv, Improbe/Imrecv, Get_count/Get_elements', timeoutMs: 60_000 },
  { name: 'p2p_truncate', what: 'MPI_ERR_TRUNCATE, MPI_ERR_IN_STATUS and invalid arguments under MPI_ERRORS_RETURN', timeoutMs: 60_000 },
  { name: 'p2p_datatypes', what: 'derived datatypes on both sides, including > 1 MiB non-contiguous', timeoutMs: 90_000 },
];

programs.describeAll(selfChecking);

// Issue 16: generalized requests.
programs.describeAll([
  { name: 'p2p_grequest', what: 'Grequest_start/complete: Test, Wait, Waitall with p2p, query/free/cancel callbacks', timeoutMs: 30_000 },
], [1, 2, 3]);

// Issue 16 bug 2: MPI_Start failed with "invalid datatype handle" once the type of a persistent request was freed.
programs.describeAll([
  { name: 'p2p_persistent_free', what: 'persistent requests whose datatypes were freed after *_init: Start, Startall, Request_free', timeoutMs: 60_000 },
], [1, 2, 3]);

describe('p2p_abort: MPI_Abort while the other ranks block in MPI_Recv', () => {
  for (const np of [2, 3, 4]) {
    test(`-np ${np}: the job ends quickly with status 42, naming rank 1 and MPI_Abort`, { timeout: 60_000 }, () => {
      const r = faasmpiRun(['-np', String(np), wasm('p2p_abort')], { timeoutMs: 30_000 });
      assert.equal(r.status, 42, describeRun(r));
      assert.match(r.stderr, /rank 1\b[^\n]*MPI_Abort/, describeRun(r));
      assert.doesNotMatch(r.stdout, /FAIL/, describeRun(r));
      assert.ok(r.ms < 5000, `took ${Math.round(r.ms)} ms`);
    });
  }
  test('-np 1: rank 0 aborts itself with 42', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['-np', '1', wasm('p2p_abort')], { timeoutMs: 30_000 });
    assert.equal(r.status, 42, describeRun(r));
    assert.match(r.stderr, /rank 0\b[^\n]*MPI_Abort/, describeRun(r));
  });
});

describe('p2p_deadlock: every rank blocks in MPI_Recv from the next, nothing is sent', () => {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const np of [1, 2, 3, 4]) {
    test(`-np ${np}: the runtime ends the job with a deadlock report naming each blocked call`, { timeout: 60_000 }, () => {
      const r = faasmpiRun(['-np', String(np), '--deadlock-timeout', '1', wasm('p2p_deadlock')], { timeoutMs: 30_000 });
      assert.notEqual(r.status, 0, describeRun(r));
      assert.notEqual(r.status, null, `killed by the test's timeout: ${describeRun(r)}`);
      assert.match(r.stderr, /deadlock/i, describeRun(r));
      for (let rank = 0; rank < np; rank++) {
        // e.g. "rank 0: blocked in MPI_Recv(source=1, tag=7, comm=MPI_COMM_WORLD)"
        const call = `MPI_Recv(source=${(rank + 1) % np}, tag=7, comm=MPI_COMM_WORLD)`;
        const line = new RegExp(`rank ${rank}: (blocked in )?${escape(call)}`);
        assert.match(r.stderr, line, `missing "rank ${rank}: ... ${call}" in the report\n${describeRun(r)}`);
      }
      assert.doesNotMatch(r.stdout, /FAIL/, describeRun(r));
      assert.ok(r.ms < 10_000, `took ${Math.round(r.ms)} ms with --deadlock-timeout 1`);
    });
  }
});
