// Worksharing loops: static schedules are computed by each thread alone; dynamic, guided and ordered loops
// share a dispatch buffer of the team (a chunk counter, and the next iteration allowed into `ordered`).
// Iterations are numbered 0..trip-1 here; the guest's bounds are lb + i*st.
import { OmpError } from './errors.js';
import { D, DISPATCH_BUFFERS, DISPATCH_WORDS, M } from './layout.js';
import { INT_RANGE, type IntKind, type OmpGuest } from './guest.js';
import { Sched } from './icv.js';
import type { Frame } from './frame.js';
import type { Waiting } from './wait.js';

// libomp's schedule numbers (the interface clang emits).
const enum K {
  staticChunked = 33, static = 34, dynamic = 35, guided = 36, runtime = 37, auto = 38, trapezoidal = 39,
  staticGreedy = 40, staticBalanced = 41, guidedIterative = 42, guidedAnalytical = 43, staticSteal = 44,
  staticBalancedChunked = 45, guidedSimd = 46, runtimeSimd = 47,
  ordOffset = 32, // ordered variants: 65..70
  distChunked = 91, distStatic = 92,
}
const MODIFIERS = (1 << 29) | (1 << 30); // monotonic / nonmonotonic


type Kind = 'static' | 'dynamic' | 'guided';

export interface LoopState {
  kind: Kind;
  ordered: boolean;
  trip: number;
  lb: number;
  st: number;
  chunk: number;
  nthreads: number;
  tnum: number;
  /** Word index of the team's dispatch buffer (-1: none, the thread schedules alone). */
  buffer: number;
  /** Static kinds: next chunk of this thread; team of one: whether the single chunk was handed out. */
  nextLocal: number;
  finished: boolean;
  /** Ordered loops: this thread's current iteration, and whether it already passed its ordered region. */
  ordIter: number;
  bumped: boolean;
  /**
   * Dynamic and guided kinds: the logical iterations [from, to) this host's threads hand out among themselves.
   * One host: the whole loop. A team spread over hosts: each host's share, in proportion to its threads, split
   * at chunk boundaries (no network round trip per chunk; within a host chunks go out as threads ask).
   */
  from: number;
  to: number;
  /** Threads handing out this range (the team's threads on this host). */
  handing: number;
}

function tripCount(lb: number, ub: number, st: number): number {
  if (st === 0) throw new OmpError('loop increment is zero');
  if (st > 0) return lb > ub ? 0 : Math.floor((ub - lb) / st) + 1;
  return lb < ub ? 0 : Math.floor((lb - ub) / -st) + 1;
}

/** __kmpc_for_static_init_*: this thread's bounds of a statically scheduled loop. */
export function staticInit(g: OmpGuest, f: Frame, kind: IntKind, sched: number, plast: number, plower: number, pupper: number, pstride: number, incr: number, chunk: number): void {
  const lb = g.readInt(plower, kind);
  const ub = g.readInt(pupper, kind);
  const trip = tripCount(lb, ub, incr);
  const nth = f.nthreads;
  const tid = f.tnum;
  const setLast = (v: number) => { if (plast) g.mem.setI32(plast, v); };
  if (trip === 0) {
    setLast(0);
    g.writeInt(pstride, kind, incr);
    return;
  }
  if (nth === 1) {
    setLast(1);
    g.writeInt(pstride, kind, trip * incr);
    return;
  }
  const [min, max] = INT_RANGE[kind];
  const clamp = (v: number) => Math.min(max, Math.max(min, v));
  switch (sched & ~MODIFIERS) {
    case K.static: case K.staticBalanced: case K.staticGreedy: case K.distStatic: {
      let first: number, count: number;
      if (trip <= nth) {
        first = tid;
        count = tid < trip ? 1 : 0;
        setLast(tid === trip - 1 ? 1 : 0);
      } else {
        const small = Math.floor(trip / nth), extras = trip % nth;
        first = tid * small + Math.min(tid, extras);
        count = small + (tid < extras ? 1 : 0);
        setLast(tid === nth - 1 ? 1 : 0);
      }
      if (count > 0) {
        const lo = lb + first * incr;
        g.writeInt(plower, kind, lo);
        g.writeInt(pupper, kind, lo + (count - 1) * incr);
      } else {
        // An empty share: lower beyond upper in the loop's direction, without overflowing the type.
        const past = ub + incr;
        const [lo, hi] = past >= min && past <= max ? [past, ub] : [lb, lb - incr];
        g.writeInt(plower, kind, lo);
        g.writeInt(pupper, kind, hi);
      }
      g.writeInt(pstride, kind, trip * incr);
      return;
    }
    case K.staticChunked: case K.staticBalancedChunked: case K.distChunked: {
      const c = Math.max(1, chunk);
      const span = c * incr;
      const lo = lb + tid * span;
      g.writeInt(plower, kind, clamp(lo));
      g.writeInt(pupper, kind, clamp(lo + span - incr));
      g.writeInt(pstride, kind, clamp(span * nth));
      setLast(tid === Math.floor((trip - 1) / c) % nth ? 1 : 0);
      return;
    }
    default:
      throw new OmpError(`__kmpc_for_static_init: schedule ${sched} is not a static schedule`);
  }
}

/** __kmpc_dispatch_init_*: starts a loop that is handed out chunk by chunk. */
export function dispatchInit(f: Frame, waiting: Waiting, sched: number, lb: number, ub: number, st: number, chunk: number): void {
  let s = sched & ~MODIFIERS;
  const ordered = s >= 65 && s <= 70;
  if (ordered) s -= K.ordOffset;
  let kind: Kind;
  let c = chunk;
  if (s === K.runtime || s === K.runtimeSimd) {
    const rs = f.env.runSched & 0x7fffffff;
    c = f.env.runChunk;
    kind = rs === Sched.dynamic ? 'dynamic' : rs === Sched.guided ? 'guided' : rs === Sched.auto ? 'guided' : 'static';
    if (kind === 'static' && c > 0) s = K.staticChunked; else if (kind === 'static') s = K.static;
  } else if (s === K.static || s === K.staticBalanced || s === K.staticGreedy) {
    kind = 'static';
    c = 0;
  } else if (s === K.staticChunked || s === K.staticBalancedChunked) {
    kind = 'static';
  } else if (s === K.dynamic || s === K.trapezoidal || s === K.staticSteal) {
    kind = 'dynamic';
  } else if (s === K.guided || s === K.guidedIterative || s === K.guidedAnalytical || s === K.guidedSimd || s === K.auto) {
    kind = 'guided';
  } else {
    throw new OmpError(`__kmpc_dispatch_init: unknown schedule ${sched}`);
  }
  const loop: LoopState = {
    kind, ordered, trip: tripCount(lb, ub, st), lb, st, chunk: Math.max(1, c), nthreads: f.nthreads, tnum: f.tnum,
    buffer: -1, nextLocal: 0, finished: false, ordIter: 0, bumped: false, from: 0, to: 0, handing: f.local,
  };
  loop.to = loop.trip;
  if (kind === 'static' && c === 0) loop.chunk = 0; // one balanced share per thread
  if (f.local !== f.nthreads && kind !== 'static') {
    const first = f.words![M.firstLocal], n = f.nthreads, count = f.local;
    if (kind === 'dynamic') {
      const chunks = Math.ceil(loop.trip / loop.chunk);
      loop.from = Math.floor((chunks * first) / n) * loop.chunk;
      loop.to = Math.min(loop.trip, Math.floor((chunks * (first + count)) / n) * loop.chunk);
    } else {
      loop.from = Math.floor((loop.trip * first) / n);
      loop.to = Math.floor((loop.trip * (first + count)) / n);
    }
  }
  if (f.local !== f.nthreads && ordered) {
    throw new OmpError('a loop with an ordered clause in a parallel region spread over hosts is not supported yet (--omp-spread); run without --omp-spread');
  }
  if (f.nthreads > 1 && (kind !== 'static' || ordered)) {
    if (loop.trip > 0x7fffffff) throw new OmpError(`a dynamically scheduled loop of ${loop.trip} iterations is beyond this runtime's 2^31 limit`);
    loop.buffer = acquireBuffer(f, waiting);
    f.loops++; // counts buffer users only: every instance must claim its buffer for the next to find it free
  }
  f.loop = loop;
}

function acquireBuffer(f: Frame, waiting: Waiting): number {
  const w = f.words!;
  const base = M.dispatch + (f.loops % DISPATCH_BUFFERS) * DISPATCH_WORDS;
  const id = f.loops + 1;
  const prev = Math.max(0, id - DISPATCH_BUFFERS);
  for (;;) {
    const owner = Atomics.load(w, base + D.owner);
    if (owner === id) return base;
    if (Atomics.load(w, base + D.claim) === prev && (prev === 0 || Atomics.load(w, base + D.done) === f.local) &&
        Atomics.compareExchange(w, base + D.claim, prev, id) === prev) {
      Atomics.store(w, base + D.next, 0);
      Atomics.store(w, base + D.ordered, 0);
      Atomics.store(w, base + D.done, 0);
      Atomics.store(w, base + D.owner, id);
      Atomics.notify(w, base + D.owner);
      return base;
    }
    // Wait for the claimer to reset it, or for the threads still in the loop that used it before.
    waiting.untilChanged(w, base + D.owner, owner, () => Atomics.load(w, base + D.done) === f.local || Atomics.load(w, base + D.claim) !== prev);
  }
}

/** __kmpc_dispatch_next_*: the next chunk [first, end) of iterations, or undefined when the loop is done. */
export function dispatchNext(f: Frame): [number, number] | undefined {
  const loop = f.loop;
  if (!loop || loop.finished) return undefined;
  const range = nextRange(f, loop);
  if (!range) {
    finishLoop(f, loop);
    return undefined;
  }
  if (loop.ordered) {
    loop.ordIter = range[0];
    loop.bumped = false;
  }
  return range;
}

function nextRange(f: Frame, loop: LoopState): [number, number] | undefined {
  const { trip, nthreads: nth, tnum } = loop;
  if (trip === 0) return undefined;
  if (nth === 1) {
    if (loop.nextLocal++ > 0) return undefined;
    return [0, trip];
  }
  const w = f.words!;
  switch (loop.kind) {
    case 'static': {
      if (loop.chunk === 0) { // balanced: one share
        if (loop.nextLocal++ > 0) return undefined;
        if (trip <= nth) return tnum < trip ? [tnum, tnum + 1] : undefined;
        const small = Math.floor(trip / nth), extras = trip % nth;
        const first = tnum * small + Math.min(tnum, extras);
        return [first, first + small + (tnum < extras ? 1 : 0)];
      }
      const first = (tnum + loop.nextLocal++ * nth) * loop.chunk;
      return first < trip ? [first, Math.min(trip, first + loop.chunk)] : undefined;
    }
    case 'dynamic': {
      const k = Atomics.add(w, loop.buffer + D.next, 1);
      const first = loop.from + k * loop.chunk;
      return first < loop.to ? [first, Math.min(loop.to, first + loop.chunk)] : undefined;
    }
    case 'guided': {
      for (;;) {
        const done = Atomics.load(w, loop.buffer + D.next);
        const first = loop.from + done;
        if (first >= loop.to) return undefined;
        const remaining = loop.to - first;
        const size = Math.min(remaining, Math.max(loop.chunk, Math.ceil(remaining / (2 * loop.handing))));
        if (Atomics.compareExchange(w, loop.buffer + D.next, done, done + size) === done) return [first, first + size];
      }
    }
  }
}

function finishLoop(f: Frame, loop: LoopState): void {
  if (loop.finished) return;
  loop.finished = true;
  if (loop.buffer >= 0) {
    const w = f.words!;
    Atomics.add(w, loop.buffer + D.done, 1);
    Atomics.notify(w, loop.buffer + D.owner);
  }
}

/** __kmpc_dispatch_deinit: the thread leaves the loop (it may not have asked for the last chunk). */
export function dispatchDeinit(f: Frame): void {
  if (f.loop) finishLoop(f, f.loop);
  f.loop = undefined;
}

/** __kmpc_ordered: waits until every earlier iteration has passed its ordered region. */
export function orderedBegin(f: Frame, waiting: Waiting): void {
  const loop = f.loop;
  if (!loop || !loop.ordered || loop.buffer < 0) return;
  const w = f.words!;
  const idx = loop.buffer + D.ordered;
  for (let v = Atomics.load(w, idx); v !== loop.ordIter; v = Atomics.load(w, idx)) {
    if (v > loop.ordIter) throw new OmpError('ordered region entered twice in one iteration');
    waiting.untilChanged(w, idx, v);
  }
}

export function orderedEnd(f: Frame): void {
  const loop = f.loop;
  if (!loop || !loop.ordered || loop.buffer < 0) return;
  const w = f.words!;
  Atomics.store(w, loop.buffer + D.ordered, loop.ordIter + 1);
  Atomics.notify(w, loop.buffer + D.ordered);
  loop.bumped = true;
}

/** __kmpc_dispatch_fini_*: end of one iteration of an ordered loop (passes the turn on if it had no ordered region). */
export function dispatchFini(f: Frame, waiting: Waiting): void {
  const loop = f.loop;
  if (!loop || !loop.ordered) return;
  if (!loop.bumped && loop.buffer >= 0) {
    orderedBegin(f, waiting);
    orderedEnd(f);
  }
  loop.ordIter++;
  loop.bumped = false;
}

/** Guest bounds of iterations [first, end). */
export function bounds(loop: LoopState, range: [number, number]): [number, number] {
  return [loop.lb + range[0] * loop.st, loop.lb + (range[1] - 1) * loop.st];
}

export function isLast(loop: LoopState, range: [number, number]): boolean {
  return range[1] === loop.trip;
}
