// A rank's OpenMP threads, as its host sees them: it grants thread Faaslets to the rank's requests (from the
// main thread, or from its threads for nested teams) within the pool's free capacity, reports a thread's failure
// as the rank's, and ends them with the rank.
import { setMaxListeners } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { OmpThreadTask, RunTask, ThreadOutcome, ThreadRequest } from '../faaslet/faaslet-worker.js';
import type { FaasletOutcome } from '../faaslet/outcome.js';
import { answerThreadRequest } from '../openmp/process.js';
import type { FaasletPool } from './faaslet-pool.js';

/** After the main thread ends, threads still inside a region (exit() from a region) get this long, then stop. */
const GRACE_MS = 500;

export class RankThreads {
  /** Give this port to the rank's main thread (RunTask.ompPort). */
  readonly mainPort: MessagePort;
  private readonly ports: MessagePort[] = [];
  private readonly running: Promise<void>[] = [];
  private readonly stopAll = new AbortController();
  private readonly signal: AbortSignal;
  private readonly base: Pick<OmpThreadTask, 'module' | 'identity' | 'args' | 'env' | 'preopens' | 'stdout' | 'stderr'>;

  constructor(
    private readonly pool: FaasletPool,
    rank: RunTask,
    private readonly memory: WebAssembly.Memory,
    private readonly hostLoad: SharedArrayBuffer,
    jobStop: AbortSignal,
    private readonly failed: (end: FaasletOutcome) => void,
  ) {
    this.signal = AbortSignal.any([jobStop, this.stopAll.signal]);
    setMaxListeners(0, this.signal); // one listener per thread of the team
    // What every thread shares with its rank (not its snapshot, stdin or MPI transport).
    const { module, identity, args, env, preopens, stdout, stderr } = rank;
    this.base = { module, identity, args, env, preopens, stdout, stderr };
    const channel = new MessageChannel();
    this.listen(channel.port1);
    this.mainPort = channel.port2;
  }

  private listen(port: MessagePort): void {
    this.ports.push(port);
    port.on('message', (req: ThreadRequest) => {
      const granted = Math.max(0, Math.min(req.slots.length, this.pool.free));
      for (const slot of req.slots.slice(0, granted)) {
        const own = new MessageChannel();
        this.listen(own.port1);
        const task: OmpThreadTask = {
          ...this.base, kind: 'omp-thread', memory: this.memory, fdTable: req.fdTable, hostLoad: this.hostLoad,
          process: req.process, slot, ompPort: own.port2,
        };
        this.running.push(this.pool.runThread(task, this.signal).then((end) => {
          if (end.kind !== 'done') this.failed(threadEnd(slot.gtid, end));
        }, (e: unknown) => {
          // Stopped with the job or its rank: expected. Anything else (its worker died) ends the job.
          if (!this.signal.aborted) this.failed({ kind: 'error', message: `OpenMP thread ${slot.gtid}: its worker failed: ${(e as Error)?.message ?? e}` });
        }));
      }
      answerThreadRequest(req.process, granted);
    });
  }

  /** Once the rank's main thread has ended: waits for its threads (they shut down), stopping stragglers. */
  async end(): Promise<void> {
    const timer = setTimeout(() => this.stopAll.abort(), GRACE_MS);
    for (let seen = 0; seen < this.running.length; seen = this.running.length) await Promise.all(this.running);
    clearTimeout(timer);
    for (const p of this.ports) p.close();
  }
}

/** A thread's end as its rank's end: the thread number goes into the message. */
function threadEnd(gtid: number, end: Exclude<ThreadOutcome, { kind: 'done' }>): FaasletOutcome {
  switch (end.kind) {
    case 'trap': return { ...end, trap: `${end.trap} (on OpenMP thread ${gtid})` };
    case 'error': return { ...end, message: `OpenMP thread ${gtid}: ${end.message}` };
    default: return end;
  }
}
