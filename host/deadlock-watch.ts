// Ends a job that can no longer make progress: every rank still running sleeps in an MPI call, and nothing
// was delivered or completed anywhere in the job for the whole timeout. The report says what each rank waits
// for, so the user sees the cycle instead of a hung job.
import { JobChannels, RankState } from '../mpi/transport/job-channels.js';

const POLL_MS = 100;

export class DeadlockWatch {
  private readonly timer: NodeJS.Timeout;
  private quietSince = 0;
  private lastEvents = -1;

  constructor(
    private readonly channels: JobChannels,
    private readonly finished: readonly boolean[],
    private readonly timeoutMs: number,
    private readonly onDeadlock: (report: string) => void,
  ) {
    this.timer = setInterval(() => this.check(), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private allBlocked(): boolean {
    let running = 0;
    for (let r = 0; r < this.channels.size; r++) {
      if (this.finished[r]) continue;
      running++;
      if (this.channels.state(r) !== RankState.blocked) return false;
    }
    return running > 0;
  }

  private check(): void {
    const events = this.channels.eventCount();
    const now = performance.now();
    if (!this.allBlocked() || events !== this.lastEvents) {
      this.lastEvents = events;
      this.quietSince = now;
      return;
    }
    if (now - this.quietSince < this.timeoutMs) return;
    this.stop();
    const lines = Array.from({ length: this.channels.size }, (_, r) =>
      `  rank ${r}: ${this.finished[r] ? 'finished' : `blocked in ${this.channels.description(r)}`}`);
    this.onDeadlock(
      `deadlock: every running rank has been blocked for ${(this.timeoutMs / 1000).toFixed(1)} s with no message in flight\n${lines.join('\n')}`,
    );
  }
}
