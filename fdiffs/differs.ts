// Diff kernels: find the runs of bytes where a live memory differs from its synchronised copy, byte-exact.
// Several candidates, measured by experiments/fdiffs.ts; DEFAULT_KERNEL is the fastest there.
// Float64Array words are not a candidate: they compare -0 equal to +0 and NaN unequal to itself.
// A differ owns the copy (the wasm kernel needs it inside its own memory). Bytes of the live memory past the
// copy's end (the memory grew) are compared against zero, as new wasm pages start zeroed.
import { ByteSink, FDiffError, RunSink, gatherRuns, applyDiff, type FDiff } from './fdiff.js';
import { KERNEL_CHUNK, instantiateSimdKernel, type SimdKernel } from './simd-kernel.js';

export const KERNELS = ['js-u32', 'js-u64', 'memcmp+js-u32', 'simd', 'memcmp+simd'] as const;
export type KernelName = (typeof KERNELS)[number];
export const DEFAULT_KERNEL: KernelName = 'memcmp+simd';

/** Granularity of the native coarse pass (Buffer.compare is memcmp, no copy). */
const COARSE_PAGE = 4096;

export interface Differ {
  readonly kernel: KernelName;
  /** The synchronised copy (a fresh view: re-read it after resize). */
  base(): Uint8Array;
  /** Resize the copy to `bytes` (new bytes are zero). */
  resize(bytes: number): void;
  /** The runs where `live` differs from the copy, and their bytes in `live`. */
  changes(live: Uint8Array): { runs: Uint32Array; data: Uint8Array };
}

/** Byte-by-byte runs in [from, to): used for unaligned ends and inside differing words. */
function scanBytes(live: Uint8Array, base: Uint8Array, from: number, to: number, sink: RunSink): void {
  let start = -1;
  for (let i = from; i < to; i++) {
    if (live[i] !== base[i]) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      sink.add(start, i - start);
      start = -1;
    }
  }
  if (start >= 0) sink.add(start, to - start);
}

/** Word loop over 4-byte words in [from, to) (both multiples of 4, views 4-aligned), byte-exact at the edges. */
function scanU32(live: Uint8Array, base: Uint8Array, from: number, to: number, sink: RunSink): void {
  const a = new Uint32Array(live.buffer, live.byteOffset + from, (to - from) >>> 2);
  const b = new Uint32Array(base.buffer, base.byteOffset + from, (to - from) >>> 2);
  const n = a.length;
  let start = -1;
  for (let i = 0; i < n; i++) {
    const x = a[i] ^ b[i];
    if (x === 0) {
      if (start >= 0) { sink.add(start, from + i * 4 - start); start = -1; }
      while (i + 1 < n && a[i + 1] === b[i + 1]) i++;
      continue;
    }
    const at = from + i * 4;
    if ((x & 0xff) !== 0 && (x & 0xff00) !== 0 && (x & 0xff0000) !== 0 && (x & 0xff000000) !== 0) {
      if (start < 0) start = at;
      continue;
    }
    for (let k = 0; k < 4; k++) {
      if (((x >>> (8 * k)) & 0xff) !== 0) {
        if (start < 0) start = at + k;
      } else if (start >= 0) {
        sink.add(start, at + k - start);
        start = -1;
      }
    }
  }
  if (start >= 0) sink.add(start, to - start);
}

/** The same over 8-byte BigInt words (each compare boxes BigInts: measured, not the default). */
function scanU64(live: Uint8Array, base: Uint8Array, from: number, to: number, sink: RunSink): void {
  const a = new BigUint64Array(live.buffer, live.byteOffset + from, (to - from) >>> 3);
  const b = new BigUint64Array(base.buffer, base.byteOffset + from, (to - from) >>> 3);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    let j = i + 1;
    while (j < a.length && a[j] !== b[j]) j++;
    scanBytes(live, base, from + i * 8, from + j * 8, sink);
    i = j;
  }
}

type RangeScan = (live: Uint8Array, base: Uint8Array, from: number, to: number, sink: RunSink) => void;

function withCoarsePass(fine: RangeScan): RangeScan {
  return (live, base, from, to, sink) => {
    const l = Buffer.from(live.buffer, live.byteOffset, live.length);
    const b = Buffer.from(base.buffer, base.byteOffset, base.length);
    for (let p = from; p < to; p += COARSE_PAGE) {
      const end = Math.min(p + COARSE_PAGE, to);
      if (l.compare(b, p, end, p, end) !== 0) fine(live, base, p, end, sink);
    }
  };
}

/** Runs of a range in whole units of `unit` bytes by `scan`, with the unaligned tail byte by byte. */
function alignedScan(scan: RangeScan, unit: number): RangeScan {
  return (live, base, from, to, sink) => {
    if ((live.byteOffset | base.byteOffset) % unit !== 0) return scanBytes(live, base, from, to, sink);
    const mid = to - ((to - from) % unit);
    scan(live, base, from, mid, sink);
    scanBytes(live, base, mid, to, sink);
  };
}

/** A differ whose copy is a plain ArrayBuffer, with a JS range scan. */
class ArrayDiffer implements Differ {
  private copy = new Uint8Array(0);
  constructor(readonly kernel: KernelName, private readonly scanRange: RangeScan) {}
  base() { return this.copy; }
  resize(bytes: number) {
    if (bytes === this.copy.length) return;
    const grown = new Uint8Array(bytes);
    grown.set(this.copy.subarray(0, Math.min(bytes, this.copy.length)));
    this.copy = grown;
  }
  changes(live: Uint8Array) {
    if (live.length > this.copy.length) this.resize(live.length);
    const sink = new RunSink();
    this.scanRange(live, this.copy, 0, live.length, sink);
    const runs = sink.runs();
    return { runs, data: gatherRuns(live, runs) };
  }
}

/**
 * A differ whose copy lives in the SIMD kernel's memory: | scratch chunk | runs out | bytes out | copy... |.
 * The kernel writes each chunk's runs with absolute offsets and their bytes, so JS handles chunks, not runs.
 */
class SimdDiffer implements Differ {
  private readonly k: SimdKernel = instantiateSimdKernel();
  private static readonly OUT = KERNEL_CHUNK; // a chunk has at most KERNEL_CHUNK / 2 runs of 8 bytes
  private static readonly DATA = KERNEL_CHUNK + (KERNEL_CHUNK / 2) * 8;
  private static readonly BASE = SimdDiffer.DATA + KERNEL_CHUNK;
  private size = 0;
  constructor(readonly kernel: KernelName, private readonly coarse: boolean) {}
  // An empty copy (a tracker that starts from nothing) may lie past the kernel memory's end: no view then.
  base() { return this.size === 0 ? new Uint8Array(0) : new Uint8Array(this.k.memory.buffer, SimdDiffer.BASE, this.size); }
  resize(bytes: number) {
    const need = SimdDiffer.BASE + bytes;
    const have = this.k.memory.buffer.byteLength;
    if (need > have) {
      try {
        this.k.memory.grow(Math.ceil((need - have) / 65536));
      } catch {
        throw new FDiffError(`cannot keep a ${bytes}-byte synchronised copy in the diff kernel's memory`);
      }
    }
    if (bytes < this.size) new Uint8Array(this.k.memory.buffer, SimdDiffer.BASE + bytes, this.size - bytes).fill(0);
    this.size = bytes;
  }
  changes(live: Uint8Array) {
    if (live.length > this.size) this.resize(live.length);
    const memory = new Uint8Array(this.k.memory.buffer);
    const base = this.base();
    const outWords = new Uint32Array(this.k.memory.buffer, SimdDiffer.OUT, KERNEL_CHUNK);
    const liveBuf = this.coarse ? Buffer.from(live.buffer, live.byteOffset, live.length) : undefined;
    const baseBuf = this.coarse ? Buffer.from(base.buffer, base.byteOffset, base.length) : undefined;
    const runs = new RunSink();
    const data = new ByteSink();
    for (let o = 0; o < live.length; o += KERNEL_CHUNK) {
      const len = Math.min(KERNEL_CHUNK, live.length - o);
      if (liveBuf && liveBuf.compare(baseBuf!, o, o + len, o, o + len) === 0) continue;
      const whole = len & ~15;
      memory.set(live.subarray(o, o + whole), 0);
      const n = this.k.scan(0, SimdDiffer.BASE + o, whole, SimdDiffer.OUT, SimdDiffer.DATA, o);
      runs.addAll(outWords, n);
      data.push(memory, SimdDiffer.DATA, this.k.dataUsed.value as number);
      if (whole < len) {
        const tail = new RunSink();
        scanBytes(live, base, o + whole, o + len, tail);
        const t = tail.runs();
        for (let r = 0; r < t.length; r += 2) { runs.add(t[r], t[r + 1]); data.push(live, t[r], t[r + 1]); }
      }
    }
    return { runs: runs.runs(), data: data.bytes() };
  }
}

export function createDiffer(kernel: KernelName = DEFAULT_KERNEL): Differ {
  switch (kernel) {
    case 'js-u32': return new ArrayDiffer(kernel, alignedScan(scanU32, 4));
    case 'js-u64': return new ArrayDiffer(kernel, alignedScan(scanU64, 8));
    case 'memcmp+js-u32': return new ArrayDiffer(kernel, withCoarsePass(alignedScan(scanU32, 4)));
    case 'simd': return new SimdDiffer(kernel, false);
    case 'memcmp+simd': return new SimdDiffer(kernel, true);
    default: throw new FDiffError(`unknown diff kernel '${kernel}' (have: ${KERNELS.join(', ')})`);
  }
}

/**
 * One replica's view of what it changed: the synchronised copy and its version. At a synchronisation point
 * the host sends diff(live), then accepts its own diff and the aggregate it receives, so the copy equals the
 * live memory again.
 */
export class FDiffTracker {
  private version = 0;
  constructor(private readonly differ: Differ = createDiffer()) {}

  get kernel(): KernelName { return this.differ.kernel; }
  get syncedVersion(): number { return this.version; }
  /** The synchronised copy (the base for mergeDiffs on the main host); a view, valid until the next call. */
  get synchronisedCopy(): Uint8Array { return this.differ.base(); }

  /** Start (or restart) from the live memory as it is now. */
  reset(live: Uint8Array, version = 0): void {
    this.differ.resize(live.length);
    this.differ.base().set(live);
    this.version = version;
  }

  /** What `live` changed since the synchronised version (changed bytes only). */
  diff(live: Uint8Array): FDiff {
    if (live.length < this.differ.base().length) throw new FDiffError(`the live memory (${live.length} bytes) is smaller than its synchronised copy (${this.differ.base().length}): memories never shrink`);
    const { runs, data } = this.differ.changes(live);
    return { memoryBytes: live.length, baseVersion: this.version, runs, data };
  }

  /** Apply a diff to the synchronised copy (growing it if the memory grew). */
  accept(diff: FDiff): void {
    if (diff.memoryBytes > this.differ.base().length) this.differ.resize(diff.memoryBytes);
    applyDiff(this.differ.base(), diff);
  }

  /** The copy now stands for `version`. */
  synced(version: number): void {
    this.version = version;
  }
}
