// Rank migration between hosts (issue 11, second part): unmodified self-checking MPI programs built with
// faasmpicc -fmigrate, spread over 2-3 host runtimes (faasmpirun --local-hosts), consolidated onto as few
// hosts as possible at the K-th all-rank MPI_Barrier (--pack-at-barrier K). Each run is compared, rank by rank,
// with an unmigrated run of the same program over the same hosts; a destination host killed mid-move ends the
// job promptly with a clear message; hostile captures are refused.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { describeRun, faasmpicc, faasmpicxx, faasmpiRun, programsDir, tempDir, type Run } from './helpers.js';
import { CaptureRefused, decodeShippedRank, encodeShippedRank } from '../migration/capture-wire.js';
import { CAPTURE_VERSION, type RankCapture } from '../migration/capture.js';
import { packPlan } from '../cluster/planner.js';
import { PartMigration } from '../cluster/part-migration.js';
import { control } from '../cluster/job-protocol.js';
import { VoteRelay } from '../migration/vote-relay.js';

/** As helpers.build, with room for binaryen's Asyncify pass on a loaded machine (C++ takes longest). */
function build(source: string, out: string, flags: string[]): string {
  const target = join(out, source.replace(/\.(c|cpp)$/, '.wasm'));
  const r = spawnSync(source.endsWith('.cpp') ? faasmpicxx : faasmpicc, ['-O2', ...flags, join(programsDir, source), '-o', target], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`building ${source} failed:\n${r.error ?? ''}${r.stderr}${r.stdout}`);
  return target;
}

const dir = tempDir('faasmpi-migrate-hosts-');
const wasm: Record<string, string> = {};
before(() => {
  wasm.hosts = build('migrate_hosts.c', dir, ['-fmigrate']);
  wasm.state = build('migrate_state.c', dir, ['-fmigrate']);
  wasm.pending = build('migrate_pending.c', dir, ['-fmigrate']);
  wasm.cpp = build('migrate_cpp.cpp', dir, ['-fmigrate']);
  mkdirSync(join(dir, 'plain'));
  wasm.plain = build('migrate_hosts.c', join(dir, 'plain'), []);
});

/** Lines of one rank's output, in order, without the lines that name its host. */
function linesOf(stdout: string, rank: number): string[] {
  return stdout.split('\n').filter((l) => new RegExp(`^(rank ${rank} |OK \\S+ rank ${rank}$|FAIL rank ${rank}:)`).test(l));
}

/** The host each rank reported (MPI_Get_processor_name) in each round of migrate_hosts: where[rank][round]. */
function whereOf(stdout: string): string[][] {
  const where: string[][] = [];
  for (const m of stdout.matchAll(/^where (\d+) (\d+) (\S+)$/gm)) (where[Number(m[1])] ??= [])[Number(m[2])] = m[3];
  return where;
}

/** "ranks on hosts A B ..." (faasmpirun -v): the final host table. */
function finalTable(stderr: string): string[] {
  const m = /ranks on hosts ((?:\S+ ?)+)$/m.exec(stderr);
  return m ? m[1].trim().split(' ') : [];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const TIMEOUT = 150_000;

function sameAsUnmigrated(program: string, np: number, barrier: number, flags: string[], args: string[] = []): Run {
  const plain = faasmpiRun([...flags, '-v', '-np', String(np), program, ...args], { timeoutMs: 120_000 });
  assert.equal(plain.status, 0, describeRun(plain));
  assert.ok(new Set(finalTable(plain.stderr)).size > 1, `the unmigrated run is spread over hosts\n${plain.stderr}`);
  const moved = faasmpiRun([...flags, '-v', '--pack-at-barrier', String(barrier), '-np', String(np), program, ...args], { timeoutMs: 120_000 });
  assert.equal(moved.status, 0, describeRun(moved));
  assert.match(moved.stderr, new RegExp(`faasmpirun: moving at MPI_Barrier ${barrier} to epoch 1: rank \\d+ `), moved.stderr);
  assert.equal(new Set(finalTable(moved.stderr)).size, 1, `the job ends on one host\n${moved.stderr}`);
  for (const r of range(np)) assert.deepEqual(linesOf(moved.stdout, r), linesOf(plain.stdout, r), `rank ${r}'s output, in order`);
  assert.doesNotMatch(moved.stdout, /FAIL/);
  return moved;
}

describe('ranks moved between hosts continue exactly where they were', () => {
  test('2+2 over 2 hosts at barrier 3: eager messages in flight across the move, large ring, Alltoall; rank 0 moves; processor name follows', { timeout: TIMEOUT }, () => {
    const moved = sameAsUnmigrated(wasm.hosts, 4, 3, ['--local-hosts', '2']);
    assert.match(moved.stderr, /rank 0 \S+ -> \S+/, 'rank 0 is one of the ranks that moved');
    const where = whereOf(moved.stdout);
    const [before, after] = [where.map((w) => w[2]), where.map((w) => w[3])];
    assert.equal(new Set(before).size, 2, `before the move on two hosts: ${before}`);
    assert.equal(new Set(after).size, 1, `after it all on one: ${after}`);
    assert.notEqual(before[0], after[0], 'rank 0 reports its new host');
    assert.equal(after[0], finalTable(moved.stderr)[0]);
    for (const w of where) assert.deepEqual(w.slice(3), Array(w.length - 3).fill(after[0]));
  });
  test('3+1 (-N 3, packed): the lone rank joins the other three; deep stack, derived datatype, split communicator, eager message', { timeout: TIMEOUT }, () => {
    const moved = sameAsUnmigrated(wasm.state, 4, 1, ['--local-hosts', '2', '-N', '3', '--policy', 'pack']);
    assert.match(moved.stderr, /moving at MPI_Barrier 1 to epoch 1: rank 3 \S+ -> \S+$/m, 'only rank 3 moves');
  });
  test('1+1+1 over 3 hosts: two ranks move onto the third host, later in the run', { timeout: TIMEOUT }, () => {
    const moved = sameAsUnmigrated(wasm.state, 3, 3, ['--local-hosts', '3']);
    assert.match(moved.stderr, /epoch 1: rank \d \S+ -> \S+, rank \d \S+ -> \S+$/m);
  });
  test('C++: barrier reached through a virtual call, STL state and a Cartesian communicator', { timeout: TIMEOUT }, () => {
    sameAsUnmigrated(wasm.cpp, 2, 3, ['--local-hosts', '2']);
  });
  test('with 16 MiB touched per rank, the memory crosses intact (checked by the program)', { timeout: TIMEOUT }, () => {
    const moved = sameAsUnmigrated(wasm.state, 2, 1, ['--local-hosts', '2'], ['2', '16']);
    assert.match(moved.stderr, /memory diff 16\.\d+ MiB/);
  });
});

describe('a rank that cannot be captured at the point, and jobs that do not move', () => {
  test('a pending receive on one host holds the whole job at barriers 1 and 2; it moves at 3, nothing lost', { timeout: TIMEOUT }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-v', '--pack-at-barrier', '1', '-np', '2', wasm.pending], { timeoutMs: 120_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stderr, /rank 0 cannot be migrated at MPI_Barrier 1: point-to-point work in progress/);
    assert.match(r.stderr, /moving at MPI_Barrier 3 to epoch 1/);
    assert.doesNotMatch(r.stderr, /moving at MPI_Barrier [12] /);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ['OK migrate_pending rank 0', 'OK migrate_pending rank 1']);
  });
  test('a module built without -fmigrate never moves between hosts, and says why', { timeout: TIMEOUT }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-v', '--pack-at-barrier', '1', '-np', '4', wasm.plain], { timeoutMs: 120_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.doesNotMatch(r.stderr, /moving at/);
    assert.equal(new Set(finalTable(r.stderr)).size, 2);
    assert.match(r.stderr, /not built with faasmpicc -fmigrate/);
  });
});

describe('faults', () => {
  test('the destination host killed mid-move: the job ends promptly with a clear message, no rank runs twice', { timeout: TIMEOUT }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-v', '--pack-at-barrier', '2', '-np', '4', wasm.hosts, '6'], {
      timeoutMs: 60_000, env: { ...process.env, FAASMPI_TEST_KILL_DESTINATION: '1' },
    });
    assert.notEqual(r.status, 0, describeRun(r));
    assert.ok(r.ms < 45_000, `ended promptly (${Math.round(r.ms)} ms)`);
    assert.match(r.stderr, /went away while running the job|left the job/, describeRun(r));
    assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/, 'no JS stack trace');
    // No rank printed a round after the move (none resumed), and none printed any round twice.
    for (const rank of range(4)) {
      const rounds = linesOf(r.stdout, rank).map((l) => /round (\d+)/.exec(l)?.[1]).filter(Boolean);
      assert.equal(new Set(rounds).size, rounds.length, `rank ${rank} ran no round twice`);
      assert.ok(rounds.every((x) => Number(x) < 2), `rank ${rank} did not run past the move: ${rounds}`);
    }
  });
});

/** A small valid capture of `rank`, for the wire tests. */
function fakeCapture(rank: number): RankCapture {
  const data = new SharedArrayBuffer(4096);
  new Uint8Array(data).fill(7);
  return {
    version: CAPTURE_VERSION, moduleId: 'm', worldRank: rank,
    memory: { moduleId: 'm', memoryPages: 1, againstSnapshot: false, runs: new Uint32Array([1, 1]), data },
    globals: [{ name: '__stack_pointer', value: 1024 }, { name: 'g64', value: 5n }], asyncifyData: 2048, barrierResult: 0,
    point: { barriers: 3, moved: true }, mpi: { scalars: {} as never, owned: { nodes: [{ k: 'object', cls: null, fields: [] }], root: { r: 0 } } },
    captureMs: 1, unwoundAtMs: 2,
  };
}

describe('captures from peer hosts are checked', () => {
  const records = [{ h: { kind: 1, src: 0, tag: 5, context: 2, bytes: 3, a: 0, b: 0, c: 0 }, payload: new Uint8Array([1, 2, 3]) }];
  test('a capture and its in-flight records round-trip', () => {
    const bytes = encodeShippedRank({ capture: fakeCapture(1), records, baseDigest: 'abc' });
    const back = decodeShippedRank(bytes, 1, 4, 1 << 20);
    assert.equal(back.capture.worldRank, 1);
    assert.equal(back.capture.globals[1].value, 5n);
    assert.deepEqual([...new Uint8Array(back.capture.memory.data)].slice(0, 3), [7, 7, 7]);
    assert.deepEqual(back.records[0].h, records[0].h);
    assert.deepEqual([...back.records[0].payload], [1, 2, 3]);
    assert.equal(back.baseDigest, 'abc');
  });
  test('oversized, truncated, garbage, another rank, records from outside the job: refused with the reason', () => {
    const good = encodeShippedRank({ capture: fakeCapture(1), records, baseDigest: '' });
    assert.throws(() => decodeShippedRank(good, 1, 4, 100), (e: Error) => e instanceof CaptureRefused && /more than the 100/.test(e.message));
    assert.throws(() => decodeShippedRank(good.subarray(0, good.length - 1), 1, 4, 1 << 20), CaptureRefused);
    assert.throws(() => decodeShippedRank(new Uint8Array(64).fill(0x41), 1, 4, 1 << 20), /bad magic/);
    assert.throws(() => decodeShippedRank(good, 2, 4, 1 << 20), /says it is rank 1/);
    const outsider = encodeShippedRank({ capture: fakeCapture(1), records: [{ ...records[0], h: { ...records[0].h, src: 9 } }], baseDigest: '' });
    assert.throws(() => decodeShippedRank(outsider, 1, 4, 1 << 20), /from rank 9, not in the job/);
    const corrupt = Uint8Array.from(good);
    corrupt.fill(0xff, 16, 40);
    assert.throws(() => decodeShippedRank(corrupt, 1, 4, 1 << 20), CaptureRefused);
  });
  test('a host may send only a rank it runs, for the next epoch, once, and only one the move brings here', () => {
    const failures: string[] = [];
    const part = new PartMigration({
      myHost: 'A', np: 4, hosts: new Set(['A', 'B']), repeat: false,
      epoch: () => ({ epoch: 0, hostTable: ['A', 'A', 'B', 'B'] }),
      toLauncher: () => {}, toPeer: () => {}, channels: () => { throw new Error('unused'); }, bridge: () => { throw new Error('unused'); },
      switchTo: () => {}, relayOutputOf: () => {}, outputRelayed: async () => {}, maxCaptureBytes: 1 << 20,
      fail: (p) => failures.push(p), signal: new AbortController().signal, log: () => {},
    });
    const send = (from: string, rank: number, epoch: number, bytes = encodeShippedRank({ capture: fakeCapture(rank), records: [], baseDigest: '' })) =>
      part.onPeer(from, control('migrate-capture', 'g', 'u', { epoch, rank }, bytes).control);
    send('B', 0, 1);
    assert.match(failures.pop()!, /sent a capture of rank 0, which runs on host A/);
    send('B', 2, 5);
    assert.match(failures.pop()!, /capture for epoch 5, not 1/);
    send('B', 2, 1, new Uint8Array(2 << 20));
    assert.match(failures.pop()!, /more than the 1048576/);
    send('B', 2, 1);
    assert.equal(failures.length, 0);
    send('B', 2, 1);
    assert.match(failures.pop()!, /sent rank 2 twice/);
    // The launcher's table then moves rank 3 here but not rank 2: the capture of rank 2 is refused.
    part.onDecision({ barrier: 1, go: true, epoch: 1, hostTable: ['A', 'A', 'B', 'A'] });
    assert.match(failures.pop()!, /sent rank 2, which does not move here/);
    // A table naming a host outside the job is refused too.
    const other = new PartMigration({ myHost: 'A', np: 2, hosts: new Set(['A', 'B']), epoch: () => ({ epoch: 0, hostTable: ['A', 'B'] }), fail: (p: string) => failures.push(p), signal: new AbortController().signal, log: () => {} } as never);
    other.onDecision({ barrier: 1, go: true, epoch: 1, hostTable: ['A', 'Z'] });
    assert.match(failures.pop()!, /names host "Z", which is not one of the job's/);
  });
});

describe('the vote relay between the board and the job owner', () => {
  test('it passes a host\'s combined vote, writes the decision for the other hosts\' ranks, and follows the ranks that move', async () => {
    const board = new SharedArrayBuffer(4 * 6), slots = new Int32Array(board);
    const votes: [number, boolean][] = [];
    const relay = new VoteRelay(board, 4, [0, 1], (b, ok) => votes.push([b, ok]), true);
    const settle = () => new Promise((r) => setTimeout(r, 30));
    Atomics.store(slots, 0, (4 << 1) | 1);
    Atomics.notify(slots, 0);
    await settle();
    assert.deepEqual(votes, [], 'not before every local rank voted');
    Atomics.store(slots, 1, (4 << 1) | 0);
    Atomics.notify(slots, 1);
    await settle();
    assert.deepEqual(votes, [[4, false]]);
    relay.decide(4, true, false);
    assert.deepEqual([slots[2] >> 1, slots[2] & 1, slots[3] & 1], [4, 1, 1], 'the other hosts\' ranks: the decision');
    assert.deepEqual([slots[0], slots[1]], [(4 << 1) | 1, 4 << 1], 'local slots are the ranks\' own');
    // Rank 0 left this host: the relay must not wait for its vote any more (it would never come).
    relay.setLocalRanks([1]);
    Atomics.store(slots, 1, (8 << 1) | 1);
    Atomics.notify(slots, 1);
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(votes[1], [8, true]);
    relay.decide(8, false, true);
    assert.equal(slots[4], 1, 'the word: no more moves');
    assert.equal(slots[5], 8 << 1, 'the decision word: no move at barrier 8');
    relay.stop();
  });
});

describe('the consolidation plan', () => {
  test('fewest hosts, never oversubscribed, fewest moves', () => {
    // 2+2 with room for 4 on each: one host; ties keep the later host.
    assert.deepEqual(packPlan(['a', 'a', 'b', 'b'], new Map([['a', 2], ['b', 2]])), ['b', 'b', 'b', 'b']);
    // 3+1: the three stay, the one moves.
    assert.deepEqual(packPlan(['a', 'a', 'a', 'b'], new Map([['a', 1], ['b', 3]])), ['a', 'a', 'a', 'a']);
    // No host has room for all: unchanged (never oversubscribe).
    assert.deepEqual(packPlan(['a', 'a', 'b', 'b'], new Map([['a', 0], ['b', 1]])), ['a', 'a', 'b', 'b']);
    // 2+1+1 with room for 2 more on a: the two lone ranks join a.
    assert.deepEqual(packPlan(['a', 'a', 'b', 'c'], new Map([['a', 2], ['b', 0], ['c', 0]])), ['a', 'a', 'a', 'a']);
    // 2+1+1, a full, b with room for 1: three hosts become two (c's rank to b).
    assert.deepEqual(packPlan(['a', 'a', 'b', 'c'], new Map([['a', 0], ['b', 1], ['c', 0]])), ['a', 'a', 'b', 'b']);
  });
});
