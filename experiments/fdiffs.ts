// FDiffs: how fast each diff kernel finds what changed in a replica's memory (GB/s of memory scanned, the
// whole diff: scan and gathering the changed bytes), how fast a diff is applied, what the run headers cost,
// and merge throughput. The live memory is a shared WebAssembly.Memory as a replica's is; the copy is held by
// each kernel's differ. Changes flip every byte of randomly chosen 8-byte words (a fixed seed).
// Kernels alternate within each repeat (A B C A B C ...); figures are medians.
// Env: FDIFFS_SIZES_MIB (default "64,1024"), FDIFFS_REPEATS (default 3), FDIFFS_KERNELS (default all).
import { cpus } from 'node:os';
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DEFAULT_KERNEL, FDiffTracker, KERNELS, createDiffer, type KernelName } from '../fdiffs/differs.js';
import { applyDiff, type FDiff } from '../fdiffs/fdiff.js';
import { mergeInto } from '../fdiffs/merge.js';
import { mergeDiffs } from '../fdiffs/merge-diffs.js';
import { decodeDiff, encodeDiff } from '../fdiffs/wire.js';
import { median } from './measure.js';
import type { BenchmarkResult, Row } from './result.js';

const SIZES_MIB = (process.env.FDIFFS_SIZES_MIB ?? '64,1024').split(',').map(Number);
const REPEATS = Number(process.env.FDIFFS_REPEATS ?? 3);
const KERNEL_LIST = (process.env.FDIFFS_KERNELS?.split(',') ?? [...KERNELS]) as KernelName[];
/** js-u64 boxes a BigInt per word: at 1 GiB it would take minutes, so it is measured at the small size only. */
const SLOW_KERNELS = new Set<KernelName>(['js-u64']);
const PATTERNS: [string, number][] = [['no change', 0], ['1% scattered', 0.01], ['50% scattered', 0.5], ['fully changed', 1]];

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Flip every byte of a `fraction` of the 8-byte words of `live` (all of them for 1). */
function change(live: Uint8Array, fraction: number, seed = 42): void {
  const words = new Uint32Array(live.buffer, live.byteOffset, live.length / 4);
  if (fraction >= 1) { for (let i = 0; i < words.length; i++) words[i] = ~words[i]; return; }
  const r = lcg(seed);
  const pairs = words.length / 2;
  for (let k = 0; k < Math.round(pairs * fraction); k++) {
    const w = Math.floor(r() * pairs) * 2;
    words[w] = ~words[w];
    words[w + 1] = ~words[w + 1];
  }
}

const gbps = (bytes: number, ms: number) => bytes / (ms / 1000) / 1e9;
const timed = <T>(f: () => T): [T, number] => { const t = performance.now(); const r = f(); return [r, performance.now() - t]; };

interface Figures { diffMs: number[]; applyMs: number[]; diff?: FDiff }

function measureSize(mib: number, rows: Row[], notes: string[]): void {
  const bytes = mib * 2 ** 20;
  const memory = new WebAssembly.Memory({ initial: bytes / 65536, maximum: bytes / 65536, shared: true });
  const live = new Uint8Array(memory.buffer);
  const original = new Uint8Array(bytes);
  for (let o = 0; o < bytes; o += 2 ** 16) randomFillSync(original, o, 2 ** 16);
  const kernels = KERNEL_LIST.filter((k) => mib <= 64 || !SLOW_KERNELS.has(k));
  for (const [pattern, fraction] of PATTERNS) {
    live.set(original);
    change(live, fraction);
    const trackers = new Map(kernels.map((k) => {
      const t = new FDiffTracker(createDiffer(k));
      t.reset(original);
      return [k, t] as const;
    }));
    const figures = new Map<KernelName, Figures>(kernels.map((k) => [k, { diffMs: [], applyMs: [] }]));
    const target = new Uint8Array(bytes);
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const k of kernels) {
        const f = figures.get(k)!;
        const [d, ms] = timed(() => trackers.get(k)!.diff(live));
        f.diffMs.push(ms);
        if (k === kernels[0]) { // apply does not depend on the kernel: one diff, applied each repeat
          target.set(original);
          f.applyMs.push(timed(() => applyDiff(target, d))[1]);
          f.diff = d;
        }
      }
    }
    for (const k of kernels) {
      const ms = median(figures.get(k)!.diffMs);
      rows.push({ metric: `diff ${mib} MiB, ${pattern}, ${k}`, unit: 'GB/s', ours: gbps(bytes, ms), note: `${ms.toFixed(1)} ms${k === DEFAULT_KERNEL ? ' (default)' : ''}` });
    }
    const first = figures.get(kernels[0])!;
    const d = first.diff!;
    if (d.data.length > 0) {
      const applyMs = median(first.applyMs);
      const runs = d.runs.length / 2;
      rows.push({ metric: `apply ${mib} MiB, ${pattern}`, unit: 'GB/s', ours: gbps(d.data.length, applyMs), note: `${applyMs.toFixed(1)} ms for ${(d.data.length / 2 ** 20).toFixed(1)} MiB of changed bytes` });
      const wire = encodeDiff(d).length;
      rows.push({ metric: `diff size overhead ${mib} MiB, ${pattern}`, unit: '%', ours: (100 * (wire - d.data.length)) / d.data.length, note: `wire message ${wire} bytes: ${runs} runs over ${d.data.length} changed bytes` });
    }
    trackers.clear();
  }
  console.log(`  ${mib} MiB done`);
  notes.push(`${mib} MiB done, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
}

function measureMerge(rows: Row[]): void {
  const n = 1 << 20; // elements
  for (const [type, size] of [['f64', 8], ['i32', 4], ['i64', 8]] as const) {
    const a = new Uint8Array(n * size), b0 = new Uint8Array(n * size), b1 = new Uint8Array(n * size);
    randomFillSync(b0);
    a.set(b0);
    b1.set(b0);
    change(b1, 1);
    const ms: number[] = [];
    for (let rep = 0; rep < REPEATS; rep++) {
      const work = new Uint8Array(a);
      ms.push(timed(() => mergeInto(type, 'sum', work, b0, b1))[1]);
    }
    const m = median(ms);
    rows.push({ metric: `merge op sum ${type}, ${n} changed elements`, unit: 'M elements/s', ours: n / m / 1000, note: `${m.toFixed(1)} ms` });
  }
  // Four hosts' diffs of a 64 MiB memory, 1% scattered each (overlapping by chance: those bytes race), with
  // a 1 MiB f64 sum region, through the wire format and merged.
  const bytes = 64 * 2 ** 20;
  const base = new Uint8Array(bytes);
  for (let o = 0; o < bytes; o += 2 ** 16) randomFillSync(base, o, 2 ** 16);
  const tracker = new FDiffTracker();
  tracker.reset(base);
  const messages = [1, 2, 3, 4].map((seed) => {
    const live = new Uint8Array(base);
    change(live, 0.01, seed);
    return encodeDiff(tracker.diff(live));
  });
  const wireBytes = messages.reduce((s, m) => s + m.length, 0);
  const regions = [{ offset: 2 ** 20, length: 2 ** 20, type: 'f64' as const, op: 'sum' as const }];
  const decodeMs: number[] = [], mergeMs: number[] = [];
  let aggregateBytes = 0;
  for (let rep = 0; rep < REPEATS; rep++) {
    const [diffs, d] = timed(() => messages.map((m) => decodeDiff(m)));
    decodeMs.push(d);
    const [result, ms] = timed(() => mergeDiffs(base, 0, diffs, regions));
    mergeMs.push(ms);
    aggregateBytes = result.aggregate.data.length;
  }
  rows.push({ metric: 'decode 4 diffs (64 MiB, 1% scattered each)', unit: 'GB/s', ours: gbps(wireBytes, median(decodeMs)), note: `${median(decodeMs).toFixed(1)} ms for ${(wireBytes / 2 ** 20).toFixed(1)} MiB of messages` });
  rows.push({ metric: 'merge 4 diffs (64 MiB, 1% scattered each, 1 MiB f64 sum region)', unit: 'ms', ours: median(mergeMs), note: `aggregate ${(aggregateBytes / 2 ** 20).toFixed(1)} MiB` });
}

export async function run(): Promise<BenchmarkResult> {
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const mib of SIZES_MIB) measureSize(mib, rows, notes);
  measureMerge(rows);
  notes.unshift(
    `Default kernel: ${DEFAULT_KERNEL}. Diff = scan + copying the changed bytes out, byte-exact runs; GB/s of memory scanned. ${REPEATS} repeats, kernels interleaved, medians. ${cpus().length} cores shared with other work.`,
    'Node 20 (V8 11.3) has no wasm multi-memory, so the SIMD kernel keeps the synchronised copy in its own memory and copies each 64 KiB chunk of the replica next to it (in cache) before comparing.',
    'memcmp+*: a native Buffer.compare over 4 KiB pages (simd: 64 KiB chunks) first, the fine kernel only on pages that differ.',
  );
  console.log(rows.map((r) => `${r.metric.padEnd(48)} ${r.ours.toFixed(2).padStart(9)} ${r.unit.padEnd(13)} ${r.note ?? ''}`).join('\n'));
  return { name: 'fdiffs', title: 'FDiffs: diff kernels, apply and merge throughput', rows, notes };
}
