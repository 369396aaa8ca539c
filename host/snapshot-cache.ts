// The host's post-initialisation snapshots: one preparation per module and inputs, shared by the jobs that
// want it while it runs, bounded in time (a constructor that never returns must not hold a worker forever),
// abandoned (its worker terminated) when no job waits for it any more, and kept afterwards in a cache bounded
// by bytes, least recently used first out.
import type { PrepareResult, PrepareTask } from '../faaslet/faaslet-worker.js';

/** Runs a preparation in a worker; aborting `signal` terminates that worker. */
export type Prepare = (task: PrepareTask, signal: AbortSignal) => Promise<PrepareResult>;

export interface SnapshotCacheOptions {
  /** Bytes of snapshots kept for later jobs (default 512 MiB). */
  maxBytes?: number;
}

/** The job's program did not finish initialising in time. */
export class PrepareTimeout extends Error {
  override name = 'PrepareTimeout';
}

/** The job stopped waiting (its launcher went away, or it failed elsewhere) while its program was prepared. */
export class PrepareAbandoned extends Error {
  override name = 'PrepareAbandoned';
}

interface Preparation {
  result: Promise<PrepareResult>;
  waiters: number;
  stop: AbortController;
}

/** Unusable results cost nearly nothing, but each still counts this much (so their number is bounded too). */
const RESULT_OVERHEAD = 1024;

export class SnapshotCache {
  private readonly maxBytes: number;
  /** Finished preparations, least recently used first (Map keeps insertion order). */
  private readonly done = new Map<string, { result: PrepareResult; bytes: number }>();
  private readonly running = new Map<string, Preparation>();
  private bytes = 0;

  constructor(private readonly prepare: Prepare, options: SnapshotCacheOptions = {}) {
    this.maxBytes = options.maxBytes ?? 512 << 20;
  }

  /** Bytes held by cached snapshots. */
  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * The preparation for `key`: cached, joined while another job's runs, or started. It fails with
   * PrepareTimeout after `timeoutMs`, and with PrepareAbandoned as soon as `signal` aborts (the preparation
   * itself is stopped once no job waits for it).
   */
  get(key: string, task: PrepareTask, timeoutMs: number, signal?: AbortSignal): Promise<PrepareResult> {
    const cached = this.done.get(key);
    if (cached) {
      this.done.delete(key);
      this.done.set(key, cached);
      return Promise.resolve(cached.result);
    }
    if (signal?.aborted) return Promise.reject(new PrepareAbandoned('the job was stopped before its program was prepared'));
    const joined = this.running.get(key);
    const prep = joined && !joined.stop.signal.aborted ? joined : this.start(key, task, timeoutMs);
    prep.waiters++;
    return new Promise((resolve, reject) => {
      const leave = () => {
        signal?.removeEventListener('abort', abandon);
        prep.waiters--;
      };
      const abandon = () => {
        leave();
        if (prep.waiters === 0) prep.stop.abort();
        reject(new PrepareAbandoned('the job was stopped while its program was being prepared'));
      };
      signal?.addEventListener('abort', abandon, { once: true });
      prep.result.then((r) => { leave(); resolve(r); }, (e) => { leave(); reject(e); });
    });
  }

  private start(key: string, task: PrepareTask, timeoutMs: number): Preparation {
    const stop = new AbortController();
    const timeout = AbortSignal.timeout(timeoutMs);
    const prep: Preparation = { result: undefined!, waiters: 0, stop };
    prep.result = this.prepare(task, AbortSignal.any([stop.signal, timeout])).then(
      (r) => {
        this.keep(key, r);
        return r;
      },
      (e: unknown) => {
        if (timeout.aborted) {
          throw new PrepareTimeout(`the program's initialisation (its constructors) did not finish within ${timeoutMs / 1000} s; it was stopped`);
        }
        if (stop.signal.aborted) throw new PrepareAbandoned('the job was stopped while its program was being prepared');
        throw new Error(`preparing the program failed: ${(e as Error).message}`);
      },
    ).finally(() => {
      if (this.running.get(key) === prep) this.running.delete(key);
    });
    prep.result.catch(() => {}); // a waiter sees the failure; none may be left
    this.running.set(key, prep);
    return prep;
  }

  private keep(key: string, result: PrepareResult): void {
    const bytes = RESULT_OVERHEAD + (result.usable ? result.snapshot.data.byteLength + result.snapshot.runs.byteLength : 0);
    if (bytes > this.maxBytes) return;
    this.done.set(key, { result, bytes });
    this.bytes += bytes;
    for (const [oldKey, old] of this.done) {
      if (this.bytes <= this.maxBytes) break;
      this.done.delete(oldKey);
      this.bytes -= old.bytes;
    }
  }

  clear(): void {
    for (const p of this.running.values()) p.stop.abort();
    this.done.clear();
    this.bytes = 0;
  }
}
