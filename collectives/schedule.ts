// How a collective runs: as a *schedule*, a generator that yields one round at a time (the sends and receives
// it has started) and is resumed when every operation of the round is done, doing its local work (reductions,
// copies) between rounds. Schedules advance from the point-to-point engine's progress hooks, so a blocking
// collective is start + wait (the deadlock report then names the collective), and nonblocking collectives
// advance whenever anything waits or tests - their own requests, other collectives or point-to-point calls.
//
// Messages travel over the communicator's collective context (context + 1), never seen by point-to-point
// receives; the tag is the communicator's collective sequence number (every member starts its collectives on
// a communicator in the same order, so the numbers agree), so successive and concurrent collectives never mix.
// Between one pair of ranks, one collective's messages match in the order both sides post them.
import * as abi from '../mpi/abi.js';
import { bothGroups, type Communicator } from '../mpi/communicators.js';
import { copy, isMpiError, pack, predefinedObject, unpack, type Datatype, type MpiError } from '../mpi/datatypes/index.js';
import { PackError, type CollOp, type Op } from '../mpi/p2p/engine.js';
import type { MpiRank } from '../mpi/rank.js';

/** A schedule: yields the operations of each round; may end early with an error (Coll.fail). */
export type Schedule = Generator<Op[], void, void>;

const OK = abi.MPI_SUCCESS;
const BYTE = predefinedObject(abi.MPI_BYTE)!;
const TAG_MASK = 0x3fffffff;

/** Where a communicator's ranks run: ranks grouped by host (the two levels of the algorithms). */
export interface HostLayout {
  /** Comm ranks of each host, ascending; hosts ordered by their lowest rank. */
  hosts: number[][];
  /** hostOf[r]: index into hosts of comm rank r. */
  hostOf: number[];
  /** Every rank on one host: the inter-host level is empty. */
  single: boolean;
  /** Each host holds one run of consecutive ranks (then two-level reductions keep rank order). */
  blocks: boolean;
}

interface Running {
  op: CollOp;
  gen: Schedule;
  waiting: Op[];
  problem: string;
  cleanup: () => void;
}

/** One rank's collective machinery: sequence numbers, host layouts, the running schedules. */
export class Collectives {
  private readonly seq = new WeakMap<Communicator, number>();
  private readonly collComm = new WeakMap<Communicator, Communicator>();
  private readonly layouts = new WeakMap<Communicator, HostLayout>();
  /** Intercommunicator -> the communicator of both its groups that its collectives run on. */
  private readonly unions = new WeakMap<Communicator, { comm: Communicator; groups: InterGroups }>();
  private readonly active: Running[] = [];
  private hooked = false;
  private advancing = false;

  constructor(readonly rank: MpiRank) {}

  /** The communicator's collective twin: same ranks, context + 1. */
  twin(comm: Communicator): Communicator {
    let t = this.collComm.get(comm);
    if (!t || t.worldRanks !== comm.worldRanks || t.context !== comm.context + 1) {
      t = { ...comm, context: comm.context + 1 };
      this.collComm.set(comm, t);
    }
    return t;
  }

  layout(comm: Communicator): HostLayout {
    let l = this.layouts.get(comm);
    if (!l) {
      const byHost = new Map<string, number[]>();
      const hostOf: number[] = [];
      comm.worldRanks.forEach((w, r) => {
        const h = this.rank.hostOf(w);
        let list = byHost.get(h);
        if (!list) byHost.set(h, (list = []));
        list.push(r);
      });
      const hosts = [...byHost.values()];
      hosts.forEach((list, i) => list.forEach((r) => (hostOf[r] = i)));
      const blocks = hosts.every((list) => list[list.length - 1] - list[0] === list.length - 1);
      l = { hosts, hostOf, single: hosts.length === 1, blocks };
      this.layouts.set(comm, l);
    }
    return l;
  }

  /**
   * An intercommunicator's collectives run over both groups as one communicator (same context, ranks in the
   * order of bothGroups), with the groups' positions in it; one sequence of tags serves both groups.
   */
  private union(inter: Communicator): { comm: Communicator; groups: InterGroups } {
    let u = this.unions.get(inter);
    if (!u) {
      const { members, localFirst } = bothGroups(inter);
      const nl = inter.worldRanks.length, nr = inter.remote!.length;
      const local = Array.from({ length: nl }, (_, i) => (localFirst ? i : nr + i));
      const remote = Array.from({ length: nr }, (_, i) => (localFirst ? nl + i : i));
      u = { comm: { ...inter, remote: undefined, worldRanks: members, rank: members.indexOf(this.rank.worldRank) }, groups: { local, remote } };
      this.unions.set(inter, u);
    }
    return u;
  }

  /** Starts a collective; the returned operation completes when its schedule ends. */
  start(userComm: Communicator, what: () => string, body: (c: Coll) => Schedule, cleanup: () => void): CollOp {
    const u = userComm.remote ? this.union(userComm) : undefined;
    const comm = u ? u.comm : userComm;
    if (!this.hooked) {
      this.rank.p2p.progressHooks.push(this.hook);
      this.hooked = true;
    }
    const n = this.seq.get(comm) ?? 0;
    this.seq.set(comm, (n + 1) & TAG_MASK);
    const op: CollOp = {
      kind: 'coll', id: 0, done: false, comm: userComm, what,
      status: { source: abi.MPI_ANY_SOURCE, tag: abi.MPI_ANY_TAG, error: OK, bytes: 0, cancelled: false },
    };
    const r: Running = { op, gen: undefined as unknown as Schedule, waiting: [], problem: '', cleanup };
    const c = new Coll(this, r, comm, n, u?.groups);
    r.gen = body(c);
    const outer = this.advancing;
    this.advancing = true;
    try {
      if (!this.advance(r)) this.active.push(r);
    } finally {
      this.advancing = outer;
    }
    return op;
  }

  /** The message recorded with a failed collective's error. */
  problem(op: CollOp): string {
    return (op as CollOp & { problem?: string }).problem ?? 'collective operation failed';
  }

  private readonly hook = (): void => {
    if (this.advancing || this.active.length === 0) return;
    this.advancing = true;
    try {
      for (let i = 0; i < this.active.length; ) {
        if (this.advance(this.active[i])) this.active.splice(i, 1);
        else i++;
      }
    } finally {
      this.advancing = false;
    }
  };

  /** Runs the schedule as far as it can go; true when it has ended. */
  private advance(r: Running): boolean {
    for (;;) {
      const w = r.waiting;
      for (let i = 0; i < w.length; i++) if (!w[i].done) return false;
      for (let i = 0; i < w.length; i++) {
        const e = w[i].status.error;
        if (e !== OK && r.op.status.error === OK) {
          r.op.status.error = e;
          r.problem = e === abi.MPI_ERR_TRUNCATE ? 'message truncated: a receive buffer is smaller than the data sent to it (counts or datatypes differ between ranks)' : 'a message of the collective failed';
        }
      }
      let next: IteratorResult<Op[], void>;
      try {
        next = r.gen.next();
      } catch (e) {
        if (!(e instanceof PackError)) throw e;
        this.fail(r, e.errorClass, e.message);
        next = { done: true, value: undefined };
      }
      if (next.done) {
        r.op.done = true;
        if (r.problem) (r.op as CollOp & { problem?: string }).problem = r.problem;
        r.cleanup();
        return true;
      }
      r.waiting = next.value;
    }
  }

  fail(r: Running, errorClass: number, problem: string): void {
    if (r.op.status.error !== OK) return;
    r.op.status.error = errorClass;
    r.problem = problem;
  }
}

/** An intercommunicator's two groups as positions in the communicator of both (Coll.comm) that its collectives use. */
export interface InterGroups {
  /** local[r]: position of local rank r; remote[r]: of remote rank r. */
  local: number[];
  remote: number[];
}

/** The handle a schedule works through: its communicator, tag, messages, memories. */
export class Coll {
  readonly me: number;
  readonly n: number;
  private readonly twin: Communicator;
  private readonly rank: MpiRank;

  constructor(
    private readonly owner: Collectives, private readonly run: Running, readonly comm: Communicator, readonly tag: number,
    /** Set for an intercommunicator's collective (comm is then both groups). */
    readonly inter?: InterGroups,
  ) {
    this.rank = owner.rank;
    this.me = comm.rank;
    this.n = comm.worldRanks.length;
    this.twin = owner.twin(comm);
  }

  layout(): HostLayout {
    return this.owner.layout(this.comm);
  }

  /** Records the collective's error (the first one wins); the schedule goes on so the peers are not stranded. */
  fail(errorClass: number, problem: string): void {
    this.owner.fail(this.run, errorClass, problem);
  }

  check(e: MpiError | undefined | number | object): void {
    if (isMpiError(e)) this.fail(e.errorClass, e.message);
  }

  private what = (verb: string, peer: number) => () => `${this.run.op.what()}: ${verb} ${peer}`;

  private count(peer: number): void {
    const w = this.comm.worldRanks[peer];
    if (this.rank.hostOf(w) !== this.rank.identity.hostId) this.rank.crossHostMessages++;
  }

  /** Sends `count` items of `type` at guest address `addr` to comm rank `peer`. */
  send(peer: number, addr: number, count: number, type: Datatype): Op {
    this.count(peer);
    return this.rank.p2p.send(this.twin, this.comm.worldRanks[peer], this.tag, addr, count, type, 'standard', this.what('send to', peer));
  }

  recv(peer: number, addr: number, count: number, type: Datatype): Op {
    return this.rank.p2p.recv(this.twin, this.comm.worldRanks[peer], this.tag, addr, count, type, this.what('receive from', peer));
  }

  /** Sends host bytes; `data` must not change until the send is done. */
  sendBytes(peer: number, data: Uint8Array): Op {
    this.count(peer);
    return this.rank.p2p.sendBytes(this.twin, this.comm.worldRanks[peer], this.tag, data, this.what('send to', peer));
  }

  recvBytes(peer: number, target: Uint8Array, offset: number, bytes: number): Op {
    return this.rank.p2p.recvBytes(this.twin, this.comm.worldRanks[peer], this.tag, target, offset, bytes, BYTE, this.what('receive from', peer));
  }

  /** This rank's memory (fresh view: memory may have grown). */
  own(): Uint8Array {
    return this.rank.mem.all();
  }

  /** The memory of comm rank r (on this host). */
  memoryOf(r: number): Uint8Array {
    return r === this.me ? this.own() : new Uint8Array(this.rank.memoryOf(this.comm.worldRanks[r]).buffer);
  }

  /** A packed host copy of `count` items of `type` at `addr`. */
  pack(addr: number, count: number, type: Datatype): Uint8Array {
    const out = new Uint8Array(count * type.size);
    const r = pack(this.own(), addr, count, type, out, 0);
    if (isMpiError(r)) throw new PackError(r.errorClass, r.message);
    return out;
  }

  unpack(src: Uint8Array, offset: number, addr: number, count: number, type: Datatype): void {
    this.check(unpack(src, offset, count * type.size, this.own(), addr, count, type));
  }

  /** Guest-to-guest copy within this rank's memory. */
  copy(saddr: number, scount: number, stype: Datatype, daddr: number, dcount: number, dtype: Datatype): void {
    const mem = this.own();
    const r = copy(mem, saddr, scount, stype, mem, daddr, dcount, dtype);
    if (isMpiError(r)) this.fail(r.errorClass, r.message);
    else if (r.truncated) this.fail(abi.MPI_ERR_TRUNCATE, 'message truncated: the receive buffer is smaller than the data sent to it');
  }
}
