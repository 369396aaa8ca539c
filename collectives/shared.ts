// Blocking collectives of a one-host communicator on the job's shared-memory area (mpi/transport/coll-area.ts),
// the way Open MPI's coll/sm works: each rank copies its contribution into its own data slot, then publishes the
// collective's sequence number in its control word; readers wait for the numbers they need and read the peers'
// slots in place. No messages, no schedule: one pass of copies and a few atomic loads.
//
// Slot reuse: collective s writes data slot s mod DEPTH. Before writing it a rank waits until every member has
// entered collective s - DEPTH + 1: a member that entered it has finished reading everything of s - DEPTH (a rank
// runs its collectives one after the other), the last user of that slot. Readers never write. So a root runs up to
// DEPTH - 1 rooted collectives ahead of its slowest reader, as eager messages let it.
//
// Sequence numbers are each rank's own count of blocking shared collectives on the communicator (kept in its SEQ
// word); every member decides the same way for each call (collectives/decision.ts) so the counts agree. They are
// separate from the schedules' tags: nonblocking collectives stay on messages and never meet these.
//
// Reductions combine in rank order, x0 op (x1 op (... op x(n-1))), the order of the message algorithms, so the
// result is the same bits as there and on every rank.
//
// reduceBasic() and bcastBytes() are the same protocol for the common small cases, on typed arrays instead of the
// datatype engine (collectives/fast.ts decides when): a member on either path meets members on the other.
import * as abi from '../mpi/abi.js';
import type { Communicator } from '../mpi/communicators.js';
import { contiguousStart, copy, isMpiError, pack, unpack, type Datatype, type MpiError } from '../mpi/datatypes/index.js';
import type { MpiRank } from '../mpi/rank.js';
import { CollArea, DEPTH, reached, SLOT_BYTES } from '../mpi/transport/coll-area.js';
import type { Block, ReduceArgs } from './algorithms.js';

const OK = abi.MPI_SUCCESS;
/** Element kinds and ops of the typed-array reduction (reduceBasic): one small monomorphic loop each. */
export const enum BasicKind { F64 = 0, F32 = 1, I32 = 2 }
export const enum BasicOp { Sum = 0, Max = 1, Min = 2 }
const TRUNCATED = 'message truncated: a receive buffer is smaller than the data sent to it (counts or datatypes differ between ranks)';

/** A communicator as the shared collectives see it: its slot and its members' control words. */
export interface SharedComm {
  slot: number;
  n: number;
  me: number;
  worldRanks: number[];
  /** words[r]: the SEQ word of comm rank r's control line. */
  words: number[];
}

/** The outcome of one call: OK, or the first error and its message. */
export interface SharedResult {
  error: number;
  problem: string;
}

export class SharedCollectives {
  private readonly comms = new WeakMap<Communicator, SharedComm | null>();
  private readonly scratch = new Uint8Array(SLOT_BYTES);
  /** Scratch for a segment of a large reduction (grown on need, kept). */
  private big = new Uint8Array(0);
  private readonly progress = () => this.rank.p2p.progress();
  private result: SharedResult = { error: OK, problem: '' };

  // Typed views of the area (data slots start 8-byte aligned) and of the guest memory (remade when it grows).
  private readonly areaF64: Float64Array;
  private readonly areaF32: Float32Array;
  private readonly areaI32: Int32Array;
  private guestBuffer: ArrayBufferLike | undefined;
  private guestF64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private guestF32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private guestI32: Int32Array<ArrayBufferLike> = new Int32Array(0);
  // What a typed-array call waits for (fields, not closures: the same two functions serve every call).
  private waitWords: number[] = [];
  private waitSeq = 0;
  private readonly allReached = () => {
    const words = this.waitWords, s = this.waitSeq, area = this.area;
    for (let r = 0; r < words.length; r++) if (!reached(area.seq(words[r]), s)) return false;
    return true;
  };

  constructor(private readonly rank: MpiRank, private readonly area: CollArea) {
    this.areaF64 = new Float64Array(area.buffer);
    this.areaF32 = new Float32Array(area.buffer);
    this.areaI32 = new Int32Array(area.buffer);
  }

  /** The communicator's shared view, or undefined if its collectives cannot use the area (then they use messages). */
  commOf(comm: Communicator): SharedComm | undefined {
    let s = this.comms.get(comm);
    if (s === undefined) {
      const slot = CollArea.slotOf(comm.context);
      const here = this.rank.identity.hostId;
      const local = comm.worldRanks.every((w) => this.rank.hostOf(w) === here);
      s = comm.remote || slot === undefined || !local ? null : {
        slot, n: comm.worldRanks.length, me: comm.rank, worldRanks: comm.worldRanks,
        words: comm.worldRanks.map((w) => this.area.seqWord(w, slot)),
      };
      this.comms.set(comm, s);
    }
    return s ?? undefined;
  }

  // ---- the collectives (each returns the call's outcome) ----

  barrier(c: SharedComm, describe: () => string): SharedResult {
    const s = this.enter(c, false, describe);
    this.post(c, s);
    this.waitAll(c, s, describe);
    return this.end();
  }

  bcast(c: SharedComm, addr: number, count: number, type: Datatype, root: number, describe: () => string): SharedResult {
    const s = this.enter(c, c.me === root, describe);
    if (c.me === root) {
      this.post(c, s, this.packOwn(this.slotAt(c, c.me, s), addr, count, type));
      return this.end();
    }
    this.post(c, s);
    this.waitFor(c.words[root], s, describe);
    this.unpackOwn(this.slotAt(c, root, s), this.area.blockBytes(c.words[root], s), addr, count, type);
    return this.end();
  }

  reduce(c: SharedComm, a: ReduceArgs, root: number | 'all', describe: () => string): SharedResult {
    const s = this.enter(c, true, describe);
    const bytes = this.packOwn(this.slotAt(c, c.me, s), a.input, a.count, a.type);
    this.post(c, s, bytes);
    if (root !== 'all' && root !== c.me) return this.end();
    this.waitAll(c, s, describe);
    if (this.result.error !== OK) return this.end();
    const acc = this.scratch.subarray(0, bytes);
    const from = this.area.bytes;
    const last = this.slotAt(c, c.n - 1, s);
    acc.set(from.subarray(last, last + bytes));
    for (let r = c.n - 2; r >= 0; r--) this.check(a.op.apply(from, this.slotAt(c, r, s), acc, 0, a.count, a.type));
    this.unpackOwn(0, bytes, a.output, a.count, a.type, acc);
    return this.end();
  }

  /**
   * Allreduce of `count` aligned contiguous elements of a basic kind with SUM/MAX/MIN (the common small case:
   * a dot product, a norm, a residual): reduce(c, a, 'all') on typed arrays, with the same protocol, slots and
   * combining order (x0 op (x1 op ...)), so its result has the same bits and ranks taking the general path
   * meet it. `input` and `output` are byte addresses the caller checked (in memory, aligned for the kind);
   * input === output is MPI_IN_PLACE. Nothing here can fail.
   */
  reduceBasic(c: SharedComm, input: number, output: number, count: number, kind: BasicKind, op: BasicOp, describe: () => string): void {
    const size = kind === BasicKind.F64 ? 8 : 4;
    const s = (this.area.seq(c.words[c.me]) + 1) | 0;
    this.waitAllOf(c.words, (s - DEPTH + 1) | 0, describe);
    this.guestViews(Math.max(input, output) + count * size);
    const me = this.slotAt(c, c.me, s) / size;
    const inAt = input / size;
    if (kind === BasicKind.F64) copyF64(this.guestF64, inAt, this.areaF64, me, count);
    else if (kind === BasicKind.F32) copyF32(this.guestF32, inAt, this.areaF32, me, count);
    else copyI32(this.guestI32, inAt, this.areaI32, me, count);
    this.post(c, s, count * size);
    this.waitAllOf(c.words, s, describe);
    const out = output / size;
    for (let r = c.n - 1; r >= 0; r--) {
      const at = this.slotAt(c, r, s) / size;
      // The last rank's block starts the accumulator; every other rank's is combined in front of it.
      const first = r === c.n - 1;
      if (kind === BasicKind.F64) combineF64(this.areaF64, at, this.guestF64, out, count, first ? -1 : op);
      else if (kind === BasicKind.F32) combineF32(this.areaF32, at, this.guestF32, out, count, first ? -1 : op);
      else combineI32(this.areaI32, at, this.guestI32, out, count, first ? -1 : op);
    }
  }

  /** Bcast of `bytes` contiguous guest bytes at `addr` (checked by the caller): bcast() without the datatype engine. */
  bcastBytes(c: SharedComm, addr: number, bytes: number, root: number, describe: () => string): SharedResult {
    const atRoot = c.me === root;
    const s = (this.area.seq(c.words[c.me]) + 1) | 0;
    this.result = { error: OK, problem: '' };
    if (atRoot) this.waitAllOf(c.words, (s - DEPTH + 1) | 0, describe);
    const guest = this.rank.mem.all(addr + bytes);
    const area = this.area.bytes;
    if (atRoot) {
      copyU8(guest, addr, area, this.slotAt(c, c.me, s), bytes);
      this.post(c, s, bytes);
      return this.result;
    }
    this.post(c, s);
    const word = c.words[root];
    if (!reached(this.area.seq(word), s)) {
      this.waitWords = [word];
      this.waitSeq = s;
      this.rank.waiter.waitUntil(this.progress, this.allReached, describe);
    }
    const sent = this.area.blockBytes(word, s);
    copyU8(area, this.slotAt(c, root, s), guest, addr, Math.min(sent, bytes));
    if (sent > bytes) this.fail(abi.MPI_ERR_TRUNCATE, TRUNCATED);
    return this.result;
  }

  private waitAllOf(words: number[], s: number, describe: () => string): void {
    const area = this.area;
    let r = 0;
    while (r < words.length && reached(area.seq(words[r]), s)) r++;
    if (r === words.length) return;
    this.waitWords = words;
    this.waitSeq = s;
    this.rank.waiter.waitUntil(this.progress, this.allReached, describe);
  }

  private guestViews(end: number): void {
    const buffer = this.rank.mem.all(end).buffer;
    if (buffer !== this.guestBuffer) {
      this.guestBuffer = buffer;
      this.guestF64 = new Float64Array(buffer, 0, buffer.byteLength >>> 3);
      this.guestF32 = new Float32Array(buffer, 0, buffer.byteLength >>> 2);
      this.guestI32 = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
    }
  }

  /**
   * Reduce/Allreduce of contiguous data too large for the slots: members publish their buffers' addresses; rank m
   * reduces segment m of every member's input (read in place from their memories, in rank order, into a scratch
   * buffer) and writes it into the output of the root or of every member; a second sequence number is a barrier
   * that keeps every buffer in use until all are done. Only rank m reads or writes segment m, so MPI_IN_PLACE
   * (input = output) is safe.
   */
  reduceInPlace(c: SharedComm, a: ReduceArgs, root: number | 'all', describe: () => string): SharedResult {
    const s = this.enter(c, true, describe);
    const inAt = contiguousStart(a.type, a.count, a.input)!;
    const outAt = root === 'all' || root === c.me ? contiguousStart(a.type, a.count, a.output)! : 0;
    this.area.setAddresses(c.words[c.me], s, inAt, outAt);
    this.post(c, s);
    this.waitAll(c, s, describe);
    const n = c.n, sz = a.type.size;
    const lo = Math.floor((a.count * c.me) / n), k = Math.floor((a.count * (c.me + 1)) / n) - lo;
    if (k > 0) {
      const mems = c.worldRanks.map((w, r) => (r === c.me ? this.rank.mem.all() : new Uint8Array(this.rank.memoryOf(w).buffer)));
      const input = (r: number) => this.area.address(c.words[r], s, 0) + lo * sz;
      const bytes = k * sz;
      if (this.big.length < bytes) this.big = new Uint8Array(bytes);
      const acc = this.big.subarray(0, bytes);
      acc.set(mems[n - 1].subarray(input(n - 1), input(n - 1) + bytes));
      for (let r = n - 2; r >= 0; r--) this.check(a.op.apply(mems[r], input(r), acc, 0, k, a.type));
      for (let r = 0; r < n; r++) {
        if (root === 'all' || r === root) mems[r].set(acc, this.area.address(c.words[r], s, 1) + lo * sz);
      }
    }
    const done = (s + 1) | 0;
    this.post(c, done);
    this.waitAll(c, done, describe);
    return this.end();
  }

  /** Gather with equal blocks; `mine` undefined with MPI_IN_PLACE at the root. */
  gather(c: SharedComm, mine: Block | undefined, blocks: (r: number) => Block, root: number, describe: () => string): SharedResult {
    const atRoot = c.me === root;
    const s = this.enter(c, !atRoot, describe);
    if (!atRoot) {
      this.post(c, s, this.packOwn(this.slotAt(c, c.me, s), mine!.addr, mine!.count, mine!.type));
      return this.end();
    }
    this.post(c, s);
    if (mine) {
      const b = blocks(root);
      this.copyOwn(mine, b);
    }
    this.waitAll(c, s, describe);
    for (let p = 0; p < c.n; p++) {
      if (p === root) continue;
      const b = blocks(p);
      this.unpackOwn(this.slotAt(c, p, s), this.area.blockBytes(c.words[p], s), b.addr, b.count, b.type);
    }
    return this.end();
  }

  /** Allgather with equal blocks; `mine` undefined with MPI_IN_PLACE. */
  allgather(c: SharedComm, mine: Block | undefined, blocks: (r: number) => Block, describe: () => string): SharedResult {
    const s = this.enter(c, true, describe);
    const own = blocks(c.me), out = mine ?? own;
    this.post(c, s, this.packOwn(this.slotAt(c, c.me, s), out.addr, out.count, out.type));
    if (mine) this.copyOwn(mine, own);
    this.waitAll(c, s, describe);
    for (let p = 0; p < c.n; p++) {
      if (p === c.me) continue;
      const b = blocks(p);
      this.unpackOwn(this.slotAt(c, p, s), this.area.blockBytes(c.words[p], s), b.addr, b.count, b.type);
    }
    return this.end();
  }

  /** Scatter with equal blocks; `mine` undefined with MPI_IN_PLACE at the root. */
  scatter(c: SharedComm, blocks: (r: number) => Block, mine: Block | undefined, root: number, describe: () => string): SharedResult {
    const atRoot = c.me === root;
    const s = this.enter(c, atRoot, describe);
    if (atRoot) {
      const at = this.slotAt(c, c.me, s);
      let each = 0;
      for (let p = 0; p < c.n; p++) {
        const b = blocks(p);
        each = b.count * b.type.size;
        if (p !== root) this.packOwn(at + p * each, b.addr, b.count, b.type);
      }
      this.post(c, s, each);
      if (mine) this.copyOwn(blocks(root), mine);
      return this.end();
    }
    this.post(c, s);
    this.waitFor(c.words[root], s, describe);
    const each = this.area.blockBytes(c.words[root], s);
    this.unpackOwn(this.slotAt(c, root, s) + c.me * each, each, mine!.addr, mine!.count, mine!.type);
    return this.end();
  }

  /** Alltoall with equal blocks; `sendBlocks` undefined with MPI_IN_PLACE (the data is in the receive blocks). */
  alltoall(c: SharedComm, sendBlocks: ((r: number) => Block) | undefined, recvBlocks: (r: number) => Block, describe: () => string): SharedResult {
    const s = this.enter(c, true, describe);
    const at = this.slotAt(c, c.me, s);
    const from = sendBlocks ?? recvBlocks;
    const first = from(0);
    const each = first.count * first.type.size;
    for (let p = 0; p < c.n; p++) {
      if (p === c.me) continue;
      const b = from(p);
      this.packOwn(at + p * each, b.addr, b.count, b.type);
    }
    this.post(c, s, each);
    if (sendBlocks) this.copyOwn(sendBlocks(c.me), recvBlocks(c.me));
    this.waitAll(c, s, describe);
    for (let p = 0; p < c.n; p++) {
      if (p === c.me) continue;
      const b = recvBlocks(p);
      const theirs = this.area.blockBytes(c.words[p], s);
      this.unpackOwn(this.slotAt(c, p, s) + c.me * theirs, theirs, b.addr, b.count, b.type);
    }
    return this.end();
  }

  // ---- the protocol ----

  /** Starts this rank's next collective on c; a rank that will write its slot first waits until it is free. */
  private enter(c: SharedComm, writes: boolean, describe: () => string): number {
    this.result = { error: OK, problem: '' };
    const s = (this.area.seq(c.words[c.me]) + 1) | 0;
    if (writes) this.waitAll(c, (s - DEPTH + 1) | 0, describe);
    return s;
  }

  /** Publishes collective s (data written) and wakes the members that may sleep on it. */
  private post(c: SharedComm, s: number, bytesPerBlock?: number): void {
    this.area.post(c.words[c.me], s, bytesPerBlock);
    const channels = this.rank.channels;
    channels.noteEvent(this.rank.worldRank);
    for (let r = 0; r < c.n; r++) if (r !== c.me) channels.ring(c.worldRanks[r]);
  }

  private waitAll(c: SharedComm, s: number, describe: () => string): void {
    const words = c.words, area = this.area;
    const done = () => {
      for (let r = 0; r < words.length; r++) if (!reached(area.seq(words[r]), s)) return false;
      return true;
    };
    if (!done()) this.rank.waiter.waitUntil(this.progress, done, describe);
  }

  private waitFor(word: number, s: number, describe: () => string): void {
    const area = this.area;
    const done = () => reached(area.seq(word), s);
    if (!done()) this.rank.waiter.waitUntil(this.progress, done, describe);
  }

  private slotAt(c: SharedComm, r: number, s: number): number {
    return this.area.dataAt(c.worldRanks[r], c.slot, s);
  }

  private end(): SharedResult {
    return this.result;
  }

  // ---- moving data (errors are recorded; the protocol always goes on so no peer is stranded) ----

  private fail(errorClass: number, problem: string): void {
    if (this.result.error === OK) this.result = { error: errorClass, problem };
  }

  private check(e: MpiError | undefined): void {
    if (isMpiError(e)) this.fail(e.errorClass, e.message);
  }

  /** Packs guest data into the area at `at`; returns the bytes written. */
  private packOwn(at: number, addr: number, count: number, type: Datatype): number {
    const r = pack(this.rank.mem.all(), addr, count, type, this.area.bytes, at);
    if (isMpiError(r)) {
      this.fail(r.errorClass, r.message);
      return 0;
    }
    return count * type.size;
  }

  /** Unpacks `bytes` sent bytes (from `src`, default the area, at `at`) into guest data; more than fits is a truncation. */
  private unpackOwn(at: number, bytes: number, addr: number, count: number, type: Datatype, src = this.area.bytes): void {
    const r = unpack(src, at, bytes, this.rank.mem.all(), addr, count, type);
    if (isMpiError(r)) this.fail(r.errorClass, r.message);
    else if (bytes > count * type.size) this.fail(abi.MPI_ERR_TRUNCATE, TRUNCATED);
  }

  private copyOwn(from: Block, to: Block): void {
    const mem = this.rank.mem.all();
    const r = copy(mem, from.addr, from.count, from.type, mem, to.addr, to.count, to.type);
    if (isMpiError(r)) this.fail(r.errorClass, r.message);
    else if (r.truncated) this.fail(abi.MPI_ERR_TRUNCATE, TRUNCATED);
  }
}

// ---- typed-array kernels of reduceBasic (op -1: copy; else out[i] = x[i] op out[i], as mpi/ops/predefined.ts) ----

function copyF64(src: Float64Array, from: number, dst: Float64Array, to: number, n: number): void {
  for (let i = 0; i < n; i++) dst[to + i] = src[from + i];
}
function copyF32(src: Float32Array, from: number, dst: Float32Array, to: number, n: number): void {
  for (let i = 0; i < n; i++) dst[to + i] = src[from + i];
}
function copyI32(src: Int32Array, from: number, dst: Int32Array, to: number, n: number): void {
  for (let i = 0; i < n; i++) dst[to + i] = src[from + i];
}

function copyU8(src: Uint8Array, from: number, dst: Uint8Array, to: number, n: number): void {
  if (n > 64) dst.set(src.subarray(from, from + n), to);
  else for (let i = 0; i < n; i++) dst[to + i] = src[from + i];
}

function combineF64(x: Float64Array, at: number, out: Float64Array, o: number, n: number, op: number): void {
  if (op === BasicOp.Sum) for (let i = 0; i < n; i++) out[o + i] = x[at + i] + out[o + i];
  else if (op === BasicOp.Max) for (let i = 0; i < n; i++) { const a = x[at + i], b = out[o + i]; out[o + i] = a > b ? a : b; }
  else if (op === BasicOp.Min) for (let i = 0; i < n; i++) { const a = x[at + i], b = out[o + i]; out[o + i] = a < b ? a : b; }
  else for (let i = 0; i < n; i++) out[o + i] = x[at + i];
}
function combineF32(x: Float32Array, at: number, out: Float32Array, o: number, n: number, op: number): void {
  if (op === BasicOp.Sum) for (let i = 0; i < n; i++) out[o + i] = x[at + i] + out[o + i];
  else if (op === BasicOp.Max) for (let i = 0; i < n; i++) { const a = x[at + i], b = out[o + i]; out[o + i] = a > b ? a : b; }
  else if (op === BasicOp.Min) for (let i = 0; i < n; i++) { const a = x[at + i], b = out[o + i]; out[o + i] = a < b ? a : b; }
  else for (let i = 0; i < n; i++) out[o + i] = x[at + i];
}
function combineI32(x: Int32Array, at: number, out: Int32Array, o: number, n: number, op: number): void {
  if (op === BasicOp.Sum) for (let i = 0; i < n; i++) out[o + i] = x[at + i] + out[o + i];
  else if (op === BasicOp.Max) for (let i = 0; i < n; i++) { const a = x[at + i], b = out[o + i]; out[o + i] = a > b ? a : b; }
  else if (op === BasicOp.Min) for (let i = 0; i < n; i++) { const a = x[at + i], b = out[o + i]; out[o + i] = a < b ? a : b; }
  else for (let i = 0; i < n; i++) out[o + i] = x[at + i];
}
