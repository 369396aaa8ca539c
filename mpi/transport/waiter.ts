// How a rank waits for MPI progress: poll while this host runs no more Faaslets than it has cores (a futex
// wake-up costs ~30 us here, a poll well under 1 us), then sleep on the rank's doorbell, waking now and then
// to re-check. With more Faaslets than cores nobody polls: a poller would hold the core that the rank it waits
// for needs (JS cannot yield the way MPI libraries do with sched_yield). While it sleeps the rank is marked
// blocked, with what it waits for, so the host can report a deadlock.
import { availableParallelism } from 'node:os';
import { JobChannels, RankState } from './job-channels.js';

const SPIN_MS = 10;
const SLEEP_MS = 50;

/**
 * Faaslets alive on this host, running or waiting, and the cores the host may use (two Int32s in a host-wide
 * SharedArrayBuffer). A host runtime sharing its machine with others (faasmpirun --local-hosts) gets a share
 * of the cores, so its ranks do not spin on cores the other hosts' ranks and network threads need.
 */
export class HostLoad {
  private readonly words: Int32Array;
  readonly cores: number;
  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.cores = this.words[1];
  }
  static create(cores = availableParallelism()): HostLoad {
    const buffer = new SharedArrayBuffer(8);
    new Int32Array(buffer)[1] = Math.max(0, cores);
    return new HostLoad(buffer);
  }
  enter(): void {
    Atomics.add(this.words, 0, 1);
  }
  leave(): void {
    Atomics.sub(this.words, 0, 1);
  }
  hasSpareCore(): boolean {
    return Atomics.load(this.words, 0) <= this.cores;
  }
}

export class Waiter {
  constructor(private readonly channels: JobChannels, private readonly rank: number, private readonly load: HostLoad) {}

  /** Calls progress() until done(); never returns otherwise (a deadlock is ended by the host). */
  waitUntil(progress: () => void, done: () => boolean, describe: () => string): void {
    progress();
    if (done()) return;
    const spinUntil = this.load.hasSpareCore() ? performance.now() + SPIN_MS : 0;
    for (let i = 0; ; i++) {
      if ((i & 63) === 0 && performance.now() > spinUntil) break;
      progress();
      if (done()) return;
    }
    this.channels.setState(this.rank, RankState.blocked, describe());
    try {
      for (;;) {
        const seen = this.channels.doorbell(this.rank);
        progress();
        if (done()) return;
        this.channels.sleep(this.rank, seen, SLEEP_MS);
      }
    } finally {
      this.channels.setState(this.rank, RankState.running);
    }
  }
}
