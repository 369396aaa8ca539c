// One process's OpenMP runtime state shared by all its threads (see layout.ts), and how the process gets more
// threads: slots are reserved here, then the host starts a thread Faaslet for each one it can grant.
import { MAX_TEAMS, MAX_THREADS, P, PROCESS_WORDS, T, TEAM_WORDS, TEAMS_BASE, teamWord, ThreadState, threadWord, M } from './layout.js';

/** What a new thread Faaslet needs to start: its slot and the guest memory set aside for it. */
export interface ThreadSlotInit {
  gtid: number;
  /** Initial __stack_pointer (top of a stack block allocated in guest memory). */
  stackTop: number;
  /** Block for __wasm_init_tls. */
  tlsBlock: number;
  /** Per-thread scratch words in guest memory (global and bound thread id for the microtask). */
  scratch: number;
}

/** Asks the host for thread Faaslets; the host answers by storing the number granted in the P.grant word. */
export type ThreadRequester = (process: SharedArrayBuffer, slots: ThreadSlotInit[]) => void;

export class OmpProcess {
  readonly words: Int32Array;
  private readonly teams: Int32Array[] = [];

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    for (let t = 0; t < MAX_TEAMS; t++) this.teams.push(this.words.subarray(TEAMS_BASE + t * TEAM_WORDS, TEAMS_BASE + (t + 1) * TEAM_WORDS));
  }

  static create(): OmpProcess {
    const p = new OmpProcess(new SharedArrayBuffer(PROCESS_WORDS * 4));
    Atomics.store(p.words, threadWord(0, T.state), ThreadState.claimed); // the main thread
    return p;
  }

  /** Pool threads the host has started for this process (standby threads count once they are up). */
  get startedThreads(): number {
    return Math.max(Atomics.load(this.words, P.started), Atomics.load(this.words, P.standbyReady));
  }

  get shuttingDown(): boolean {
    return Atomics.load(this.words, P.shutdown) !== 0;
  }

  /** Ends every pool thread: each returns from its wait loop. */
  shutdown(): void {
    Atomics.store(this.words, P.shutdown, 1);
    for (let g = 1; g < MAX_THREADS; g++) {
      Atomics.add(this.words, threadWord(g, T.mailbox), 1);
      Atomics.notify(this.words, threadWord(g, T.mailbox));
    }
  }

  private lock(): void {
    while (Atomics.compareExchange(this.words, P.lock, 0, 1) !== 0) Atomics.wait(this.words, P.lock, 1, 1);
  }
  private unlock(): void {
    Atomics.store(this.words, P.lock, 0);
    Atomics.notify(this.words, P.lock, 1);
  }

  /** Claims up to `count` idle pool threads; returns their gtids. */
  claimIdle(count: number): number[] {
    const out: number[] = [];
    for (let g = 1; g < MAX_THREADS && out.length < count; g++) {
      if (Atomics.compareExchange(this.words, threadWord(g, T.state), ThreadState.idle, ThreadState.claimed) === ThreadState.idle) out.push(g);
    }
    return out;
  }

  release(gtid: number): void {
    Atomics.store(this.words, threadWord(gtid, T.state), ThreadState.idle);
  }

  /** Reserves up to `count` never-used slots (state starting); returns their gtids. */
  reserveNew(count: number): number[] {
    this.lock();
    try {
      const out: number[] = [];
      for (let g = 1; g < MAX_THREADS && out.length < count; g++) {
        if (Atomics.load(this.words, threadWord(g, T.state)) === ThreadState.free) {
          Atomics.store(this.words, threadWord(g, T.state), ThreadState.starting);
          out.push(g);
        }
      }
      return out;
    } finally {
      this.unlock();
    }
  }

  /** Asks the host for thread Faaslets for reserved slots; returns how many started (the rest are freed). */
  startThreads(slots: ThreadSlotInit[], request: ThreadRequester): number {
    this.lock(); // one request at a time: the grant word is single-use
    try {
      Atomics.store(this.words, P.grant, -1);
      request(this.buffer, slots);
      return this.awaitGrant(slots.map((s) => s.gtid), ThreadState.claimed);
    } finally {
      this.unlock();
    }
  }

  /** Threads asked for before the first fork, whose grant has not been read yet (see requestStandby). */
  private standby: number[] | undefined;

  /**
   * Asks the host for threads before the process needs them, without waiting for the answer: they start (a
   * worker, an instance, a warmed-up runtime) while main runs, and wait without a stack until takeStandby hands
   * them their guest blocks. Only the main thread calls this, once, before any region: nothing else can ask
   * for threads until takeStandby has read the grant.
   */
  requestStandby(gtids: number[], request: ThreadRequester): void {
    if (gtids.length === 0 || this.standby) return;
    this.standby = gtids;
    Atomics.store(this.words, P.grant, -1);
    request(this.buffer, gtids.map((gtid) => ({ gtid, stackTop: 0, tlsBlock: 0, scratch: 0 })));
  }

  /** The standby threads the host started (slots it refused are freed); they still need their guest blocks. */
  takeStandby(): number[] {
    const gtids = this.standby;
    if (!gtids) return [];
    this.standby = undefined;
    this.lock();
    try {
      return gtids.slice(0, this.awaitGrant(gtids, ThreadState.claimed));
    } finally {
      this.unlock();
    }
  }

  get hasStandby(): boolean {
    return this.standby !== undefined;
  }

  /** Waits for the host's answer to a request for `gtids`; the granted ones take `state`, the rest are freed. */
  private awaitGrant(gtids: number[], state: ThreadState): number {
    while (Atomics.load(this.words, P.grant) === -1) Atomics.wait(this.words, P.grant, -1, 1000);
    const granted = Atomics.load(this.words, P.grant);
    for (let i = 0; i < gtids.length; i++) {
      Atomics.store(this.words, threadWord(gtids[i], T.state), i < granted ? state : ThreadState.free);
    }
    Atomics.add(this.words, P.started, granted);
    return granted;
  }

  /** Guest blocks for a standby thread; its first team (its mailbox bump) must come after this. */
  attachBlocks(gtid: number, slot: ThreadSlotInit): void {
    Atomics.store(this.words, threadWord(gtid, T.stackTop), slot.stackTop);
    Atomics.store(this.words, threadWord(gtid, T.tlsBlock), slot.tlsBlock);
    Atomics.store(this.words, threadWord(gtid, T.scratch), slot.scratch);
  }

  /** A standby thread's guest blocks (valid once its mailbox has been bumped). */
  blocksOf(gtid: number): ThreadSlotInit {
    return {
      gtid,
      stackTop: Atomics.load(this.words, threadWord(gtid, T.stackTop)),
      tlsBlock: Atomics.load(this.words, threadWord(gtid, T.tlsBlock)),
      scratch: Atomics.load(this.words, threadWord(gtid, T.scratch)),
    };
  }

  allocTeam(): number {
    for (let t = 0; t < MAX_TEAMS; t++) {
      if (Atomics.compareExchange(this.words, teamWord(t, M.inUse), 0, 1) === 0) return t;
    }
    return -1;
  }

  freeTeam(team: number): void {
    Atomics.store(this.words, teamWord(team, M.inUse), 0);
  }

  /** Words of one team, as a subarray (indexes are the M.* fields). */
  team(team: number): Int32Array {
    return this.teams[team];
  }
}

/** The host's side of a thread request: record how many threads it started. */
export function answerThreadRequest(process: SharedArrayBuffer, granted: number): void {
  const words = new Int32Array(process);
  Atomics.store(words, P.grant, granted);
  Atomics.notify(words, P.grant);
}
