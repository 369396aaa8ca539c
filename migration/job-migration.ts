// A job's migrations on one host: the board the ranks agree on, and the move itself. Every local rank stops
// at the same migration point with a capture; once all have, each gets a fresh zeroed memory of its captured
// size in the job's memory table (its next Faaslet rebuilds it - base, then diff - before it runs: peers touch
// a rank's memory only for operations that rank started), and only then does any rank continue.
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

export class JobMigration {
  readonly control: MigrationControl;
  private arrived = new Map<number, RankCapture>();
  private waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  readonly moves: MoveFigures[] = [];

  constructor(
    np: number,
    fromBarrier: number,
    verbose: boolean,
    private readonly localRanks: readonly number[],
    /** The job's memory table (mutated in place: every rank's next task is given the new memories). */
    private readonly memories: (WebAssembly.Memory | undefined)[],
    /** A zeroed memory for a rank, of `pages` pages (with the job's maximum). */
    private readonly emptyMemory: (rank: number, pages: number) => WebAssembly.Memory,
    private readonly retire: (old: WebAssembly.Memory) => void,
  ) {
    this.control = { board: new SharedArrayBuffer(4 * np), fromBarrier, verbose };
  }

  /** A rank stopped at the migration point. Resolves when every local rank has and all new memories are made. */
  arrive(rank: number, capture: RankCapture, signal: AbortSignal): Promise<void> {
    if (capture.worldRank !== rank || this.arrived.has(rank)) return Promise.reject(new Error(`rank ${rank}: unexpected capture`));
    this.arrived.set(rank, capture);
    const done = new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      signal.addEventListener('abort', () => reject(new Error('job stopped during a migration')), { once: true });
    });
    if (this.arrived.size === this.localRanks.length) this.move();
    return done;
  }

  private move(): void {
    const waiting = this.waiting;
    this.waiting = [];
    try {
      for (const [rank, capture] of this.arrived) {
        const t0 = performance.now();
        const memory = this.emptyMemory(rank, capture.memory.memoryPages);
        const old = this.memories[rank];
        this.memories[rank] = memory;
        if (old) this.retire(old);
        this.moves.push({ rank, diffBytes: capture.memory.data.byteLength, captureMs: capture.captureMs, restoreMs: performance.now() - t0 });
      }
      this.arrived.clear();
      for (const w of waiting) w.resolve();
    } catch (e) {
      for (const w of waiting) w.reject(e as Error);
    }
  }
}
