// The versioned byte format of an FDiff, for sending it to another host. Every field is checked on decode:
// the bytes come from a peer.
//   0  "FDIF"
//   4  u16 format version    6  u16 flags (none defined: must be 0)
//   8  u64 memory size in bytes (the memory may have grown since the base version)
//   16 u32 base version      20 u32 run count
//   24 run count x (u32 offset, u32 length), ascending, non-overlapping, non-empty, inside the memory
//   .. the runs' bytes, exactly as many as the runs cover
// All integers little-endian.
import { FDiffError, MAX_MEMORY_BYTES, checkDiff, type FDiff } from './fdiff.js';

const MAGIC = [0x46, 0x44, 0x49, 0x46]; // "FDIF"
export const FDIFF_FORMAT_VERSION = 1;
const HEADER = 24;

export function encodeDiff(diff: FDiff): Uint8Array {
  checkDiff(diff);
  const runCount = diff.runs.length / 2;
  const out = new Uint8Array(HEADER + runCount * 8 + diff.data.length);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  v.setUint16(4, FDIFF_FORMAT_VERSION, true);
  v.setUint16(6, 0, true);
  v.setBigUint64(8, BigInt(diff.memoryBytes), true);
  v.setUint32(16, diff.baseVersion, true);
  v.setUint32(20, runCount, true);
  for (let i = 0; i < diff.runs.length; i++) v.setUint32(HEADER + i * 4, diff.runs[i], true);
  out.set(diff.data, HEADER + runCount * 8);
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
  const dataAt = HEADER + runCount * 8;
  if (dataAt > bytes.length) throw new FDiffError(`diff message truncated: ${runCount} runs need ${runCount * 8} bytes, ${bytes.length - HEADER} left`);
  const runs = new Uint32Array(runCount * 2);
  let total = 0;
  for (let i = 0; i < runs.length; i++) {
    runs[i] = v.getUint32(HEADER + i * 4, true);
    if (i % 2 === 1) total += runs[i];
  }
  const carried = bytes.length - dataAt;
  if (total > carried) throw new FDiffError(`diff message truncated: the runs cover ${total} bytes, ${carried} carried`);
  if (total < carried) throw new FDiffError(`diff message has ${carried - total} trailing bytes`);
  const diff: FDiff = { memoryBytes, baseVersion, runs, data: bytes.subarray(dataAt) };
  checkDiff(diff);
  return diff;
}
