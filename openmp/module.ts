// The faasmpi_omp host module: the entry points clang emits for OpenMP (__kmpc_*) and the omp_* API, over the
// calling thread's OmpThread. Every instance (the main Faaslet and each thread Faaslet) gets its own module;
// what the threads share lives in the process state (layout.ts) and in guest memory.
import { OmpError } from './errors.js';
import type { FaasletIdentity, HostModule, HostModuleSpec } from '../host-interface/types.js';
import { JobAbort } from '../host-interface/types.js';
import { HostLoad } from '../mpi/transport/host-load.js';
import { OmpGuest, type IntKind } from './guest.js';
import { initialIcvs, Sched, SCHED_MONOTONIC } from './icv.js';
import { MAX_LEVELS, P, T, threadWord } from './layout.js';
import { bounds, dispatchDeinit, dispatchFini, dispatchInit, dispatchNext, isLast, orderedBegin, orderedEnd, staticInit } from './loops.js';
import { OmpProcess, type ThreadRequester } from './process.js';
import { OmpThread } from './thread.js';
import { UNSUPPORTED_OMP } from './unsupported.js';
import { Waiting, waitPolicyFrom } from './wait.js';
import { warmUp } from './warm-up.js';
import { SpreadMain, type SpreadReplica } from './spread/hub.js';
import { PortTeamLink, type TeamLinkInit } from './spread/port-link.js';

export const OMP_MODULE_NAME = 'faasmpi_omp';

/** Which OpenMP thread an instance is. */
export interface OmpThreadConfig {
  gtid: number;
  /** Pool threads: the process state and their scratch block. */
  process?: SharedArrayBuffer;
  scratch?: number;
  /** The main thread: how to get more threads from the host. */
  requestThreads?: ThreadRequester;
  /** --omp-spread: the main thread's link to the job's other hosts, or a replica host's thread that serves them. */
  spread?: SpreadConfig;
}

export type SpreadConfig =
  | { role: 'main'; link: TeamLinkInit; hosts: string[]; maxMemoryBytes: number; verbose: boolean }
  | { role: 'replica'; replica: SpreadReplica };

export interface OmpContext {
  identity: FaasletIdentity;
  env: string[];
  memory: () => WebAssembly.Memory;
  exports: () => WebAssembly.Exports;
  hostLoad?: SharedArrayBuffer;
  thread?: OmpThreadConfig;
  /** Where #pragma omp error messages go. */
  stderr: (text: string) => void;
}

const WTIME_ORIGIN = process.hrtime.bigint();

function fence(): void {
  Atomics.load(FENCE, 0); // a sequentially consistent access orders memory like a full fence
}
const FENCE = new Int32Array(new SharedArrayBuffer(4));

export interface OmpModule extends HostModule {
  /** The instance's OpenMP thread (created on first use). */
  thread(): OmpThread;
  /** The thread, if the program used OpenMP at all. */
  existing(): OmpThread | undefined;
  /**
   * Before the instance's first work (main, or a pool thread's first team): the main thread asks for the
   * threads its first region will want (see OmpThread.prestart); both warm the runtime's JS (warm-up.ts).
   */
  prestart(): void;
  /** The OpenMP thread whose share of a region this instance runs now, for a late member (0: its own work). */
  actingThread(): number;
}

export function createOmpModule(ctx: OmpContext): OmpModule {
  const st = new ModuleThread(() => {
    const env = new Map(ctx.env.map((kv) => { const i = kv.indexOf('='); return [kv.slice(0, i), kv.slice(i + 1)] as [string, string]; }));
    const icvs = initialIcvs(env);
    const cfg = ctx.thread ?? { gtid: 0 };
    const load = ctx.hostLoad ? new HostLoad(ctx.hostLoad) : HostLoad.create();
    const sp = cfg.spread;
    const spreadMain = sp?.role === 'main' ? new SpreadMain({
      link: new PortTeamLink(sp.link), hosts: sp.hosts, memory: ctx.memory, maxMemoryBytes: sp.maxMemoryBytes, rank: ctx.identity.index,
      verbose: sp.verbose ? (line) => ctx.stderr(`faasmpirun: ${line}\n`) : undefined,
    }) : undefined;
    const spreadReplica = sp?.role === 'replica' ? sp.replica : undefined;
    return new OmpThread({
      spreadMain, spreadReplica,
      gtid: cfg.gtid, env: icvs.data, global: icvs.global, waiting: new Waiting(load, waitPolicyFrom(env)),
      guest: new OmpGuest(ctx.memory, ctx.exports), process: cfg.process ? new OmpProcess(cfg.process) : undefined,
      scratch: cfg.scratch, requestThreads: cfg.requestThreads, rank: ctx.identity.index,
      lateShares: env.get('FAASMPI_OMP_LATE_SHARES') !== '0',
    });
  });
  const thread = (): OmpThread => st.thread();
  const g = () => st.thread().guest;
  const where = () => { const t = st.existing; return `rank ${ctx.identity.index}${t && t.gtid > 0 ? ` OpenMP thread ${t.gtid}` : ''}`; };
  let defaultAllocator = 1;

  const staticInitFor = (kind: IntKind) => (_loc: number, _gtid: number, sched: number, plast: number, plower: number, pupper: number, pstride: number, incr: number | bigint, chunk: number | bigint) =>
    staticInit(st.thread().guest, st.thread().frame, kind, sched, plast, plower, pupper, pstride, Number(incr), Number(chunk));
  const dispatchInitFor = (kind: IntKind) => (_loc: number, _gtid: number, sched: number, lb: number | bigint, ub: number | bigint, stride: number | bigint, chunk: number | bigint) => {
    const th = st.thread();
    const conv = (v: number | bigint) => (typeof v === 'bigint' ? toNumber(v, kind) : kind === '4u' ? v >>> 0 : v);
    dispatchInit(th.frame, th.waiting, sched, conv(lb), conv(ub), typeof stride === 'bigint' ? Number(BigInt.asIntN(64, stride)) : stride, Number(chunk));
  };
  const dispatchNextFor = (kind: IntKind) => (_loc: number, _gtid: number, plast: number, plb: number, pub: number, pst: number) => {
    const th = st.thread();
    const f = th.frame;
    const range = dispatchNext(f);
    if (!range) return 0;
    const loop = f.loop!;
    const [lo, hi] = bounds(loop, range);
    const gg = th.guest;
    gg.writeInt(plb, kind, lo);
    gg.writeInt(pub, kind, hi);
    if (pst) gg.writeInt(pst, kind, loop.st);
    if (plast) gg.mem.setI32(plast, isLast(loop, range) ? 1 : 0);
    return 1;
  };
  const dispatchFiniAny = () => dispatchFini(st.thread().frame, st.thread().waiting);

  const allocate = (size: number, align: number) => (size === 0 ? 0 : g().alloc(size, Math.max(align, 16)));
  const callocate = (n: number, size: number, align: number) => {
    const bytes = n * size;
    const p = allocate(bytes, align);
    if (p) g().mem.bytes(p, bytes).fill(0);
    return p;
  };

  const functions: Record<string, (...a: any[]) => any> = {
    // ---- environment and fork/join
    __kmpc_begin: () => {},
    __kmpc_end: () => {},
    __kmpc_global_thread_num: () => st.thread().gtid,
    __kmpc_global_num_threads: () => 1 + (st.thread().processState?.startedThreads ?? 0),
    __kmpc_bound_thread_num: () => st.thread().frame.tnum,
    __kmpc_bound_num_threads: () => st.thread().frame.nthreads,
    __kmpc_in_parallel: () => (st.thread().frame.activeLevel > 0 ? 1 : 0),
    __kmpc_ok_to_fork: () => 1,
    __kmpc_fork_call: (_loc: number, argc: number, microtask: number, args: number) => st.fork(microtask, argc, args, true),
    __kmpc_fork_call_if: (_loc: number, argc: number, microtask: number, cond: number, args: number) => st.fork(microtask, argc, args, cond !== 0),
    __kmpc_push_num_threads: (_loc: number, _gtid: number, n: number) => { st.pushedThreads = n; },
    __kmpc_push_proc_bind: () => {},
    __kmpc_serialized_parallel: () => st.thread().beginSerialized(),
    __kmpc_end_serialized_parallel: () => st.thread().endSerialized(),
    __kmpc_flush: () => fence(),
    // ---- synchronisation
    __kmpc_barrier: () => st.thread().barrier(),
    __kmpc_cancel_barrier: () => { st.thread().barrier(); return 0; },
    __kmpc_cancel: () => 0, // cancel-var is false: cancellation is not activated
    __kmpc_cancellationpoint: () => 0,
    __kmpc_master: () => (st.thread().frame.tnum === 0 ? 1 : 0),
    __kmpc_end_master: () => {},
    __kmpc_masked: (_loc: number, _gtid: number, filter: number) => (st.thread().frame.tnum === filter ? 1 : 0),
    __kmpc_end_masked: () => {},
    __kmpc_ordered: () => { st.thread().refuseIfSpread('ordered'); orderedBegin(st.thread().frame, st.thread().waiting); },
    __kmpc_end_ordered: () => orderedEnd(st.thread().frame),
    __kmpc_critical: (_loc: number, _gtid: number, crit: number) => { st.thread().refuseIfSpread('critical'); st.thread().locks.enterCritical(crit); },
    __kmpc_critical_with_hint: (_loc: number, _gtid: number, crit: number) => { st.thread().refuseIfSpread('critical'); st.thread().locks.enterCritical(crit); },
    __kmpc_end_critical: (_loc: number, _gtid: number, crit: number) => st.thread().locks.leaveCritical(crit),
    // The guest's critical sections and locks (toolchain/guest/omp_locks.c) come here only for a held lock.
    faasmpi_omp_lock_wait: (word: number) => { st.thread().refuseIfSpread('critical or a lock'); st.thread().locks.waitFor(word); },
    faasmpi_omp_lock_wake: (word: number) => st.thread().locks.wake(word),
    __kmpc_single: () => (st.thread().single() ? 1 : 0),
    __kmpc_end_single: () => {},
    __kmpc_scope: () => {},
    __kmpc_end_scope: () => {},
    __kmpc_copyprivate: (_loc: number, _gtid: number, _size: number, data: number, cpyFunc: number, didit: number) =>
      st.thread().copyprivate(data, cpyFunc, didit !== 0),
    // ---- loops
    __kmpc_for_static_init_4: staticInitFor('4'),
    __kmpc_for_static_init_4u: staticInitFor('4u'),
    __kmpc_for_static_init_8: staticInitFor('8'),
    __kmpc_for_static_init_8u: staticInitFor('8u'),
    __kmpc_for_static_fini: () => {},
    __kmpc_dispatch_init_4: dispatchInitFor('4'),
    __kmpc_dispatch_init_4u: dispatchInitFor('4u'),
    __kmpc_dispatch_init_8: dispatchInitFor('8'),
    __kmpc_dispatch_init_8u: dispatchInitFor('8u'),
    __kmpc_dispatch_next_4: dispatchNextFor('4'),
    __kmpc_dispatch_next_4u: dispatchNextFor('4u'),
    __kmpc_dispatch_next_8: dispatchNextFor('8'),
    __kmpc_dispatch_next_8u: dispatchNextFor('8u'),
    __kmpc_dispatch_fini_4: dispatchFiniAny,
    __kmpc_dispatch_fini_4u: dispatchFiniAny,
    __kmpc_dispatch_fini_8: dispatchFiniAny,
    __kmpc_dispatch_fini_8u: dispatchFiniAny,
    __kmpc_dispatch_deinit: () => dispatchDeinit(st.thread().frame),
    // ---- reductions
    __kmpc_reduce: (_loc: number, _gtid: number, _n: number, _size: number, data: number, func: number) => st.thread().reduce(data, func),
    __kmpc_reduce_nowait: (_loc: number, _gtid: number, _n: number, _size: number, data: number, func: number) => st.thread().reduceNowait(data, func),
    __kmpc_end_reduce: () => st.thread().endReduce(),
    __kmpc_end_reduce_nowait: () => {}, // the combining thread already released the others
    // ---- locks (__kmpc_* take the lock's address, as omp_* do)
    __kmpc_init_lock: (_l: number, _g: number, p: number) => st.thread().locks.init(p),
    __kmpc_init_lock_with_hint: (_l: number, _g: number, p: number) => st.thread().locks.init(p),
    __kmpc_destroy_lock: (_l: number, _g: number, p: number) => st.thread().locks.destroy(p),
    __kmpc_set_lock: (_l: number, _g: number, p: number) => { st.thread().refuseIfSpread('an OpenMP lock'); st.thread().locks.set(p); },
    __kmpc_unset_lock: (_l: number, _g: number, p: number) => st.thread().locks.unset(p),
    __kmpc_test_lock: (_l: number, _g: number, p: number) => st.thread().locks.test(p),
    __kmpc_init_nest_lock: (_l: number, _g: number, p: number) => st.thread().locks.initNest(p),
    __kmpc_init_nest_lock_with_hint: (_l: number, _g: number, p: number) => st.thread().locks.initNest(p),
    __kmpc_destroy_nest_lock: (_l: number, _g: number, p: number) => st.thread().locks.destroyNest(p),
    __kmpc_set_nest_lock: (_l: number, _g: number, p: number) => { st.thread().refuseIfSpread('an OpenMP nest lock'); st.thread().locks.setNest(p); },
    __kmpc_unset_nest_lock: (_l: number, _g: number, p: number) => st.thread().locks.unsetNest(p),
    __kmpc_test_nest_lock: (_l: number, _g: number, p: number) => st.thread().locks.testNest(p),
    omp_init_lock: (p: number) => st.thread().locks.init(p),
    omp_init_lock_with_hint: (p: number) => st.thread().locks.init(p),
    omp_destroy_lock: (p: number) => st.thread().locks.destroy(p),
    omp_set_lock: (p: number) => { st.thread().refuseIfSpread('an OpenMP lock'); st.thread().locks.set(p); },
    omp_unset_lock: (p: number) => st.thread().locks.unset(p),
    omp_test_lock: (p: number) => st.thread().locks.test(p),
    omp_init_nest_lock: (p: number) => st.thread().locks.initNest(p),
    omp_init_nest_lock_with_hint: (p: number) => st.thread().locks.initNest(p),
    omp_destroy_nest_lock: (p: number) => st.thread().locks.destroyNest(p),
    omp_set_nest_lock: (p: number) => { st.thread().refuseIfSpread('an OpenMP nest lock'); st.thread().locks.setNest(p); },
    omp_unset_nest_lock: (p: number) => st.thread().locks.unsetNest(p),
    omp_test_nest_lock: (p: number) => st.thread().locks.testNest(p),
    // ---- tasks
    __kmpc_omp_task_alloc: (_loc: number, _gtid: number, flags: number, sizeofTask: number, sizeofShareds: number, entry: number) => {
      st.thread().refuseIfSpread('task');
      st.thread().ensureTaskContext();
      return st.thread().tasks.alloc(flags, sizeofTask, sizeofShareds, entry);
    },
    __kmpc_omp_task: (_loc: number, _gtid: number, task: number) => { st.thread().tasks.submit(task); return 0; },
    __kmpc_omp_task_with_deps: (_loc: number, _gtid: number, task: number) => { st.thread().tasks.submitWithDeps(task); return 0; },
    __kmpc_omp_wait_deps: () => { st.thread().ensureTaskContext(); st.thread().tasks.taskwait(); },
    __kmpc_omp_taskwait: () => { st.thread().ensureTaskContext(); st.thread().tasks.taskwait(); return 0; },
    __kmpc_omp_taskwait_51: () => { st.thread().ensureTaskContext(); st.thread().tasks.taskwait(); return 0; },
    __kmpc_omp_taskwait_deps_51: () => { st.thread().ensureTaskContext(); st.thread().tasks.taskwait(); },
    __kmpc_omp_taskyield: () => { st.thread().ensureTaskContext(); st.thread().tasks.taskyield(); return 0; },
    __kmpc_omp_task_begin_if0: (_loc: number, _gtid: number, task: number) => st.thread().tasks.beginIf0(task),
    __kmpc_omp_task_complete_if0: (_loc: number, _gtid: number, task: number) => st.thread().tasks.completeIf0(task),
    __kmpc_omp_has_task_team: () => (st.thread().frame.nthreads > 1 ? 1 : 0),
    __kmpc_taskgroup: () => { st.thread().ensureTaskContext(); st.thread().tasks.taskgroupBegin(); },
    __kmpc_end_taskgroup: () => st.thread().tasks.taskgroupEnd(),
    __kmpc_taskloop: (_loc: number, _gtid: number, task: number, ifVal: number, lb: number, ub: number, stride: bigint, nogroup: number, sched: number, grain: bigint, dup: number) =>
      st.thread().refuseIfSpread('taskloop') ?? st.thread().tasks.taskloop(task, ifVal, lb, ub, stride, nogroup, sched, grain, dup),
    __kmpc_taskloop_5: (_loc: number, _gtid: number, task: number, ifVal: number, lb: number, ub: number, stride: bigint, nogroup: number, sched: number, grain: bigint, _modifier: number, dup: number) =>
      st.thread().refuseIfSpread('taskloop') ?? st.thread().tasks.taskloop(task, ifVal, lb, ub, stride, nogroup, sched, grain, dup),
    // ---- memory (allocate clause, omp_alloc): the guest's allocator
    __kmpc_alloc: (_gtid: number, size: number) => allocate(size, 16),
    __kmpc_aligned_alloc: (_gtid: number, align: number, size: number) => allocate(size, align),
    __kmpc_calloc: (_gtid: number, n: number, size: number) => callocate(n, size, 16),
    __kmpc_realloc: (_gtid: number, ptr: number, size: number) => reallocate(g(), ptr, size),
    __kmpc_free: (_gtid: number, ptr: number) => { if (ptr) g().free(ptr); },
    omp_alloc: (size: number) => allocate(size, 16),
    omp_aligned_alloc: (align: number, size: number) => allocate(size, align),
    omp_calloc: (n: number, size: number) => callocate(n, size, 16),
    omp_aligned_calloc: (align: number, n: number, size: number) => callocate(n, size, align),
    omp_realloc: (ptr: number, size: number) => reallocate(g(), ptr, size),
    omp_free: (ptr: number) => { if (ptr) g().free(ptr); },
    omp_set_default_allocator: (a: number) => { defaultAllocator = a; },
    omp_get_default_allocator: () => defaultAllocator,
    // ---- misc runtime entry points
    __kmpc_error: (_loc: number, severity: number, message: number) => {
      const text = message ? readCString(g(), message) : '(no message)';
      if (severity === 2) throw new JobAbort(1, `${where()}: OpenMP error directive: ${text}`);
      ctx.stderr(`OpenMP warning: ${text}\n`);
    },
    __kmpc_get_target_offload: () => 0,
    // ---- the omp_* API
    omp_set_num_threads: (n: number) => st.thread().setNumThreads(n),
    omp_get_num_threads: () => st.thread().frame.nthreads,
    omp_get_max_threads: () => st.thread().frame.env.nthreads[0],
    omp_get_thread_num: () => st.thread().frame.tnum,
    omp_get_num_procs: () => st.thread().global.procs,
    omp_in_parallel: () => (st.thread().frame.activeLevel > 0 ? 1 : 0),
    omp_set_dynamic: (v: number) => st.thread().setEnv({ ...st.thread().frame.env, dynamic: v !== 0 }),
    omp_get_dynamic: () => (st.thread().frame.env.dynamic ? 1 : 0),
    omp_get_cancellation: () => 0,
    omp_set_nested: (v: number) => { st.thread().global.maxActiveLevels = v ? MAX_LEVELS : 1; },
    omp_get_nested: () => (st.thread().global.maxActiveLevels > 1 ? 1 : 0),
    omp_set_schedule: (kind: number, chunk: number) => {
      const base = kind & ~SCHED_MONOTONIC;
      if (base < Sched.static || base > Sched.auto) throw new OmpError(`omp_set_schedule: unknown schedule kind ${kind}`);
      st.thread().setEnv({ ...st.thread().frame.env, runSched: kind, runChunk: chunk < 1 ? 0 : chunk });
    },
    omp_get_schedule: (kindPtr: number, chunkPtr: number) => {
      const env = st.thread().frame.env;
      g().mem.setI32(kindPtr, env.runSched);
      g().mem.setI32(chunkPtr, env.runChunk);
    },
    omp_get_thread_limit: () => st.thread().global.threadLimit,
    omp_get_supported_active_levels: () => MAX_LEVELS,
    omp_set_max_active_levels: (n: number) => { if (n >= 0) st.thread().global.maxActiveLevels = Math.min(n, MAX_LEVELS); },
    omp_get_max_active_levels: () => st.thread().global.maxActiveLevels,
    omp_get_level: () => st.thread().frame.level,
    omp_get_active_level: () => st.thread().frame.activeLevel,
    omp_get_ancestor_thread_num: (level: number) => st.thread().ancestorThreadNum(level),
    omp_get_team_size: (level: number) => st.thread().teamSizeAt(level),
    omp_in_final: () => (st.thread().tasks.inFinal ? 1 : 0),
    omp_get_proc_bind: () => 0,
    omp_get_num_places: () => 0,
    omp_get_place_num_procs: () => 0,
    omp_get_place_num: () => -1,
    omp_get_partition_num_places: () => 0,
    omp_set_default_device: () => {},
    omp_get_default_device: () => 0,
    omp_get_num_devices: () => 0,
    omp_get_device_num: () => 0,
    omp_is_initial_device: () => 1,
    omp_get_initial_device: () => 0,
    omp_get_max_task_priority: () => 0,
    omp_pause_resource: () => 0,
    omp_pause_resource_all: () => 0,
    omp_control_tool: () => -2, // omp_control_tool_notool
    omp_get_wtime: () => Number(process.hrtime.bigint() - WTIME_ORIGIN) / 1e9,
    omp_get_wtick: () => 1e-9,
  };
  const prestart = () => {
    const cfg = ctx.thread;
    if (!cfg) return;
    const ms = warmUpBudget(ctx.env);
    if (cfg.process && !cfg.scratch) {
      // A standby pool thread: it can take a team now; it warms up until the first one arrives, past the
      // budget only while a core is idle (it would otherwise just wait).
      const words = new Int32Array(cfg.process);
      Atomics.add(words, P.standbyReady, 1);
      const load = ctx.hostLoad ? new HostLoad(ctx.hostLoad) : HostLoad.create();
      if (ms > 0) warmUp({ minMs: ms, maxMs: 10 * ms, enough: () => !load.hasSpareCore(), interrupt: () => Atomics.load(words, threadWord(cfg.gtid, T.mailbox)) !== 0 || Atomics.load(words, P.shutdown) !== 0 });
      return;
    }
    if (!cfg.requestThreads) return;
    try {
      // Main warms up while its threads start (its first region would wait for them anyway).
      const asked = thread().prestart();
      const words = thread().processState?.words;
      if (asked > 0 && words && ms > 0) warmUp({ minMs: ms, maxMs: 4 * ms, enough: () => Atomics.load(words, P.standbyReady) >= asked });
    } catch (e) {
      // A bad OMP_* variable: main's first OpenMP call reports it, as it would without prestart.
      if (!(e instanceof OmpError)) throw e;
    }
  };
  return { name: OMP_MODULE_NAME, functions, thread, existing: () => st.existing, prestart, actingThread: () => st.existing?.actingFor ?? 0 };
}

/**
 * The instance's OpenMP thread (made on first use) and the fork state of the entry points. The entry points are
 * closures made per module, but V8 shares their optimised code between modules (the warm-up's and the job's):
 * calling per-module closures from them made that code deoptimise ("wrong call target") when a job started,
 * while a method of this class is the same call target in every module.
 */
class ModuleThread {
  existing: OmpThread | undefined = undefined;
  pushedThreads = 0;
  constructor(private readonly make: () => OmpThread) {}

  thread(): OmpThread {
    return this.existing ?? (this.existing = this.make());
  }

  fork(microtask: number, argc: number, args: number, cond: boolean): void {
    const n = this.pushedThreads;
    this.pushedThreads = 0;
    this.thread().fork(microtask, argc, args, n, cond);
  }
}

/**
 * FAASMPI_OMP_WARMUP_MS: how long each thread at least warms the runtime up before its first work (0: not at
 * all). V8 optimises the fork path after ~1,500 regions; a synthetic region costs 10-40 us until then.
 */
function warmUpBudget(env: string[]): number {
  const v = env.find((kv) => kv.startsWith('FAASMPI_OMP_WARMUP_MS='))?.slice('FAASMPI_OMP_WARMUP_MS='.length);
  const ms = v === undefined ? NaN : Number(v);
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 1000) : DEFAULT_WARMUP_MS;
}
const DEFAULT_WARMUP_MS = 50;

function toNumber(v: bigint, kind: IntKind): number {
  const n = Number(kind === '8u' ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v));
  if (!Number.isSafeInteger(n)) throw new OmpError(`loop bound ${v} is beyond 2^53, which the OpenMP runtime does not support`);
  return n;
}

function reallocate(g: OmpGuest, ptr: number, size: number): number {
  const f = g.exports().faasmpi_omp_realloc as (p: number, s: number) => number;
  return f(ptr, size) >>> 0;
}

function readCString(g: OmpGuest, ptr: number): string {
  const all = g.mem.all();
  let end = ptr;
  while (end < all.length && all[end] !== 0) end++;
  return new TextDecoder().decode(all.slice(ptr, end));
}

/** The names this runtime provides; the kmpc.imports list from the toolchain decides what clang may call. */
export const ompSpec: HostModuleSpec & { unsupported: Readonly<Record<string, string>> } = {
  name: OMP_MODULE_NAME,
  functionNames: Object.keys(createOmpModule({
    identity: { groupId: '', index: 0, size: 1, hostId: '' }, env: [], memory: () => { throw new Error('no memory'); },
    exports: () => ({}), stderr: () => {},
  }).functions),
  unsupported: UNSUPPORTED_OMP,
};

