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
    private localRanks: readonly number[],
    /** Every local rank voted at all-rank barrier `barrier`; `why` says why not all can move, if so. */
    private readonly vote: (barrier: number, ok: boolean) => void,
    /** The job may move again after a move (else the relay stops at the first). */
    private readonly repeat = false,
  ) {
    this.slots = new Int32Array(board);
    void this.watch();
  }

  private async watch(): Promise<void> {
    while (!this.stopped) {
      let barrier = Infinity, ok = true;
      const ranks = this.localRanks;
      for (const r of ranks) {
        let v = Atomics.load(this.slots, r);
        // A move changes the local ranks (setLocalRanks): a rank that left here never votes here again.
        while (!this.stopped && ranks === this.localRanks && (v >> 1) <= this.lastVoted) {
          await waitAsync(this.slots, r, v, 200);
          v = Atomics.load(this.slots, r);
        }
        barrier = Math.min(barrier, v >> 1);
        if ((v & 1) === 0) ok = false;
      }
      if (this.stopped) return;
      if (ranks !== this.localRanks) continue; // count again with the ranks here now
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
    // The decision word: read by every local rank, even when all of the job's ranks are on this host.
    Atomics.store(this.slots, this.np + 1, (barrier << 1) | (go ? 1 : 0));
    Atomics.notify(this.slots, this.np + 1);
    if (go && !this.repeat) this.stop();
  }

  /** After a move between hosts: the ranks that vote here now. */
  setLocalRanks(ranks: readonly number[]): void {
    this.localRanks = [...ranks];
    if (ranks.length === 0) this.stop(); // no rank here votes any more (the host's part ends)
  }

  stop(): void {
    this.stopped = true;
  }
}
