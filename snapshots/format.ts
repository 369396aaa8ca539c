// The versioned byte format of a snapshot, for keeping it in a file or sending it to another host.
//   "FSNP" | u32 version | u32 header length | header (UTF-8 JSON) | zero padding to 4 | u32[] page indexes | pages
import { SnapshotError, WASM_PAGE, type Snapshot } from './snapshot.js';

const MAGIC = 'FSNP';
export const SNAPSHOT_FORMAT_VERSION = 1;

interface Header {
  moduleId: string;
  memoryPages: number;
  pageCount: number;
  globals: { name: string; kind: 'number' | 'bigint'; value: string }[];
}

const align4 = (n: number) => (n + 3) & ~3;

export function serializeSnapshot(s: Snapshot): Uint8Array {
  const header: Header = {
    moduleId: s.moduleId,
    memoryPages: s.memoryPages,
    pageCount: s.pageIndexes.length,
    globals: s.globals.map((g) => ({ name: g.name, kind: typeof g.value === 'bigint' ? 'bigint' : 'number', value: String(g.value) })),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const indexesAt = align4(12 + headerBytes.length);
  const pagesAt = indexesAt + s.pageIndexes.length * 4;
  const out = new Uint8Array(pagesAt + s.pageData.byteLength);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, SNAPSHOT_FORMAT_VERSION, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  s.pageIndexes.forEach((p, i) => view.setUint32(indexesAt + i * 4, p, true));
  out.set(new Uint8Array(s.pageData), pagesAt);
  return out;
}

export function deserializeSnapshot(bytes: Uint8Array): Snapshot {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new SnapshotError('not a faasmpi snapshot (bad magic)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotError(`snapshot format version ${version} is not supported (this runtime reads ${SNAPSHOT_FORMAT_VERSION})`);
  }
  const headerLength = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as Header;
  const indexesAt = align4(12 + headerLength);
  const pagesAt = indexesAt + header.pageCount * 4;
  if (bytes.length !== pagesAt + header.pageCount * WASM_PAGE) throw new SnapshotError('snapshot is truncated or has trailing bytes');
  const pageIndexes = new Uint32Array(new SharedArrayBuffer(header.pageCount * 4));
  for (let i = 0; i < header.pageCount; i++) pageIndexes[i] = view.getUint32(indexesAt + i * 4, true);
  const pageData = new SharedArrayBuffer(header.pageCount * WASM_PAGE);
  new Uint8Array(pageData).set(bytes.subarray(pagesAt));
  return {
    moduleId: header.moduleId,
    memoryPages: header.memoryPages,
    pageIndexes,
    pageData,
    globals: header.globals.map((g) => ({ name: g.name, value: g.kind === 'bigint' ? BigInt(g.value) : Number(g.value) })),
  };
}
