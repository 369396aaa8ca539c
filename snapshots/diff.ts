// A memory diff: the 4 KiB chunks of a linear memory that differ from a base the receiver already has (the
// program's post-initialisation snapshot, or a fresh zeroed memory). A migrated rank ships only these.
//   byte format: "FDIF" | u32 version | u32 header length | header (UTF-8 JSON) | zero padding to 4 | u32[] runs | chunks
import { createHash } from 'node:crypto';
import { CHUNK, SnapshotError, WASM_PAGE, type Snapshot } from './snapshot.js';

export const DIFF_FORMAT_VERSION = 1;
const MAGIC = 'FDIF';

export interface MemoryDiff {
  /** The module the memory belongs to (sha256); applying onto another module's base is refused. */
  moduleId: string;
  /** Memory size in wasm pages when captured (never less than the base's: wasm memory only grows). */
  memoryPages: number;
  /** Whether the base is the module's post-initialisation snapshot (else: zeroed memory). */
  againstSnapshot: boolean;
  /** Runs of differing chunks as [first chunk, chunk count] pairs, ascending. */
  runs: Uint32Array;
  /** The differing chunks' current bytes, back to back, in run order. */
  data: SharedArrayBuffer;
}

/** The chunks of `base` as a lookup: chunk index -> offset of its bytes in base.data (absent chunks are zero). */
function baseChunks(base: Snapshot | undefined): Map<number, number> {
  const at = new Map<number, number>();
  if (!base) return at;
  let off = 0;
  for (let i = 0; i < base.runs.length; i += 2) {
    for (let c = 0; c < base.runs[i + 1]; c++, off += CHUNK) at.set(base.runs[i] + c, off);
  }
  return at;
}

const ZERO_CHUNK = Buffer.alloc(CHUNK);

/** memcmp of one chunk against the base's copy of it (or zeros): native range compares, no object per chunk. */
function sameChunk(mem: Buffer, chunk: number, base: Buffer | undefined, baseOff: number | undefined): boolean {
  const from = chunk * CHUNK;
  return base === undefined || baseOff === undefined
    ? ZERO_CHUNK.compare(mem, from, from + CHUNK) === 0
    : base.compare(mem, from, from + CHUNK, baseOff, baseOff + CHUNK) === 0;
}

/** Compares `memory` with `base` chunk by chunk (page-level compare) and keeps what differs. */
export function diffMemory(moduleId: string, memory: WebAssembly.Memory, base: Snapshot | undefined): MemoryDiff {
  if (base && base.moduleId !== moduleId) throw new SnapshotError('the base snapshot was taken from another module');
  const buffer = memory.buffer;
  const chunks = buffer.byteLength / CHUNK;
  if (base && base.memoryPages > buffer.byteLength / WASM_PAGE) throw new SnapshotError('memory is smaller than its base snapshot');
  const at = baseChunks(base);
  const memBytes = Buffer.from(buffer), baseBytes = base ? Buffer.from(base.data) : undefined;
  const runs: number[] = [];
  let start = -1, kept = 0;
  for (let c = 0; c <= chunks; c++) {
    const same = c === chunks || sameChunk(memBytes, c, baseBytes, at.get(c));
    if (!same && start < 0) start = c;
    if (same && start >= 0) {
      runs.push(start, c - start);
      kept += c - start;
      start = -1;
    }
  }
  const data = new SharedArrayBuffer(kept * CHUNK);
  const out = new Uint8Array(data), src = new Uint8Array(buffer);
  let off = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const bytes = runs[i + 1] * CHUNK;
    out.set(src.subarray(runs[i] * CHUNK, runs[i] * CHUNK + bytes), off);
    off += bytes;
  }
  const runArray = new Uint32Array(new SharedArrayBuffer(runs.length * 4));
  runArray.set(runs);
  return { moduleId, memoryPages: buffer.byteLength / WASM_PAGE, againstSnapshot: base !== undefined, runs: runArray, data };
}

/**
 * Writes a diff onto a memory that holds exactly its base (made by memoryFor from the same snapshot, or fresh),
 * growing it to the captured size first.
 */
export function applyDiff(memory: WebAssembly.Memory, diff: MemoryDiff, base: Snapshot | undefined): void {
  if (diff.againstSnapshot !== (base !== undefined)) throw new SnapshotError('memory diff applied onto a different base than it was taken against');
  if (base && base.moduleId !== diff.moduleId) throw new SnapshotError('memory diff taken from another module');
  const pages = memory.buffer.byteLength / WASM_PAGE;
  if (diff.memoryPages < pages) throw new SnapshotError(`memory diff has ${diff.memoryPages} pages, its base already ${pages}`);
  if (diff.memoryPages > pages) memory.grow(diff.memoryPages - pages);
  const dst = new Uint8Array(memory.buffer), src = new Uint8Array(diff.data);
  let off = 0;
  for (let i = 0; i < diff.runs.length; i += 2) {
    const first = diff.runs[i], bytes = diff.runs[i + 1] * CHUNK;
    if ((first * CHUNK) + bytes > dst.length || off + bytes > src.length) throw new SnapshotError('memory diff runs exceed its memory or data');
    dst.set(src.subarray(off, off + bytes), first * CHUNK);
    off += bytes;
  }
}

/** Writes a snapshot's chunks into a zeroed memory at least as large (the base a diff then goes onto). */
export function writeSnapshotInto(memory: WebAssembly.Memory, snapshot: Snapshot): void {
  const dst = new Uint8Array(memory.buffer), src = new Uint8Array(snapshot.data);
  if (snapshot.memoryPages * WASM_PAGE > dst.length) throw new SnapshotError('memory is smaller than the snapshot');
  let off = 0;
  for (let i = 0; i < snapshot.runs.length; i += 2) {
    const bytes = snapshot.runs[i + 1] * CHUNK;
    dst.set(src.subarray(off, off + bytes), snapshot.runs[i] * CHUNK);
    off += bytes;
  }
}

/**
 * A captured memory rebuilt in a zeroed memory of the captured size: its base (the snapshot, if any), then the
 * diff. Runs in the rank's new worker, so ranks restore in parallel, off the host's thread.
 */
export function rebuildMemory(memory: WebAssembly.Memory, diff: MemoryDiff, base: Snapshot | undefined): void {
  if (base) writeSnapshotInto(memory, base);
  applyDiff(memory, diff, base);
}

/** Bytes a diff carries (its chunks). */
export function diffBytes(diff: MemoryDiff): number {
  return diff.data.byteLength;
}

const align4 = (n: number) => (n + 3) & ~3;

interface Header { moduleId: string; memoryPages: number; againstSnapshot: boolean; runWords: number; chunkCount: number }

export function serializeDiff(d: MemoryDiff): Uint8Array {
  const header: Header = {
    moduleId: d.moduleId, memoryPages: d.memoryPages, againstSnapshot: d.againstSnapshot,
    runWords: d.runs.length, chunkCount: d.data.byteLength / CHUNK,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const runsAt = align4(12 + headerBytes.length);
  const chunksAt = runsAt + d.runs.length * 4;
  const out = new Uint8Array(chunksAt + d.data.byteLength);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, DIFF_FORMAT_VERSION, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  d.runs.forEach((w, i) => view.setUint32(runsAt + i * 4, w, true));
  out.set(new Uint8Array(d.data), chunksAt);
  return out;
}

/** Reads a diff from bytes a peer sent: every field is checked before use. */
export function deserializeDiff(bytes: Uint8Array): MemoryDiff {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw new SnapshotError('not a faasmpi memory diff (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== DIFF_FORMAT_VERSION) throw new SnapshotError(`memory diff format version ${version} is not supported (this runtime reads ${DIFF_FORMAT_VERSION})`);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) throw new SnapshotError('memory diff header is truncated');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch {
    throw new SnapshotError('memory diff header is not valid JSON');
  }
  const isCount = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  if (typeof header?.moduleId !== 'string' || typeof header.againstSnapshot !== 'boolean' || !isCount(header.memoryPages) ||
    header.memoryPages > 65536 || !isCount(header.runWords) || header.runWords % 2 !== 0 || !isCount(header.chunkCount)) {
    throw new SnapshotError('memory diff header is malformed');
  }
  const runsAt = align4(12 + headerLength);
  const chunksAt = runsAt + header.runWords * 4;
  if (bytes.length !== chunksAt + header.chunkCount * CHUNK) throw new SnapshotError('memory diff is truncated or has trailing bytes');
  const runs = new Uint32Array(new SharedArrayBuffer(header.runWords * 4));
  const limit = (header.memoryPages * WASM_PAGE) / CHUNK;
  let counted = 0, end = 0;
  for (let i = 0; i < header.runWords; i++) runs[i] = view.getUint32(runsAt + i * 4, true);
  for (let i = 0; i < runs.length; i += 2) {
    if (runs[i] < end || runs[i + 1] === 0 || runs[i] + runs[i + 1] > limit) throw new SnapshotError('memory diff runs are out of order or out of range');
    end = runs[i] + runs[i + 1];
    counted += runs[i + 1];
  }
  if (counted !== header.chunkCount) throw new SnapshotError('memory diff runs do not match its chunk count');
  const data = new SharedArrayBuffer(header.chunkCount * CHUNK);
  new Uint8Array(data).set(bytes.subarray(chunksAt));
  return { moduleId: header.moduleId, memoryPages: header.memoryPages, againstSnapshot: header.againstSnapshot, runs, data };
}

/** Names a base by its content, so that a diff is applied only onto the same base on another host. */
export function snapshotDigest(base: Snapshot | undefined): string {
  if (!base) return '';
  return createHash('sha256').update(base.moduleId).update(new Uint8Array(base.runs.buffer, base.runs.byteOffset, base.runs.byteLength))
    .update(new Uint8Array(base.data)).digest('hex');
}
