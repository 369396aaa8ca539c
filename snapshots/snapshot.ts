// A snapshot is a Faaslet's state between calls: its linear memory and its mutable globals. Memory is kept as
// runs of non-zero 4 KiB chunks (the OS page size), so a restored Faaslet touches — and the host pays for —
// only memory that holds data. The bytes live in SharedArrayBuffers: any worker can restore from one snapshot
// without copying it first.

export const WASM_PAGE = 65536;
export const CHUNK = 4096;

export interface GlobalValue {
  name: string;
  value: number | bigint;
}

export interface Snapshot {
  /** sha256 of the module the snapshot was taken from; restoring into another module is refused. */
  moduleId: string;
  /** Memory size in wasm pages when captured. */
  memoryPages: number;
  /** Runs of kept chunks as [first chunk, chunk count] pairs, ascending. */
  runs: Uint32Array;
  /** The kept chunks, back to back, in run order. */
  data: SharedArrayBuffer;
  globals: GlobalValue[];
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

function chunkIsZero(words: Int32Array, chunk: number): boolean {
  const perChunk = CHUNK / 4;
  const end = (chunk + 1) * perChunk;
  for (let i = chunk * perChunk; i < end; i++) if (words[i] !== 0) return false;
  return true;
}

/** [first, count] pairs of consecutive non-zero chunks. */
function nonZeroRuns(buffer: ArrayBufferLike, chunks: number): number[] {
  const words = new Int32Array(buffer, 0, (chunks * CHUNK) / 4);
  const runs: number[] = [];
  let start = -1;
  for (let c = 0; c <= chunks; c++) {
    const zero = c === chunks || chunkIsZero(words, c);
    if (!zero && start < 0) start = c;
    if (zero && start >= 0) {
      runs.push(start, c - start);
      start = -1;
    }
  }
  return runs;
}

export function captureSnapshot(
  moduleId: string,
  memory: WebAssembly.Memory,
  exports: WebAssembly.Exports,
  globalNames: readonly string[],
): Snapshot {
  const buffer = memory.buffer;
  const memoryPages = buffer.byteLength / WASM_PAGE;
  const runList = nonZeroRuns(buffer, buffer.byteLength / CHUNK);
  let keptChunks = 0;
  for (let i = 1; i < runList.length; i += 2) keptChunks += runList[i];
  const data = new SharedArrayBuffer(keptChunks * CHUNK);
  const out = new Uint8Array(data);
  const src = new Uint8Array(buffer);
  let off = 0;
  for (let i = 0; i < runList.length; i += 2) {
    const bytes = runList[i + 1] * CHUNK;
    out.set(src.subarray(runList[i] * CHUNK, runList[i] * CHUNK + bytes), off);
    off += bytes;
  }
  const runs = new Uint32Array(new SharedArrayBuffer(runList.length * 4));
  runs.set(runList);
  return { moduleId, memoryPages, runs, data, globals: readGlobals(exports, globalNames) };
}

/** The current values of the named exported globals. */
export function readGlobals(exports: WebAssembly.Exports, globalNames: readonly string[]): GlobalValue[] {
  return globalNames.map((name) => {
    const g = exports[name];
    if (!(g instanceof WebAssembly.Global)) throw new SnapshotError(`module does not export global ${name}`);
    return { name, value: g.value as number | bigint };
  });
}

/** A fresh memory holding the snapshot's chunks (the rest zero, as never-touched wasm memory is). */
export function restoreMemory(snapshot: Snapshot, maximumPages: number | undefined, shared: boolean): WebAssembly.Memory {
  if (maximumPages !== undefined && snapshot.memoryPages > maximumPages) {
    throw new SnapshotError(`snapshot has ${snapshot.memoryPages} pages, more than the module's maximum ${maximumPages}`);
  }
  const memory = new WebAssembly.Memory({ initial: snapshot.memoryPages, maximum: maximumPages, shared } as WebAssembly.MemoryDescriptor);
  const dst = new Uint8Array(memory.buffer);
  const src = new Uint8Array(snapshot.data);
  const { runs } = snapshot;
  let off = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const bytes = runs[i + 1] * CHUNK;
    dst.set(src.subarray(off, off + bytes), runs[i] * CHUNK);
    off += bytes;
  }
  return memory;
}

export function restoreGlobals(snapshot: Snapshot, exports: WebAssembly.Exports): void {
  for (const { name, value } of snapshot.globals) {
    const g = exports[name];
    if (!(g instanceof WebAssembly.Global)) throw new SnapshotError(`module does not export global ${name}`);
    g.value = value;
  }
}
