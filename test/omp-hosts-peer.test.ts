// The main host's side of a spread team against a hostile or broken peer host, through the real message path
// (a MessagePort and doorbell, as the host relays them): forged diffs, messages from hosts outside the team,
// arrivals at another synchronisation point and a peer's failure are refused with a message naming the host,
// before the master memory changes; and a replica refuses updates that do not come from the rank's host.
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { after, describe, test } from 'node:test';
import { encodeDiff } from '../fdiffs/index.js';
import { JobAbort } from '../host-interface/types.js';
import { OmpError } from '../openmp/errors.js';
import { SpreadMain, SpreadReplica } from '../openmp/spread/hub.js';
import { ReplicaMemorySync } from '../openmp/spread/memory-sync.js';
import { BELL_WORDS, PortTeamLink, postToThread } from '../openmp/spread/port-link.js';
import { decodeTeamMessage, encodeTeamMessage, type ForkMessage } from '../openmp/spread/team-wire.js';
import { placeTeam } from '../openmp/spread/layout.js';
import { M } from '../openmp/layout.js';
import { WIRE_LIMITS } from '../openmp/spread/hub.js';

const PAGE = 65536;
/** Every side's ports, closed at the end even when an assertion failed first (an open port keeps the file running). */
const openPorts: (() => void)[] = [];
after(() => openPorts.forEach((close) => close()));

function mainSide() {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 16, shared: true });
  new Uint8Array(memory.buffer).fill(7, 1000, 2000);
  const channel = new MessageChannel();
  const bell = new SharedArrayBuffer(BELL_WORDS * 4);
  const main = new SpreadMain({ link: new PortTeamLink({ port: channel.port2, bell }), hosts: ['a', 'b'], memory: () => memory, maxMemoryBytes: 16 * PAGE, rank: 0 });
  const blocks = placeTeam(4, [{ host: 'a', slots: 2 }, { host: 'b', slots: 2 }]);
  main.fork(blocks, { microtask: 1, args: [], nthreads: 4, level: 1, icvs: { dynamic: false, runSched: 0, runChunk: 0, nthreads: [4], maxActiveLevels: 1, ancestorTnum: [0], ancestorSize: [1] } },
    (tnum) => ({ gtid: tnum, stackTop: 60000 + tnum * 100, tlsBlock: 0, scratch: 50000 + tnum * 16 }));
  // What the relay would carry to host b: the fork, with the image.
  const sent: { host: string; bytes: Uint8Array }[] = [];
  channel.port1.on('message', (m) => sent.push(m));
  const peer = (host: string, bytes: Uint8Array) => postToThread(channel.port1, bell, { host, bytes });
  const words = new Int32Array(4096);
  const close = () => { channel.port1.close(); channel.port2.close(); };
  openPorts.push(close);
  return { memory, main, peer, words, close, sent };
}

/** Waits until the port has delivered `n` messages (a port message takes a turn of the event loop or more on a busy machine). */
async function sentCount(sent: unknown[], n: number): Promise<void> {
  for (let waited = 0; sent.length < n && waited < 10_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
}

const arrive = (seq: number, diff: Uint8Array, sync: 'barrier' | 'join' | 'reduce' = 'barrier') => encodeTeamMessage({ kind: 'arrive', region: 1, seq, sync, reduceData: [], diff });

describe('the main host against a hostile peer host', () => {
  test('a forged diff (a run past the memory, against a stale version) is refused naming the host; memory unchanged', () => {
    const cases: [Uint8Array, RegExp][] = [
      [(() => { const b = encodeDiff({ memoryBytes: 2 * PAGE, baseVersion: 1, runs: new Uint32Array([10, 4]), data: new Uint8Array([1, 2, 3, 4]) }); b[28 + 1] = 0x7f; return b; })(), /host b sent a memory diff this runtime refuses/],
      [encodeDiff({ memoryBytes: 2 * PAGE, baseVersion: 0, runs: new Uint32Array([10, 1]), data: new Uint8Array([1]) }), /against version 0, expected 1/],
      [encodeDiff({ memoryBytes: 64 * PAGE, baseVersion: 1, runs: new Uint32Array(0), data: new Uint8Array(0) }), /over the limit/],
    ];
    for (const [diff, re] of cases) {
      const s = mainSide();
      const before = new Uint8Array(s.memory.buffer).slice();
      s.peer('b', arrive(1, diff));
      assert.throws(() => s.main.exchange('barrier', s.words, 4), (e: Error) => e instanceof OmpError && re.test(e.message));
      assert.deepEqual(new Uint8Array(s.memory.buffer), before);
      s.close();
    }
  });

  test('a host outside the team, a wrong synchronisation point and a garbled message are refused', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['c', arrive(1, encodeDiff({ memoryBytes: 2 * PAGE, baseVersion: 1, runs: new Uint32Array(0), data: new Uint8Array(0) })), /host c sent a arrive message but runs no thread of this team/],
      ['b', arrive(2, encodeDiff({ memoryBytes: 2 * PAGE, baseVersion: 1, runs: new Uint32Array(0), data: new Uint8Array(0) })), /host b reached barrier 2 of region 1 while this host reached barrier 1/],
      ['b', arrive(1, encodeDiff({ memoryBytes: 2 * PAGE, baseVersion: 1, runs: new Uint32Array(0), data: new Uint8Array(0) }), 'reduce'), /host b reached reduce 1 .* this host reached barrier 1/],
      ['b', new Uint8Array([0x46, 0x4f, 0x4d, 0x50, 9, 0, 0, 0, 0, 0, 0, 0]), /host b sent a team message this runtime refuses: team message format version 9/],
    ];
    for (const [host, bytes, re] of cases) {
      const s = mainSide();
      s.peer(host, bytes);
      assert.throws(() => s.main.exchange('barrier', s.words, 4), (e: Error) => e instanceof OmpError && re.test(e.message), host);
      s.close();
    }
  });

  test('reduction data naming threads the peer does not run is refused', () => {
    const s = mainSide();
    const empty = encodeDiff({ memoryBytes: 2 * PAGE, baseVersion: 1, runs: new Uint32Array(0), data: new Uint8Array(0) });
    s.words[M.reduceData] = 16; // this host's threads 0 and 1 named theirs
    s.words[M.reduceData + 1] = 32;
    s.peer('b', encodeTeamMessage({ kind: 'arrive', region: 1, seq: 1, sync: 'reduce', reduceData: [{ tnum: 1, data: 64 }, { tnum: 3, data: 80 }], diff: empty }));
    assert.throws(() => s.main.exchange('reduce', s.words, 4), /host b sent reduction data for thread 1, which it does not run/);
    s.close();
  });

  test('a peer\'s failure ends the job with its message', () => {
    const s = mainSide();
    s.peer('b', encodeTeamMessage({ kind: 'failed', message: 'rank 0: trap: unreachable' }));
    assert.throws(() => s.main.exchange('barrier', s.words, 4), (e: Error) => e instanceof JobAbort && /host b: rank 0: trap: unreachable/.test(e.message));
    s.close();
  });

  test('an honest peer: its writes land in the master and the release carries the merge back', async () => {
    const s = mainSide();
    await sentCount(s.sent, 1); // the fork reaches the relay's side of the port
    assert.equal(s.sent.length, 1);
    const fork = decodeTeamMessage(s.sent[0].bytes, WIRE_LIMITS(16 * PAGE)) as ForkMessage;
    assert.deepEqual(fork.members.map((m) => m.tnum), [2, 3]);
    // Host b: a replica made from the fork's image, a write of its own, its diff.
    const replicaMem = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const sync = new ReplicaMemorySync(replicaMem, 'a', 16 * PAGE);
    sync.applyUpdate(fork.update);
    assert.deepEqual(new Uint8Array(replicaMem.buffer), new Uint8Array(s.memory.buffer));
    new Uint8Array(replicaMem.buffer)[3000] = 9;
    new Uint8Array(s.memory.buffer)[3001] = 8; // the main host's own write meanwhile
    s.peer('b', arrive(1, sync.ownDiff()));
    s.main.exchange('barrier', s.words, 4);
    assert.equal(new Uint8Array(s.memory.buffer)[3000], 9);
    await sentCount(s.sent, 2);
    const release = decodeTeamMessage(s.sent[1].bytes, WIRE_LIMITS(16 * PAGE));
    assert.equal(release.kind, 'release');
    sync.applyUpdate((release as { update: Uint8Array }).update);
    assert.deepEqual(new Uint8Array(replicaMem.buffer), new Uint8Array(s.memory.buffer));
    s.close();
  });

  test('a replica takes forks only from the rank\'s host', () => {
    const s = mainSide();
    const ch = new MessageChannel();
    const bell = new SharedArrayBuffer(BELL_WORDS * 4);
    const replica = new SpreadReplica({ link: new PortTeamLink({ port: ch.port2, bell }), main: 'a', memory: new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true }), maxMemoryBytes: 16 * PAGE });
    const fork = encodeTeamMessage({ kind: 'fork', region: 1, microtask: 1, args: [], nthreads: 2, level: 1, members: [{ tnum: 1, gtid: 1, stackTop: 100, tlsBlock: 0, scratch: 50 }], icvs: { dynamic: false, runSched: 0, runChunk: 0, nthreads: [2], maxActiveLevels: 1, ancestorTnum: [0], ancestorSize: [1] }, update: encodeDiff({ memoryBytes: PAGE, baseVersion: 0, runs: new Uint32Array(0), data: new Uint8Array(0) }) });
    postToThread(ch.port1, bell, { host: 'x', bytes: fork });
    assert.throws(() => replica.nextFork(), /host x sent a team message; only host a forks this rank's teams/);
    postToThread(ch.port1, bell, { host: 'a', bytes: encodeTeamMessage({ ...decodeTeamMessage(fork, WIRE_LIMITS(16 * PAGE)) as ForkMessage, region: 5 }) });
    assert.throws(() => replica.nextFork(), /host a forked region 5 after region 0/);
    ch.port1.close(); ch.port2.close();
    s.close();
  });
});
