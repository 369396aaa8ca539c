// A launcher's place in its cluster's job queue. A job that does not fit in the free slots now waits, first come
// first placed: while anyone waits, only the first in line may be placed, so a small job does not overtake a
// large one for ever. The entry lives in the cluster's state (shared through Redis by every launcher of the
// cluster; without Redis only this launcher's) and expires when its launcher stops renewing it, so a launcher
// that dies does not block the queue. Interrupting a waiting launcher takes its job out of the line.
import type { ClusterState, QueueEntry, TenantState } from './state/types.js';

export interface QueueOptions {
  state: ClusterState;
  /** The job's record is kept here while it waits ('queued'), if anywhere. */
  tenant?: TenantState;
  /** Aborting it withdraws the waiting job. */
  signal?: AbortSignal;
  /** One line for the user: the job waits, and why. */
  tell: (line: string) => void;
  /** How often a waiting launcher looks again (default 500 ms). */
  pollMs?: number;
}

/** The waiting job was taken out of the queue (its launcher was interrupted). */
export class QueueWithdrawn extends Error {
  override name = 'QueueWithdrawn';
}

export class QueueTicket {
  private entry: QueueEntry | undefined;
  private readonly pollMs: number;
  /** An entry not renewed for this long is dropped (its launcher is gone). */
  private readonly ttlMs: number;

  constructor(private readonly o: QueueOptions, private readonly job: { id: string; user: string; np: number }) {
    this.pollMs = o.pollMs ?? 500;
    this.ttlMs = Math.max(5_000, 10 * this.pollMs);
  }

  /** Whether this job may be placed now: nobody waits, or it is first in line. */
  async mayGo(): Promise<boolean> {
    await this.checkSignal();
    const queue = await this.o.state.queue();
    if (!this.entry) return queue.length === 0;
    if (!(await this.o.state.renewQueued(this.job.id, this.ttlMs))) this.entry = await this.o.state.enqueue(this.job, this.ttlMs); // it expired (a stalled launcher): back in line
    return queue[0]?.id === this.job.id;
  }

  /** Waits a while in line (joining it first, saying why); throws QueueWithdrawn when interrupted. */
  async wait(why: string): Promise<void> {
    await this.checkSignal();
    if (!this.entry) {
      this.entry = await this.o.state.enqueue(this.job, this.ttlMs);
      await this.o.tenant?.putJob({ id: this.job.id, state: 'queued', np: this.job.np, hosts: [], createdAt: this.entry.since });
      const position = (await this.o.state.queue()).findIndex((e) => e.id === this.job.id) + 1;
      this.o.tell(`job ${this.job.id} waits in the queue (position ${position || '?'}): ${why}`);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.o.signal?.addEventListener('abort', done, { once: true });
    });
    await this.checkSignal();
  }

  /** Out of the line: placed, or given up. */
  async leave(): Promise<void> {
    if (!this.entry) return;
    this.entry = undefined;
    await this.o.state.dequeue(this.job.id);
  }

  private async checkSignal(): Promise<void> {
    if (!this.o.signal?.aborted) return;
    const was = this.entry !== undefined;
    if (was) {
      await this.leave().catch(() => {});
      await this.o.tenant?.updateJob(this.job.id, { state: 'failed', message: 'withdrawn from the queue' }).catch(() => {});
    }
    throw new QueueWithdrawn(was ? `job ${this.job.id} was withdrawn from the queue` : 'interrupted before the job started');
  }
}
