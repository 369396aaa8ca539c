// A snapshot is a Faaslet's state between calls: its linear memory and its mutable globals. Only non-zero
// 64 KiB pages are kept, so a restored Faaslet touches (and the host pays for) only memory that holds data.
// The bytes live in SharedArrayBuffers: any worker can restore from one snapshot without copying it first.

export const WASM_PAGE = 65536;

export interface GlobalValue {
  name: string;
  value: number | bigint;
}

export interface Snapshot {
  /** sha256 of the module the snapshot was taken from; restoring into another module is refused. */
  moduleId: string;
  /** Memory size in pages when captured. */
  memoryPages: number;
  /** Indexes of the pages kept, ascending. */
  pageIndexes: Uint32Array;
  /** The kept pages, back to back (pageIndexes.length * WASM_PAGE bytes). */
  pageData: SharedArrayBuffer;
  globals: GlobalValue[];
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

function nonZeroPages(buffer: ArrayBufferLike, pages: number): number[] {
  const words = new Int32Array(buffer, 0, (pages * WASM_PAGE) / 4);
  const wordsPerPage = WASM_PAGE / 4;
  const kept: number[] = [];
  for (let p = 0; p < pages; p++) {
    const end = (p + 1) * wordsPerPage;
    for (let i = p * wordsPerPage; i < end; i++) {
      if (words[i] !== 0) {
        kept.push(p);
        break;
      }
    }
  }
  return kept;
}

export function captureSnapshot(
  moduleId: string,
  memory: WebAssembly.Memory,
  exports: WebAssembly.Exports,
  globalNames: readonly string[],
): Snapshot {
  const buffer = memory.buffer;
  const memoryPages = buffer.byteLength / WASM_PAGE;
  const kept = nonZeroPages(buffer, memoryPages);
  const pageData = new SharedArrayBuffer(kept.length * WASM_PAGE);
  const out = new Uint8Array(pageData);
  const src = new Uint8Array(buffer);
  kept.forEach((p, i) => out.set(src.subarray(p * WASM_PAGE, (p + 1) * WASM_PAGE), i * WASM_PAGE));
  const pageIndexes = new Uint32Array(new SharedArrayBuffer(kept.length * 4));
  pageIndexes.set(kept);
  const globals = globalNames.map((name) => {
    const g = exports[name];
    if (!(g instanceof WebAssembly.Global)) throw new SnapshotError(`module does not export global ${name}`);
    return { name, value: g.value as number | bigint };
  });
  return { moduleId, memoryPages, pageIndexes, pageData, globals };
}

/** A fresh memory holding the snapshot's pages (the rest zero, as never-touched wasm memory is). */
export function restoreMemory(snapshot: Snapshot, maximumPages: number | undefined, shared: boolean): WebAssembly.Memory {
  if (maximumPages !== undefined && snapshot.memoryPages > maximumPages) {
    throw new SnapshotError(`snapshot has ${snapshot.memoryPages} pages, more than the module's maximum ${maximumPages}`);
  }
  const memory = new WebAssembly.Memory({ initial: snapshot.memoryPages, maximum: maximumPages, shared } as WebAssembly.MemoryDescriptor);
  const dst = new Uint8Array(memory.buffer);
  const src = new Uint8Array(snapshot.pageData);
  snapshot.pageIndexes.forEach((p, i) => dst.set(src.subarray(i * WASM_PAGE, (i + 1) * WASM_PAGE), p * WASM_PAGE));
  return memory;
}

export function restoreGlobals(snapshot: Snapshot, exports: WebAssembly.Exports): void {
  for (const { name, value } of snapshot.globals) {
    const g = exports[name];
    if (!(g instanceof WebAssembly.Global)) throw new SnapshotError(`module does not export global ${name}`);
    g.value = value;
  }
}
