// The FDiff wire format: round trips, and every hostile message (truncated, overlapping, out of range, wrong
// sizes or versions, random corruption) is refused with an FDiffError, never a write out of bounds.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FDiffTracker } from '../fdiffs/differs.js';
import { FDiffError, applyDiff, type FDiff } from '../fdiffs/fdiff.js';
import { FDIFF_FORMAT_VERSION, decodeDiff, encodeDiff } from '../fdiffs/wire.js';

function sampleDiff(): FDiff {
  const base = new Uint8Array(3 * 65536);
  const live = new Uint8Array(4 * 65536); // grew by a page
  live.set(base);
  live.fill(9, 100, 140); live[70000] = 1; live[4 * 65536 - 1] = 2;
  const t = new FDiffTracker();
  t.reset(base, 7);
  return t.diff(live);
}

/** A message with a field overwritten. */
function patched(bytes: Uint8Array, at: number, value: number, width: 2 | 4 | 8 = 4): Uint8Array {
  const out = new Uint8Array(bytes);
  const v = new DataView(out.buffer);
  if (width === 2) v.setUint16(at, value, true);
  else if (width === 4) v.setUint32(at, value, true);
  else v.setBigUint64(at, BigInt(value), true);
  return out;
}

/** LEB128 of x, written plainly (a hostile peer may also send overlong forms). */
function leb(x: number): number[] {
  const out: number[] = [];
  do { out.push((x & 0x7f) | (x >= 0x80 ? 0x80 : 0)); x = Math.floor(x / 128); } while (x > 0);
  return out;
}

/** Encode without the encoder's checks (what a hostile peer can send): runs as (offset, length) pairs. */
function raw(runs: number[], dataBytes: number, memoryBytes = 1024, table?: number[], runCount = runs.length / 2): Uint8Array {
  if (!table) {
    table = [];
    for (let i = 0, end = 0; i < runs.length; i += 2) { table.push(...leb(Math.max(0, runs[i] - end)), ...leb(runs[i + 1])); end = runs[i] + runs[i + 1]; }
  }
  const out = new Uint8Array(28 + table.length + dataBytes);
  const v = new DataView(out.buffer);
  out.set([0x46, 0x44, 0x49, 0x46]);
  v.setUint16(4, FDIFF_FORMAT_VERSION, true);
  v.setBigUint64(8, BigInt(memoryBytes), true);
  v.setUint32(20, runCount, true);
  v.setUint32(24, table.length, true);
  out.set(table, 28);
  return out;
}

const refused = (bytes: Uint8Array, message: RegExp, limits = {}) =>
  assert.throws(() => decodeDiff(bytes, limits), (e: Error) => e instanceof FDiffError && message.test(e.message));

describe('FDiff wire format', () => {
  test('round trip keeps size (grown), base version, runs and bytes', () => {
    const d = sampleDiff();
    const back = decodeDiff(encodeDiff(d), { baseVersion: 7, maxMemoryBytes: 4 * 65536 });
    assert.equal(back.memoryBytes, 4 * 65536);
    assert.equal(back.baseVersion, 7);
    assert.deepEqual([...back.runs], [...d.runs]);
    assert.deepEqual(back.data, d.data);
    const empty = decodeDiff(encodeDiff({ memoryBytes: 65536, baseVersion: 0, runs: new Uint32Array(0), data: new Uint8Array(0) }));
    assert.equal(empty.runs.length, 0);
  });

  test('a message at an odd byte offset of a larger buffer decodes', () => {
    const msg = encodeDiff(sampleDiff());
    const buf = new Uint8Array(msg.length + 3);
    buf.set(msg, 3);
    assert.deepEqual([...decodeDiff(buf.subarray(3)).runs], [...sampleDiff().runs]);
  });

  test('scattered runs cost a few header bytes each, not eight', () => {
    const runs: number[] = [];
    for (let i = 0; i < 1000; i++) runs.push(i * 800, 8);
    const msg = encodeDiff({ memoryBytes: 800 * 1000, baseVersion: 0, runs: new Uint32Array(runs), data: new Uint8Array(8000) });
    assert.ok(msg.length - 8000 - 28 <= 3 * 1000, `run table of ${msg.length - 8028} bytes`);
    assert.deepEqual([...decodeDiff(msg).runs], runs);
  });

  test('every truncation is refused', () => {
    const msg = encodeDiff(sampleDiff());
    for (let n = 0; n < msg.length; n++) refused(msg.subarray(0, n), /truncated|bad magic/);
  });

  test('header fields are checked', () => {
    const msg = encodeDiff(sampleDiff());
    refused(patched(msg, 0, 0x46444946), /bad magic/);
    refused(patched(msg, 4, 2, 2), /format version 2 is not supported \(this runtime reads 1\)/);
    refused(patched(msg, 6, 1, 2), /flags 0x1 are not defined/);
    refused(patched(msg, 8, 2 ** 33, 8), /memory size 8589934592 is over the limit/);
    refused(msg, /over the limit of 196608 bytes/, { maxMemoryBytes: 3 * 65536 });
    refused(msg, /against version 7, expected 8/, { baseVersion: 8 });
    refused(patched(msg, 20, 0xffffffff), /run table of \d+ bytes cannot hold 4294967295 runs/);
    refused(patched(msg, 24, 0xfffffff0), /truncated: a 4294967280-byte run table/);
    refused(new Uint8Array([...msg, 0]), /1 trailing bytes/);
  });

  test('hostile run tables are refused', () => {
    refused(raw([1000, 100], 100), /outside the 1024-byte memory/);
    refused(raw([0xfffffff0, 0x20], 0x20, 2 ** 32), /outside/);
    refused(raw([0, 0], 0), /run 0 is empty/);
    refused(raw([0, 0xffffffff, 0, 0xffffffff], 16, 2 ** 32), /outside the 4294967296-byte memory/);
    refused(raw([0, 8], 7), /truncated: the runs cover 8 bytes, 7 carried/);
    refused(raw([], 0, 1024, [0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01], 1), /gap does not fit 32 bits/);
    refused(raw([], 0, 1024, [0x05], 1), /cannot hold 1 runs/);
    refused(raw([], 0, 1024, [0x05, 0x83], 1), /ends inside the length of run 0/);
    refused(raw([], 0, 1024, [0x00, 0x04, 0x00], 1), /1 bytes after its 1 runs/);
    // Gaps are unsigned, so runs can neither overlap nor go backwards; a gap past the memory is refused.
    refused(raw([], 0, 1024, [...leb(1020), 0x08], 1), /\(1020\+8\) is outside/);
  });

  test('random corruption: either a clean FDiffError or a diff that applies inside its target only', () => {
    const msg = encodeDiff(sampleDiff());
    let s = 1;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    let decoded = 0;
    for (let k = 0; k < 3000; k++) {
      const bad = new Uint8Array(msg);
      for (let j = 0; j < 1 + Math.floor(rnd() * 3); j++) bad[Math.floor(rnd() * Math.min(bad.length, 48))] = Math.floor(rnd() * 256);
      let d: FDiff;
      try {
        d = decodeDiff(bad, { maxMemoryBytes: 4 * 65536 });
      } catch (e) {
        assert.ok(e instanceof FDiffError, `corruption ${k} threw ${(e as Error).name}: ${(e as Error).message}`);
        continue;
      }
      decoded++;
      const guarded = new Uint8Array(d.memoryBytes + 32).fill(0xee);
      applyDiff(guarded.subarray(16, 16 + d.memoryBytes), d);
      assert.ok(guarded.subarray(0, 16).every((b) => b === 0xee) && guarded.subarray(16 + d.memoryBytes).every((b) => b === 0xee), `corruption ${k} wrote outside`);
    }
    assert.ok(decoded > 0, 'some corruptions (e.g. of the data) still decode');
  });
});
