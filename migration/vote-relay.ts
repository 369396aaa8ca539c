// The migration board of a job spread over hosts, seen from one host's event loop: the local ranks vote on
// their slots (migration-point.ts); once all of them have voted at an all-rank barrier, the host passes the
// combined vote to the job's owner (the launcher), and writes the owner's decision into the slots of the ranks
// on other hosts - which the local ranks wait for. The board's last word says that no move will come any more.
import { waitAsync } from '../host-interface/wait-async.js';

export class VoteRelay {
  private readonly slots: Int32Array;
  private stopped = false;
  private lastVoted = 0;

  constructor(
    board: SharedArrayBuffer,
    private readonly np: number,
    private readonly localRanks: readonly number[],
    /** Every local rank voted at all-rank barrier `barrier`; `why` says why not all can move, if so. */
    private readonly vote: (barrier: number, ok: boolean) => void,
  ) {
    this.slots = new Int32Array(board);
    void this.watch();
  }

  private async watch(): Promise<void> {
    while (!this.stopped) {
      let barrier = Infinity, ok = true;
      for (const r of this.localRanks) {
        let v = Atomics.load(this.slots, r);
        while (!this.stopped && (v >> 1) <= this.lastVoted) {
          await waitAsync(this.slots, r, v, 500);
          v = Atomics.load(this.slots, r);
        }
        barrier = Math.min(barrier, v >> 1);
        if ((v & 1) === 0) ok = false;
      }
      if (this.stopped) return;
      this.lastVoted = barrier;
      this.vote(barrier, ok);
    }
  }

  /** The owner's answer for `barrier`: written for every rank not on this host. `final`: no more moves. */
  decide(barrier: number, go: boolean, final: boolean): void {
    if (final) {
      Atomics.store(this.slots, this.np, 1);
      this.stop();
    }
    for (let r = 0; r < this.np; r++) {
      if (this.localRanks.includes(r)) continue;
      Atomics.store(this.slots, r, (barrier << 1) | (go ? 1 : 0));
      Atomics.notify(this.slots, r);
    }
    if (go) this.stop(); // one move per run
  }

  stop(): void {
    this.stopped = true;
  }
}
