// The versioned byte format of an FDiff, for sending it to another host. Every field is checked on decode:
// the bytes come from a peer.
//   0  "FDIF"
//   4  u16 format version    6  u16 flags (none defined: must be 0)
//   8  u64 memory size in bytes (the memory may have grown since the base version)
//   16 u32 base version      20 u32 run count      24 u32 run table bytes
//   28 run table: per run, LEB128 gap from the previous run's end (the first: from 0), LEB128 length
//   .. the runs' bytes, exactly as many as the runs cover
// Integers little-endian. Varint run headers: scattered 8-byte changes cost 2-3 header bytes, not 8.
import { FDiffError, MAX_MEMORY_BYTES, checkDiff, type FDiff } from './fdiff.js';

const MAGIC = [0x46, 0x44, 0x49, 0x46]; // "FDIF"
export const FDIFF_FORMAT_VERSION = 1;
const HEADER = 28;

function varintLength(x: number): number {
  let n = 1;
  while (x >= 0x80) { x = Math.floor(x / 128); n++; }
  return n;
}

function writeVarint(out: Uint8Array, at: number, x: number): number {
  while (x >= 0x80) {
    out[at++] = (x & 0x7f) | 0x80;
    x = Math.floor(x / 128);
  }
  out[at++] = x;
  return at;
}

export function encodeDiff(diff: FDiff): Uint8Array {
  checkDiff(diff);
  const { runs } = diff;
  let tableBytes = 0;
  for (let i = 0, end = 0; i < runs.length; i += 2) {
    tableBytes += varintLength(runs[i] - end) + varintLength(runs[i + 1]);
    end = runs[i] + runs[i + 1];
  }
  const out = new Uint8Array(HEADER + tableBytes + diff.data.length);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  v.setUint16(4, FDIFF_FORMAT_VERSION, true);
  v.setUint16(6, 0, true);
  v.setBigUint64(8, BigInt(diff.memoryBytes), true);
  v.setUint32(16, diff.baseVersion, true);
  v.setUint32(20, runs.length / 2, true);
  v.setUint32(24, tableBytes, true);
  let at = HEADER;
  for (let i = 0, end = 0; i < runs.length; i += 2) {
    at = writeVarint(out, at, runs[i] - end);
    at = writeVarint(out, at, runs[i + 1]);
    end = runs[i] + runs[i + 1];
  }
  out.set(diff.data, at);
  return out;
}

export interface DecodeLimits {
  /** Refuse diffs of a memory larger than this (the receiving memory's maximum). */
  maxMemoryBytes?: number;
  /** Refuse diffs against any other base version. */
  baseVersion?: number;
}

/** Decode and check a diff from a peer; throws FDiffError naming the problem. The data is a view of `bytes`. */
export function decodeDiff(bytes: Uint8Array, limits: DecodeLimits = {}): FDiff {
  if (bytes.length < HEADER) throw new FDiffError(`diff message truncated: ${bytes.length} bytes, the header alone is ${HEADER}`);
  if (MAGIC.some((b, i) => bytes[i] !== b)) throw new FDiffError('not an FDiff message (bad magic)');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const version = v.getUint16(4, true);
  if (version !== FDIFF_FORMAT_VERSION) throw new FDiffError(`FDiff format version ${version} is not supported (this runtime reads ${FDIFF_FORMAT_VERSION})`);
  const flags = v.getUint16(6, true);
  if (flags !== 0) throw new FDiffError(`FDiff flags 0x${flags.toString(16)} are not defined in format version ${version}`);
  const size = v.getBigUint64(8, true);
  const max = limits.maxMemoryBytes ?? MAX_MEMORY_BYTES;
  if (size > BigInt(max)) throw new FDiffError(`diff memory size ${size} is over the limit of ${max} bytes`);
  const memoryBytes = Number(size);
  const baseVersion = v.getUint32(16, true);
  if (limits.baseVersion !== undefined && baseVersion !== limits.baseVersion) throw new FDiffError(`diff is against version ${baseVersion}, expected ${limits.baseVersion}`);
  const runCount = v.getUint32(20, true);
  const tableBytes = v.getUint32(24, true);
  const dataAt = HEADER + tableBytes;
  if (dataAt > bytes.length) throw new FDiffError(`diff message truncated: a ${tableBytes}-byte run table, ${bytes.length - HEADER} bytes left`);
  // Each run takes at least 2 table bytes: a run count the table cannot hold is refused before allocating.
  if (runCount * 2 > tableBytes) throw new FDiffError(`diff run table of ${tableBytes} bytes cannot hold ${runCount} runs`);
  const runs = new Uint32Array(runCount * 2);
  let at = HEADER, end = 0, total = 0;
  const varint = (what: string, run: number): number => {
    let x = 0, scale = 1;
    for (let k = 0; ; k++) {
      if (at >= dataAt) throw new FDiffError(`diff run table ends inside the ${what} of run ${run}`);
      const b = bytes[at++];
      if (k === 4 && b > 0x0f) throw new FDiffError(`diff run ${run}: ${what} does not fit 32 bits`);
      x += (b & 0x7f) * scale;
      if (b < 0x80) return x;
      scale *= 128;
    }
  };
  for (let i = 0; i < runCount; i++) {
    const offset = end + varint('gap', i);
    const length = varint('length', i);
    if (length === 0) throw new FDiffError(`diff run ${i} is empty`);
    if (offset + length > memoryBytes) throw new FDiffError(`diff run ${i} (${offset}+${length}) is outside the ${memoryBytes}-byte memory`);
    runs[2 * i] = offset;
    runs[2 * i + 1] = length;
    end = offset + length;
    total += length;
  }
  if (at !== dataAt) throw new FDiffError(`diff run table has ${dataAt - at} bytes after its ${runCount} runs`);
  const carried = bytes.length - dataAt;
  if (total > carried) throw new FDiffError(`diff message truncated: the runs cover ${total} bytes, ${carried} carried`);
  if (total < carried) throw new FDiffError(`diff message has ${carried - total} trailing bytes`);
  const diff: FDiff = { memoryBytes, baseVersion, runs, data: bytes.subarray(dataAt) };
  checkDiff(diff);
  return diff;
}
