// How a rank waits for MPI progress: poll while a core is really idle (see HostLoad: a futex wake-up costs ~30-60 us
// here, a poll well under 1 us), then sleep on the rank's doorbell, waking now and then to re-check. With no idle
// core (ranks outnumber cores, or other processes keep them busy) a rank polls only while the machine has at most
// two runnable threads per core (the peer is then likely on a core and about to answer), and only about as long as
// a wake-up costs: if the answer comes within that, the wake-up is saved; if not, the core the peer may need was
// held for at most one wake-up's time (JS cannot yield the way MPI libraries do with sched_yield, so a long poll
// there would take the core for a whole time slice). A sleeping rank is not counted as running (so the ranks
// still running may poll each other), is counted again by the ring that wakes it (job-channels.ts), and is marked
// blocked, with what it waits for, so the host can report a deadlock.
import { type HostLoad, SpinBudget } from './host-load.js';
import { JobChannels, RankState } from './job-channels.js';

const SPIN_MS = 10;
/** The poll without an idle core: about one futex wake-up here, and never less than a few round trips. */
const BUSY_SPIN_MS = 0.04;
const BUSY_SPIN_FLOOR_MS = 0.005;
const SLEEP_MS = 50;

export class Waiter {
  private readonly spin = new SpinBudget(SPIN_MS);
  private readonly busySpin = new SpinBudget(BUSY_SPIN_MS, BUSY_SPIN_FLOOR_MS);
  constructor(
    private readonly channels: JobChannels,
    private readonly rank: number,
    readonly load: HostLoad,
    /** Called instead of sleeping, if given (a private job driven by one thread must never sleep: mpi/warm-up.ts). */
    private readonly onBlock?: () => never,
  ) {
    channels.countWakesIn(load);
  }

  /** Calls progress() until done(); never returns otherwise (a deadlock is ended by the host). */
  waitUntil(progress: () => void, done: () => boolean, describe: () => string): void {
    progress();
    if (done()) return;
    if (this.poll(progress, done)) return;
    this.onBlock?.();
    this.channels.setState(this.rank, RankState.blocked, describe());
    try {
      for (;;) {
        const seen = this.channels.doorbell(this.rank);
        progress();
        if (done()) return;
        // A sleeping rank holds no core: it leaves the count, so the ranks still running (e.g. the two of eight
        // that ping-pong while the others wait in a barrier) may poll each other instead of paying a wake-up.
        this.channels.sleep(this.rank, seen, SLEEP_MS, this.load);
      }
    } finally {
      this.channels.setState(this.rank, RankState.running);
    }
  }

  /** Polls for as long as the budget of the machine's state allows; true if done() came true meanwhile. */
  private poll(progress: () => void, done: () => boolean): boolean {
    const idle = this.load.hasSpareCore();
    if (!idle && !this.load.mayPollBriefly()) return false;
    const budget = idle ? this.spin : this.busySpin;
    const spinUntil = performance.now() + budget.current;
    for (let i = 1; ; i++) {
      progress();
      if (done()) {
        budget.caught();
        return true;
      }
      // The machine may get busy while we spin: look again now and then, and give the core up at once.
      if ((i & 15) === 0 && (performance.now() > spinUntil || (idle && !this.load.hasSpareCore()))) break;
    }
    budget.missed();
    return false;
  }
}
