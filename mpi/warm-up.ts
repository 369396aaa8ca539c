// Warms the runtime's MPI JS before a job needs it (issue 14). A fresh job's first ~3,000 MPI calls are slow
// (an 8-byte Allreduce: ~350 us for calls 11-100, ~60 us up to call 3000, 5-10 us after) while V8 optimises the
// MPI paths, on background threads that take cores from the spinning ranks (the ranks never slept there). And
// it is not only a first-job cost: V8 specialises optimised code to the objects it saw (one job's closures, maps,
// feedback cells), so the next job in the same worker deoptimised and paid again; only a worker's 3rd or 4th job
// ran its first calls at full speed. So an idle worker of a long-running host drives the hot MPI paths through
// several successive private jobs: two simulated ranks, each a full MPI host module (the same code a guest calls)
// on its own scratch memory and private channels, all driven by this one thread. Nothing of a real job is touched.
//
// A blocking call on one simulated rank cannot wait for the other (one thread): the other rank starts its part
// nonblocking first, and each rank's progress drives its partner's progress now and then, so the blocking side's
// wait ends after a few polls - through the same spin path a real wait takes.
import * as abi from './abi.js';
import { MPI_DOUBLE, MPI_INT } from './datatypes/handles.js';
import { mpiFunctions } from './module.js';
import { MpiRank } from './rank.js';
import { JobChannels } from './transport/job-channels.js';
import { HostLoad } from './transport/host-load.js';

/** Scratch memory layout of each simulated rank (byte addresses in its one page). */
const FLAG = 64, REQ = 128, REQS = 192, STATUS = 256, SEND = 1024, RECV = 2048, PAGE = 65536;
const TAG = 7;
const WORLD = abi.MPI_COMM_WORLD;
/** The partner moves only on every PARTNER_EVERY-th poll, so blocking calls poll (spin) a few times first. */
const PARTNER_EVERY = 3;

export interface MpiWarmUpOptions {
  /** Warm up at most this long (or at least `steps` steps)... */
  maxMs: number;
  steps?: number;
  /** ...unless this says stop (e.g. work has arrived); asked between rounds. */
  interrupt?: () => boolean;
}

/** Thrown when a simulated rank would sleep: nothing in the private job may ever block this thread. */
class WarmUpStuck extends Error {}

type Fns = Record<string, (...args: number[]) => number>;

interface SimRank {
  index: number;
  f: Fns;
  view: DataView;
}

/**
 * A private two-rank job, made once per thread and kept (its optimised code and its shapes are what later jobs
 * reuse; it costs two wasm pages and two small inboxes).
 */
export class MpiWarmUp {
  /** The steps of one round: each a few MPI calls, first with rank 0 blocking, then with rank 1. */
  private readonly steps: (() => void)[];
  private next = 0;
  rounds = 0;

  constructor() {
    const size = 2;
    const channels = JobChannels.create(size, 64 * 1024, false); // its ranks pair blocking with nonblocking calls: messages only
    const memories = Array.from({ length: size }, () =>
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor));
    const hostLoad = HostLoad.create().buffer;
    const onBlock = (): never => { throw new WarmUpStuck('a simulated rank would sleep'); };
    const made = memories.map((memory, index) => {
      const rank = new MpiRank({ groupId: 'mpi-warm-up', index, size, hostId: '' }, () => memory, () => ({}),
        { channels: channels.handle, memories, hostLoad, onBlock });
      return { index, f: mpiFunctions(rank) as Fns, view: new DataView(memory.buffer), rank };
    });
    // Each rank's progress drives its partner's (not re-entrantly), on every PARTNER_EVERY-th poll.
    let driving = false;
    made.forEach((me, i) => {
      const partner = made[1 - i].rank;
      let polls = 0;
      me.rank.p2p.progressHooks.push(() => {
        if (driving || ++polls % PARTNER_EVERY !== 0) return;
        driving = true;
        try {
          partner.p2p.progress();
        } finally {
          driving = false;
        }
      });
    });
    for (const r of made) check(r.f.MPI_Init(0, 0), 'MPI_Init');
    this.steps = [...stepsOf(made[0], made[1]), ...stepsOf(made[1], made[0])];
  }

  /**
   * Runs steps until maxMs has passed or interrupt() says stop (both asked between steps, so a cold first step
   * is the longest it overruns); returns the rounds completed by this call.
   */
  run(options: MpiWarmUpOptions): number {
    if (this.broken !== undefined) return 0;
    const start = performance.now();
    const before = this.rounds;
    let steps = options.steps ?? 0;
    try {
      while (!options.interrupt?.() && (steps-- > 0 || performance.now() - start < options.maxMs)) {
        this.steps[this.next]();
        if (++this.next === this.steps.length) {
          this.next = 0;
          this.rounds++;
        }
      }
    } catch (e) {
      // A step that would block or went wrong is a defect of the warm-up, never of a job: stop warming for good.
      if (!(e instanceof WarmUpStuck) && !(e instanceof WarmUpMismatch)) throw e;
      this.broken = e.message;
    }
    return this.rounds - before;
  }

  /** Why the warm-up stopped for good, if it did (for tests). */
  broken?: string;
}

/** The steps of a round with `a` blocking where a call blocks, `b` starting its part first. */
function stepsOf(a: SimRank, b: SimRank): (() => void)[] {
  const av = a.view, bv = b.view;
  /** b starts the nonblocking form, a runs the blocking one (its wait drives b), b waits. */
  const collective = (name: string, start: () => number, blocking: () => number) => {
    check(start(), `I${name}`);
    check(blocking(), name);
    check(b.f.MPI_Wait(REQ, abi.MPI_STATUS_IGNORE), `MPI_Wait (${name})`);
  };
  return [
    () => {
      // Eager blocking send and receive: the send completes when pushed.
      bv.setFloat64(SEND, 1.5, true);
      check(b.f.MPI_Send(SEND, 1, MPI_DOUBLE, a.index, TAG, WORLD), 'MPI_Send');
      check(a.f.MPI_Recv(RECV, 1, MPI_DOUBLE, b.index, TAG, WORLD, STATUS), 'MPI_Recv');
      expect(av.getFloat64(RECV, true), 1.5, 'MPI_Recv');
    },
    () => {
      // Nonblocking pairs, completed by Test, Wait and Waitall.
      check(a.f.MPI_Irecv(RECV, 4, MPI_INT, b.index, TAG, WORLD, REQ), 'MPI_Irecv');
      check(b.f.MPI_Isend(SEND, 4, MPI_INT, a.index, TAG, WORLD, REQ), 'MPI_Isend');
      check(b.f.MPI_Wait(REQ, abi.MPI_STATUS_IGNORE), 'MPI_Wait');
      check(a.f.MPI_Test(REQ, FLAG, STATUS), 'MPI_Test');
      if (av.getInt32(FLAG, true) === 0) check(a.f.MPI_Wait(REQ, STATUS), 'MPI_Wait');
    },
    () => {
      for (const [r, peer] of [[b, a], [a, b]] as const) {
        check(r.f.MPI_Irecv(RECV, 1, MPI_DOUBLE, peer.index, TAG, WORLD, REQS), 'MPI_Irecv');
        check(r.f.MPI_Isend(SEND, 1, MPI_DOUBLE, peer.index, TAG, WORLD, REQS + 4), 'MPI_Isend');
      }
      check(a.f.MPI_Waitall(2, REQS, abi.MPI_STATUSES_IGNORE), 'MPI_Waitall');
      check(b.f.MPI_Waitall(2, REQS, abi.MPI_STATUSES_IGNORE), 'MPI_Waitall');
    },
    () => {
      // Probe, then receive what was probed.
      check(b.f.MPI_Send(SEND, 2, MPI_INT, a.index, TAG, WORLD), 'MPI_Send');
      check(a.f.MPI_Iprobe(abi.MPI_ANY_SOURCE, abi.MPI_ANY_TAG, WORLD, FLAG, STATUS), 'MPI_Iprobe');
      check(a.f.MPI_Probe(b.index, TAG, WORLD, STATUS), 'MPI_Probe');
      check(a.f.MPI_Recv(RECV, 2, MPI_INT, abi.MPI_ANY_SOURCE, abi.MPI_ANY_TAG, WORLD, abi.MPI_STATUS_IGNORE), 'MPI_Recv');
    },
    () => {
      // Sendrecv (a halo exchange): b's side nonblocking.
      check(b.f.MPI_Irecv(RECV, 4, MPI_DOUBLE, a.index, TAG, WORLD, REQS), 'MPI_Irecv');
      check(b.f.MPI_Isend(SEND, 4, MPI_DOUBLE, a.index, TAG, WORLD, REQS + 4), 'MPI_Isend');
      check(a.f.MPI_Sendrecv(SEND, 4, MPI_DOUBLE, b.index, TAG, RECV, 4, MPI_DOUBLE, b.index, TAG, WORLD, STATUS), 'MPI_Sendrecv');
      check(b.f.MPI_Waitall(2, REQS, abi.MPI_STATUSES_IGNORE), 'MPI_Waitall');
    },
    () => collective('MPI_Barrier', () => b.f.MPI_Ibarrier(WORLD, REQ), () => a.f.MPI_Barrier(WORLD)),
    () => {
      av.setFloat64(SEND, 2, true);
      bv.setFloat64(SEND, 3, true);
      collective('MPI_Allreduce',
        () => b.f.MPI_Iallreduce(SEND, RECV, 1, MPI_DOUBLE, abi.MPI_SUM, WORLD, REQ),
        () => a.f.MPI_Allreduce(SEND, RECV, 1, MPI_DOUBLE, abi.MPI_SUM, WORLD));
      expect(av.getFloat64(RECV, true), 5, 'MPI_Allreduce');
      expect(bv.getFloat64(RECV, true), 5, 'MPI_Iallreduce');
    },
    () => collective('MPI_Allreduce',
      () => b.f.MPI_Iallreduce(SEND, RECV, 4, MPI_INT, abi.MPI_MAX, WORLD, REQ),
      () => a.f.MPI_Allreduce(SEND, RECV, 4, MPI_INT, abi.MPI_MAX, WORLD)),
    () => {
      av.setFloat64(SEND + 8, 1, true);
      bv.setFloat64(SEND + 8, 1, true);
      collective('MPI_Allreduce',
        () => b.f.MPI_Iallreduce(abi.MPI_IN_PLACE, SEND, 2, MPI_DOUBLE, abi.MPI_SUM, WORLD, REQ),
        () => a.f.MPI_Allreduce(abi.MPI_IN_PLACE, SEND, 2, MPI_DOUBLE, abi.MPI_SUM, WORLD));
    },
    () => collective('MPI_Bcast',
      () => b.f.MPI_Ibcast(RECV, 2, MPI_DOUBLE, a.index, WORLD, REQ),
      () => a.f.MPI_Bcast(RECV, 2, MPI_DOUBLE, a.index, WORLD)),
    () => collective('MPI_Reduce',
      () => b.f.MPI_Ireduce(SEND, RECV, 1, MPI_DOUBLE, abi.MPI_SUM, a.index, WORLD, REQ),
      () => a.f.MPI_Reduce(SEND, RECV, 1, MPI_DOUBLE, abi.MPI_SUM, a.index, WORLD)),
    () => collective('MPI_Allgather',
      () => b.f.MPI_Iallgather(SEND, 1, MPI_INT, RECV, 1, MPI_INT, WORLD, REQ),
      () => a.f.MPI_Allgather(SEND, 1, MPI_INT, RECV, 1, MPI_INT, WORLD)),
    () => collective('MPI_Alltoall',
      () => b.f.MPI_Ialltoall(SEND, 2, MPI_INT, RECV, 2, MPI_INT, WORLD, REQ),
      () => a.f.MPI_Alltoall(SEND, 2, MPI_INT, RECV, 2, MPI_INT, WORLD)),
  ];
}

class WarmUpMismatch extends Error {}

function check(code: number, fn: string): void {
  if (code !== abi.MPI_SUCCESS) throw new WarmUpMismatch(`${fn} returned ${code}`);
}

function expect(got: number, want: number, fn: string): void {
  if (got !== want) throw new WarmUpMismatch(`${fn} gave ${got}, not ${want}`);
}

// Keep the layout within the one page of scratch memory.
if (RECV + 4096 > PAGE) throw new Error('MPI warm-up: scratch layout exceeds its page');

/** Default of FAASMPI_MPI_WARMUP_MS (see WorkerWarmUp). */
const DEFAULT_BUDGET_MS = 3000;
/**
 * Rounds of one private job before the next replaces it. V8 optimises for the objects it has seen: code
 * optimised during one job inlines that job's closures and checks its objects' maps, so the next job's first
 * calls deoptimise and run unoptimised until V8 has optimised them again, for more generic code (a fresh worker
 * needed 3 jobs before a job's first calls ran at full speed). A few successive private jobs leave code that
 * fits any job. V8 had optimised every hot path after 130-620 rounds here (test/mpi-warm.test.ts checks it).
 */
const ROUNDS_PER_JOB = 300;
/** Private jobs per worker; counted in rounds, not time: V8 optimises after so many runs, however slow. */
const JOBS = 5;
const ENOUGH_ROUNDS = ROUNDS_PER_JOB * JOBS;
/** Longest idle run between two looks at the event loop (a task that arrives meanwhile waits about this long). */
const IDLE_RUN_MS = 2;
/**
 * Idle time before warming starts (after the worker starts or a task ends): a fresh job's workers get their
 * first task within ~100-200 ms, while the host's thread still loads and compiles, and the later ranks of a job
 * with more ranks than cores come soon after; warming then took cores from them (launch to end of MPI_Init
 * +57 ms at 2 ranks, launch to exit 0.84 -> 1.70 s at 8). A long-running host's idle workers still warm up.
 */
const IDLE_BEFORE_MS = 500;

/**
 * A worker thread's MPI warm-up, until ENOUGH_ROUNDS rounds or FAASMPI_MPI_WARMUP_MS of warm-up time (0 turns
 * it off), run only while the thread has had no task for IDLE_BEFORE_MS and, once the host's load is known (from
 * a task), while a core is idle: in short runs on the event loop (setImmediate), so a task message is taken
 * between two runs. (Steps inside a rank's spinning waits were tried for fresh jobs, whose
 * workers get their first task ~100 ms after starting: each wait then ended a step late, and calls 101-3000 of
 * an 8-byte Allreduce got 2.5-3.5x slower.)
 */
export class WorkerWarmUp {
  private job: MpiWarmUp | undefined;
  private spent = 0;
  private readonly limit: number;
  private idle = true;
  private scheduled = false;
  private idleTimer: NodeJS.Timeout | undefined;
  /** The host's load (given by the pool, or named by a task): warming waits while the host runs a job. */
  private load: HostLoad | undefined;

  private readonly idleBeforeMs: number;

  /** budget: FAASMPI_MPI_WARMUP_MS; idleBefore: FAASMPI_MPI_WARMUP_IDLE_MS (default IDLE_BEFORE_MS). */
  constructor(budget: string | undefined, idleBefore?: string, hostLoad?: SharedArrayBuffer) {
    this.limit = msSetting(budget, DEFAULT_BUDGET_MS);
    this.idleBeforeMs = msSetting(idleBefore, IDLE_BEFORE_MS);
    if (hostLoad) this.load = new HostLoad(hostLoad);
    this.afterIdle();
  }

  get rounds(): number {
    return this.finishedRounds + (this.job?.rounds ?? 0);
  }

  /** Warm-up time spent so far (ms). */
  get ms(): number {
    return this.spent;
  }

  /** Why the warm-up stopped by itself, if it did. */
  broken?: string;
  private finishedRounds = 0;

  get done(): boolean {
    return this.spent >= this.limit || this.rounds >= ENOUGH_ROUNDS || this.broken !== undefined;
  }

  /** The thread has a task now (of the host whose load is `hostLoad`, if known): no idle runs until it ends. */
  busy(hostLoad?: SharedArrayBuffer): void {
    this.idle = false;
    clearTimeout(this.idleTimer);
    if (hostLoad && this.load?.buffer !== hostLoad) this.load = new HostLoad(hostLoad);
  }

  /** The task has ended: idle runs go on, after a while, while budget is left. */
  resume(): void {
    this.idle = true;
    this.afterIdle();
  }

  private afterIdle(): void {
    if (this.done) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.schedule(), this.idleBeforeMs).unref();
  }

  private schedule(): void {
    if (this.scheduled || this.done || !this.idle) return;
    // Not while the host runs a job, even with cores idle: its ranks sleep while they wait for other hosts, and
    // a slice here delays their wake-ups and the host's network thread (2-host 8 B ping-pong 330 -> 600 us).
    if (this.load && (this.load.jobsRunning() > 0 || !this.load.hasIdleCore())) {
      this.afterIdle(); // look again later
      return;
    }
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.idle) return;
      this.work({ maxMs: IDLE_RUN_MS, interrupt: () => !this.idle });
      this.schedule();
    });
  }

  private work(options: MpiWarmUpOptions): void {
    if (this.done) return;
    const t = performance.now();
    try {
      if (this.job && this.job.rounds >= ROUNDS_PER_JOB) {
        this.finishedRounds += this.job.rounds;
        this.job = undefined;
      }
      const job = (this.job ??= new MpiWarmUp());
      job.run({ ...options, maxMs: Math.min(options.maxMs, this.limit - this.spent) });
      this.broken = job.broken;
    } finally {
      this.spent += performance.now() - t;
    }
    if (this.done && this.job) {
      // Its two shared memories each reserve gigabytes of address space: let them go.
      this.finishedRounds += this.job.rounds;
      this.job = undefined;
    }
  }
}

/** A setting in milliseconds: absent or not a number >= 0 gives the default; at most a minute. */
function msSetting(value: string | undefined, otherwise: number): number {
  const ms = value === undefined || value === '' ? NaN : Number(value);
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 60_000) : otherwise;
}
