// The migration point of one Faaslet: its MPI_Barrier, wrapped. After each barrier over all of the job's ranks,
// every rank says whether it can be captured now (on the job's board) and reads everyone else's answer; when the
// job may move and all can, each rank unwinds its wasm stack (Asyncify) out of the barrier and its Faaslet ends
// with a capture. The rank's next Faaslet rewinds into the same barrier call, which then returns its result.
import * as abi from '../mpi/abi.js';
import type { MpiRank } from '../mpi/rank.js';
import { Asyncify, ASYNCIFY_DATA_BYTES } from './asyncify.js';
import { captureMpiState } from './mpi-state.js';
import type { RankCapture } from './capture.js';
import { NotCapturable } from './object-graph.js';

export interface PointState {
  /** All-rank barriers this rank has passed. */
  barriers: number;
  /** The job has moved already (then it moves again only if its control says `repeat`). */
  moved: boolean;
}

export class MigrationPoint {
  state: PointState = { barriers: 0, moved: false };
  /** Set while the stack unwinds: the guest address of the Asyncify data and the barrier's result. */
  unwound?: { data: number; result: number; at: number };
  private rewinding?: { result: number; capture: RankCapture };

  constructor(
    private readonly rank: MpiRank,
    /** Undefined when the module lacks the exports -fmigrate adds (a section that claims it is not proof). */
    private readonly asyncify: () => Asyncify | undefined,
    /** Why this Faaslet cannot be captured whatever its MPI state (open files, OpenMP threads...). */
    private readonly faasletBlocker: () => string | undefined,
    private readonly log: (line: string) => void,
  ) {}

  /** The MPI_Barrier the guest imports. */
  wrap(barrier: (comm: number) => number): (comm: number) => number {
    return (comm: number) => {
      if (this.rewinding) {
        // The rank's next Faaslet re-entering the call it left: the barrier already happened.
        const { result, capture } = this.rewinding;
        this.rewinding = undefined;
        this.asyncify()!.stopRewind();
        if (this.rank.migration?.verbose) {
          const pause = performance.timeOrigin + performance.now() - capture.unwoundAtMs;
          const mib = (capture.memory.data.byteLength / (1 << 20)).toFixed(2);
          this.log(`faasmpi: rank ${this.rank.worldRank} moved to a new Faaslet at MPI_Barrier ${this.state.barriers}: pause ${pause.toFixed(1)} ms (capture ${capture.captureMs.toFixed(1)} ms, memory diff ${mib} MiB)\n`);
        }
        return result;
      }
      const result = barrier(comm);
      if (result !== abi.MPI_SUCCESS || !this.holdsAllRanks(comm)) return result;
      this.state.barriers++;
      const control = this.rank.migration;
      if (!control || (this.state.moved && !control.repeat) || this.state.barriers < control.fromBarrier) return result;
      if ((this.state.barriers - control.fromBarrier) % control.every !== 0) return result;
      // The board's last word: the job's owner said no move will come (nothing to consolidate).
      if (Atomics.load(new Int32Array(control.board), this.rank.identity.size) !== 0) return result;
      if (this.agreed(control.board, control.verbose)) {
        this.state.moved = true;
        const at = performance.now();
        const data = this.asyncify()!.startUnwind(ASYNCIFY_DATA_BYTES);
        this.unwound = { data, result, at };
      }
      return result;
    };
  }

  /** The next Faaslet of a captured rank: rewind into the barrier call that unwound. */
  rewindInto(capture: RankCapture): void {
    this.state = { ...capture.point };
    this.rewinding = { result: capture.barrierResult, capture };
    this.asyncify()!.startRewind(capture.asyncifyData);
  }

  private holdsAllRanks(comm: number): boolean {
    const c = this.rank.comms.get(comm);
    return c !== undefined && c.remote === undefined && c.worldRanks.length === this.rank.identity.size;
  }

  private whyNot(): string | undefined {
    if (!this.asyncify()) return 'the module lacks the Asyncify exports faasmpicc -fmigrate adds';
    const blocker = this.faasletBlocker();
    if (blocker) return blocker;
    try {
      captureMpiState(this.rank); // a trial: what it cannot move must be known before the stack unwinds
      return undefined;
    } catch (e) {
      if (e instanceof NotCapturable) return e.message;
      throw e;
    }
  }

  /**
   * Every rank writes (barrier count, can be captured) and waits for all to have written for this barrier (on a
   * job spread over hosts, the host writes the other hosts' ranks' slots with the job owner's decision).
   * No rank overwrites its slot before all have read it: it writes next only after the next all-rank barrier,
   * which none passes before every rank has finished reading here.
   */
  private agreed(board: SharedArrayBuffer, verbose: boolean): boolean {
    const slots = new Int32Array(board);
    const why = this.whyNot();
    if (why && verbose) this.log(`faasmpi: rank ${this.rank.worldRank} cannot be migrated at MPI_Barrier ${this.state.barriers}: ${why}; retrying at the next one\n`);
    const mine = (this.state.barriers << 1) | (why ? 0 : 1);
    Atomics.store(slots, this.rank.worldRank, mine);
    Atomics.notify(slots, this.rank.worldRank);
    let all = true;
    for (let r = 0; r < this.rank.identity.size; r++) {
      let v = Atomics.load(slots, r);
      while ((v >> 1) < this.state.barriers) {
        Atomics.wait(slots, r, v, 50);
        v = Atomics.load(slots, r);
      }
      if ((v & 1) === 0) all = false;
    }
    // A job spread over hosts moves only when its owner says so (also when all its ranks are on this host now):
    // the host writes that answer into the board's decision word.
    if (this.rank.migration?.decided) {
      const at = this.rank.identity.size + 1;
      let v = Atomics.load(slots, at);
      while ((v >> 1) < this.state.barriers) {
        Atomics.wait(slots, at, v, 50);
        v = Atomics.load(slots, at);
      }
      if ((v & 1) === 0 || (v >> 1) !== this.state.barriers) all = false;
    }
    return all;
  }
}
