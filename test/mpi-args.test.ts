// Bad pointer and size arguments of MPI calls (issue 10, item 5), end to end: test/programs/mpi_args.c built with
// faasmpicc and run with faasmpirun. Under MPI_ERRORS_RETURN every bad argument gets its error class and nothing
// moves (valid messages around the refused calls arrive intact); under the default handler the job ends at
// once with a message naming the rank, the call and the argument, without a JS stack.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const dir = tempDir();
let wasm = '';
before(() => {
  wasm = build('mpi_args.c', dir);
});

describe('MPI argument checks', () => {
  test('MPI_ERRORS_RETURN: bad buffers, sizes, status/request/index/output pointers are refused; no stale or lost data', () => {
    for (const np of [2, 3]) {
      const r = faasmpiRun(['-np', String(np), wasm], { timeoutMs: 60_000 });
      assert.doesNotMatch(r.stdout, /FAIL/, describeRun(r));
      assert.equal(r.status, 0, describeRun(r));
      for (let i = 0; i < np; i++) assert.match(r.stdout, new RegExp(`^OK mpi_args rank ${i}$`, 'm'), describeRun(r));
    }
  });

  /** Runs a fatal mode on 3 ranks (rank 1 makes the bad call) and returns stderr after the common checks. */
  const fatal = (mode: string): string => {
    const r = faasmpiRun(['-np', '3', wasm, mode], { timeoutMs: 30_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.ok(r.ms < 20_000, `the job must end at the error, not hang (${Math.round(r.ms)} ms)`);
    assert.doesNotMatch(r.stdout, /rank 1: survived/, describeRun(r));
    assert.doesNotMatch(r.stderr, /\n\s+at |internal error|RangeError|TypeError/, `no JS stack or internal error:\n${r.stderr}`);
    return r.stderr;
  };

  test('send from 0xFFFFFFF0 (rendezvous size) ends the job naming the call, rank and buffer', () => {
    assert.match(fatal('send-fatal'),
      /rank 1: MPI_Send: send buffer at address 0xfffffff0 \(262144 x MPI_BYTE\) covers bytes \[4294967280, 4295229424\), outside the rank's memory of \d+ bytes \(MPI_ERR_BUFFER\)/);
  });

  test('receive into 0xFFFFFFF0 ends the job', () => {
    assert.match(fatal('recv-fatal'), /rank 1: MPI_Recv: receive buffer at address 0xfffffff0 .*\(MPI_ERR_BUFFER\)/);
  });

  test('a bad status pointer ends the job with a clear message (was a RangeError with a JS stack)', () => {
    assert.match(fatal('status-fatal'), /rank 1: MPI_Recv: status at address 0xfffffff0 \(20 bytes\) lies outside the memory of \d+ bytes \(MPI_ERR_ARG\)/);
  });

  test('a bad request array ends the job', () => {
    assert.match(fatal('waitall-fatal'), /rank 1: MPI_Waitall: array_of_requests at address 0xfffffff0 \(12 bytes\) .*\(MPI_ERR_ARG\)/);
  });

  test('count x size past 2^32 is refused, not truncated', () => {
    assert.match(fatal('count-fatal'), /rank 1: MPI_Send: message of 1073741824 x MPI_DOUBLE is 8589934592 bytes, more than the largest message \(2147483647 bytes\) \(MPI_ERR_COUNT\)/);
  });

  test('a bad string pointer ends the job', () => {
    assert.match(fatal('name-fatal'), /rank 1: MPI_Comm_set_name: comm_name at address 0xfffffff0 .*\(MPI_ERR_ARG\)/);
  });

  test('a collective with a bad buffer at one rank ends the whole job fast', () => {
    const r = faasmpiRun(['-np', '3', wasm, 'bcast-fatal'], { timeoutMs: 30_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.ok(r.ms < 20_000, `no hang (${Math.round(r.ms)} ms)`);
    assert.match(r.stderr, /rank 1: MPI_Bcast: buffer at address 0xfffffff0 \(100 x MPI_INT\) .*\(MPI_ERR_BUFFER\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
