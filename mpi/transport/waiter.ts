// How a rank waits for MPI progress: poll while a core is really idle (see HostLoad: a futex wake-up costs ~30 us
// here, a poll well under 1 us), then sleep on the rank's doorbell, waking now and then to re-check. With no idle
// core nobody polls: a poller would hold the core that the rank it waits for needs (JS cannot yield the way MPI
// libraries do with sched_yield). While it sleeps the rank is marked blocked, with what it waits for, so the host
// can report a deadlock.
import { type HostLoad, SpinBudget } from './host-load.js';
import { JobChannels, RankState } from './job-channels.js';

const SPIN_MS = 10;
const SLEEP_MS = 50;

export class Waiter {
  private readonly spin = new SpinBudget(SPIN_MS);
  constructor(
    private readonly channels: JobChannels,
    private readonly rank: number,
    readonly load: HostLoad,
    /** Called instead of sleeping, if given (a private job driven by one thread must never sleep: mpi/warm-up.ts). */
    private readonly onBlock?: () => never,
  ) {}

  /** Calls progress() until done(); never returns otherwise (a deadlock is ended by the host). */
  waitUntil(progress: () => void, done: () => boolean, describe: () => string): void {
    progress();
    if (done()) return;
    if (this.load.hasSpareCore()) {
      const spinUntil = performance.now() + this.spin.current;
      for (let i = 1; ; i++) {
        progress();
        if (done()) {
          this.spin.caught();
          return;
        }
        // The machine may get busy while we spin: look again now and then, and give the core up at once.
        if ((i & 63) === 0 && (performance.now() > spinUntil || !this.load.hasSpareCore())) break;
      }
      this.spin.missed();
    }
    this.onBlock?.();
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
