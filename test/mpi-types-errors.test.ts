// The datatype and error host functions, end to end: self-checking C programs built with faasmpicc and run with
// faasmpirun (test/programs/mpi_types.c, test/programs/mpi_errors.c).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { build, faasmpiRun, SelfChecking, tempDir } from './helpers.js';

const dir = tempDir();
const wasm: Record<string, string> = {};
before(() => {
  for (const p of ['mpi_types.c', 'mpi_errors.c']) wasm[p] = build(p, dir);
});

/** Asserts a self-checking run: exit 0, no FAIL line, one summary line per rank with 0 failures. */
function assertSelfChecked(r: { status: number | null; stdout: string; stderr: string }, program: string, ranks: number): void {
  assert.doesNotMatch(r.stdout, /FAIL/, r.stdout);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const summaries = r.stdout.split('\n').filter((l) => l.startsWith(`${program}: `));
  assert.equal(summaries.length, ranks, r.stdout);
  for (const s of summaries) assert.match(s, /^\S+: [1-9]\d* checks, 0 failures$/);
}

describe('datatypes', () => {
  test('constructors, bounds, envelopes/contents, names, pack/unpack, counts, error classes', () => {
    assertSelfChecked(faasmpiRun(['-np', '2', wasm['mpi_types.c']]), 'mpi_types', 2);
  });
});

describe('errors', () => {
  test('MPI_ERRORS_RETURN: classes, strings, per-communicator handlers, user classes/codes/strings', () => {
    assertSelfChecked(faasmpiRun(['-np', '2', wasm['mpi_errors.c']]), 'mpi_errors', 2);
  });

  const fatal = (mode: string) => {
    const r = faasmpiRun(['-np', '2', wasm['mpi_errors.c'], mode]);
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`rank 1: ${mode}\\n`));
    assert.doesNotMatch(r.stdout, /still running/, 'the job must end at the error');
    return r.stderr;
  };

  test('MPI_ERRORS_ARE_FATAL (default): an invalid datatype ends the job naming rank, function and problem', () => {
    assert.match(fatal('fatal-type'), /rank 1: MPI_Type_size: invalid datatype handle 0x12345678 \(MPI_ERR_TYPE\)/);
  });

  test('handlers are per communicator: an error on MPI_COMM_SELF is fatal while MPI_COMM_WORLD returns', () => {
    assert.match(fatal('fatal-self'), /rank 1: MPI_Pack: datatype 0x8c[0-9a-f]{6} is not committed \(MPI_ERR_TYPE\)/);
  });

  test('MPI_Comm_call_errhandler under MPI_ERRORS_ARE_FATAL ends the job with the user error string', () => {
    assert.match(fatal('call'), /rank 1: MPI_Comm_call_errhandler: error code \d+: the widget broke/);
  });

  test('a user error handler (MPI_Comm_create_errhandler) runs on the error and may end the job', () => {
    const r = faasmpiRun(['-np', '2', wasm['mpi_errors.c'], 'user-handler']);
    assert.equal(r.status, 7, r.stderr + r.stdout);
    assert.match(r.stdout, /handler called on MPI_COMM_WORLD with class 3\n/);
    assert.doesNotMatch(r.stdout, /still running/, 'the job must end in the handler');
  });
});

// Issue 16 bug 4: MPI_Status_set_elements_x refused counts at or above 2^53 although MPI_Count is 64-bit.
new SelfChecking('faasmpi-types-x-').describeAll([
  { name: 'type_keyval', what: 'datatype keyvals: set/get/delete_attr, copy at Type_dup, delete at Type_free, predefined types; window keyvals', timeoutMs: 30_000 },
  { name: 'type_external32', what: 'Pack_external/Unpack_external/Pack_external_size: big-endian elements, struct, complex, vector, round trip', timeoutMs: 30_000 },
  { name: 'type_darray', what: 'Type_create_darray: block/cyclic/none, default and explicit dargs, C and Fortran order, over a virtual 3 x 2 grid', timeoutMs: 30_000 },
  { name: 'type_status_x', what: 'Status_set_elements_x / Get_elements_x / Get_count with counts up to 2^62', timeoutMs: 30_000 },
], [1, 2]);
