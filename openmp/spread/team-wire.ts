// Messages between the main host of a spread team and each other host of it, as bytes. They come from a
// peer: every field is checked on decode and a bad message is refused naming the problem.
//   0 "FOMP"   4 u16 format version   6 u16 kind   8 u32 header bytes   12 header (JSON)   .. blob (an FDiff)
//   fork     main -> host   the region: microtask, arguments, the host's block of thread numbers and the
//                           members' guest blocks, the team's ICVs; blob: the memory update
//   arrive   host -> main   all the host's members reached sync point `seq` (a barrier, the join, or a
//                           reduction with each member's reduce-data pointer); blob: the host's diff
//   release  main -> host   everyone arrived at `seq`; blob: the aggregate diff
//   chunk?   host -> main   a member asks the next chunk of a dynamic/guided loop; chunk: the answer
//   failed   either way     the region failed there: the job ends with this message
export const TEAM_WIRE_VERSION = 1;
const MAGIC = [0x46, 0x4f, 0x4d, 0x50]; // "FOMP"
const HEADER = 12;
/** A header is a few numbers; anything longer is not one of ours. */
const MAX_HEADER_BYTES = 64 * 1024;
/** Sync points a region may have: more would wrap the sequence numbers' meaning. */
const MAX_SEQ = 2 ** 31;

export class TeamWireError extends Error {}

export type SyncKind = 'barrier' | 'join' | 'reduce';
const SYNC_KINDS: readonly SyncKind[] = ['barrier', 'join', 'reduce'];

export interface MemberBlocks {
  tnum: number;
  gtid: number;
  stackTop: number;
  tlsBlock: number;
  scratch: number;
}

export interface ForkMessage {
  kind: 'fork';
  region: number;
  microtask: number;
  args: number[];
  nthreads: number;
  level: number;
  members: MemberBlocks[];
  icvs: { dynamic: boolean; runSched: number; runChunk: number; nthreads: number[]; maxActiveLevels: number; ancestorTnum: number[]; ancestorSize: number[] };
  update: Uint8Array;
}
export interface ArriveMessage { kind: 'arrive'; region: number; seq: number; sync: SyncKind; reduceData: { tnum: number; data: number }[]; diff: Uint8Array }
export interface ReleaseMessage { kind: 'release'; region: number; seq: number; update: Uint8Array }
export interface ChunkAsk { kind: 'chunk?'; region: number; loop: number; tnum: number; ask: number }
export interface ChunkAnswer { kind: 'chunk'; region: number; loop: number; tnum: number; ask: number; lower: number; upper: number; last: boolean; done: boolean }
export interface FailedMessage { kind: 'failed'; message: string }
export type TeamMessage = ForkMessage | ArriveMessage | ReleaseMessage | ChunkAsk | ChunkAnswer | FailedMessage;

const KINDS = ['fork', 'arrive', 'release', 'chunk?', 'chunk', 'failed'] as const;

export function encodeTeamMessage(m: TeamMessage): Uint8Array {
  const { kind, ...rest } = m;
  let blob: Uint8Array = new Uint8Array(0);
  const header: Record<string, unknown> = { ...rest };
  if ('update' in rest) { blob = rest.update; delete header.update; }
  if ('diff' in rest) { blob = rest.diff; delete header.diff; }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(HEADER + json.length + blob.length);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  v.setUint16(4, TEAM_WIRE_VERSION, true);
  v.setUint16(6, KINDS.indexOf(kind), true);
  v.setUint32(8, json.length, true);
  out.set(json, HEADER);
  out.set(blob, HEADER + json.length);
  return out;
}

/** Limits of a decoding host: its memory and team sizes bound the numbers a peer may send. */
export interface TeamWireLimits {
  maxThreads: number;
  maxArgs: number;
  maxLevels: number;
  maxMessageBytes: number;
}

export function decodeTeamMessage(bytes: Uint8Array, limits: TeamWireLimits): TeamMessage {
  if (bytes.length > limits.maxMessageBytes) throw new TeamWireError(`team message of ${bytes.length} bytes is over the limit of ${limits.maxMessageBytes}`);
  if (bytes.length < HEADER) throw new TeamWireError(`team message truncated: ${bytes.length} bytes`);
  if (MAGIC.some((b, i) => bytes[i] !== b)) throw new TeamWireError('not a team message (bad magic)');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const version = v.getUint16(4, true);
  if (version !== TEAM_WIRE_VERSION) throw new TeamWireError(`team message format version ${version} is not supported (this runtime reads ${TEAM_WIRE_VERSION})`);
  const kind = KINDS[v.getUint16(6, true)];
  if (!kind) throw new TeamWireError(`unknown team message kind ${v.getUint16(6, true)}`);
  const headerBytes = v.getUint32(8, true);
  if (headerBytes > MAX_HEADER_BYTES || HEADER + headerBytes > bytes.length) throw new TeamWireError(`team message header of ${headerBytes} bytes does not fit the message`);
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER, HEADER + headerBytes)));
  } catch {
    throw new TeamWireError(`${kind} message: its header is not JSON`);
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw new TeamWireError(`${kind} message: its header is not an object`);
  const blob = bytes.subarray(HEADER + headerBytes);
  const f = new Fields(kind, h);
  const noBlob = () => { if (blob.length) throw new TeamWireError(`${kind} message carries ${blob.length} unexpected bytes`); };
  switch (kind) {
    case 'fork': {
      const nthreads = f.int('nthreads', 2, limits.maxThreads);
      const members = f.list('members', limits.maxThreads, (x, at) => {
        const m = new Fields(`${kind} message member ${at}`, x);
        return { tnum: m.int('tnum', 1, nthreads - 1), gtid: m.int('gtid', 1, limits.maxThreads - 1), stackTop: m.u32('stackTop'), tlsBlock: m.u32('tlsBlock'), scratch: m.u32('scratch') };
      });
      if (members.length === 0) throw new TeamWireError('fork message gives the host no member');
      members.forEach((m, i) => { if (i > 0 && m.tnum !== members[i - 1].tnum + 1) throw new TeamWireError('fork message: the host\'s thread numbers are not one ascending block'); });
      const ic = new Fields(`${kind} message icvs`, h.icvs);
      const level = f.int('level', 1, limits.maxLevels);
      return {
        kind, region: f.int('region', 0, MAX_SEQ), microtask: f.u32('microtask'), args: f.list('args', limits.maxArgs, (x, at) => Fields.u32(x, `${kind} message argument ${at}`)),
        nthreads, level, members,
        icvs: {
          dynamic: ic.bool('dynamic'), runSched: ic.int('runSched', -(2 ** 31), 2 ** 31 - 1), runChunk: ic.int('runChunk', 0, 0x7fffffff),
          nthreads: ic.list('nthreads', limits.maxLevels + 1, (x, at) => Fields.int(x, 1, limits.maxThreads * 1024, `icvs nthreads ${at}`)),
          maxActiveLevels: ic.int('maxActiveLevels', 0, limits.maxLevels),
          ancestorTnum: ic.list('ancestorTnum', limits.maxLevels, (x, at) => Fields.int(x, 0, limits.maxThreads, `icvs ancestorTnum ${at}`)),
          ancestorSize: ic.list('ancestorSize', limits.maxLevels, (x, at) => Fields.int(x, 1, limits.maxThreads, `icvs ancestorSize ${at}`)),
        },
        update: blob,
      };
    }
    case 'arrive': {
      const sync = f.str('sync') as SyncKind;
      if (!SYNC_KINDS.includes(sync)) throw new TeamWireError(`arrive message: unknown synchronisation '${sync}'`);
      const reduceData = f.list('reduceData', limits.maxThreads, (x, at) => {
        const m = new Fields(`arrive message reduce data ${at}`, x);
        return { tnum: m.int('tnum', 1, limits.maxThreads - 1), data: m.u32('data') };
      });
      if (sync !== 'reduce' && reduceData.length) throw new TeamWireError(`arrive message at a ${sync} carries reduction data`);
      return { kind, region: f.int('region', 0, MAX_SEQ), seq: f.int('seq', 1, MAX_SEQ), sync, reduceData, diff: blob };
    }
    case 'release':
      return { kind, region: f.int('region', 0, MAX_SEQ), seq: f.int('seq', 1, MAX_SEQ), update: blob };
    case 'chunk?':
      noBlob();
      return { kind, region: f.int('region', 0, MAX_SEQ), loop: f.int('loop', 0, MAX_SEQ), tnum: f.int('tnum', 1, limits.maxThreads - 1), ask: f.int('ask', 0, MAX_SEQ) };
    case 'chunk':
      noBlob();
      return {
        kind, region: f.int('region', 0, MAX_SEQ), loop: f.int('loop', 0, MAX_SEQ), tnum: f.int('tnum', 1, limits.maxThreads - 1), ask: f.int('ask', 0, MAX_SEQ),
        lower: f.int('lower', -(2 ** 53), 2 ** 53), upper: f.int('upper', -(2 ** 53), 2 ** 53), last: f.bool('last'), done: f.bool('done'),
      };
    case 'failed': {
      noBlob();
      const message = f.str('message');
      return { kind, message: message.length > 2000 ? `${message.slice(0, 2000)}...` : message };
    }
  }
}

/** Typed, range-checked reads of a decoded header. */
class Fields {
  private readonly o: Record<string, unknown>;
  constructor(private readonly what: string, o: unknown) {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new TeamWireError(`${what} is not an object`);
    this.o = o as Record<string, unknown>;
  }
  static int(x: unknown, min: number, max: number, what: string): number {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min || x > max) throw new TeamWireError(`${what} is ${JSON.stringify(x)}, not an integer in ${min}..${max}`);
    return x;
  }
  static u32(x: unknown, what: string): number { return Fields.int(x, 0, 0xffffffff, what); }
  int(k: string, min: number, max: number): number { return Fields.int(this.o[k], min, max, `${this.what}: ${k}`); }
  u32(k: string): number { return Fields.u32(this.o[k], `${this.what}: ${k}`); }
  bool(k: string): boolean {
    if (typeof this.o[k] !== 'boolean') throw new TeamWireError(`${this.what}: ${k} is not true or false`);
    return this.o[k] as boolean;
  }
  str(k: string): string {
    if (typeof this.o[k] !== 'string') throw new TeamWireError(`${this.what}: ${k} is not a string`);
    return this.o[k] as string;
  }
  list<T>(k: string, max: number, each: (x: unknown, at: number) => T): T[] {
    const a = this.o[k];
    if (!Array.isArray(a) || a.length > max) throw new TeamWireError(`${this.what}: ${k} is not a list of at most ${max}`);
    return a.map(each);
  }
}
