// Warms the runtime's JS before a program needs it. V8 runs new JS in its interpreter and optimises it only after
// many calls, on a background thread; in a fresh job the first thousands of regions paid for that (a fork cost
// ~150 us for the first 100, ~9 us for the next 20,000, ~2 us after), and with every core busy spinning the
// optimiser got no core at all. So each thread Faaslet, before it runs anything (main before main, a pool
// thread before its first team), drives the hot entry points - fork, join and explicit barriers, static loops,
// single, critical, locks, reductions - through a private OpenMP process on a private scratch memory: the
// guest's memory, table and threads are never touched. The team has a second member that never runs: the
// warm-up arrives at barriers and reductions on its behalf, so nothing ever waits.
import { createOmpModule } from './module.js';
import { answerThreadRequest } from './process.js';
import { BARRIER_GEN, M, ShareState, T, threadWord } from './layout.js';

/** Scratch memory layout (byte addresses). */
const LOCK = 64, CRIT = 128, LAST = 256, LOWER = 260, UPPER = 264, STRIDE = 268, REDUCE = 512, HEAP = 4096;
const PAGE = 65536;
/** Stacks the warm-up team asks for are never used: any address past the scratch memory will do. */
const FAKE_STACK_BASE = 1 << 24;
const KMP_SCHED_STATIC = 34;
/** Regions per round (a few hundred microseconds before V8 optimises them); the options are checked between rounds. */
const ROUND = 8;
/** Rounds per episode on one fresh module (see warmUp). */
const EPISODE_ROUNDS = 16;

export interface WarmUpOptions {
  /** Warm up at least this long (unless interrupted)... */
  minMs: number;
  /** ...then until enough() says so, at most this long. */
  maxMs: number;
  enough?: () => boolean;
  /** Stop at once (e.g. work has arrived). */
  interrupt?: () => boolean;
}

/** Runs synthetic regions as the options say; returns how many. */
export function warmUp(options: WarmUpOptions): number {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
  const start = performance.now();
  const more = () => {
    if (options.interrupt?.()) return false;
    const ms = performance.now() - start;
    return ms < options.minMs || (ms < options.maxMs && !(options.enough?.() ?? true));
  };
  const cell = new Int32Array(new SharedArrayBuffer(4));
  let regions = 0;
  // Each episode is a fresh OpenMP thread and process, as a job starts with: the paths a job runs once at its
  // start (its first fork, team slot, scratch block, memory views) then also run once V8 keeps feedback for the
  // runtime's functions (it starts to only after a few calls), and the optimised code does not deoptimise on them.
  if (!more()) return 0;
  for (;;) {
    const e = episode(memory, cell, more);
    regions += e.regions;
    if (e.done) return regions;
  }
}

/** One fresh OpenMP module on the scratch memory: up to EPISODE_ROUNDS rounds; done once more() says so. */
function episode(memory: WebAssembly.Memory, cell: Int32Array, more: () => boolean): { regions: number; done: boolean } {
  new Uint8Array(memory.buffer).fill(0);
  let heap = HEAP;
  const alloc = (align: number, size: number): number => {
    if (size > PAGE / 4) return FAKE_STACK_BASE;
    heap = Math.ceil(heap / align) * align;
    const p = heap;
    heap += size;
    if (heap > PAGE) throw new Error('OpenMP warm-up: scratch memory exhausted');
    return p;
  };
  const microtasks: Function[] = [];
  const exports: WebAssembly.Exports = {
    __indirect_function_table: { get: (i: number) => microtasks[i] } as unknown as WebAssembly.Table,
    faasmpi_omp_alloc: alloc as unknown as WebAssembly.ExportValue,
    faasmpi_omp_free: (() => {}) as unknown as WebAssembly.ExportValue,
    __tls_size: new WebAssembly.Global({ value: 'i32', mutable: false }, 0),
    __tls_align: new WebAssembly.Global({ value: 'i32', mutable: false }, 16),
  };
  const omp = createOmpModule({
    identity: { groupId: 'warm-up', index: 0, size: 1, hostId: '' },
    env: ['OMP_NUM_THREADS=2'], // the default wait policy: its spin path is the one real waits take
    memory: () => memory,
    exports: () => exports,
    thread: { gtid: 0, requestThreads: (process, slots) => answerThreadRequest(process, slots.length) },
    stderr: () => {},
  });
  const f = omp.functions;
  const words = () => omp.thread().frame.words!;
  /** The silent member arrives at the current team's barrier, so this thread's arrival releases it. */
  const partnerArrives = () => {
    const w = words();
    const v = Atomics.load(w, M.barrier);
    if ((v & (BARRIER_GEN - 1)) !== 0) throw new Error('OpenMP warm-up: barrier out of step');
    Atomics.add(w, M.barrier, 1);
  };
  const barrier = () => {
    partnerArrives();
    f.__kmpc_barrier(0, 0);
  };
  const view = new Int32Array(memory.buffer);
  const combine = (lhs: number, rhs: number) => { view[lhs >> 2] += view[rhs >> 2]; };

  /** The silent member takes its share (as a real one does on waking), so the forker never runs it. */
  const partnerTakesShare = () => {
    const share = threadWord(words()[M.members + 1], T.share);
    Atomics.compareExchange(omp.thread().processState!.words, share, ShareState.offered, ShareState.taken);
  };
  const empty = (_gtid: number, _btid: number) => {
    partnerTakesShare();
    partnerArrives();
  };
  const constructs = (gtidPtr: number, _btid: number, arg: number) => {
    const gtid = view[gtidPtr >> 2];
    partnerTakesShare();
    // omp for: static schedule over 100 iterations, then its barrier
    view[LOWER >> 2] = 0;
    view[UPPER >> 2] = 99 + arg;
    f.__kmpc_for_static_init_4(0, gtid, KMP_SCHED_STATIC, LAST, LOWER, UPPER, STRIDE, 1, 1);
    f.__kmpc_for_static_fini(0, gtid);
    barrier();
    // single (this thread always wins it), then its barrier
    if (f.__kmpc_single(0, gtid)) f.__kmpc_end_single(0, gtid);
    barrier();
    // critical and a lock
    f.__kmpc_critical(0, gtid, CRIT);
    f.__kmpc_end_critical(0, gtid, CRIT);
    f.omp_set_lock(LOCK);
    f.omp_unset_lock(LOCK);
    // reductions (nowait, as parallel regions use, and blocking, as worksharing loops do): the silent member's
    // partial result is already there
    const w = words();
    for (const nowait of [true, false]) {
      view[REDUCE >> 2] = 1;
      view[(REDUCE + 16) >> 2] = 1;
      Atomics.store(w, M.reduceData + 1, REDUCE + 16);
      Atomics.add(w, M.reduceArrived, 1);
      if (nowait) {
        if (f.__kmpc_reduce_nowait(0, gtid, 1, 4, REDUCE, 3, CRIT) === 1) f.__kmpc_end_reduce_nowait(0, gtid, CRIT);
      } else if (f.__kmpc_reduce(0, gtid, 1, 4, REDUCE, 3, CRIT) === 1) {
        f.__kmpc_end_reduce(0, gtid, CRIT);
      }
    }
    f.omp_get_thread_num();
    f.omp_get_num_threads();
    partnerArrives(); // the join barrier
  };
  microtasks[1] = empty;
  microtasks[2] = constructs;
  microtasks[3] = combine;
  f.omp_init_lock(LOCK);

  const args = alloc(4, 4);
  view[args >> 2] = 0;
  // The regions above never wait (the silent member has always arrived): a wait that ends after some spinning
  // gives the spin path its type feedback, or V8 would optimise it blind and throw that code away at the first
  // real wait, again and again.
  const waiting = omp.thread().waiting;
  let regions = 0;
  let done = false;
  for (let round = 0; round < EPISODE_ROUNDS && !done; round++) {
    for (let i = 0; i < ROUND; i++) {
      f.__kmpc_fork_call(0, 0, 1, 0);
      f.__kmpc_fork_call(0, 1, 2, args);
    }
    let spins = 0;
    waiting.untilChanged(cell, 0, 0, () => ++spins > 300, () => false);
    regions += 2 * ROUND;
    done = !more();
  }
  omp.thread().processState?.shutdown();
  return { regions, done };
}
