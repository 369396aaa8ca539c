// mpi.h and mpi/abi.ts must agree on every number the host functions rely on: a compiled program prints every
// object-like MPI_* macro of the header; each must equal the abi.ts constant of the same name, every MPI_* number
// abi.ts exports must be in the header, and the program's table must list every macro the header defines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as abi from '../mpi/abi.js';
import { datatypeHeaderDefines } from '../mpi/datatypes/index.js';
import { STATUS_SIZE } from '../mpi/status.js';
import { build, faasmpiRun, repoRoot, tempDir } from './helpers.js';

const header = readFileSync(join(repoRoot, 'toolchain/include/mpi.h'), 'utf8');
/** Object-like MPI_* macros of mpi.h (function-like ones such as MPI_Comm_c2f(h) are not constants). */
const headerMacros = [...header.matchAll(/^#define (MPI_\w+)(?=\s|$)/gm)].map((m) => m[1]);
const abiNumbers = Object.fromEntries(
  Object.entries(abi as unknown as Record<string, unknown>).filter(([k, v]) => k.startsWith('MPI_') && typeof v === 'number'),
) as Record<string, number>;

test('mpi.h constants equal mpi/abi.ts (all of them, both ways); thread queries; MPI_Status layout', () => {
  const r = faasmpiRun([build('mpi_abi.c', tempDir())]);
  assert.equal(r.status, 0, r.stderr);
  const [json, queries, status] = r.stdout.trim().split('\n');
  const fromHeader = JSON.parse(json) as Record<string, number>;

  assert.deepEqual(Object.keys(fromHeader).sort(), [...new Set(headerMacros)].sort(),
    'test/programs/mpi_abi.c must list exactly the object-like MPI_* macros of mpi.h');
  for (const [name, value] of Object.entries(fromHeader)) {
    assert.ok(name in abiNumbers, `${name} is in mpi.h but not in mpi/abi.ts`);
    assert.equal(value, abiNumbers[name], `${name} differs between mpi.h (${value}) and mpi/abi.ts (${abiNumbers[name]})`);
  }
  for (const name of Object.keys(abiNumbers)) assert.ok(name in fromHeader, `${name} is in mpi/abi.ts but not in mpi.h`);

  assert.equal(queries, `provided=${abi.MPI_THREAD_FUNNELED} query=${abi.MPI_THREAD_FUNNELED} main=1 version_ok=1`);
  assert.equal(status, `status size=${STATUS_SIZE} source=0 tag=4 error=8 count_lo=12 count_hi=16 aint=4 count=8 offset=8`);
});

test('the datatype #defines of mpi.h are exactly datatypeHeaderDefines()', () => {
  for (const line of datatypeHeaderDefines().trim().split('\n')) {
    assert.ok(header.includes(line + '\n'), `mpi.h lacks: ${line}`);
  }
});
