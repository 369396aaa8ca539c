// The pieces of a team spread over hosts, with two or three "hosts" as separate memories in this process:
// the first fork ships the whole image, later forks only diffs; barriers merge disjoint writes so every
// replica equals the master; a race keeps every unrelated byte; memory growth on either side travels; hostile
// diffs and team messages are refused naming the problem; reductions combine in the one-host order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeDiff } from '../fdiffs/index.js';
import { OmpError } from '../openmp/errors.js';
import { describeLayout, placeTeam } from '../openmp/spread/layout.js';
import { MainMemorySync, ReplicaMemorySync } from '../openmp/spread/memory-sync.js';
import { combineInOrder, reduceDataInOrder } from '../openmp/spread/reduce-order.js';
import { decodeTeamMessage, encodeTeamMessage, TeamWireError, type ForkMessage } from '../openmp/spread/team-wire.js';

const PAGE = 65536;
const mem = (pages: number) => new WebAssembly.Memory({ initial: pages, maximum: 64, shared: true });
const bytes = (m: WebAssembly.Memory) => new Uint8Array(m.buffer);
const LIMITS = { maxThreads: 64, maxArgs: 16, maxLevels: 4, maxMessageBytes: 1 << 26 };

/** A master with some content and n replicas synchronised to it by a first fork. */
function cluster(replicas: number) {
  const master = mem(2);
  const m = bytes(master);
  for (let i = 0; i < 5000; i += 3) m[i] = (i * 13) & 0xff;
  const main = new MainMemorySync(master);
  const image = main.forkUpdate();
  const hosts = Array.from({ length: replicas }, (_, i) => {
    const memory = mem(1); // smaller than the master: the image makes it grow
    const sync = new ReplicaMemorySync(memory, 'main');
    sync.applyUpdate(image);
    return { name: `h${i + 1}`, memory, sync };
  });
  return { master, main, hosts, image };
}

describe('replica memories of a spread team', () => {
  test('the first fork ships the image (non-zero bytes only) and the replica equals the master', () => {
    const { master, hosts, image } = cluster(2);
    assert.ok(image.length < 8000, `image of ${image.length} bytes for a 128 KiB memory with ~1700 scattered non-zero bytes`);
    for (const h of hosts) assert.deepEqual(bytes(h.memory), bytes(master));
  });

  test('a later fork ships only what the master changed since', () => {
    const { master, main, hosts } = cluster(1);
    bytes(master)[100_000] = 7;
    const update = main.forkUpdate();
    assert.ok(update.length < 64, `update of ${update.length} bytes`);
    hosts[0].sync.applyUpdate(update);
    assert.deepEqual(bytes(hosts[0].memory), bytes(master));
  });

  test('a barrier merges disjoint writes of three hosts; all memories agree afterwards', () => {
    const { master, main, hosts } = cluster(2);
    bytes(master).fill(1, 0, 8);
    bytes(hosts[0].memory).fill(2, 8, 16);
    bytes(hosts[1].memory).fill(3, 16, 24);
    const out = main.merge(hosts.map((h) => ({ host: h.name, diff: h.sync.ownDiff() })));
    assert.deepEqual(out.races, []);
    for (const h of hosts) h.sync.applyUpdate(out.aggregate);
    assert.deepEqual([...bytes(master).subarray(0, 24)], [...Array(8).fill(1), ...Array(8).fill(2), ...Array(8).fill(3)]);
    for (const h of hosts) assert.deepEqual(bytes(h.memory), bytes(master));
  });

  test('a race keeps the lowest threads\' bytes for exactly the raced bytes; unrelated bytes stay intact', () => {
    const { master, main, hosts } = cluster(1);
    const before = bytes(master).slice();
    bytes(master)[40] = 0xaa;
    bytes(hosts[0].memory)[40] = 0xbb; // the race
    bytes(hosts[0].memory)[41] = 0xcc; // the replica's own, unrelated byte
    const out = main.merge([{ host: 'h1', diff: hosts[0].sync.ownDiff() }]);
    assert.equal(out.races.length, 1);
    assert.match(out.races[0], /bytes 40\.\.40 of the memory were written with different values by host this host and host h1 .*this host's bytes kept/);
    hosts[0].sync.applyUpdate(out.aggregate);
    const after = bytes(master);
    assert.equal(after[40], 0xaa);
    assert.equal(after[41], 0xcc);
    for (let i = 0; i < before.length; i++) if (i !== 40 && i !== 41) assert.equal(after[i], before[i], `byte ${i}`);
    assert.deepEqual(bytes(hosts[0].memory), after);
  });

  test('memory growth on a replica and on the master travels with the diffs', () => {
    const { master, main, hosts } = cluster(1);
    hosts[0].memory.grow(2);
    bytes(hosts[0].memory)[4 * PAGE - 1] = 9;
    master.grow(1);
    bytes(master)[3 * PAGE - 1] = 5;
    const out = main.merge([{ host: 'h1', diff: hosts[0].sync.ownDiff() }]);
    hosts[0].sync.applyUpdate(out.aggregate);
    assert.equal(master.buffer.byteLength, 4 * PAGE);
    assert.equal(bytes(master)[4 * PAGE - 1], 9);
    assert.deepEqual(bytes(hosts[0].memory), bytes(master));
  });

  test('hostile diffs from a peer host are refused before anything is applied', () => {
    const { master, main, hosts } = cluster(1);
    const before = bytes(master).slice();
    const good = hosts[0].sync.ownDiff();
    const cases: [string, Uint8Array, RegExp][] = [
      ['truncated', good.subarray(0, 10), /truncated/],
      ['stale version', encodeDiff({ memoryBytes: 2 * PAGE, baseVersion: 0, runs: new Uint32Array([0, 1]), data: new Uint8Array([1]) }), /against version 0, expected 1/],
      ['run past the memory', (() => { const b = encodeDiff({ memoryBytes: 2 * PAGE, baseVersion: 1, runs: new Uint32Array([2 * PAGE - 1, 1]), data: new Uint8Array([1]) }); new DataView(b.buffer).setBigUint64(8, 16n, true); return b; })(), /outside|over/],
      ['over the memory limit', encodeDiff({ memoryBytes: 2 ** 32, baseVersion: 1, runs: new Uint32Array(0), data: new Uint8Array(0) }), /over the limit/],
    ];
    const strict = new MainMemorySync(master, 64 * PAGE);
    strict.forkUpdate();
    for (const [what, diff, re] of cases) {
      assert.throws(() => strict.merge([{ host: 'h1', diff }]), (e: Error) => e instanceof OmpError && /host h1 sent a memory diff/.test(e.message) && re.test(e.message), what);
    }
    assert.deepEqual(bytes(master), before);
    void main;
  });

  test('a replica refuses an update against another version', () => {
    const { main, hosts } = cluster(1);
    const u1 = main.forkUpdate();
    hosts[0].sync.applyUpdate(u1);
    assert.throws(() => hosts[0].sync.applyUpdate(u1), /host main sent a memory update this runtime refuses: .*expected 2/);
  });
});

describe('team layout and reductions across hosts', () => {
  test('four threads over two hosts: two each, thread numbers in blocks; -v names them', () => {
    const blocks = placeTeam(4, [{ host: 'a', slots: 2 }, { host: 'b', slots: 2 }]);
    assert.deepEqual(blocks, [{ host: 'a', first: 0, count: 2 }, { host: 'b', first: 2, count: 2 }]);
    assert.equal(describeLayout(0, 1, blocks), 'rank 0: OpenMP team of 4 threads at level 1 spread over 2 hosts: host a: 2 (threads 0-1), host b: 2 (threads 2-3)');
    assert.deepEqual(placeTeam(4, [{ host: 'a', slots: 2 }, { host: 'b', slots: 1 }, { host: 'c', slots: 1 }]).map((b) => b.count), [2, 1, 1]);
  });

  test('the combination is the one-host order, whatever order hosts arrive in', () => {
    const blocks = placeTeam(4, [{ host: 'a', slots: 2 }, { host: 'b', slots: 1 }, { host: 'c', slots: 1 }]);
    const from = new Map([['c', [{ tnum: 3, data: 400 }]], ['b', [{ tnum: 2, data: 300 }]], ['a', [{ tnum: 0, data: 100 }, { tnum: 1, data: 200 }]]]);
    const order = reduceDataInOrder(4, blocks, from, 1000);
    assert.deepEqual(order, [100, 200, 300, 400]);
    // Values whose float sum depends on the order: the result must be the left fold in thread order.
    const vals = new Map([[100, 1e16], [200, 1], [300, -1e16], [400, 1]]);
    combineInOrder(order, (l, r) => vals.set(l, vals.get(l)! + vals.get(r)!));
    assert.equal(vals.get(100), ((1e16 + 1) + -1e16) + 1);
  });

  test('reduction data naming a thread another host runs, twice, or outside memory is refused', () => {
    const blocks = placeTeam(3, [{ host: 'a', slots: 2 }, { host: 'b', slots: 1 }]);
    const a = [{ tnum: 0, data: 8 }, { tnum: 1, data: 16 }];
    assert.throws(() => reduceDataInOrder(3, blocks, new Map([['a', a], ['b', [{ tnum: 1, data: 24 }]]]), 100), /host b sent reduction data for thread 1, which it does not run/);
    assert.throws(() => reduceDataInOrder(3, blocks, new Map([['a', a], ['b', [{ tnum: 2, data: 24 }, { tnum: 2, data: 32 }]]]), 100), /thread 2 twice/);
    assert.throws(() => reduceDataInOrder(3, blocks, new Map([['a', a], ['b', [{ tnum: 2, data: 1000 }]]]), 100), /outside the memory/);
    assert.throws(() => reduceDataInOrder(3, blocks, new Map([['a', a], ['b', []]]), 100), /no reduction data for thread 2/);
  });

  test('team messages round-trip; malformed ones are refused naming the problem', () => {
    const fork: ForkMessage = {
      kind: 'fork', region: 1, microtask: 5, args: [64, 128], nthreads: 4, level: 1,
      members: [{ tnum: 2, gtid: 2, stackTop: 9000, tlsBlock: 0, scratch: 100 }, { tnum: 3, gtid: 3, stackTop: 19000, tlsBlock: 0, scratch: 200 }],
      icvs: { dynamic: false, runSched: 0x80000001 | 0, runChunk: 0, nthreads: [4], maxActiveLevels: 1, ancestorTnum: [0], ancestorSize: [1] },
      update: new Uint8Array([1, 2, 3]),
    };
    assert.deepEqual(decodeTeamMessage(encodeTeamMessage(fork), LIMITS), fork);
    const arrive = { kind: 'arrive' as const, region: 1, seq: 3, sync: 'reduce' as const, reduceData: [{ tnum: 2, data: 8 }], diff: new Uint8Array([9]) };
    assert.deepEqual(decodeTeamMessage(encodeTeamMessage(arrive), LIMITS), arrive);
    const bad = (m: object) => encodeTeamMessage(m as never);
    assert.throws(() => decodeTeamMessage(bad({ ...fork, nthreads: 1000 }), LIMITS), /nthreads is 1000/);
    assert.throws(() => decodeTeamMessage(bad({ ...fork, members: [fork.members[1], fork.members[0]] }), LIMITS), /one ascending block/);
    assert.throws(() => decodeTeamMessage(bad({ ...arrive, sync: 'barrier' }), LIMITS), /carries reduction data/);
    assert.throws(() => decodeTeamMessage(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), LIMITS), TeamWireError);
    const garbled = encodeTeamMessage(arrive);
    garbled[13] = 0xff;
    assert.throws(() => decodeTeamMessage(garbled, LIMITS), /header is not JSON/);
  });
});
