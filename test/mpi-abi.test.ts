// mpi.h and mpi/abi.ts must agree on every number the host functions rely on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as abi from '../mpi/abi.js';
import { build, faasmpiRun, tempDir } from './helpers.js';

test('mpi.h constants equal mpi/abi.ts; thread-level queries answer consistently', () => {
  const r = faasmpiRun([build('mpi_abi.c', tempDir())]);
  assert.equal(r.status, 0, r.stderr);
  const [json, queries] = r.stdout.trim().split('\n');
  const fromHeader = JSON.parse(json) as Record<string, number>;
  for (const [name, value] of Object.entries(fromHeader)) {
    assert.equal(value, (abi as Record<string, number>)[name], `${name} differs between mpi.h and mpi/abi.ts`);
  }
  assert.equal(queries, `provided=${abi.MPI_THREAD_FUNNELED} query=${abi.MPI_THREAD_FUNNELED} main=1 version_ok=1`);
});
