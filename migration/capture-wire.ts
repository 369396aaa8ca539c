// A rank's capture as bytes for the link between hosts (the 'migrate-capture' control's blob), with the MPI
// records that were still in its inbox on the old host. The memory diff has its own checked format
// (snapshots/diff.ts); the rest (globals, MPI objects, records) is V8's structured serialisation of plain data.
// Everything read from a peer is checked before use: size, version, shape; the MPI objects are checked again
// when they are decoded into the rank (object-graph.ts refuses what it does not know).
import { deserialize, serialize } from 'node:v8';
import { deserializeDiff, serializeDiff } from '../snapshots/diff.js';
import type { RecordHeader } from '../mpi/transport/inbox.js';
import { CAPTURE_VERSION, type RankCapture } from './capture.js';

const MAGIC = 0x50414346; // "FCAP"
const WIRE_VERSION = 1;

export class CaptureRefused extends Error {
  override name = 'CaptureRefused';
}

/** A record that had reached the rank's inbox on its old host but not the rank. */
export interface CarriedRecord {
  h: RecordHeader;
  payload: Uint8Array;
}

export interface ShippedRank {
  capture: RankCapture;
  records: CarriedRecord[];
  /** sha256 of the base snapshot the memory diff is against ('' when against zeroed memory). */
  baseDigest: string;
}

export function encodeShippedRank(s: ShippedRank): Uint8Array {
  const { memory, ...rest } = s.capture;
  const meta = serialize({ capture: rest, records: s.records.map((r) => ({ h: r.h, payload: r.payload })), baseDigest: s.baseDigest });
  const diff = serializeDiff(memory);
  const out = new Uint8Array(16 + meta.length + diff.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, WIRE_VERSION, true);
  view.setUint32(8, meta.length, true);
  view.setUint32(12, diff.length, true);
  out.set(meta, 16);
  out.set(diff, 16 + meta.length);
  return out;
}

const isInt = (n: unknown, min = 0, max = 0xffffffff) => Number.isSafeInteger(n) && (n as number) >= min && (n as number) <= max;
const isI32 = (n: unknown) => Number.isInteger(n) && (n as number) >= -0x80000000 && (n as number) <= 0xffffffff;

/**
 * Reads what a peer host sent for rank `rank` of a job of `np` ranks; `maxBytes` bounds the whole message (the
 * job's memory for one rank and some room). Throws CaptureRefused naming the problem.
 */
export function decodeShippedRank(bytes: Uint8Array, rank: number, np: number, maxBytes: number): ShippedRank {
  const bad = (why: string): never => { throw new CaptureRefused(`capture of rank ${rank}: ${why}`); };
  if (bytes.length > maxBytes) bad(`${bytes.length} bytes, more than the ${maxBytes} a rank of this job may carry`);
  if (bytes.length < 16) bad('truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) bad('not a faasmpi capture (bad magic)');
  if (view.getUint32(4, true) !== WIRE_VERSION) bad(`wire version ${view.getUint32(4, true)} is not supported`);
  const metaLength = view.getUint32(8, true), diffLength = view.getUint32(12, true);
  if (16 + metaLength + diffLength !== bytes.length) bad('its parts do not add up to its length');
  let meta: { capture: Omit<RankCapture, 'memory'>; records: CarriedRecord[]; baseDigest: string };
  try {
    meta = deserialize(bytes.subarray(16, 16 + metaLength));
  } catch (e) {
    return bad(`unreadable (${(e as Error).message})`);
  }
  let memory: RankCapture['memory'];
  try {
    memory = deserializeDiff(bytes.subarray(16 + metaLength));
  } catch (e) {
    return bad((e as Error).message);
  }
  const c = meta?.capture as Partial<RankCapture> | undefined;
  if (!c || typeof c !== 'object') return bad('no capture');
  if (c.version !== CAPTURE_VERSION) bad(`capture version ${String(c.version)} is not supported`);
  if (c.worldRank !== rank) bad(`it says it is rank ${String(c.worldRank)}`);
  if (typeof c.moduleId !== 'string' || c.moduleId !== memory.moduleId) bad('its module does not match its memory');
  if (!Array.isArray(c.globals) || !c.globals.every((g) => typeof g?.name === 'string' && (typeof g.value === 'number' || typeof g.value === 'bigint'))) bad('malformed globals');
  if (!isInt(c.asyncifyData) || (c.asyncifyData as number) >= memory.memoryPages * 65536) bad('its saved stack is outside its memory');
  if (!isI32(c.barrierResult)) bad('malformed barrier result');
  if (!c.point || !isInt(c.point.barriers) || typeof c.point.moved !== 'boolean') bad('malformed point state');
  if (!c.mpi || typeof c.mpi !== 'object' || !c.mpi.owned || !Array.isArray(c.mpi.owned.nodes)) bad('malformed MPI state');
  if (typeof c.captureMs !== 'number' || typeof c.unwoundAtMs !== 'number') bad('malformed timings');
  if (typeof meta.baseDigest !== 'string') bad('no base digest');
  if (!Array.isArray(meta.records)) bad('malformed records');
  const fields: (keyof RecordHeader)[] = ['kind', 'src', 'tag', 'context', 'bytes', 'a', 'b', 'c'];
  for (const r of meta.records) {
    if (!r || !(r.payload instanceof Uint8Array) || !r.h || !fields.every((f) => isI32(r.h[f]))) bad('malformed carried record');
    if (!isInt(r.h.src, 0, np - 1)) bad(`a carried record from rank ${r.h.src}, not in the job`);
  }
  return { capture: { ...(c as Omit<RankCapture, 'memory'>), memory }, records: meta.records, baseDigest: meta.baseDigest };
}
