// Diff kernels: every kernel finds exactly the changed bytes (checked against a byte loop) in every pattern,
// including chunk boundaries, unaligned views, ragged lengths and grown memories; applying the diff to the
// base gives the live memory back.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KERNELS, createDiffer, FDiffTracker, DEFAULT_KERNEL } from '../fdiffs/differs.js';
import { FDiffError, RunSink, applyDiff, growForDiff, type FDiff } from '../fdiffs/fdiff.js';
import { KERNEL_CHUNK } from '../fdiffs/simd-kernel.js';

/** The reference: runs of changed bytes by the plainest loop (bytes past base's end compare against 0). */
function referenceRuns(live: Uint8Array, base: Uint8Array): number[] {
  const runs: number[] = [];
  let start = -1;
  for (let i = 0; i <= live.length; i++) {
    const changed = i < live.length && live[i] !== (i < base.length ? base[i] : 0);
    if (changed && start < 0) start = i;
    if (!changed && start >= 0) { runs.push(start, i - start); start = -1; }
  }
  return runs;
}

/** Deterministic pseudo-random numbers (tests must not flake). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function patterns(size: number): [string, (live: Uint8Array) => void][] {
  return [
    ['no change', () => {}],
    ['one byte at 0', (l) => { l[0] ^= 1; }],
    ['last byte', (l) => { l[l.length - 1] ^= 0x80; }],
    ['a run across a kernel chunk boundary', (l) => { for (let i = KERNEL_CHUNK - 7; i < KERNEL_CHUNK + 21; i++) l[i] ^= 0xff; }],
    ['runs across 16-byte and 64-byte blocks', (l) => { for (const i of [15, 16, 63, 64, 65, 127, 200, 201, 203]) l[i] ^= 3; }],
    ['every other byte', (l) => { for (let i = 1000; i < 3000; i += 2) l[i] ^= 1; }],
    ['scattered doubles, some bytes equal', (l) => {
      const r = rng(7);
      const v = new DataView(l.buffer, l.byteOffset, l.length);
      for (let k = 0; k < size / 200; k++) { const at = Math.floor(r() * (size / 8 - 1)) * 8; v.setFloat64(at, v.getFloat64(at, true) + 0.5, true); }
    }],
    ['random bytes 1%', (l) => { const r = rng(3); for (let k = 0; k < size / 100; k++) l[Math.floor(r() * size)] = Math.floor(r() * 256); }],
    ['all changed', (l) => { for (let i = 0; i < l.length; i++) l[i] ^= 0x5a; }],
    ['long runs broken by single equal bytes', (l) => { for (let i = 0; i < l.length; i++) if (i % 97 !== 0 && i % 1000 !== 3) l[i] ^= 0x11; }],
    ['a byte changed and changed back', (l) => { l[5] ^= 1; l[5] ^= 1; }],
  ];
}

function filled(size: number, seed: number, offset = 0): Uint8Array {
  const buf = new Uint8Array(size + offset);
  const r = rng(seed);
  for (let i = 0; i < buf.length; i++) buf[i] = r() < 0.3 ? 0 : Math.floor(r() * 256);
  return buf.subarray(offset);
}

function diffOf(kernel: (typeof KERNELS)[number], live: Uint8Array, base: Uint8Array): FDiff {
  const tracker = new FDiffTracker(createDiffer(kernel));
  tracker.reset(base);
  return tracker.diff(live);
}

describe('every kernel finds exactly the changed bytes', () => {
  for (const kernel of KERNELS) {
    for (const [size, offset] of [[3 * KERNEL_CHUNK, 0], [2 * KERNEL_CHUNK + 37, 0], [KERNEL_CHUNK + 100, 1]]) {
      test(`${kernel}, ${size} bytes at view offset ${offset}`, () => {
        for (const [name, change] of patterns(size)) {
          const base = filled(size, 11, offset);
          const live = filled(size, 11, offset);
          change(live);
          const d = diffOf(kernel, live, base);
          assert.deepEqual([...d.runs], referenceRuns(live, base), `${kernel}: ${name}`);
          const back = new Uint8Array(base);
          applyDiff(back, d);
          assert.deepEqual(back, live, `${kernel}: ${name} applied`);
        }
      });
    }
  }
});

describe('tracking a replica', () => {
  test('a grown memory: new pages are compared against zero', () => {
    for (const kernel of KERNELS) {
      const base = filled(KERNEL_CHUNK, 5);
      const live = new Uint8Array(3 * KERNEL_CHUNK);
      live.set(base);
      live[2 * KERNEL_CHUNK + 9] = 4;
      live[KERNEL_CHUNK] = 1;
      const d = diffOf(kernel, live, base);
      assert.deepEqual([...d.runs], [KERNEL_CHUNK, 1, 2 * KERNEL_CHUNK + 9, 1], kernel);
      assert.equal(d.memoryBytes, 3 * KERNEL_CHUNK);
    }
  });

  test('a shared wasm memory is diffed in place; after accepting its own diff the replica is clean', () => {
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 8, shared: true });
    const tracker = new FDiffTracker();
    assert.equal(tracker.kernel, DEFAULT_KERNEL);
    tracker.reset(new Uint8Array(memory.buffer));
    new Float64Array(memory.buffer)[100] = 3.25;
    memory.grow(1);
    new Uint8Array(memory.buffer)[2 * 65536 + 1] = 9;
    const d = tracker.diff(new Uint8Array(memory.buffer));
    assert.equal(d.memoryBytes, 3 * 65536);
    assert.equal(d.baseVersion, 0);
    tracker.accept(d);
    tracker.synced(1);
    const again = tracker.diff(new Uint8Array(memory.buffer));
    assert.deepEqual([...again.runs], []);
    assert.equal(again.baseVersion, 1);
  });

  test('a memory smaller than its copy is refused (memories never shrink)', () => {
    const tracker = new FDiffTracker();
    tracker.reset(new Uint8Array(1024));
    assert.throws(() => tracker.diff(new Uint8Array(512)), /smaller than its synchronised copy/);
  });

  test('unknown kernels are named in the error', () => {
    assert.throws(() => createDiffer('gpu' as never), /unknown diff kernel 'gpu'/);
  });
});

describe('applying diffs checks them first', () => {
  const diff = (runs: number[], data: number, memoryBytes = 64): FDiff => ({ memoryBytes, baseVersion: 0, runs: new Uint32Array(runs), data: new Uint8Array(data) });
  const target = () => new Uint8Array(64).fill(7);

  for (const [name, d, message] of [
    ['a run past the memory', diff([60, 8], 8), /outside the 64-byte memory/],
    ['a run whose end wraps 32 bits', diff([0xfffffff0, 0x20], 0x20, 2 ** 32), /outside/],
    ['overlapping runs', diff([0, 8, 4, 8], 16), /overlaps/],
    ['runs out of order', diff([20, 4, 0, 4], 8), /overlaps or precedes/],
    ['an empty run', diff([0, 0], 0), /empty/],
    ['fewer bytes than the runs cover', diff([0, 8], 4), /cover 8 bytes but carry 4/],
    ['an odd runs array', diff([0, 8, 9], 8), /pairs/],
    ['a memory size over 4 GiB', diff([], 0, 2 ** 33), /out of range/],
    ['a target smaller than the memory', diff([0, 4], 4, 128), /grow it first/],
  ] as const) {
    test(name, () => {
      const t = target();
      assert.throws(() => applyDiff(t, d), (e: Error) => e instanceof FDiffError && message.test(e.message));
      assert.ok(t.every((b) => b === 7), 'nothing was written');
    });
  }

  test('growForDiff grows a wasm memory to the diff size, in whole pages', () => {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 3 });
    growForDiff(m, diff([], 0, 3 * 65536));
    assert.equal(m.buffer.byteLength, 3 * 65536);
    assert.throws(() => growForDiff(m, diff([], 0, 4 * 65536)), /cannot grow the memory/);
    assert.throws(() => growForDiff(m, diff([], 0, 4 * 65536 + 1)), /whole number of wasm pages/);
  });

  test('RunSink joins runs that touch', () => {
    const s = new RunSink();
    s.add(0, 4); s.add(4, 4); s.add(9, 1);
    assert.deepEqual([...s.runs()], [0, 8, 9, 1]);
  });
});
