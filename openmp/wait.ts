// How an OpenMP thread waits (for a fork, at a barrier, for a lock): spin while a core is really idle (HostLoad
// counts this host's Faaslets and the rest of the machine), because a futex wake-up costs ~30 us here and a fork
// or barrier should cost a few; then sleep in Atomics.wait. While it sleeps the thread is not counted as load, so
// MPI ranks and other threads may spin. The spin adapts to what it buys (SpinBudget). With no idle core (other
// processes, or more threads than cores) a thread spins only while the machine has at most two runnable threads
// per core (HostLoad.mayPollBriefly), and only about as long as a wake-up costs: that saves the wake-up when the
// partner is on the other core and about to arrive, and holds a core the partner may need for at most a
// wake-up's time (JS has no sched_yield, so a long spin there would take a whole time slice).
import { type HostLoad, SpinBudget } from '../mpi/transport/host-load.js';

/** The spin without an idle core: about one futex wake-up here (~30-60 us), adapting down to a few us. */
const BUSY_SPIN_MS = 0.04;
const BUSY_SPIN_FLOOR_MS = 0.005;

/** How long a waiting thread spins before it sleeps (OMP_WAIT_POLICY, FAASMPI_OMP_SPIN_US). */
export interface WaitPolicy {
  spinMs: number;
}

export function waitPolicyFrom(env: Map<string, string>): WaitPolicy {
  const us = Number(env.get('FAASMPI_OMP_SPIN_US'));
  if (Number.isFinite(us) && us >= 0) return { spinMs: us / 1000 };
  const policy = env.get('OMP_WAIT_POLICY')?.toLowerCase();
  if (policy === 'passive') return { spinMs: 0 };
  if (policy === 'active') return { spinMs: 1000 };
  return { spinMs: 50 };
}

export class Waiting {
  private readonly spin: SpinBudget;
  private readonly busySpin: SpinBudget;
  constructor(readonly load: HostLoad, readonly policy: WaitPolicy) {
    this.spin = new SpinBudget(policy.spinMs);
    this.busySpin = new SpinBudget(Math.min(policy.spinMs, BUSY_SPIN_MS), Math.min(policy.spinMs, BUSY_SPIN_FLOOR_MS));
  }

  /**
   * Returns once `words[index]` differs from `value` (or `ready()` holds, checked while spinning and after each
   * wake-up). `onSpin` runs on every spin round (task execution at barriers); it returns true if it did work.
   */
  untilChanged(words: Int32Array, index: number, value: number, ready?: () => boolean, onSpin?: () => boolean): void {
    if (Atomics.load(words, index) !== value || ready?.()) return;
    const idle = this.policy.spinMs > 0 && this.load.hasSpareCore();
    if (this.policy.spinMs > 0 && (idle || this.load.mayPollBriefly())) {
      const budget = idle ? this.spin : this.busySpin;
      let spinUntil = performance.now() + budget.current;
      for (let i = 1; ; i++) {
        if (Atomics.load(words, index) !== value || ready?.()) {
          budget.caught();
          return;
        }
        if (onSpin?.()) {
          i = 0;
          spinUntil = performance.now() + budget.current;
          continue;
        }
        // The machine may get busy while we spin: look again now and then, and give the core up at once.
        if ((i & 15) === 0 && (performance.now() >= spinUntil || (idle && !this.load.hasSpareCore()))) break;
      }
      budget.missed();
    }
    // Sleep in short slices so a change that comes without a notify (or a ready() condition) is still seen.
    for (;;) {
      if (onSpin?.()) continue;
      this.load.leave();
      try {
        Atomics.wait(words, index, value, 20);
      } finally {
        this.load.enter();
      }
      if (Atomics.load(words, index) !== value || ready?.()) return;
    }
  }
}
