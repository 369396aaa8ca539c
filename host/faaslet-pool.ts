// The host's worker threads, kept warm so a Faaslet starts by posting a task, not by starting a thread.
// piscina fits: one Faaslet per task, one task per worker at a time, and aborting a task terminates the
// worker running it, which is how a failing job stops its other Faaslets wherever they are (even blocked).
import { availableParallelism } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { Piscina } from 'piscina';
import type { OmpReplicaTask } from '../faaslet/faaslet-worker.js';
import type { FaasletTask, OmpThreadTask, PrepareResult, PrepareTask, RunTask, ThreadOutcome } from '../faaslet/faaslet-worker.js';
import type { FaasletOutcome } from '../faaslet/outcome.js';

/** Defined (true) in the bundles of dist/bundle (cli/build-bundles.ts). */
declare const FAASMPI_BUNDLED: true | undefined;

/**
 * A bundled host starts bundled workers (one script, compiled from V8's code cache: faaslet/worker-code-cache.ts);
 * tsc's output starts tsc's worker, so host and worker always come from the same build. (In a bundle,
 * import.meta.url still names this module's tsc output.)
 */
const WORKER_FILE = new URL(typeof FAASMPI_BUNDLED === 'undefined' ? '../faaslet/faaslet-worker.js' : '../bundle/faaslet-worker-entry.cjs', import.meta.url).href;

export interface PoolOptions {
  /** Workers kept warm (default: cores). */
  warm?: number;
  /** Most Faaslets running at once on this host. */
  maxFaaslets?: number;
  /**
   * Idle workers warm the MPI paths up (mpi/warm-up.ts): for a long-running host, whose next job then runs its
   * first MPI calls faster. A one-job launcher gains nothing (its workers get their tasks at once).
   */
  warmUpMpi?: boolean;
  /** The host's load (HostLoad): idle workers warm up only while the host runs no job and a core is idle. */
  hostLoad?: SharedArrayBuffer;
}

export class FaasletPool {
  readonly maxFaaslets: number;
  private readonly pool: Piscina<FaasletTask, FaasletOutcome | PrepareResult | ThreadOutcome>;
  /** Faaslets (ranks and OpenMP threads) running or queued now. */
  private busy = 0;
  /** Threads whose modules are loaded (see faaslet-worker.ts); only these are safe to terminate. */
  private readonly loaded = new Set<number>();
  /** "group:rank" -> the thread running that rank, while it runs. */
  private readonly rankThreads = new Map<string, number>();

  constructor(options: PoolOptions = {}) {
    this.maxFaaslets = options.maxFaaslets ?? 256;
    const warm = Math.min(options.warm ?? availableParallelism(), this.maxFaaslets);
    this.pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: warm,
      maxThreads: this.maxFaaslets,
      concurrentTasksPerWorker: 1,
      idleTimeout: 30_000,
      // An idle worker runs its event loop (not piscina's Atomics.wait loop), so that it can warm up in steps
      // between tasks (mpi/warm-up.ts); tasks are whole Faaslets, the cost per task is nothing.
      atomics: 'disabled',
      workerData: { warmUpMpi: options.warmUpMpi === true, hostLoad: options.hostLoad },
    });
    this.pool.on('message', (m: { faasmpiWorkerLoaded?: number; faasmpiRank?: { groupId: string; index: number; thread: number } }) => {
      if (typeof m?.faasmpiWorkerLoaded === 'number') this.loaded.add(m.faasmpiWorkerLoaded);
      if (m?.faasmpiRank) this.rankThreads.set(`${m.faasmpiRank.groupId}:${m.faasmpiRank.index}`, m.faasmpiRank.thread);
    });
  }

  run(task: RunTask, signal: AbortSignal): Promise<FaasletOutcome> {
    const ports = [task.ompPort, task.ompSpread?.link.port].filter((p) => p !== undefined);
    const transferList = ports.length > 0 ? (ports as unknown as Transferable[]) : undefined;
    const key = `${task.identity.groupId}:${task.identity.index}`;
    return this.counted(this.pool.run(task, { signal, transferList: transferList as any }) as Promise<FaasletOutcome>)
      .finally(() => this.rankThreads.delete(key));
  }

  /** The thread running a rank of a job, while it runs. */
  threadOf(groupId: string, index: number): number | undefined {
    return this.rankThreads.get(`${groupId}:${index}`);
  }

  runThread(task: OmpThreadTask, signal: AbortSignal): Promise<ThreadOutcome> {
    return this.counted(this.pool.run(task, { signal, transferList: [task.ompPort as any] }) as Promise<ThreadOutcome>);
  }

  /** A replica host's serving thread of a spread team (openmp/spread/). */
  runReplica(task: OmpReplicaTask, signal: AbortSignal): Promise<ThreadOutcome> {
    return this.counted(this.pool.run(task, { signal, transferList: [task.ompPort as any, task.link.port as any] }) as Promise<ThreadOutcome>);
  }

  /** Faaslets that can still start without waiting for another to end. */
  get free(): number {
    return this.maxFaaslets - this.busy;
  }

  private async counted<R>(p: Promise<R>): Promise<R> {
    this.busy++;
    try {
      return await p;
    } finally {
      this.busy--;
    }
  }

  /** Prepares a snapshot in a worker; aborting `signal` terminates that worker (a constructor may never return). */
  prepare(task: PrepareTask, signal: AbortSignal): Promise<PrepareResult> {
    return this.counted(this.pool.run(task, { signal }) as Promise<PrepareResult>);
  }

  /**
   * Resolves once no thread is still loading its modules (warm ones, or replacements for terminated ones): only
   * then may the threads be terminated, by close() or by the process exiting.
   */
  async settled(): Promise<void> {
    const deadline = Date.now() + 10_000;
    const starting = () => this.pool.threads.some((w) => w.threadId >= 0 && !this.loaded.has(w.threadId));
    while (starting() && Date.now() < deadline) await delay(2);
  }

  async close(): Promise<void> {
    await this.settled();
    await this.pool.destroy();
  }
}
