// Merging several hosts' diffs: disjoint writes all land, merge regions combine with their operation in host
// order, racing bytes outside regions resolve to the first host and are reported without touching other bytes,
// and hostile diffs are refused before anything is merged.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FDiffTracker } from '../fdiffs/differs.js';
import { FDiffError, applyDiff, checkDiff, type FDiff } from '../fdiffs/fdiff.js';
import { describeRaces, mergeDiffs, type MergeRegion } from '../fdiffs/merge-diffs.js';

const SIZE = 4096;

function baseMemory(): Uint8Array {
  const m = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) m[i] = (i * 7) & 0xff;
  return m;
}

/** A host's diff: start from the base, let `change` write, diff against the base. */
function hostDiff(base: Uint8Array, change: (m: Uint8Array, v: DataView) => void, size = base.length): { diff: FDiff; memory: Uint8Array } {
  const tracker = new FDiffTracker();
  tracker.reset(base);
  const memory = new Uint8Array(size);
  memory.set(base);
  change(memory, new DataView(memory.buffer));
  return { diff: tracker.diff(memory), memory };
}

/** The master's memory after the merge: the base with the aggregate applied. */
function result(base: Uint8Array, aggregate: FDiff): Uint8Array {
  const out = new Uint8Array(aggregate.memoryBytes);
  out.set(base);
  applyDiff(out, aggregate);
  return out;
}

describe('merging diffs of several hosts', () => {
  test('disjoint writes all land (overwrite), with no race reported', () => {
    const base = baseMemory();
    const a = hostDiff(base, (m) => m.fill(1, 0, 10));
    const b = hostDiff(base, (m) => m.fill(2, 10, 20)); // touches a's run: adjacent, not overlapping
    const c = hostDiff(base, (m) => { m[4095] = 3; m[2000] = 3; });
    const { aggregate, races } = mergeDiffs(base, 0, [a.diff, b.diff, c.diff]);
    checkDiff(aggregate);
    const expected = new Uint8Array(base);
    expected.fill(1, 0, 10); expected.fill(2, 10, 20); expected[4095] = 3; expected[2000] = 3;
    assert.deepEqual(result(base, aggregate), expected);
    assert.deepEqual(races, []);
  });

  test('overlapping writes inside a merge region combine with its operation, in host order', () => {
    const base = baseMemory();
    new DataView(base.buffer).setFloat64(1001, 10, true); // unaligned f64 region of 3 elements at 1001
    new DataView(base.buffer).setInt32(2000, 100, true);
    const regions: MergeRegion[] = [{ offset: 1001, length: 24, type: 'f64', op: 'sum' }, { offset: 2000, length: 4, type: 'i32', op: 'max' }];
    const hosts = [1, 2, 3].map((k) => hostDiff(base, (_m, v) => {
      v.setFloat64(1001, v.getFloat64(1001, true) + k, true);
      v.setFloat64(1017, v.getFloat64(1017, true) + k * 0.5, true);
      v.setInt32(2000, 100 + k * (k === 2 ? 10 : 1), true);
    }));
    const { aggregate, races, approximate } = mergeDiffs(base, 0, hosts.map((h) => h.diff), regions);
    const out = new DataView(result(base, aggregate).buffer);
    assert.equal(out.getFloat64(1001, true), 16);
    assert.equal(out.getFloat64(1017, true), new DataView(base.buffer).getFloat64(1017, true) + 3);
    assert.equal(out.getInt32(2000, true), 120);
    assert.deepEqual(races, []);
    assert.equal(approximate, 0);
    // The same inputs in the same order give the same bytes.
    assert.deepEqual(mergeDiffs(base, 0, hosts.map((h) => h.diff), regions).aggregate, aggregate);
  });

  test('racing bytes outside regions: the first host wins for exactly those bytes, other bytes are intact', () => {
    const base = baseMemory();
    const a = hostDiff(base, (m) => m.fill(0xaa, 10, 20));
    const b = hostDiff(base, (m) => { m.fill(0xbb, 15, 30); m[500] = 0xbb; });
    const c = hostDiff(base, (m) => { m.fill(0xcc, 18, 19); m[501] = 0xcc; });
    const { aggregate, races } = mergeDiffs(base, 0, [a.diff, b.diff, c.diff]);
    const out = result(base, aggregate);
    const expected = new Uint8Array(base);
    expected.fill(0xaa, 10, 20); expected.fill(0xbb, 20, 30); expected[500] = 0xbb; expected[501] = 0xcc;
    assert.deepEqual(out, expected);
    assert.deepEqual(races, [{ offset: 15, length: 3, hosts: [0, 1] }, { offset: 18, length: 1, hosts: [0, 1, 2] }, { offset: 19, length: 1, hosts: [0, 1] }]);
    assert.match(describeRaces(races)[0], /bytes 15\.\.17 written by hosts 0, 1 outside any merge region; host 0's bytes kept/);
  });

  test('a run crossing into a merge region: region bytes merge, the rest races', () => {
    const base = baseMemory();
    const regions: MergeRegion[] = [{ offset: 64, length: 8, type: 'u32', op: 'sum' }];
    const a = hostDiff(base, (m, v) => { m.fill(1, 60, 64); v.setUint32(64, v.getUint32(64, true) + 5, true); });
    const b = hostDiff(base, (m, v) => { m.fill(2, 62, 64); v.setUint32(64, v.getUint32(64, true) + 7, true); v.setUint32(68, 9, true); });
    const { aggregate, races } = mergeDiffs(base, 0, [a.diff, b.diff], regions);
    const out = result(base, aggregate);
    const v = new DataView(out.buffer);
    assert.equal(v.getUint32(64, true), new DataView(base.buffer).getUint32(64, true) + 12);
    assert.equal(v.getUint32(68, true), 9);
    assert.deepEqual([...out.subarray(60, 64)], [1, 1, 1, 1]);
    assert.deepEqual(races, [{ offset: 62, length: 2, hosts: [0, 1] }]);
  });

  test('a memory that grew on one host: the aggregate has the new size and new bytes start from zero', () => {
    const base = baseMemory();
    const regions: MergeRegion[] = [{ offset: 5000, length: 8, type: 'i64', op: 'sum' }];
    const a = hostDiff(base, (m, v) => { v.setBigInt64(5000, 4n, true); m[6000] = 1; }, 2 * SIZE);
    const b = hostDiff(base, (m) => { m[1] ^= 0xff; });
    const { aggregate } = mergeDiffs(base, 0, [b.diff, a.diff], regions);
    assert.equal(aggregate.memoryBytes, 2 * SIZE);
    const out = result(base, aggregate);
    assert.equal(new DataView(out.buffer).getBigInt64(5000, true), 4n);
    assert.equal(out[6000], 1);
    assert.equal(out[1], base[1] ^ 0xff);
  });

  test('random overlapping writes match a byte-by-byte first-writer model', () => {
    let s = 99;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let round = 0; round < 20; round++) {
      const base = baseMemory();
      const hosts = [0, 1, 2, 3].map((h) => hostDiff(base, (m) => {
        for (let k = 0; k < 20; k++) { const at = Math.floor(rnd() * (SIZE - 40)); m.fill(h * 16 + k, at, at + Math.floor(rnd() * 40)); }
      }));
      const expected = new Uint8Array(base);
      const claimed = new Uint8Array(SIZE);
      for (const h of hosts) for (let i = 0; i < SIZE; i++) if (!claimed[i] && h.memory[i] !== base[i]) { expected[i] = h.memory[i]; claimed[i] = 1; }
      const { aggregate } = mergeDiffs(base, 0, hosts.map((h) => h.diff));
      checkDiff(aggregate);
      assert.deepEqual(result(base, aggregate), expected, `round ${round}`);
    }
  });

  test('master and two replicas end up identical and clean after applying the aggregate', () => {
    const start = baseMemory();
    const memories = [0, 1, 2].map(() => new Uint8Array(start));
    const trackers = memories.map((m) => { const t = new FDiffTracker(); t.reset(m); return t; });
    const regions: MergeRegion[] = [{ offset: 0, length: 4, type: 'i32', op: 'sum' }];
    memories.forEach((m, h) => { new DataView(m.buffer).setInt32(0, new DataView(m.buffer).getInt32(0, true) + h + 1, true); m[100 + h] = 0xee; });
    const diffs = memories.map((m, h) => trackers[h].diff(m));
    const { aggregate } = mergeDiffs(trackers[0].synchronisedCopy, trackers[0].syncedVersion, diffs, regions);
    memories.forEach((m, h) => { applyDiff(m, aggregate); trackers[h].accept(diffs[h]); trackers[h].accept(aggregate); trackers[h].synced(1); });
    assert.deepEqual(memories[1], memories[0]);
    assert.deepEqual(memories[2], memories[0]);
    assert.equal(new DataView(memories[0].buffer).getInt32(0, true), new DataView(start.buffer).getInt32(0, true) + 6);
    for (const [h, m] of memories.entries()) assert.equal(trackers[h].diff(m).runs.length, 0);
  });
});

describe('hostile input is refused before anything is merged', () => {
  const base = baseMemory();
  const good = hostDiff(base, (m) => { m[3] = 1; }).diff;
  const bad = (runs: number[], data: number, memoryBytes = SIZE): FDiff => ({ memoryBytes, baseVersion: 0, runs: new Uint32Array(runs), data: new Uint8Array(data) });
  for (const [name, diffs, regions, message] of [
    ['a run outside the memory', [good, bad([4090, 10], 10)], [], /diff of host 1: .*outside the 4096-byte memory/],
    ['overlapping runs', [bad([0, 8, 4, 8], 16)], [], /diff of host 0: .*overlaps/],
    ['a wrong base version', [good, { ...good, baseVersion: 3 }], [], /host 1 is against version 3, not the synchronised version 0/],
    ['overlapping regions', [good], [{ offset: 0, length: 8, type: 'f64', op: 'sum' }, { offset: 4, length: 4, type: 'i32', op: 'sum' }], /overlap at 4/],
    ['a region outside the memory', [good], [{ offset: 4092, length: 8, type: 'f64', op: 'sum' }], /outside the 4096-byte memory/],
    ['a region of part of an element', [good], [{ offset: 0, length: 6, type: 'i32', op: 'sum' }], /whole number of i32/],
    ['a region with an unknown op', [good], [{ offset: 0, length: 4, type: 'i32', op: 'pow' }], /unknown operation 'pow'/],
  ] as [string, FDiff[], MergeRegion[], RegExp][]) {
    test(name, () => {
      assert.throws(() => mergeDiffs(base, 0, diffs, regions), (e: Error) => e instanceof FDiffError && message.test(e.message));
    });
  }
});
