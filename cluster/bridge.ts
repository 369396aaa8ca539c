// The network side of one job part: moves inbox records between this host's ranks and ranks on other hosts.
// A remote rank's inbox on this host is its outbox: local ranks push records into it exactly as for a local
// peer, the host's event loop wakes on its doorbell (Atomics.waitAsync, never blocking), drains it in order and
// sends each record over the link to the rank's host, which pushes it into the rank's real inbox. One link per
// host pair and FIFO everywhere keep MPI's order per (source, destination, communicator); a sequence number per
// such triple is checked on arrival, so a broken order ends the job instead of delivering wrong data.
// Back-pressure: a congested link leaves records in the outbox, so senders find it full and retry later; an
// inbox full on arrival holds records for that rank here, in order, until it has room. Past HELD_LIMIT bytes
// held, the part stops reading its peers' links until the ranks have taken half of it: the senders' links then
// congest in turn, so a slow receiver never makes a host buffer without bound.
import type { MpiMessage } from './wire/codec.js';
import type { HostLink } from './wire/link.js';
import type { RecordHeader } from '../mpi/transport/inbox.js';
import type { JobChannels } from '../mpi/transport/job-channels.js';
import { RAW_THRESHOLD } from './wire/link.js';


/** Bytes held for full inboxes past which the part stops reading from its peers (FAASMPI_NET_HELD_BYTES: tests). */
export const HELD_LIMIT = Number(process.env.FAASMPI_NET_HELD_BYTES) > 0 ? Number(process.env.FAASMPI_NET_HELD_BYTES) : 32 << 20;

export class BridgeError extends Error {}

export interface Held {
  h: RecordHeader;
  payload: Uint8Array;
}

export class JobBridge {
  private readonly sentSeq = new Map<string, number>();
  private readonly seenSeq = new Map<string, number>();
  /** Records for local ranks whose inbox was full, per rank, in arrival order. */
  private readonly held = new Map<number, Held[]>();
  private heldBytes = 0;
  /** Links whose reading this part holds (released when the ranks catch up, or at the end). */
  private holding: HostLink[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private ended = false;
  /** Set when a move between hosts drains the job: the outboxes are flushed once more and no longer read. */
  private sendingEnded = false;
  private readonly loops: Promise<void>[] = [];
  /** Records sent to and received from other hosts (for reports). */
  sent = 0;
  received = 0;

  constructor(
    private readonly group: string,
    private readonly channels: JobChannels,
    /** Host id of each rank. */
    private readonly hostTable: readonly string[],
    private readonly myHost: string,
    private readonly linkTo: (hostId: string) => HostLink | undefined,
    private readonly fail: (problem: string) => void,
  ) {}

  /** Payload bytes held here for local ranks whose inbox is full (bounded: see HELD_LIMIT). */
  get bytesHeld(): number {
    return this.heldBytes;
  }

  /** Starts forwarding every remote rank's outbox. */
  start(): void {
    this.hostTable.forEach((host, rank) => {
      if (host === this.myHost) return;
      this.channels.markRemote(rank);
      this.loops.push(this.forward(rank));
    });
  }

  private async forward(rank: number): Promise<void> {
    const inbox = this.channels.inboxes[rank];
    const host = this.hostTable[rank];
    // After end() one more pass forwards what the part's last sends left in the outbox.
    for (let last = false; !last; ) {
      last = this.ended || this.sendingEnded;
      const seen = this.channels.doorbell(rank);
      const link = this.linkTo(host);
      if (!link?.open) {
        if (!inbox.isEmpty() && !last) this.fail(`cannot reach host ${host} (rank ${rank}): its link is closed`);
        return;
      }
      if (link.congested && !last) {
        await link.writable().catch(() => {});
        continue;
      }
      if (!inbox.isEmpty()) {
        inbox.drain((h, ring, at, length) => this.send(link, rank, h, ring.slice(at, at + length)));
        // Local senders that found this outbox full sleep until rung (else up to their 50 ms re-check).
        if (inbox.takeRoomWanted()) this.wakeLocalRanks();
        continue;
      }
      if (!last) await this.channels.ringed(rank, seen);
    }
  }

  private wakeLocalRanks(): void {
    this.hostTable.forEach((host, rank) => {
      if (host === this.myHost) this.channels.ring(rank);
    });
  }

  private send(link: HostLink, dst: number, h: RecordHeader, payload: Uint8Array): void {
    const key = `${h.src}:${dst}:${h.context}`;
    const seq = (this.sentSeq.get(key) ?? 0) + 1;
    this.sentSeq.set(key, seq);
    const m: MpiMessage = {
      group: this.group, src: h.src, dst, tag: h.tag, context: h.context, seq, kind: h.kind, total: h.bytes,
      payload, a: h.a, b: h.b, c: h.c,
    };
    if (payload.byteLength >= RAW_THRESHOLD) link.send({ mpi: { ...m, payload: new Uint8Array(0) } }, payload);
    else link.send({ mpi: m });
    this.sent++;
  }

  /** A record from another host for one of our ranks (its payload is ours to keep: ws gives every message
   * its own buffer). */
  deliver(m: MpiMessage, raw: Uint8Array | undefined): void {
    if (this.ended) return;
    const dst = m.dst;
    if (!(dst >= 0 && dst < this.hostTable.length) || this.hostTable[dst] !== this.myHost) {
      this.fail(`a message for rank ${dst} reached host ${this.myHost}, which does not run it`);
      return;
    }
    const key = `${m.src}:${dst}:${m.context}`;
    const expected = (this.seenSeq.get(key) ?? 0) + 1;
    if (m.seq !== expected) {
      this.fail(`messages from rank ${m.src} to rank ${dst} arrived out of order (sequence ${m.seq}, expected ${expected})`);
      return;
    }
    this.seenSeq.set(key, expected);
    this.received++;
    const h: RecordHeader = { kind: m.kind, src: m.src, tag: m.tag, context: m.context, bytes: m.total, a: m.a, b: m.b, c: m.c };
    const payload = raw ?? m.payload;
    const waiting = this.held.get(dst);
    if (waiting) this.hold(waiting, h, payload);
    else if (!this.push(dst, h, payload)) {
      const list: Held[] = [];
      this.held.set(dst, list);
      this.hold(list, h, payload);
      this.scheduleRetry();
    }
  }

  private hold(list: Held[], h: RecordHeader, payload: Uint8Array): void {
    list.push({ h, payload });
    this.heldBytes += payload.byteLength;
    if (this.heldBytes <= HELD_LIMIT || this.holding.length > 0) return;
    for (const host of new Set(this.hostTable)) {
      const link = host === this.myHost ? undefined : this.linkTo(host);
      if (link?.open) {
        link.holdReading();
        this.holding.push(link);
      }
    }
  }

  private releaseLinks(): void {
    for (const link of this.holding) link.releaseReading();
    this.holding = [];
  }

  private push(dst: number, h: RecordHeader, payload: Uint8Array): boolean {
    const ok = this.channels.inboxes[dst].tryPush(h, payload.byteLength, (ring, at, n) => ring.set(payload.subarray(0, n), at));
    if (ok) {
      this.channels.noteEvent(dst);
      this.channels.ring(dst);
    }
    return ok;
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.ended) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      for (const [dst, list] of this.held) {
        while (list.length > 0 && this.push(dst, list[0].h, list[0].payload)) this.heldBytes -= list.shift()!.payload.byteLength;
        if (list.length === 0) this.held.delete(dst);
      }
      if (this.holding.length > 0 && this.heldBytes <= HELD_LIMIT / 2) this.releaseLinks();
      if (this.held.size > 0) this.scheduleRetry();
    }, 1);
  }

  /** A move between hosts: sends what the outboxes hold and stops reading them; records still arrive. */
  async stopSending(): Promise<void> {
    this.sendingEnded = true;
    this.hostTable.forEach((host, rank) => {
      if (host !== this.myHost) this.channels.ring(rank);
    });
    await Promise.all(this.loops);
  }

  /** After stopSending() and every peer's drained mark: ends this epoch's bridge; returns the records still
   * held for full inboxes, per rank, in order (the next epoch's bridge or a moved rank takes them). */
  finishEpoch(): Map<number, Held[]> {
    this.ended = true;
    clearTimeout(this.retryTimer);
    this.releaseLinks();
    const held = new Map(this.held);
    this.held.clear();
    this.heldBytes = 0;
    return held;
  }

  /** Records a previous epoch's bridge held for a local rank (they go before anything newer). */
  adoptHeld(rank: number, list: Held[]): void {
    if (list.length === 0) return;
    this.held.set(rank, [...list, ...(this.held.get(rank) ?? [])]);
    for (const x of list) this.heldBytes += x.payload.byteLength;
    this.scheduleRetry();
  }

  /** Stops forwarding (the part's ranks have ended). */
  async end(): Promise<void> {
    this.ended = true;
    clearTimeout(this.retryTimer);
    this.held.clear();
    this.heldBytes = 0;
    this.releaseLinks();
    this.hostTable.forEach((host, rank) => {
      if (host !== this.myHost) this.channels.ring(rank); // wakes its forward loop, which sees `ended`
    });
    await Promise.all(this.loops);
  }
}
