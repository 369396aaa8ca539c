// What a waiting Faaslet needs to know before it spins: is there a core nobody else wants? Two sources, kept in one
// host-wide SharedArrayBuffer so every worker reads them with a plain atomic load:
//   - our own count: Faaslets of this host running or spinning (waiters leave the count while they sleep);
//   - the machine's load from everything else (other processes, other host runtimes on the same machine), sampled
//     from /proc by the host's main thread (see MachineLoadSampler). JS has no sched_yield, so a spinner on a busy
//     machine takes the core the thread it waits for needs: the only safe spin is on a core that is really idle.
import { availableParallelism } from 'node:os';

const W_RUNNING = 0, W_SHARE = 1, W_EXTERNAL_MILLI = 2, W_MACHINE = 3, W_JOBS = 4, W_EXTERNAL_RUNNABLE = 5;
const WORDS = 6;
/** A short poll pays off only if the peer is likely on a core now: at most this many runnable threads per core. */
const BRIEF_POLL_PER_CORE = 2;

export class HostLoad {
  private readonly words: Int32Array;
  /** Cores this host may spin on (its share of the machine when several host runtimes share it). */
  readonly cores: number;
  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.cores = this.words[W_SHARE];
  }
  static create(cores = availableParallelism()): HostLoad {
    const words = new Int32Array(new SharedArrayBuffer(WORDS * 4));
    words[W_SHARE] = Math.max(0, cores);
    words[W_MACHINE] = availableParallelism();
    return new HostLoad(words.buffer as SharedArrayBuffer);
  }
  enter(): void {
    Atomics.add(this.words, W_RUNNING, 1);
  }
  leave(): void {
    Atomics.sub(this.words, W_RUNNING, 1);
  }
  /** Faaslets counted as running now: on a core, spinning, or woken and about to run. */
  running(): number {
    return Atomics.load(this.words, W_RUNNING);
  }
  /** Jobs (or parts of jobs) this host is running now: a running job lends no core to background work. */
  jobStarted(): void {
    Atomics.add(this.words, W_JOBS, 1);
  }
  jobEnded(): void {
    Atomics.sub(this.words, W_JOBS, 1);
  }
  jobsRunning(): number {
    return Atomics.load(this.words, W_JOBS);
  }
  /** Busy cores of other processes, in thousandths of a core (written by the sampler). */
  setExternalMilliCores(milli: number): void {
    Atomics.store(this.words, W_EXTERNAL_MILLI, Math.max(0, Math.round(milli)));
  }
  /** Threads of other processes waiting for or holding a core (the sampler's smoothed count, in thousandths). */
  setExternalRunnableMilli(milli: number): void {
    Atomics.store(this.words, W_EXTERNAL_RUNNABLE, Math.max(0, Math.round(milli)));
  }
  externalRunnable(): number {
    return Math.max(this.externalCores(), Math.round(Atomics.load(this.words, W_EXTERNAL_RUNNABLE) / 1000));
  }
  externalCores(): number {
    // A daemon's occasional tick must not stop all spinning: count a core once it is at least ~3/4 busy.
    return Math.floor((Atomics.load(this.words, W_EXTERNAL_MILLI) + 250) / 1000);
  }
  /** Is a core idle now, for one more thread that is not a Faaslet (within the share, as hasSpareCore)? */
  hasIdleCore(): boolean {
    const running = Atomics.load(this.words, W_RUNNING) + 1;
    return running <= this.cores && running + this.externalCores() <= this.words[W_MACHINE];
  }
  /**
   * With no spare core, may a waiter still poll for about one wake-up's time? Only while the machine has at most
   * two runnable threads per core (ours and everyone else's): then the peer it waits for is likely on a core and
   * about to answer. With more (8 ranks on 2 cores all working, or a heavily loaded machine) the peer is likely
   * queued behind the poller itself, and the poll only delays it.
   */
  mayPollBriefly(): boolean {
    return Atomics.load(this.words, W_RUNNING) + this.externalRunnable() <= BRIEF_POLL_PER_CORE * this.words[W_MACHINE];
  }
  /** May a waiter spin now? Within this host's share, and on a core the rest of the machine leaves idle. */
  hasSpareCore(): boolean {
    const running = Atomics.load(this.words, W_RUNNING);
    return running <= this.cores && running + this.externalCores() <= this.words[W_MACHINE];
  }
}

/**
 * How long to spin next time: the spin is worth its core only if the wait usually ends during it. Each waiter keeps
 * its own budget: halved after a spin that ended in a sleep anyway, doubled (up to the policy's maximum) after a
 * spin that caught the change. A floor keeps the cheap cases (a fork, a barrier of balanced threads) spinning.
 */
export class SpinBudget {
  private ms: number;
  constructor(private readonly maxMs: number, private readonly floorMs = Math.min(maxMs, 0.2)) {
    this.ms = maxMs;
  }
  get current(): number {
    return this.ms;
  }
  caught(): void {
    this.ms = Math.min(this.maxMs, this.ms * 2);
  }
  missed(): void {
    this.ms = Math.max(this.floorMs, this.ms / 2);
  }
}
