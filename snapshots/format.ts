// The versioned byte format of a snapshot, for keeping it in a file or sending it to another host.
//   "FSNP" | u32 version | u32 header length | header (UTF-8 JSON) | zero padding to 4 | u32[] runs | chunks
import { CHUNK, SnapshotError, type Snapshot } from './snapshot.js';

const MAGIC = 'FSNP';
export const SNAPSHOT_FORMAT_VERSION = 2;

interface Header {
  moduleId: string;
  memoryPages: number;
  /** Entries of the runs array ([first, count] pairs, so twice the number of runs). */
  runWords: number;
  chunkCount: number;
  globals: { name: string; kind: 'number' | 'bigint'; value: string }[];
}

const align4 = (n: number) => (n + 3) & ~3;

export function serializeSnapshot(s: Snapshot): Uint8Array {
  const header: Header = {
    moduleId: s.moduleId,
    memoryPages: s.memoryPages,
    runWords: s.runs.length,
    chunkCount: s.data.byteLength / CHUNK,
    globals: s.globals.map((g) => ({ name: g.name, kind: typeof g.value === 'bigint' ? 'bigint' : 'number', value: String(g.value) })),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const indexesAt = align4(12 + headerBytes.length);
  const chunksAt = indexesAt + s.runs.length * 4;
  const out = new Uint8Array(chunksAt + s.data.byteLength);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, SNAPSHOT_FORMAT_VERSION, true);
  view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  s.runs.forEach((w, i) => view.setUint32(indexesAt + i * 4, w, true));
  out.set(new Uint8Array(s.data), chunksAt);
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
  const chunksAt = indexesAt + header.runWords * 4;
  if (bytes.length !== chunksAt + header.chunkCount * CHUNK) throw new SnapshotError('snapshot is truncated or has trailing bytes');
  const runs = new Uint32Array(new SharedArrayBuffer(header.runWords * 4));
  for (let i = 0; i < header.runWords; i++) runs[i] = view.getUint32(indexesAt + i * 4, true);
  const data = new SharedArrayBuffer(header.chunkCount * CHUNK);
  new Uint8Array(data).set(bytes.subarray(chunksAt));
  return {
    moduleId: header.moduleId,
    memoryPages: header.memoryPages,
    runs,
    data,
    globals: header.globals.map((g) => ({ name: g.name, value: g.kind === 'bigint' ? BigInt(g.value) : Number(g.value) })),
  };
}
