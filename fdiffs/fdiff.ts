// An FDiff: what changed in a memory since a synchronised version, as runs of changed bytes with their new
// contents. Runs ascend and do not overlap; every changed byte is inside a run. A host's own diff is
// byte-exact (every byte inside a run changed); an aggregate from merge-diffs.ts also carries whole merge
// regions.

export class FDiffError extends Error {
  override name = 'FDiffError';
}

export interface FDiff {
  /** Size in bytes of the memory the diff was taken from (it may have grown since the base version). */
  memoryBytes: number;
  /** The synchronised version the diff is relative to. */
  baseVersion: number;
  /** (offset, length) pairs. */
  runs: Uint32Array;
  /** The runs' new bytes, one after another. */
  data: Uint8Array;
}

/** Wasm memories are at most 65536 pages of 64 KiB. */
export const MAX_MEMORY_BYTES = 2 ** 32;
export const WASM_PAGE = 65536;

/** Collects runs in order, joining a run that starts where the previous one ended (chunk boundaries). */
export class RunSink {
  private words = new Uint32Array(1024);
  private used = 0;

  add(offset: number, length: number): void {
    const n = this.used;
    if (n > 0 && this.words[n - 2] + this.words[n - 1] === offset) {
      this.words[n - 1] += length;
      return;
    }
    if (n + 2 > this.words.length) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    this.words[n] = offset;
    this.words[n + 1] = length;
    this.used = n + 2;
  }

  /** `count` runs from `words` (ascending, after the ones already added). */
  addAll(words: Uint32Array, count: number): void {
    if (count === 0) return;
    this.add(words[0], words[1]);
    if (count === 1) return;
    if (this.used + 2 * (count - 1) > this.words.length) {
      const grown = new Uint32Array(Math.max(this.words.length * 2, this.used + 2 * count));
      grown.set(this.words.subarray(0, this.used));
      this.words = grown;
    }
    this.words.set(words.subarray(2, 2 * count), this.used);
    this.used += 2 * (count - 1);
  }

  runs(): Uint32Array {
    return this.words.slice(0, this.used);
  }
}

/** Growable byte buffer. */
export class ByteSink {
  private buf = new Uint8Array(4096);
  length = 0;

  push(src: Uint8Array, from: number, len: number): void {
    if (this.length + len > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + len));
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
    }
    if (len <= 32) for (let k = 0; k < len; k++) this.buf[this.length + k] = src[from + k];
    else this.buf.set(src.subarray(from, from + len), this.length);
    this.length += len;
  }

  /** The bytes pushed (a view when that wastes at most half the buffer: no copy of large diffs). */
  bytes(): Uint8Array {
    return this.length * 2 >= this.buf.length ? this.buf.subarray(0, this.length) : this.buf.slice(0, this.length);
  }
}

/** The bytes of `runs` copied out of `memory`. */
export function gatherRuns(memory: Uint8Array, runs: Uint32Array): Uint8Array {
  let total = 0;
  for (let i = 1; i < runs.length; i += 2) total += runs[i];
  const data = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const off = runs[i], len = runs[i + 1];
    if (len <= 32) for (let k = 0; k < len; k++) data[at + k] = memory[off + k]; // cheaper than a subarray for short runs
    else data.set(memory.subarray(off, off + len), at);
    at += len;
  }
  return data;
}

/** Structural checks of a diff (it may come from a peer): throws FDiffError naming the first problem. */
export function checkDiff(diff: FDiff): void {
  const { runs, memoryBytes } = diff;
  if (!Number.isSafeInteger(memoryBytes) || memoryBytes < 0 || memoryBytes > MAX_MEMORY_BYTES) throw new FDiffError(`diff memory size ${memoryBytes} is out of range`);
  if (runs.length % 2 !== 0) throw new FDiffError('diff runs are not (offset, length) pairs');
  let end = 0, total = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const off = runs[i], len = runs[i + 1];
    if (len === 0) throw new FDiffError(`diff run ${i / 2} is empty`);
    if (off < end) throw new FDiffError(`diff run ${i / 2} at ${off} overlaps or precedes the run before it (ending at ${end})`);
    if (off + len > memoryBytes) throw new FDiffError(`diff run ${i / 2} (${off}+${len}) is outside the ${memoryBytes}-byte memory`);
    end = off + len;
    total += len;
  }
  if (total !== diff.data.length) throw new FDiffError(`diff runs cover ${total} bytes but carry ${diff.data.length}`);
}

/** Write a diff's bytes into `target`, which must already be at least the diff's memory size. */
export function applyDiff(target: Uint8Array, diff: FDiff): void {
  checkDiff(diff);
  if (target.length < diff.memoryBytes) throw new FDiffError(`diff is for a ${diff.memoryBytes}-byte memory; the target has ${target.length} bytes (grow it first)`);
  const { runs, data } = diff;
  let at = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const off = runs[i], len = runs[i + 1];
    if (len <= 32) for (let k = 0; k < len; k++) target[off + k] = data[at + k];
    else target.set(data.subarray(at, at + len), off);
    at += len;
  }
}

/** Grow a wasm memory to hold a diff of a memory that grew on another host. */
export function growForDiff(memory: WebAssembly.Memory, diff: FDiff): void {
  const have = memory.buffer.byteLength;
  if (diff.memoryBytes <= have) return;
  if (diff.memoryBytes % WASM_PAGE !== 0) throw new FDiffError(`diff memory size ${diff.memoryBytes} is not a whole number of wasm pages`);
  try {
    memory.grow((diff.memoryBytes - have) / WASM_PAGE);
  } catch {
    throw new FDiffError(`cannot grow the memory from ${have} to ${diff.memoryBytes} bytes (over its maximum?)`);
  }
}
