// A job's migrations on one host: the board the ranks agree on, and the move itself. Every local rank stops
// at the same migration point with a capture; once all have, each gets a fresh zeroed memory of its captured
// size in the job's memory table (its next Faaslet rebuilds it - base, then diff - before it runs: peers touch
// a rank's memory only for operations that rank started), and only then does any rank continue.
// On a job spread over hosts the captures first go through the cluster's exchange (CrossHostMoves): ranks that
// leave this host are shipped away (their memory here is retired), ranks that arrive are handed to `arrived`.
import type { MigrationControl } from '../mpi/rank.js';
import type { RankCapture } from './capture.js';

export interface MoveFigures {
  rank: number;
  /** Bytes of memory the capture carried (chunks that differ from the base). */
  diffBytes: number;
  captureMs: number;
  /** Host time to make the rank's new (empty) memory. */
  restoreMs: number;
}

/** The cluster's side of a move of a job spread over hosts (cluster/part-migration.ts). */
export interface CrossHostMoves {
  /** Starts relaying the local ranks' votes to the job's owner and its decisions back onto the board. */
  watch(board: SharedArrayBuffer, localRanks: readonly number[]): void;
  /**
   * Every local rank stopped with these captures: drains the traffic between hosts, ships the ranks that
   * leave, receives the ones that come, switches to the next epoch. Resolves when all may resume: with the
   * new host table and the capture of every rank that now runs here. Rejects when the move failed.
   */
  exchange(captures: ReadonlyMap<number, RankCapture>, baseDigest: string): Promise<{ hostTable: string[]; here: Map<number, RankCapture> }>;
}

export class JobMigration {
  readonly control: MigrationControl;
  private arrived = new Map<number, RankCapture>();
  private waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  readonly moves: MoveFigures[] = [];

  constructor(
    np: number,
    fromBarrier: number,
    every: number,
    repeat: boolean,
    verbose: boolean,
    /** The ranks on this host now (a move between hosts changes them). */
    private localRanks: readonly number[],
    /** The job's memory table (mutated in place: every rank's next task is given the new memories). */
    private readonly memories: (WebAssembly.Memory | undefined)[],
    /** A zeroed memory for a rank, of `pages` pages (with the job's maximum). */
    private readonly emptyMemory: (rank: number, pages: number) => WebAssembly.Memory,
    private readonly retire: (old: WebAssembly.Memory) => void,
    private readonly crossHost?: CrossHostMoves,
    /** A rank that moved here from another host: start its next Faaslet (given the new host table). */
    private readonly arrivedHere?: (rank: number, capture: RankCapture, hostTable: string[]) => void,
    /** Names the base the captures' memory diffs are against (snapshots/diff.ts snapshotDigest). */
    private readonly baseDigest = '',
  ) {
    // One slot per rank, a word set when no move will come any more, and the owner's decision (between hosts).
    this.control = { board: new SharedArrayBuffer(4 * (np + 2)), fromBarrier, every, repeat, verbose, decided: crossHost !== undefined };
    crossHost?.watch(this.control.board, localRanks);
  }

  /** The new host table once a move between hosts happened (the ranks' next Faaslets take it). */
  hostTable: string[] | undefined;
  private stayed = new Map<number, RankCapture>();

  /**
   * A rank stopped at the migration point. Resolves when every local rank has and all new memories are made:
   * with the capture it continues from here, or undefined when it left for another host.
   */
  arrive(rank: number, capture: RankCapture, signal: AbortSignal): Promise<RankCapture | undefined> {
    if (capture.worldRank !== rank || this.arrived.has(rank)) return Promise.reject(new Error(`rank ${rank}: unexpected capture`));
    this.arrived.set(rank, capture);
    const done = new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      signal.addEventListener('abort', () => reject(new Error('job stopped during a migration')), { once: true });
    });
    if (this.arrived.size === this.localRanks.length) void this.move();
    return done.then(() => this.stayed.get(rank));
  }

  private async move(): Promise<void> {
    const waiting = this.waiting;
    this.waiting = [];
    try {
      let here: Map<number, RankCapture> = new Map(this.arrived);
      if (this.crossHost) {
        const moved = await this.crossHost.exchange(this.arrived, this.baseDigest);
        here = moved.here;
        this.hostTable = moved.hostTable;
        for (const rank of this.arrived.keys()) {
          if (here.has(rank)) continue;
          const old = this.memories[rank];
          this.memories[rank] = undefined;
          if (old) this.retire(old);
        }
      }
      this.stayed = new Map([...here].filter(([r]) => this.arrived.has(r)));
      this.localRanks = [...here.keys()].sort((a, b) => a - b);
      for (const [rank, capture] of here) {
        const t0 = performance.now();
        const memory = this.emptyMemory(rank, capture.memory.memoryPages);
        const old = this.memories[rank];
        this.memories[rank] = memory;
        if (old) this.retire(old);
        this.moves.push({ rank, diffBytes: capture.memory.data.byteLength, captureMs: capture.captureMs, restoreMs: performance.now() - t0 });
      }
      for (const [rank, capture] of here) if (!this.arrived.has(rank)) this.arrivedHere?.(rank, capture, this.hostTable!);
      this.arrived.clear();
      for (const w of waiting) w.resolve();
    } catch (e) {
      for (const w of waiting) w.reject(e as Error);
    }
  }
}
