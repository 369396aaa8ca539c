// MPI collectives, end to end: self-checking C programs in test/programs/coll_*.c built with faasmpicc and run
// with faasmpirun at 1-4 ranks. Each program prints "FAIL rank R: <what> expected X got Y" for a failed check
// and exits 1; on success every rank prints exactly "OK <program> rank R". Every program (except the deadlock
// one, which hangs natively) also passes under Open MPI (mpicc + mpirun) at 1-4 ranks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeRun, faasmpiRun, SelfChecking, type SelfCheckingProgram } from './helpers.js';

const programs = new SelfChecking('faasmpi-coll-');
const wasm = (name: string) => programs.wasm(name);

const selfChecking: SelfCheckingProgram[] = [
  { name: 'coll_move', what: 'Barrier, Bcast, Gather(v), Scatter(v), Allgather(v), Alltoall(v/w): every root, IN_PLACE, uneven, derived types, 1 MiB', timeoutMs: 120_000 },
  { name: 'coll_reduce', what: 'Reduce, Allreduce (same bits everywhere), MAXLOC/MINLOC, non-commutative user op, Reduce_scatter(_block), Scan, Exscan', timeoutMs: 120_000 },
  { name: 'coll_nonblocking', what: 'I* collectives concurrent with each other and with point-to-point, all Wait/Test styles', timeoutMs: 120_000 },
  { name: 'coll_errors', what: 'error classes in the standard order under MPI_ERRORS_RETURN; no message crosses hosts on one host', timeoutMs: 60_000 },
];

programs.describeAll(selfChecking);

// Issue 16: nonblocking vector and prefix collectives, all in flight at once, against the blocking ones.
programs.describeAll([
  { name: 'coll_nonblocking_v', what: 'Igatherv, Iscatterv, Iallgatherv, Ialltoallv/w, Ireduce_scatter(_block), Iscan, Iexscan overlapping each other, a blocking Bcast and p2p', timeoutMs: 120_000 },
], [1, 2, 3, 4, 5]);

// Issue 16 bug 1: ranks choosing an algorithm from their own layout ran different ones and deadlocked at 4+ ranks.
programs.describeAll([
  { name: 'coll_mixed_types', what: 'contiguous type at the root, strided same-signature type elsewhere: Bcast, Gather, Scatter, Allgather, Alltoall, up to 280 KB', timeoutMs: 120_000 },
], [1, 2, 3, 4, 5]);

describe('coll_deadlock: ranks wait in MPI_Bcast for a root blocked in MPI_Recv', () => {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const np of [2, 3, 4]) {
    test(`-np ${np}: the deadlock report names MPI_Bcast with its root, and MPI_Recv`, { timeout: 60_000 }, () => {
      const r = faasmpiRun(['-np', String(np), '--deadlock-timeout', '1', wasm('coll_deadlock')], { timeoutMs: 30_000 });
      assert.notEqual(r.status, 0, describeRun(r));
      assert.notEqual(r.status, null, `killed by the test's timeout: ${describeRun(r)}`);
      assert.match(r.stderr, /deadlock/i, describeRun(r));
      for (let rank = 0; rank < np - 1; rank++) {
        const call = `MPI_Bcast(count=4, root=${np - 1}, comm=MPI_COMM_WORLD)`;
        assert.match(r.stderr, new RegExp(`rank ${rank}: (blocked in )?${escape(call)}`), describeRun(r));
      }
      assert.match(r.stderr, new RegExp(`rank ${np - 1}: (blocked in )?${escape('MPI_Recv(source=0, tag=3, comm=MPI_COMM_WORLD)')}`), describeRun(r));
      assert.doesNotMatch(r.stdout, /FAIL/, describeRun(r));
    });
  }
});
