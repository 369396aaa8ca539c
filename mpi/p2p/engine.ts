// The point-to-point engine of one rank: posted receives and unexpected messages (matched by context, source
// and tag in arrival and posting order), and the protocols that move the bytes:
//   eager       small messages travel inside the inbox record (copied twice: into the ring, out of it);
//   rendezvous  a large contiguous send announces its address; the receiver copies straight from the sender's
//               linear memory into its own (one copy) and answers DONE;
//   streamed    a large non-contiguous or buffered send is packed on the host (a contiguous one to a rank on
//               another host is read in place); the receiver answers CTS and the sender streams fragments.
// Everything here runs in the rank's own worker; the only shared things are the inboxes and the memories.
import * as abi from '../abi.js';
import { peersOf, type Communicator } from '../communicators.js';
import { contiguousStart, isMpiError, pack, unpack, type Datatype } from '../datatypes/index.js';
import type { RecordHeader } from '../transport/inbox.js';
import type { JobChannels } from '../transport/job-channels.js';

export const EAGER_LIMIT = 64 * 1024;
const FRAGMENT_BYTES = 512 * 1024;

const enum Kind { Eager = 1, Rts = 2, Cts = 3, Fragment = 4, Done = 5 }
/** Rts flag (record field c): the sender's data is contiguous at address b of its memory. */
const HAS_ADDRESS = 1;

export interface Status {
  source: number;
  tag: number;
  error: number;
  bytes: number;
  cancelled: boolean;
}

/** Where a send's bytes come from: the guest's memory as (address, count, type), or a packed host copy. */
type Source = { kind: 'guest'; addr: number; count: number; type: Datatype } | { kind: 'host'; data: Uint8Array };

interface OpBase {
  id: number;
  done: boolean;
  status: Status;
  comm: Communicator;
  /** What the operation is, for the deadlock report (formatted only when needed). */
  what: () => string;
  /** Called once when the operation completes (releases datatypes, buffered-send space...). */
  onDone?: () => void;
}

export interface SendOp extends OpBase {
  kind: 'send';
  dst: number;
  tag: number;
  context: number;
  bytes: number;
  source: Source;
  /** Waiting to be pushed (inbox was full): 'record' for the first record; stream offset when streaming. */
  pending: 'record' | 'none';
  sync: boolean;
  stream?: { recvId: number; offset: number };
}

export interface RecvOp extends OpBase {
  kind: 'recv';
  src: number; // world rank or ANY_SOURCE
  tag: number;
  context: number;
  addr: number;
  count: number;
  type: Datatype;
  /** Set while a streamed message arrives. */
  incoming?: { total: number; received: number; staging: Uint8Array; fromWorld: number; tag: number };
  /** Receives into a host buffer (collectives' scratch): bytes go to target[addr ..), count bytes, type MPI_BYTE. */
  target?: Uint8Array;
}

/** A collective operation (collectives/): completed by its schedule, which runs from the progress hooks. */
export interface CollOp extends OpBase {
  kind: 'coll';
}

export type Op = SendOp | RecvOp | CollOp;

/** A message that arrived before its receive was posted (or was taken by MPI_Mprobe). */
export interface Arrived {
  h: RecordHeader;
  /** Eager payload, copied out of the ring. */
  data?: Uint8Array;
}

export class P2PEngine {
  private nextId = 1;
  private readonly posted: RecvOp[] = [];
  private readonly unexpected: Arrived[] = [];
  /** Sends waiting for DONE/CTS, and receives waiting for fragments, by id. */
  private readonly waiting = new Map<number, Op>();
  /** Sends with something still to push (full inbox, or a stream in progress). */
  private readonly outgoing: SendOp[] = [];
  /** Control records (DONE, CTS) that found the peer's inbox full. */
  private readonly controlBacklog: { dst: number; h: RecordHeader }[] = [];
  /** Called at the end of every progress() (collective schedules advance here). */
  readonly progressHooks: (() => void)[] = [];

  constructor(
    private readonly me: number,
    private readonly channels: JobChannels,
    /** The linear memory of every rank on this host, by world rank (ours included; undefined: another host). */
    private readonly memories: readonly (WebAssembly.Memory | undefined)[],
  ) {}

  private ownView?: Uint8Array;

  /**
   * A byte view of our memory covering at least [0, end). Memory only grows, so the cached view stays right
   * for what it covers; `memory.buffer` (not free) is read again only when an access reaches past it.
   */
  private ownBytes(end = Infinity): Uint8Array {
    if (!this.ownView || end > this.ownView.length) this.ownView = new Uint8Array(this.memories[this.me]!.buffer);
    return this.ownView;
  }

  private blankStatus(): Status {
    return { source: abi.MPI_ANY_SOURCE, tag: abi.MPI_ANY_TAG, error: abi.MPI_SUCCESS, bytes: 0, cancelled: false };
  }

  private complete(op: Op): void {
    if (op.done) return;
    op.done = true;
    this.channels.noteEvent(this.me);
    op.onDone?.();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Sending

  /** Starts a send; `buffered` data is packed now (the guest buffer is free when this returns). */
  send(comm: Communicator, dst: number, tag: number, addr: number, count: number, type: Datatype, mode: 'standard' | 'sync' | 'buffered', what: () => string): SendOp {
    const bytes = count * type.size;
    let source: Source = { kind: 'guest', addr, count, type };
    const contiguous = contiguousStart(type, count, addr) !== undefined;
    // Guest sources are either sent eagerly or, when contiguous, read in place by the receiver; everything
    // else is packed on the host first and streamed.
    const streamed = !contiguous && (bytes > EAGER_LIMIT || mode === 'sync');
    if (mode === 'buffered' || streamed) source = { kind: 'host', data: this.packToHost(addr, count, type, bytes) };
    const op: SendOp = {
      kind: 'send', id: this.nextId++, done: false, status: this.blankStatus(), comm, what, dst, tag,
      context: comm.context, bytes, source, pending: 'none', sync: mode === 'sync',
    };
    this.start(op);
    return op;
  }

  /**
   * Pushes a new send's first record, or queues it: behind any earlier send to the same rank still waiting for
   * room (a later, smaller message that fits now must not overtake it: MPI's non-overtaking rule).
   */
  private start(op: SendOp): void {
    if (!this.firstRecordQueued(op.dst) && this.pushFirstRecord(op)) return;
    op.pending = 'record';
    this.outgoing.push(op);
  }

  private firstRecordQueued(dst: number): boolean {
    const outgoing = this.outgoing;
    for (let i = 0; i < outgoing.length; i++) if (outgoing[i].pending === 'record' && outgoing[i].dst === dst) return true;
    return false;
  }

  /** The header of trySendEager's records (the inbox copies it into the ring at once). */
  private readonly eagerHeader: RecordHeader = { kind: Kind.Eager, src: 0, tag: 0, context: 0, bytes: 0, a: 0, b: 0, c: 0 };

  /**
   * The short path of a small standard send (p2p/functions.ts): `bytes` contiguous bytes at guest address `addr`,
   * pushed eagerly now and complete, as send() would. Undefined when it cannot be done that way now (too large,
   * the peer's inbox full, or an earlier send still queued, which it must not overtake): then call send().
   */
  trySendEager(comm: Communicator, dst: number, tag: number, addr: number, count: number, type: Datatype, bytes: number, what: () => string): SendOp | undefined {
    if (bytes > EAGER_LIMIT || (this.outgoing.length !== 0 && this.firstRecordQueued(dst))) return undefined;
    const h = this.eagerHeader;
    const id = this.nextId++;
    h.src = this.me;
    h.tag = tag;
    h.context = comm.context;
    h.bytes = bytes;
    h.a = id;
    if (!this.channels.inboxes[dst].tryPushBytes(h, this.ownBytes(addr + bytes), addr, bytes)) return undefined;
    this.delivered(dst);
    return {
      kind: 'send', id, done: true, status: this.blankStatus(), comm, what, dst, tag,
      context: comm.context, bytes, source: { kind: 'guest', addr, count, type }, pending: 'none', sync: false,
    };
  }

  /** Starts a send of host bytes (collectives' scratch); `data` must stay unchanged until the send is done. */
  sendBytes(comm: Communicator, dst: number, tag: number, data: Uint8Array, what: () => string): SendOp {
    const op: SendOp = {
      kind: 'send', id: this.nextId++, done: false, status: this.blankStatus(), comm, what, dst, tag,
      context: comm.context, bytes: data.length, source: { kind: 'host', data }, pending: 'none', sync: false,
    };
    this.start(op);
    return op;
  }

  private packToHost(addr: number, count: number, type: Datatype, bytes: number): Uint8Array {
    const data = new Uint8Array(bytes);
    const r = pack(this.ownBytes(), addr, count, type, data, 0);
    if (isMpiError(r)) throw new PackError(r.errorClass, r.message);
    return data;
  }

  private pushFirstRecord(op: SendOp): boolean {
    const inbox = this.channels.inboxes[op.dst];
    const h: RecordHeader = { kind: Kind.Eager, src: this.me, tag: op.tag, context: op.context, bytes: op.bytes, a: op.id, b: 0, c: 0 };
    let pushed: boolean;
    if (op.bytes <= EAGER_LIMIT && !op.sync) {
      pushed = inbox.tryPush(h, op.bytes, (ring, at, n) => this.fillFrom(op.source, ring, at, n, 0));
      if (pushed) this.complete(op);
    } else {
      h.kind = Kind.Rts;
      // A receiver on this host copies from our memory; one on another host is streamed to.
      if (op.source.kind === 'guest' && this.memories[op.dst] !== undefined) {
        h.b = contiguousStart(op.source.type, op.source.count, op.source.addr)!;
        h.c = HAS_ADDRESS;
      }
      pushed = inbox.tryPush(h, 0);
      if (pushed) this.waiting.set(op.id, op);
    }
    if (pushed) this.delivered(op.dst);
    return pushed;
  }

  /** Writes bytes [from, from + n) of the message into dst[at ..]. */
  private fillFrom(source: Source, dst: Uint8Array, at: number, n: number, from: number): void {
    if (source.kind === 'host') {
      copyBytes(source.data, from, dst, at, n);
      return;
    }
    const start = contiguousStart(source.type, source.count, source.addr);
    const mem = this.ownBytes(start === undefined ? Infinity : start + from + n);
    if (start !== undefined && start + from + n <= mem.length) {
      copyBytes(mem, start + from, dst, at, n);
      return;
    }
    // Non-contiguous guest data is only ever sent whole and eagerly (see send()).
    const r = pack(mem, source.addr, source.count, source.type, dst, at);
    if (isMpiError(r)) throw new PackError(r.errorClass, r.message);
  }

  private delivered(dst: number): void {
    this.channels.noteEvent(this.me);
    this.channels.ring(dst);
  }

  private pushControl(dst: number, h: RecordHeader): void {
    if (this.channels.inboxes[dst].tryPush(h, 0)) this.delivered(dst);
    else this.controlBacklog.push({ dst, h });
  }

  /** Pushes what the full inboxes refused before, and the next fragments of streams. */
  private pushOutgoing(): void {
    for (let i = 0; i < this.controlBacklog.length; ) {
      const { dst, h } = this.controlBacklog[i];
      if (this.channels.inboxes[dst].tryPush(h, 0)) {
        this.delivered(dst);
        this.controlBacklog.splice(i, 1);
      } else i++;
    }
    // First records go out in the order their sends started: once one to a rank is refused, later ones to that
    // rank wait too (they would overtake it).
    let refused: Set<number> | undefined;
    for (let i = 0; i < this.outgoing.length; ) {
      const op = this.outgoing[i];
      let finished: boolean;
      if (op.pending !== 'record') finished = this.pushFragments(op);
      else if (refused?.has(op.dst)) finished = false;
      else if (!(finished = this.retryFirst(op))) (refused ??= new Set()).add(op.dst);
      if (finished) this.outgoing.splice(i, 1);
      else i++;
    }
  }

  private retryFirst(op: SendOp): boolean {
    if (!this.pushFirstRecord(op)) return false;
    op.pending = 'none';
    return true;
  }

  /** Returns true when the whole stream has been pushed (the send is then complete). */
  private pushFragments(op: SendOp): boolean {
    const stream = op.stream!;
    const inbox = this.channels.inboxes[op.dst];
    while (stream.offset < op.bytes) {
      const n = Math.min(FRAGMENT_BYTES, op.bytes - stream.offset, inbox.maxPayload);
      const offset = stream.offset;
      const h: RecordHeader = { kind: Kind.Fragment, src: this.me, tag: op.tag, context: op.context, bytes: op.bytes, a: stream.recvId, b: offset, c: 0 };
      if (!inbox.tryPush(h, n, (ring, at, len) => this.fillFrom(op.source, ring, at, len, offset))) return false;
      stream.offset += n;
      this.delivered(op.dst);
    }
    this.complete(op);
    return true;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Receiving

  recv(comm: Communicator, src: number, tag: number, addr: number, count: number, type: Datatype, what: () => string): RecvOp {
    const op: RecvOp = { kind: 'recv', id: this.nextId++, done: false, status: this.blankStatus(), comm, what, src, tag, context: comm.context, addr, count, type };
    this.progress();
    const i = this.firstUnexpected(op);
    if (i >= 0) this.deliver(op, this.unexpected.splice(i, 1)[0]);
    else this.posted.push(op);
    return op;
  }

  /** Receives at most `bytes` bytes into target[offset ..) (a host buffer). */
  recvBytes(comm: Communicator, src: number, tag: number, target: Uint8Array, offset: number, bytes: number, byteType: Datatype, what: () => string): RecvOp {
    const op: RecvOp = {
      kind: 'recv', id: this.nextId++, done: false, status: this.blankStatus(), comm, what, src, tag, context: comm.context,
      addr: offset, count: bytes, type: byteType, target,
    };
    this.progress();
    const i = this.unexpected.findIndex((m) => matches(op, m.h));
    if (i >= 0) this.deliver(op, this.unexpected.splice(i, 1)[0]);
    else this.posted.push(op);
    return op;
  }

  /** MPI_Mrecv: receive a message taken out of matching by MPI_Mprobe. */
  recvMatched(comm: Communicator, message: Arrived, addr: number, count: number, type: Datatype, what: () => string): RecvOp {
    const op: RecvOp = { kind: 'recv', id: this.nextId++, done: false, status: this.blankStatus(), comm, what, src: message.h.src, tag: message.h.tag, context: comm.context, addr, count, type };
    this.deliver(op, message);
    return op;
  }

  /** The first unexpected message matching (context, src, tag); with `take` it leaves matching (MPI_Mprobe). */
  probe(context: number, src: number, tag: number, take: boolean): Arrived | undefined {
    this.progress();
    const i = this.unexpected.findIndex((m) => matchesEnvelope(context, src, tag, m.h));
    if (i < 0) return undefined;
    return take ? this.unexpected.splice(i, 1)[0] : this.unexpected[i];
  }

  /** MPI_Cancel: a receive not yet matched is withdrawn; anything else completes normally. */
  cancel(op: Op): void {
    if (op.kind !== 'recv') return;
    const i = this.posted.indexOf(op);
    if (i < 0) return;
    this.posted.splice(i, 1);
    op.status.cancelled = true;
    this.complete(op);
  }

  /** An eager message straight out of the ring (or out of its unexpected copy). */
  private deliverEager(op: RecvOp, h: RecordHeader, src: Uint8Array, at: number): void {
    op.status.source = sourceRank(op.comm, h.src);
    op.status.tag = h.tag;
    this.finishFrom(op, src, at, h.bytes);
  }

  private deliver(op: RecvOp, m: Arrived): void {
    if (m.h.kind === Kind.Eager) {
      this.deliverEager(op, m.h, m.data!, 0);
      return;
    }
    op.status.source = sourceRank(op.comm, m.h.src);
    op.status.tag = m.h.tag;
    // Rendezvous: copy from the sender's memory, or ask it to stream.
    if (m.h.c & HAS_ADDRESS) {
      const senderBytes = new Uint8Array(this.memories[m.h.src]!.buffer);
      this.finishFrom(op, senderBytes, m.h.b >>> 0, m.h.bytes); // an int32 field: addresses past 2 GiB read negative
      this.pushControl(m.h.src, { kind: Kind.Done, src: this.me, tag: 0, context: 0, bytes: 0, a: m.h.a, b: 0, c: 0 });
    } else {
      op.incoming = { total: m.h.bytes, received: 0, staging: new Uint8Array(Math.min(m.h.bytes, op.count * op.type.size)), fromWorld: m.h.src, tag: m.h.tag };
      this.waiting.set(op.id, op);
      this.pushControl(m.h.src, { kind: Kind.Cts, src: this.me, tag: 0, context: 0, bytes: 0, a: m.h.a, b: op.id, c: 0 });
    }
  }

  /** Unpacks `bytes` bytes at src[offset] into the receive buffer and completes the receive. */
  private finishFrom(op: RecvOp, src: Uint8Array, offset: number, bytes: number): void {
    const capacity = op.count * op.type.size;
    if (op.target) {
      const n = Math.min(bytes, capacity);
      copyBytes(src, offset, op.target, op.addr, n);
      op.status.bytes = n;
      if (bytes > capacity) op.status.error = abi.MPI_ERR_TRUNCATE;
      this.complete(op);
      return;
    }
    const start = contiguousStart(op.type, op.count, op.addr);
    const mem = this.ownBytes(start === undefined ? Infinity : start + Math.min(bytes, capacity));
    if (start !== undefined && start + Math.min(bytes, capacity) <= mem.length && offset + Math.min(bytes, capacity) <= src.length) {
      const n = Math.min(bytes, capacity);
      copyBytes(src, offset, mem, start, n);
      op.status.bytes = n;
      if (bytes > capacity) op.status.error = abi.MPI_ERR_TRUNCATE;
      this.complete(op);
      return;
    }
    const r = unpack(src, offset, bytes, mem, op.addr, op.count, op.type);
    if (isMpiError(r)) {
      op.status.error = r.errorClass;
      op.status.bytes = 0;
    } else {
      op.status.bytes = r.bytes;
      if (r.truncated) op.status.error = abi.MPI_ERR_TRUNCATE;
    }
    this.complete(op);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Progress: drain the inbox, push what waits to be pushed.

  /** What this engine still has to do for operations already started; undefined when idle (migration/). */
  pendingWork(): string | undefined {
    const parts: string[] = [];
    if (this.posted.length) parts.push(`${this.posted.length} posted receive(s)`);
    if (this.waiting.size) parts.push(`${this.waiting.size} operation(s) waiting for a peer`);
    if (this.outgoing.length) parts.push(`${this.outgoing.length} send(s) still pushing data`);
    if (this.controlBacklog.length) parts.push(`${this.controlBacklog.length} control record(s) not delivered`);
    return parts.length ? parts.join(', ') : undefined;
  }

  /** The state an idle engine carries to its rank's next Faaslet: arrived, unmatched messages and the id counter. */
  carriedState(): { nextId: number; unexpected: Arrived[] } {
    return { nextId: this.nextId, unexpected: this.unexpected };
  }

  /** Takes over carriedState() of this rank's previous Faaslet (before any traffic of its own). */
  adoptState(s: { nextId: number; unexpected: Arrived[] }): void {
    this.nextId = s.nextId;
    this.unexpected.splice(0, this.unexpected.length, ...s.unexpected);
  }

  progress(): void {
    const inbox = this.channels.inboxes[this.me];
    if (!inbox.isEmpty()) {
      inbox.drain(this.onRecord);
      // A sender that found our inbox full sleeps until rung (else until its 50 ms re-check).
      if (inbox.takeRoomWanted()) this.channels.ringAll();
    }
    if (this.outgoing.length > 0 || this.controlBacklog.length > 0) this.pushOutgoing();
    const hooks = this.progressHooks;
    for (let i = 0; i < hooks.length; i++) hooks[i]();
  }

  private readonly onRecord = (h: RecordHeader, ring: Uint8Array, at: number, length: number): void => {
    switch (h.kind) {
      case Kind.Eager:
      case Kind.Rts: {
        const i = this.firstPosted(h);
        if (i >= 0) {
          const op = this.posted[i];
          this.posted.splice(i, 1);
          if (h.kind === Kind.Eager) this.deliverEager(op, h, ring, at);
          else this.deliver(op, { h: { ...h } });
        } else {
          const arrived: Arrived = { h: { ...h } };
          if (h.kind === Kind.Eager) arrived.data = ring.slice(at, at + length);
          this.unexpected.push(arrived);
        }
        return;
      }
      case Kind.Done: {
        const op = this.waiting.get(h.a);
        this.waiting.delete(h.a);
        if (op) this.complete(op);
        return;
      }
      case Kind.Cts: {
        const op = this.waiting.get(h.a) as SendOp | undefined;
        this.waiting.delete(h.a);
        if (!op) return;
        op.stream = { recvId: h.b, offset: 0 };
        if (!this.pushFragments(op)) this.outgoing.push(op);
        return;
      }
      case Kind.Fragment: {
        const op = this.waiting.get(h.a) as RecvOp | undefined;
        if (!op?.incoming) return;
        const inc = op.incoming;
        const room = inc.staging.length - h.b;
        if (room > 0) copyBytes(ring, at, inc.staging, h.b, Math.min(room, length));
        inc.received += length;
        if (inc.received >= inc.total) {
          this.waiting.delete(h.a);
          op.incoming = undefined;
          this.finishFrom(op, inc.staging, 0, inc.total);
        }
        return;
      }
    }
  };

  private firstUnexpected(op: RecvOp): number {
    const unexpected = this.unexpected;
    for (let i = 0; i < unexpected.length; i++) if (matches(op, unexpected[i].h)) return i;
    return -1;
  }

  private firstPosted(h: RecordHeader): number {
    const posted = this.posted;
    for (let i = 0; i < posted.length; i++) if (matches(posted[i], h)) return i;
    return -1;
  }
}

export class PackError extends Error {
  constructor(readonly errorClass: number, message: string) {
    super(message);
  }
}

/** Copies n bytes; a plain loop beats set(subarray()) for the small messages that dominate latency. */
function copyBytes(src: Uint8Array, from: number, dst: Uint8Array, to: number, n: number): void {
  if (n <= 64) {
    for (let i = 0; i < n; i++) dst[to + i] = src[from + i];
  } else if (src.buffer === dst.buffer) {
    const shift = src.byteOffset - dst.byteOffset; // src index -> dst index
    dst.copyWithin(to, from + shift, from + shift + n);
  } else {
    dst.set(src.subarray(from, from + n), to);
  }
}

function matchesEnvelope(context: number, src: number, tag: number, h: RecordHeader): boolean {
  return context === h.context && (src === abi.MPI_ANY_SOURCE || src === h.src) && (tag === abi.MPI_ANY_TAG || tag === h.tag);
}

function matches(op: RecvOp, h: RecordHeader): boolean {
  return matchesEnvelope(op.context, op.src, op.tag, h);
}

/** The communicator rank of a world rank (status.MPI_SOURCE is in the communicator's numbering). */
export function sourceRank(comm: Communicator, worldRank: number): number {
  const peers = peersOf(comm);
  if (peers[worldRank] === worldRank) return worldRank;
  const r = peers.indexOf(worldRank);
  return r < 0 ? worldRank : r;
}
