// The shared state of one job's ranks on this host: each rank's inbox and doorbell, whether it sleeps, what
// it is blocked on (for the deadlock report), and a job-wide event counter that moves whenever anything is
// delivered or completes. Created by the host, attached by each rank's worker (all SharedArrayBuffers).
import { CollArea } from './coll-area.js';
import type { HostLoad } from './host-load.js';
import { Inbox } from './inbox.js';
import { waitAsync } from '../../host-interface/wait-async.js';

export const INBOX_BYTES = 4 << 20;
const DESCRIPTION_BYTES = 256;

// Per-rank words in `ranks`, one cache line per rank (ranks poll and ring each other's words)
const WORDS_PER_RANK = 16;
const DOORBELL = 0;
/** 0 running; SLEEPS; WOKEN: a ring counted it as running again (HostLoad) before it got a core; REMOTE. */
const SLEEPING = 1;
const SLEEPS = 1, WOKEN = 2, REMOTE = 3;
const STATE = 2;
/** Deliveries and completions by this rank; the deadlock watch sums them. Counted per rank to avoid sharing. */
const EVENTS = 3;

export const RankState = { running: 0, blocked: 1, finished: 2 } as const;

export interface ChannelsHandle {
  inboxes: SharedArrayBuffer[];
  ranks: SharedArrayBuffer;
  descriptions: SharedArrayBuffer;
  /** The collectives' shared-memory area (coll-area.ts); absent: collectives use messages only. */
  collectives?: SharedArrayBuffer;
}

export class JobChannels {
  readonly inboxes: Inbox[];
  private readonly ranks: Int32Array;
  private readonly descriptions: Uint8Array;
  readonly collArea?: CollArea;
  /** This host's running count, which a ring() raises for the rank it wakes (see countWakesIn). */
  private load?: HostLoad;

  private constructor(readonly handle: ChannelsHandle) {
    this.inboxes = handle.inboxes.map((b) => new Inbox(b));
    if (handle.collectives) this.collArea = new CollArea(handle.collectives);
    this.ranks = new Int32Array(handle.ranks);
    this.descriptions = new Uint8Array(handle.descriptions);
  }

  /** `sharedCollectives` false: no shared collective area (a job whose ranks one thread drives, mpi/warm-up.ts). */
  static create(size: number, inboxBytes = INBOX_BYTES, sharedCollectives = true): JobChannels {
    return new JobChannels({
      inboxes: Array.from({ length: size }, () => Inbox.create(inboxBytes).buffer),
      ranks: new SharedArrayBuffer(size * WORDS_PER_RANK * 4),
      descriptions: new SharedArrayBuffer(size * DESCRIPTION_BYTES),
      collectives: sharedCollectives ? CollArea.create(size).buffer : undefined,
    });
  }

  static attach(handle: ChannelsHandle): JobChannels {
    return new JobChannels(handle);
  }

  get size(): number {
    return this.inboxes.length;
  }

  /** Something happened at `rank` (a record was delivered, a request completed): the job is not deadlocked. */
  noteEvent(rank: number): void {
    Atomics.add(this.ranks, rank * WORDS_PER_RANK + EVENTS, 1);
  }

  /** Events of the whole job so far (compared between two looks: any change means progress). */
  eventCount(): number {
    let sum = 0;
    for (let r = 0; r < this.size; r++) sum = (sum + Atomics.load(this.ranks, r * WORDS_PER_RANK + EVENTS)) | 0;
    return sum;
  }

  /**
   * Ranks woken by this thread's ring() count as running from the ring on, not only once they get a core: a woken
   * rank waiting for a core is load, and a poller that cannot see it would keep the core it needs.
   */
  countWakesIn(load: HostLoad): void {
    this.load = load;
  }

  /** Wakes `rank` if it sleeps on its doorbell. */
  ring(rank: number): void {
    const at = rank * WORDS_PER_RANK;
    Atomics.add(this.ranks, at + DOORBELL, 1);
    const sleeping = Atomics.load(this.ranks, at + SLEEPING);
    if (sleeping === 0 || sleeping === WOKEN) return;
    if (sleeping === SLEEPS && this.load && Atomics.compareExchange(this.ranks, at + SLEEPING, SLEEPS, WOKEN) === SLEEPS) this.load.enter();
    Atomics.notify(this.ranks, at + DOORBELL);
  }

  /** Wakes every rank of the job that sleeps (a drained inbox has room for a producer that found it full). */
  ringAll(): void {
    for (let r = 0; r < this.size; r++) this.ring(r);
  }

  /**
   * For a rank on another host: its inbox here is the outbox the host's network side drains. Marked as always
   * sleeping, every ring() notifies, which wakes the host's waitAsync (ringed()).
   */
  markRemote(rank: number): void {
    Atomics.store(this.ranks, rank * WORDS_PER_RANK + SLEEPING, REMOTE);
  }

  /** For a rank that moved onto this host (migration/): its inbox is its own again, and it sleeps only when it says so. */
  markLocal(rank: number): void {
    Atomics.store(this.ranks, rank * WORDS_PER_RANK + SLEEPING, 0);
  }

  /** Resolves once the doorbell of `rank` moves from `seen` (for the host's event loop; never blocks it). */
  async ringed(rank: number, seen: number): Promise<void> {
    await waitAsync(this.ranks, rank * WORDS_PER_RANK + DOORBELL, seen);
  }

  doorbell(rank: number): number {
    return Atomics.load(this.ranks, rank * WORDS_PER_RANK + DOORBELL);
  }

  /**
   * Sleeps until the doorbell moves from `seen` or the timeout passes. With `load`, the sleeper leaves its running
   * count for the sleep and is counted again on waking, by the ring that woke it or else by itself.
   */
  sleep(rank: number, seen: number, timeoutMs: number, load?: HostLoad): void {
    const at = rank * WORDS_PER_RANK;
    Atomics.store(this.ranks, at + SLEEPING, SLEEPS);
    load?.leave();
    Atomics.wait(this.ranks, at + DOORBELL, seen, timeoutMs);
    if (Atomics.exchange(this.ranks, at + SLEEPING, 0) === SLEEPS) load?.enter();
  }

  setState(rank: number, state: number, description?: string): void {
    if (description !== undefined) {
      const bytes = new TextEncoder().encode(description).subarray(0, DESCRIPTION_BYTES - 1);
      const slot = this.descriptions.subarray(rank * DESCRIPTION_BYTES, (rank + 1) * DESCRIPTION_BYTES);
      slot.fill(0);
      slot.set(bytes);
    }
    Atomics.store(this.ranks, rank * WORDS_PER_RANK + STATE, state);
  }

  state(rank: number): number {
    return Atomics.load(this.ranks, rank * WORDS_PER_RANK + STATE);
  }

  description(rank: number): string {
    const slot = this.descriptions.subarray(rank * DESCRIPTION_BYTES, (rank + 1) * DESCRIPTION_BYTES);
    const end = slot.indexOf(0);
    return new TextDecoder().decode(slot.slice(0, end < 0 ? slot.length : end));
  }
}
