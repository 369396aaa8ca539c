// More ranks than cores: 8 ranks (on this 2-core machine), each doing a little work and then an Allreduce and a Barrier,
// many times. JS cannot yield a core, so a waiting rank that polls holds the core that a rank it waits for needs;
// the policy (mpi/transport/waiter.ts) sleeps instead, polling only briefly and only while the peer is likely on a
// core. Measured as CPU time, not wall time: the synchronisation may cost CPU (wake-ups), but not the cores'
// worth that polling through other ranks' time slices burns (a 10 ms poll there, with no check of the runnable threads, failed this bound by ~25%).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { build, faasmpirun, tempDir } from './helpers.js';

/** CPU seconds (user + system) that a faasmpirun job and its children used; bash's `times` reports them. */
function cpuSeconds(args: string[]): { cpu: number; stdout: string } {
  const r = spawnSync('bash', ['-c', 'out=$("$@") || exit 9; printf "%s\\n" "$out" | tail -1; times', 'job', faasmpirun, ...args], {
    encoding: 'utf8', env: process.env, timeout: 240_000,
  });
  assert.equal(r.status, 0, `job failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  const [user, sys] = lines[lines.length - 1].split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    assert.ok(m, `unexpected times output: ${r.stdout}`);
    return Number(m[1]) * 60 + Number(m[2]);
  });
  return { cpu: user + sys, stdout: lines[0] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('waiting with more ranks than cores', () => {
  let program: string;
  before(() => {
    program = build('wait_oversub.c', tempDir());
  });

  test('8 ranks (more than the cores) finish 500 Allreduce+Barrier rounds with the right sums and bounded CPU', { timeout: 600_000 }, (t) => {
    const ITER = 500, WORK = '50000';
    const eight: number[] = [], one: number[] = [];
    for (let i = 0; i < 3; i++) {
      // Each figure is the CPU of the rounds alone: the same job with no rounds (start-up) subtracted.
      const e = cpuSeconds(['-np', '8', program, String(ITER), WORK]);
      assert.match(e.stdout, /^OK wait_oversub 8 ranks 500 iterations$/);
      eight.push(e.cpu - cpuSeconds(['-np', '8', program, '0', WORK]).cpu);
      // The same work on one rank, which never waits: the CPU the work itself needs.
      one.push(cpuSeconds(['-np', '1', program, String(8 * ITER), WORK]).cpu - cpuSeconds(['-np', '1', program, '0', WORK]).cpu);
    }
    const [sync, work] = [median(eight), median(one)];
    t.diagnostic(`8 ranks: ${sync.toFixed(2)} s of CPU; the same work on one rank: ${work.toFixed(2)} s`);
    assert.ok(sync <= 3 * work + 0.3, `8 ranks used ${sync.toFixed(2)} s of CPU for work that takes ${work.toFixed(2)} s on one rank`);
  });
});
