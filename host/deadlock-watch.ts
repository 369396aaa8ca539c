// Ends a job that can no longer make progress: every rank still running sleeps in an MPI call, and nothing
// was delivered or completed anywhere in the job for the whole timeout. The report says what each rank waits
// for, so the user sees the cycle instead of a hung job. For a job spread over hosts no host can decide alone:
// each host's watch reports its own view (QuietReport) and the launcher decides for the whole job.
import { JobChannels, RankState } from '../mpi/transport/job-channels.js';

const POLL_MS = 100;

/** One host's view: are all its running ranks blocked, how many events so far, and what each waits for. */
export interface QuietReport {
  quiet: boolean;
  events: number;
  /** rank -> "blocked in ..." or "finished" (this host's ranks only). */
  ranks: Record<number, string>;
}

export class DeadlockWatch {
  private readonly timer: NodeJS.Timeout;
  private quietSince = 0;
  private lastEvents = -1;

  constructor(
    private readonly channels: JobChannels,
    /** The ranks this host runs (all of them on a single host). */
    private readonly ranks: readonly number[],
    /** finished[r]: rank r has ended. */
    private readonly finished: readonly boolean[],
    private readonly timeoutMs: number,
    private readonly onDeadlock: (report: string) => void,
    /** Given: report every look to it instead of deciding here (this host runs only part of the job). */
    private readonly onReport?: (report: QuietReport) => void,
  ) {
    this.timer = setInterval(() => this.check(), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private allBlocked(): boolean {
    for (const r of this.ranks) {
      if (this.finished[r]) continue;
      if (this.channels.state(r) !== RankState.blocked) return false;
    }
    return true;
  }

  private describe(r: number): string {
    return this.finished[r] ? 'finished' : `blocked in ${this.channels.description(r)}`;
  }

  private check(): void {
    const events = this.channels.eventCount();
    if (this.onReport) {
      const ranks: Record<number, string> = {};
      const quiet = this.allBlocked();
      if (quiet) for (const r of this.ranks) ranks[r] = this.describe(r);
      this.onReport({ quiet, events, ranks });
      return;
    }
    const now = performance.now();
    const running = this.ranks.some((r) => !this.finished[r]);
    if (!running || !this.allBlocked() || events !== this.lastEvents) {
      this.lastEvents = events;
      this.quietSince = now;
      return;
    }
    if (now - this.quietSince < this.timeoutMs) return;
    this.stop();
    const lines = this.ranks.map((r) => `  rank ${r}: ${this.describe(r)}`);
    this.onDeadlock(deadlockMessage(this.timeoutMs, lines));
  }
}

export function deadlockMessage(timeoutMs: number, lines: string[]): string {
  return `deadlock: every running rank has been blocked for ${(timeoutMs / 1000).toFixed(1)} s with no message in flight\n${lines.join('\n')}`;
}
