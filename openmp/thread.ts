// One OpenMP thread of a process: the main thread (gtid 0, the Faaslet that runs main) or a pool thread (a
// thread Faaslet on the same memory, started on demand and kept between regions). It knows its frames (the
// teams it is in, innermost last), forks teams, and runs its part of regions other threads fork.
import { OmpError } from './errors.js';
import { JobAbort } from '../host-interface/types.js';
import { childEnv, type DataEnv, type GlobalIcvs } from './icv.js';
import { BARRIER_GEN, M, MAX_ARGS, MAX_LEVELS, MAX_TEAMS, MAX_THREADS, DISPATCH_BUFFERS, DISPATCH_WORDS, ShareState, T, threadWord } from './layout.js';
import { OmpProcess, type ThreadRequester, type ThreadSlotInit } from './process.js';
import { type Frame, makeFrame } from './frame.js';
import { OmpGuest } from './guest.js';
import { Locks } from './locks.js';
import { HDR, Tasks } from './tasks.js';
import type { Waiting } from './wait.js';
import type { SpreadMain, SpreadReplica } from './spread/hub.js';
import type { HostBlock } from './spread/layout.js';
import { TeamLinkClosed } from './spread/port-link.js';
import type { ForkMessage, SyncKind } from './spread/team-wire.js';

/** Blocks with thread number `local` as the first on another host: the main host got fewer threads than planned. */
function renumber(blocks: HostBlock[], local: number): HostBlock[] {
  let next = local;
  return [{ ...blocks[0], count: local }, ...blocks.slice(1).map((b) => { const r = { ...b, first: next }; next += b.count; return r; })];
}

/** Bytes of per-thread scratch in guest memory: ids for the microtask, then one implicit-task header per level. */
const SCRATCH = 16 + (MAX_LEVELS + 2) * HDR;


interface HotTeam {
  team: number;
  members: number[]; // gtids of thread numbers 1..n-1
  /** Team size of the last region, and the loops and singles its threads met (all meet the same ones). */
  size: number;
  /** The forking frame and data environment the team's configuration was last written for. */
  configFor?: Frame;
  configEnv?: DataEnv;
  configMal?: number;
  loops: number;
  singles: number;
}

interface TeamConfig {
  gen: number;
  level: number;
  tnums: number[];
  sizes: number[];
  env: DataEnv;
}

export interface OmpThreadInit {
  gtid: number;
  env: DataEnv;
  global: GlobalIcvs;
  waiting: Waiting;
  guest: OmpGuest;
  /** Pool threads: the process they belong to, and their scratch block. */
  process?: OmpProcess;
  scratch?: number;
  /** The main thread: how to ask the host for more threads (absent: teams stay at one thread). */
  requestThreads?: ThreadRequester;
  /** The rank, for messages about shares run for other threads. */
  rank?: number;
  /** Run late members' shares at the join (FAASMPI_OMP_LATE_SHARES=0: never; for measurements). */
  lateShares?: boolean;
  /** --omp-spread: the main thread may give its teams members on other hosts. */
  spreadMain?: SpreadMain;
  /** A host running members of another host's teams: this thread speaks for them (see serveReplica). */
  spreadReplica?: SpreadReplica;
}

export class OmpThread {
  readonly gtid: number;
  readonly global: GlobalIcvs;
  readonly guest: OmpGuest;
  readonly waiting: Waiting;
  readonly locks: Locks;
  readonly tasks: Tasks;
  private process: OmpProcess | undefined;
  private scratch: number;
  /** A pool thread started before its process's first fork has no stack until its first team (see attach). */
  private attached: boolean;
  private readonly frames: Frame[] = [];
  // Made with room for objects from the start: a fresh [] has another hidden class than the warm-up's filled
  // arrays, and the code optimised during the warm-up would deoptimise at the job's first fork.
  private readonly hot: (HotTeam | undefined)[] = new Array<HotTeam | undefined>(MAX_LEVELS + 2).fill(undefined);
  private readonly configs: (TeamConfig | undefined)[] = new Array<TeamConfig | undefined>(MAX_TEAMS).fill(undefined);
  private readonly requestThreads?: ThreadRequester;
  /** Whether this thread may run a late member's share itself (undefined: not decided yet; see runLateShares). */
  private lateSharesAllowed: boolean | undefined;
  /** Implicit-task headers for shares run for late members, one per level (allocated on first need). */
  private lateHeaders = 0;
  private lateShareBase: WebAssembly.Global | undefined;
  private readonly rank: number;
  /** The thread whose share this thread runs now (0: its own work). MPI and messages act as that thread. */
  actingFor = 0;
  private readonly spreadMain?: SpreadMain;
  private readonly spreadReplica?: SpreadReplica;
  /** The frame of the spread region this thread speaks for its host in (it runs the exchanges). */
  private hubFrame: Frame | undefined;
  /** Guest blocks set aside (in the master memory) for thread numbers that run on other hosts, kept for reuse. */
  private readonly remoteBlocks = new Map<number, ThreadSlotInit>();

  constructor(init: OmpThreadInit) {
    this.gtid = init.gtid;
    this.global = init.global;
    this.guest = init.guest;
    this.waiting = init.waiting;
    this.process = init.process;
    this.scratch = init.scratch ?? 0;
    this.attached = !init.process || this.scratch !== 0;
    this.requestThreads = init.requestThreads;
    this.rank = init.rank ?? 0;
    if (init.lateShares === false || init.spreadReplica) this.lateSharesAllowed = false;
    this.spreadMain = init.spreadMain;
    this.spreadReplica = init.spreadReplica;
    this.locks = new Locks(this.guest, this.waiting, () => this.actingFor || this.gtid);
    this.tasks = new Tasks(this.guest, this.waiting, () => this.frame, () => this.gtid);
    // The initial implicit task: a team of one at level 0. (Its header is set up when scratch exists.)
    this.frames.push(this.soloFrame(init.env, 0, 0, [], []));
  }

  get frame(): Frame {
    return this.frames[this.frames.length - 1];
  }

  private soloFrame(env: DataEnv, level: number, activeLevel: number, tnums: number[], sizes: number[]): Frame {
    return makeFrame(-1, undefined, 0, 1, level, activeLevel, tnums, sizes, env, 0, 0, 0);
  }

  /** Guest scratch for this thread (allocated by the main thread on first need). */
  private ensureScratch(): number {
    if (!this.scratch) {
      this.scratch = this.guest.alloc(SCRATCH, 16);
      this.guest.mem.setI32(this.scratch, this.gtid);
    }
    return this.scratch;
  }

  /** Header of the implicit task at a nesting level (one per level, reused). */
  private implicitHeader(level: number): number {
    return this.ensureScratch() + 16 + Math.min(level, MAX_LEVELS + 1) * HDR;
  }

  /** The current frame's implicit task, started on first need (tasks created in it are its children). */
  ensureTaskContext(): void {
    const f = this.frame;
    if (!f.implicitTask) {
      f.implicitTask = this.implicitHeader(f.level);
      this.tasks.beginImplicit(f.implicitTask);
    }
  }

  // ---------------------------------------------------------------- fork and join

  /** How many threads a parallel region asks for (num_threads clause, else nthreads-var), and gets. */
  private teamSize(requested: number): number {
    const f = this.frame;
    if (f.activeLevel >= this.global.maxActiveLevels) return 1;
    const n = requested > 0 ? requested : f.env.nthreads[0];
    return Math.max(1, Math.min(n, this.global.threadLimit, MAX_THREADS));
  }

  /** __kmpc_fork_call: runs `microtask` on a new team; args are the shared-variable pointers. */
  fork(microtask: number, argc: number, argsPtr: number, numThreads: number, ifClause: boolean): void {
    if (argc > MAX_ARGS) throw new OmpError(`a parallel region with ${argc} shared variables exceeds this runtime's limit of ${MAX_ARGS}`);
    const args: number[] = [];
    for (let i = 0; i < argc; i++) args.push(this.guest.mem.i32(argsPtr + 4 * i));
    const fn = this.guest.fn(microtask);
    const wanted = ifClause ? this.teamSize(numThreads) : 1;
    // --omp-spread: a level-1 team larger than this host's share gets members on other hosts.
    let blocks = wanted > 1 && this.spreadMain && this.frame.level === 0 ? this.spreadMain.layout(wanted) : undefined;
    const hot = blocks ? this.teamFor(blocks[0].count, true) : wanted > 1 ? this.teamFor(wanted) : undefined;
    if (!hot) {
      this.runSerialized(fn, args);
      return;
    }
    const local = hot.members.length + 1;
    if (blocks && blocks[0].count !== local) blocks = renumber(blocks, local);
    const n = blocks ? blocks.reduce((sum, b) => sum + b.count, 0) : local;
    const parent = this.frame;
    const proc = this.process!;
    const w = proc.team(hot.team);
    parent.childEnv ??= childEnv(parent.env);
    const env = parent.childEnv;
    // Configure the team before any member can see it (members are woken through their mailboxes).
    w[M.nthreads] = n;
    w[M.localThreads] = local;
    w[M.firstLocal] = 0;
    w[M.microtask] = microtask;
    w[M.argc] = argc;
    for (let i = 0; i < argc; i++) w[M.args + i] = args[i];
    if (hot.configFor !== parent || hot.configEnv !== env || hot.configMal !== this.global.maxActiveLevels || hot.size !== n) {
      this.writeConfig(w, hot, parent, env);
    }

    if (hot.size !== n) {
      // New team composition: dispatch buffers count finished threads against the team size, so start afresh.
      w[M.single] = 0;
      for (let b = 0; b < DISPATCH_BUFFERS * DISPATCH_WORDS; b++) w[M.dispatch + b] = 0;
      hot.size = n;
      hot.loops = hot.singles = 0;
    }
    w[M.loopBase] = hot.loops;
    w[M.singleBase] = hot.singles;
    w[M.members] = this.gtid;
    for (let i = 1; i < local; i++) {
      const g = hot.members[i - 1];
      w[M.members + i] = g;
      Atomics.store(proc.words, threadWord(g, T.team), hot.team);
      Atomics.store(proc.words, threadWord(g, T.tnum), i);
      Atomics.store(proc.words, threadWord(g, T.share), ShareState.offered);
    }
    if (blocks) {
      const tnums = [...parent.ancestorTnum, parent.tnum], sizes = [...parent.ancestorSize, parent.nthreads];
      this.spreadMain!.fork(blocks, {
        microtask, args, nthreads: n, level: parent.level + 1,
        icvs: { dynamic: env.dynamic, runSched: env.runSched, runChunk: env.runChunk, nthreads: env.nthreads, maxActiveLevels: this.global.maxActiveLevels, ancestorTnum: tnums, ancestorSize: sizes },
      }, (tnum) => this.remoteBlock(tnum));
    }
    for (let i = 1; i < local; i++) {
      const g = hot.members[i - 1];
      Atomics.add(proc.words, threadWord(g, T.mailbox), 1);
      if (Atomics.load(proc.words, threadWord(g, T.sleeping))) Atomics.notify(proc.words, threadWord(g, T.mailbox));
    }
    const met = this.runRegion(hot.team, 0, fn, args, blocks !== undefined);
    hot.loops = met.loops;
    hot.singles = met.singles;
  }

  /** Level, ancestors and ICVs of a team's threads: written only when they change (hot teams reuse them). */
  private writeConfig(w: Int32Array, hot: HotTeam, parent: Frame, env: DataEnv): void {
    w[M.level] = parent.level + 1;
    w[M.activeLevel] = parent.activeLevel + 1;
    w[M.dynamic] = env.dynamic ? 1 : 0;
    w[M.runSched] = env.runSched;
    w[M.runChunk] = env.runChunk;
    w[M.nthreadsListLength] = env.nthreads.length;
    w[M.maxActiveLevels] = this.global.maxActiveLevels;
    for (let i = 0; i < env.nthreads.length; i++) w[M.nthreadsList + i] = env.nthreads[i];
    const tnums = [...parent.ancestorTnum, parent.tnum];
    const sizes = [...parent.ancestorSize, parent.nthreads];
    for (let i = 0; i < Math.min(tnums.length, MAX_LEVELS); i++) {
      w[M.ancestorTnum + i] = tnums[i];
      w[M.ancestorSize + i] = sizes[i];
    }
    w[M.configGen]++;
    hot.configFor = parent;
    hot.configEnv = env;
    hot.configMal = this.global.maxActiveLevels;
  }

  private runSerialized(fn: Function, args: number[]): void {
    this.beginSerialized();
    try {
      this.callMicrotask(fn, args, 0);
    } finally {
      this.popFrame();
    }
  }

  /** __kmpc_serialized_parallel: the caller runs the region itself, as a team of one one level deeper. */
  beginSerialized(): void {
    const p = this.frame;
    p.childEnv ??= childEnv(p.env);
    p.childAncestors ??= { tnums: [...p.ancestorTnum, p.tnum], sizes: [...p.ancestorSize, p.nthreads] };
    this.frames.push(this.soloFrame(p.childEnv, p.level + 1, p.activeLevel, p.childAncestors.tnums, p.childAncestors.sizes));
    this.ensureTaskContext();
  }

  endSerialized(): void {
    if (this.frames.length <= 1) throw new OmpError('__kmpc_end_serialized_parallel without a serialized region');
    this.popFrame();
  }

  private popFrame(): void {
    const f = this.frames.pop()!;
    if (f.implicitTask) this.tasks.endImplicit();
  }

  private callMicrotask(fn: Function, args: number[], tnum: number): void {
    const s = this.ensureScratch();
    const mem = this.guest.mem;
    mem.setI32(s, this.gtid);
    const saved = mem.i32(s + 4);
    mem.setI32(s + 4, tnum);
    this.ensureTaskContext();
    try {
      // Fixed arities for the common cases: a spread call allocates.
      switch (args.length) {
        case 0: fn(s, s + 4); break;
        case 1: fn(s, s + 4, args[0]); break;
        case 2: fn(s, s + 4, args[0], args[1]); break;
        case 3: fn(s, s + 4, args[0], args[1], args[2]); break;
        case 4: fn(s, s + 4, args[0], args[1], args[2], args[3]); break;
        default: fn(s, s + 4, ...args);
      }
    } finally {
      mem.setI32(s + 4, saved);
    }
  }

  /** This thread's part of a region of `team` (forker: tnum 0), then the join barrier. */
  private runRegion(team: number, tnum: number, fn: Function, args: number[], hub = false): { loops: number; singles: number } {
    const proc = this.process!;
    const w = proc.team(team);
    const c = this.teamConfig(team, w);
    const frame = makeFrame(team, w, tnum, w[M.nthreads], c.level, w[M.activeLevel], c.tnums, c.sizes, c.env, w[M.singleBase], w[M.loopBase], 0, w[M.localThreads] || w[M.nthreads]);
    this.frames.push(frame);
    if (hub) this.hubFrame = frame;
    try {
      this.callMicrotask(fn, args, tnum);
      if (tnum === 0 && frame.local === frame.nthreads) this.runLateShares(w, fn, args);
      if (frame.local !== frame.nthreads) this.spreadBarrier('join');
      else this.barrier();
      return { loops: this.frame.loops, singles: this.frame.singles };
    } finally {
      if (hub) this.hubFrame = undefined;
      this.popFrame();
    }
  }

  /** Guest blocks in the master memory for a thread number that runs on another host (set aside once). */
  private remoteBlock(tnum: number): Omit<ThreadSlotInit, 'gtid'> & { gtid: number } {
    let b = this.remoteBlocks.get(tnum);
    if (!b) {
      b = this.allocBlocks(tnum);
      this.remoteBlocks.set(tnum, b);
    }
    return b;
  }

  /**
   * A barrier of a team spread over hosts: this host's members arrive; the one that speaks for the host waits
   * for all of them, exchanges the memory changes with the other hosts (spread/hub.ts) and then releases them.
   */
  private spreadBarrier(kind: SyncKind, beforeRelease?: () => void): void {
    const f = this.frame;
    const w = f.words!;
    const gen = Atomics.add(w, M.barrier, 1) & ~(BARRIER_GEN - 1);
    Atomics.notify(w, M.barrier);
    const passed = () => (Atomics.load(w, M.barrier) & ~(BARRIER_GEN - 1)) !== gen;
    if (this.hubFrame === f) {
      const full = (gen + f.local) | 0;
      for (let v = Atomics.load(w, M.barrier); v !== full; v = Atomics.load(w, M.barrier)) this.waiting.untilChanged(w, M.barrier, v);
      if (this.spreadMain) this.spreadMain.exchange(kind, w, f.nthreads);
      else this.spreadReplica!.exchange(kind, w, f.tnum, f.local);
      beforeRelease?.();
      Atomics.store(w, M.barrier, (gen + BARRIER_GEN) | 0);
      Atomics.notify(w, M.barrier);
      return;
    }
    Atomics.add(w, M.barrierSleepers, 1);
    try {
      for (let v = Atomics.load(w, M.barrier); !passed(); v = Atomics.load(w, M.barrier)) this.waiting.untilChanged(w, M.barrier, v, passed);
    } finally {
      Atomics.sub(w, M.barrierSleepers, 1);
    }
  }

  /** The main thread's process ends: -v reports what its spread teams cost. */
  endSpread(): void {
    this.spreadMain?.report();
  }

  /** Whether the current team spans hosts. */
  get spread(): boolean {
    const f = this.frame;
    return f.local !== f.nthreads;
  }

  /** A construct this runtime does not carry across hosts yet: refused, never run wrong. */
  refuseIfSpread(construct: string): void {
    if (this.spread) throw new OmpError(`${construct} in a parallel region spread over hosts is not supported yet (--omp-spread); run without --omp-spread`);
  }

  /**
   * A host running members of another host's teams: each fork brings the memory update and this host's block
   * of thread numbers; this thread takes the first, pool threads of this host (on the same replica) the rest.
   * Returns when the job ends.
   */
  serveReplica(): void {
    const replica = this.spreadReplica!;
    const proc = this.ensureProcess();
    if (!proc) throw new OmpError('a replica host needs a thread pool');
    const team = proc.allocTeam();
    const members = new Map<number, number>(); // thread number -> this host's gtid
    const tlsDone = new Set<number>();
    let own = -1;
    // Dynamic loops met so far by this host's threads, and the team shape they were met in (see fork()).
    let loops = 0, shape = '';
    for (;;) {
      let m: ForkMessage;
      try {
        m = replica.nextFork();
      } catch (e) {
        if (e instanceof TeamLinkClosed) return;
        throw e;
      }
      const [me, ...others] = m.members;
      if (own !== me.tnum) {
        // This thread's stack, TLS block and scratch are those the main host set aside for the thread number.
        this.guest.startThread(me.stackTop, me.tlsBlock, tlsDone.has(me.tlsBlock));
        if (me.tlsBlock) tlsDone.add(me.tlsBlock);
        this.scratch = me.scratch;
        own = me.tnum;
      }
      const missing = others.filter((o) => !members.has(o.tnum));
      if (missing.length > 0) {
        const gtids = proc.reserveNew(missing.length);
        const slots = gtids.map((gtid, i) => ({ gtid, stackTop: missing[i].stackTop, tlsBlock: missing[i].tlsBlock, scratch: missing[i].scratch }));
        const granted = this.requestThreads ? proc.startThreads(slots, this.requestThreads) : 0;
        if (granted < missing.length) throw new OmpError(`this host could start only ${granted} of the ${missing.length} threads the team needs here`);
        missing.forEach((o, i) => { members.set(o.tnum, gtids[i]); if (o.tlsBlock) tlsDone.add(o.tlsBlock); });
      }
      const w = proc.team(team);
      w[M.nthreads] = m.nthreads;
      w[M.localThreads] = m.members.length;
      w[M.firstLocal] = me.tnum;
      w[M.microtask] = m.microtask;
      w[M.argc] = m.args.length;
      m.args.forEach((a, i) => { w[M.args + i] = a; });
      w[M.level] = m.level;
      w[M.activeLevel] = m.level;
      w[M.dynamic] = m.icvs.dynamic ? 1 : 0;
      w[M.runSched] = m.icvs.runSched;
      w[M.runChunk] = m.icvs.runChunk;
      w[M.nthreadsListLength] = m.icvs.nthreads.length;
      m.icvs.nthreads.forEach((x, i) => { w[M.nthreadsList + i] = x; });
      w[M.maxActiveLevels] = m.icvs.maxActiveLevels;
      m.icvs.ancestorTnum.forEach((x, i) => { w[M.ancestorTnum + i] = x; });
      m.icvs.ancestorSize.forEach((x, i) => { w[M.ancestorSize + i] = x; });
      w[M.configGen]++;
      const now = `${m.nthreads}:${m.members.length}:${me.tnum}`;
      if (now !== shape) {
        for (let b = 0; b < DISPATCH_BUFFERS * DISPATCH_WORDS; b++) w[M.dispatch + b] = 0;
        loops = 0;
        shape = now;
      }
      w[M.single] = w[M.singleBase] = 0;
      w[M.loopBase] = loops;
      for (const o of others) {
        const g = members.get(o.tnum)!;
        Atomics.store(proc.words, threadWord(g, T.team), team);
        Atomics.store(proc.words, threadWord(g, T.tnum), o.tnum);
        Atomics.store(proc.words, threadWord(g, T.share), ShareState.offered);
      }
      for (const o of others) {
        const g = members.get(o.tnum)!;
        Atomics.add(proc.words, threadWord(g, T.mailbox), 1);
        Atomics.notify(proc.words, threadWord(g, T.mailbox));
      }
      try {
        loops = this.runRegion(team, me.tnum, this.guest.fn(m.microtask), m.args, true).loops;
      } catch (e) {
        replica.fail(e instanceof Error ? e.message : String(e));
        throw e;
      }
    }
  }

  /**
   * At the join, the forker runs the shares of members that have not taken theirs yet (asleep, descheduled by a
   * busy machine, or still starting) instead of waiting for them to wake: a futex wake-up costs ~30 us here, and
   * much more when the machine is busy. It is safe because the forker got here: every construct of the region
   * that waits for other threads (barriers, reductions, copyprivate, ordered) would have kept it waiting for a
   * member that never started. Thread numbers stay as they were; only the stack and the TLS block are the
   * forker's; the TLS block is switched to the member's (modules built before faasmpicc exported __tls_base
   * have their shares run this way only if they have no TLS at all).
   */
  private runLateShares(w: Int32Array, fn: Function, args: number[]): void {
    const tls = this.lateShareTls();
    if (tls === false) return;
    const own = this.frame;
    // A share that could fork an active nested team would fork it with this thread's own nested team, the one
    // this thread's share already used: two teams that should run at once would share their threads.
    if (own.activeLevel < this.global.maxActiveLevels) return;
    const words = this.process!.words;
    for (let i = 1; i < own.nthreads; i++) {
      const g = w[M.members + i];
      const share = threadWord(g, T.share);
      if (Atomics.load(words, share) !== ShareState.offered) continue;
      if (tls && !Atomics.load(words, threadWord(g, T.tlsReady))) continue; // its TLS block is not set up yet
      if (Atomics.compareExchange(words, share, ShareState.offered, ShareState.runByForker) !== ShareState.offered) continue;
      this.lateHeaders ||= this.guest.alloc((MAX_LEVELS + 2) * HDR, 16);
      const header = this.lateHeaders + Math.min(own.level, MAX_LEVELS + 1) * HDR;
      this.frames.push(makeFrame(own.team, own.words, i, own.nthreads, own.level, own.activeLevel, own.ancestorTnum, own.ancestorSize, own.env, w[M.singleBase], w[M.loopBase], header));
      this.tasks.beginImplicit(header);
      const ownTls = tls ? tls.value : 0;
      if (tls) tls.value = Atomics.load(words, threadWord(g, T.tlsBlock));
      const acting = this.actingFor;
      this.actingFor = g;
      try {
        this.callMicrotask(fn, args, i);
      } catch (e) {
        // Misuse is reported as the thread whose share it was (the Faaslet would name this one).
        if (e instanceof OmpError) throw new JobAbort(1, `rank ${this.rank} OpenMP thread ${g}: ${e.message}`);
        throw e;
      } finally {
        this.actingFor = acting;
        if (tls) tls.value = ownTls;
        this.popFrame();
      }
      Atomics.add(w, M.barrier, 1); // the member's arrival at the join barrier
    }
  }

  /**
   * How late shares run: undefined = as they are (the module has no TLS), the TLS base to switch to the member's
   * block (threadprivate data stays the member's), false = never (TLS, but a module built without the export).
   */
  private lateShareTls(): WebAssembly.Global | undefined | false {
    if (this.lateSharesAllowed === undefined) {
      this.lateShareBase = this.tlsLayout().size === 0 ? undefined : this.guest.tlsBase();
      this.lateSharesAllowed = this.tlsLayout().size === 0 || this.lateShareBase !== undefined;
    }
    return this.lateSharesAllowed ? this.lateShareBase : false;
  }

  /** A team's level, ancestors and ICVs as this thread last read them (re-read when the forker changed them). */
  private teamConfig(team: number, w: Int32Array): TeamConfig {
    const cached = this.configs[team];
    if (cached && cached.gen === w[M.configGen]) return cached;
    const level = w[M.level];
    const tnums: number[] = [], sizes: number[] = [];
    for (let i = 0; i < Math.min(level, MAX_LEVELS); i++) {
      tnums.push(w[M.ancestorTnum + i]);
      sizes.push(w[M.ancestorSize + i]);
    }
    const nlist: number[] = [];
    for (let i = 0; i < w[M.nthreadsListLength]; i++) nlist.push(w[M.nthreadsList + i]);
    this.global.maxActiveLevels = w[M.maxActiveLevels];
    const env: DataEnv = { nthreads: nlist, dynamic: w[M.dynamic] !== 0, runSched: w[M.runSched], runChunk: w[M.runChunk] };
    const config = { gen: w[M.configGen], level, tnums, sizes, env };
    this.configs[team] = config;
    return config;
  }

  /** The team this thread forks at its current level, grown or shrunk to n threads (fewer if none are left). */
  private teamFor(n: number, alone = false): HotTeam | undefined {
    const proc = this.ensureProcess();
    if (!proc) return undefined;
    const level = this.frame.level;
    let hot = this.hot[level];
    if (!hot) {
      const team = proc.allocTeam();
      if (team < 0) return undefined; // out of team slots: run serialised
      hot = { team, members: [], size: 0, loops: 0, singles: 0 };
      this.hot[level] = hot;
    }
    const need = n - 1;
    if (proc.hasStandby) this.adoptStandby(proc);
    while (hot.members.length > need) proc.release(hot.members.pop()!);
    if (hot.members.length < need) hot.members.push(...proc.claimIdle(need - hot.members.length));
    if (hot.members.length < need) hot.members.push(...this.startThreads(proc, need - hot.members.length));
    return hot.members.length > 0 || alone ? hot : undefined;
  }

  private ensureProcess(): OmpProcess | undefined {
    if (!this.process && this.requestThreads) this.process = OmpProcess.create();
    return this.process;
  }

  /** The process's shared state, if threads have been started (the host shuts it down when main ends). */
  get processState(): OmpProcess | undefined {
    return this.process;
  }

  /**
   * Before main: asks the host for the threads the first region will want (nthreads-var), so they start while
   * main runs instead of at its first fork (a worker and an instance take milliseconds). Their stacks are set
   * aside only when a region first needs them (adoptStandby): a program that never forks costs no guest memory.
   * Returns how many it asked for.
   */
  prestart(): number {
    if (this.gtid !== 0 || !this.requestThreads || this.frames.length !== 1) return 0;
    const n = this.teamSize(0);
    if (n <= 1) return 0;
    const proc = this.ensureProcess()!;
    const gtids = proc.reserveNew(n - 1);
    proc.requestStandby(gtids, this.requestThreads);
    return gtids.length;
  }

  /** The threads prestart asked for: give each its guest blocks and make it idle, ready to be claimed. */
  private adoptStandby(proc: OmpProcess): void {
    const tlsBase = this.guest.tlsBase();
    for (const gtid of proc.takeStandby()) {
      const blocks = this.allocBlocks(gtid);
      // Set its TLS block up now (on this instance, then back to our own), so the thread's first shares can run
      // here if it is still starting when they come (runLateShares); it then only points at the block.
      if (tlsBase && blocks.tlsBlock) {
        const own = tlsBase.value;
        this.guest.initTls(blocks.tlsBlock);
        tlsBase.value = own;
        Atomics.store(proc.words, threadWord(gtid, T.tlsReady), 1);
      }
      proc.attachBlocks(gtid, blocks);
      proc.release(gtid);
    }
  }

  /** A new thread's stack, TLS block and scratch in guest memory. */
  private allocBlocks(gtid: number): ThreadSlotInit {
    const { size: tlsSize, align } = this.tlsLayout();
    const stack = this.global.stackSize;
    const stackBase = this.guest.alloc(stack, 16);
    const tlsBlock = tlsSize > 0 ? this.guest.alloc(tlsSize, Math.max(align, 16)) : 0;
    const scratch = this.guest.alloc(SCRATCH, 16);
    this.guest.mem.setI32(scratch, gtid);
    return { gtid, stackTop: stackBase + stack, tlsBlock, scratch };
  }

  /** Reserves slots, sets aside stacks and TLS blocks in guest memory, and asks the host to start threads. */
  private startThreads(proc: OmpProcess, count: number): number[] {
    const request = this.requestThreads;
    if (!request) return [];
    const gtids = proc.reserveNew(count);
    if (gtids.length === 0) return [];
    const stack = this.global.stackSize;
    const slots = gtids.map((gtid) => this.allocBlocks(gtid));
    for (const slot of slots) proc.attachBlocks(slot.gtid, slot); // where their TLS blocks are (see runLateShares)
    const granted = proc.startThreads(slots, request);
    // Blocks of threads the host could not start go back to the allocator.
    for (const s of slots.slice(granted)) {
      this.guest.free(s.stackTop - stack);
      if (s.tlsBlock) this.guest.free(s.tlsBlock);
      this.guest.free(s.scratch);
    }
    return gtids.slice(0, granted);
  }

  /** The guest's TLS block size and alignment (its __tls_size and __tls_align globals). */
  private tlsLayout(): { size: number; align: number } {
    const e = this.guest.exports();
    const size = e.__tls_size, align = e.__tls_align;
    if (!(size instanceof WebAssembly.Global) || !(align instanceof WebAssembly.Global)) {
      throw new OmpError('the module does not export its TLS layout (build it with faasmpicc -fopenmp)');
    }
    return { size: size.value as number, align: align.value as number };
  }

  /** A pool thread's life: wait for a team, run its part, repeat until the process shuts down. */
  serve(): void {
    const proc = this.process!;
    const words = proc.words;
    const mailbox = threadWord(this.gtid, T.mailbox);
    if (this.attached) Atomics.store(words, threadWord(this.gtid, T.tlsReady), 1); // the host set up its TLS block
    let seen = 0;
    for (;;) {
      this.waitMailbox(words, mailbox, seen);
      if (proc.shuttingDown) return;
      if (!this.attached) this.attach(proc);
      seen = Atomics.load(words, mailbox);
      // The forker may have run this share itself (we were late): then wait for the next one.
      if (Atomics.compareExchange(words, threadWord(this.gtid, T.share), ShareState.offered, ShareState.taken) !== ShareState.offered) continue;
      const team = Atomics.load(words, threadWord(this.gtid, T.team));
      const tnum = Atomics.load(words, threadWord(this.gtid, T.tnum));
      const w = proc.team(team);
      const args: number[] = [];
      for (let i = 0; i < w[M.argc]; i++) args.push(w[M.args + i]);
      this.runRegion(team, tnum, this.guest.fn(w[M.microtask]), args);
    }
  }

  /** A standby thread's first team: take the stack and TLS block its claimer set aside. */
  private attach(proc: OmpProcess): void {
    const blocks = proc.blocksOf(this.gtid);
    if (!blocks.stackTop || !blocks.scratch) throw new OmpError(`OpenMP thread ${this.gtid} was given a team before its stack`);
    // A block its claimer already set up may hold data of shares run for this thread: point at it, keep it.
    const ready = Atomics.load(proc.words, threadWord(this.gtid, T.tlsReady)) !== 0;
    this.guest.startThread(blocks.stackTop, blocks.tlsBlock, ready);
    Atomics.store(proc.words, threadWord(this.gtid, T.tlsReady), 1);
    this.scratch = blocks.scratch;
    this.attached = true;
  }

  private waitMailbox(words: Int32Array, mailbox: number, seen: number): void {
    const sleeping = threadWord(this.gtid, T.sleeping);
    if (Atomics.load(words, mailbox) !== seen) return;
    Atomics.store(words, sleeping, 1);
    try {
      this.waiting.untilChanged(words, mailbox, seen);
    } finally {
      Atomics.store(words, sleeping, 0);
    }
  }

  // ---------------------------------------------------------------- synchronisation in a team

  /** Barrier of the current team; waiting threads run queued tasks, and it completes once none are left. */
  barrier(): void {
    const f = this.frame;
    const w = f.words;
    if (!w) {
      while (this.tasks.runOne()) { /* a team of one runs its tasks at once; nothing is queued */ }
      return;
    }
    if (f.local !== f.nthreads) {
      this.spreadBarrier('barrier');
      return;
    }
    const n = f.nthreads;
    // Arrive; the word's generation bits say which barrier instance this thread is in.
    const gen = Atomics.add(w, M.barrier, 1) & ~(BARRIER_GEN - 1);
    const full = (gen + n) | 0;
    // Only a release of this generation with all n arrived can succeed: a thread that lingers in an earlier
    // barrier can never complete a later one early.
    const release = () => {
      if (Atomics.load(w, M.barrier) !== full || Atomics.load(w, M.activeTasks) !== 0) return false;
      if (Atomics.compareExchange(w, M.barrier, full, (gen + BARRIER_GEN) | 0) !== full) return false;
      Atomics.notify(w, M.barrier);
      return true;
    };
    if (release()) return;
    const onSpin = () => this.tasks.runOne() || release();
    const passed = () => (Atomics.load(w, M.barrier) & ~(BARRIER_GEN - 1)) !== gen;
    Atomics.add(w, M.barrierSleepers, 1);
    try {
      for (let v = Atomics.load(w, M.barrier); !passed(); v = Atomics.load(w, M.barrier)) {
        this.waiting.untilChanged(w, M.barrier, v, passed, onSpin);
      }
    } finally {
      Atomics.sub(w, M.barrierSleepers, 1);
    }
  }

  /** __kmpc_single: true for the one thread that runs this single construct. */
  single(): boolean {
    const f = this.frame;
    const c = ++f.singles;
    if (!f.words) return true;
    // Across hosts thread 0 runs every single: all threads meet each single construct, so it always comes.
    if (f.local !== f.nthreads) return f.tnum === 0;
    return Atomics.compareExchange(f.words, M.single, c - 1, c) === c - 1;
  }

  /** __kmpc_copyprivate: the single thread's data (didit) is copied into every other thread's by cpyFunc. */
  copyprivate(data: number, cpyFunc: number, didit: boolean): void {
    const f = this.frame;
    const w = f.words;
    if (!w) return;
    this.refuseIfSpread('single copyprivate');
    if (didit) Atomics.store(w, M.copyData, data);
    this.barrier();
    if (!didit) (this.guest.fn(cpyFunc) as (dst: number, src: number) => void)(data, Atomics.load(w, M.copyData));
    this.barrier();
  }

  /**
   * __kmpc_reduce: thread 0 combines every thread's private data into its own, in thread order (so results do
   * not depend on timing), and returns 1 to fold it into the shared variables; the others return 0 once thread 0
   * has done so (__kmpc_end_reduce), so every thread sees the result after it.
   */
  reduce(data: number, reduceFunc: number): number {
    const f = this.frame;
    const w = f.words;
    if (!w) return 1;
    if (f.local !== f.nthreads) {
      // Thread 0 combines; the others wait at a second synchronisation until it has folded the result in.
      const first = this.spreadReduce(data, reduceFunc);
      if (first === 0) this.spreadBarrier('barrier');
      return first;
    }
    const n = f.nthreads;
    if (f.tnum !== 0) {
      const gen = Atomics.load(w, M.reduceGen);
      Atomics.store(w, M.reduceData + f.tnum, data);
      Atomics.add(w, M.reduceArrived, 1);
      Atomics.notify(w, M.reduceArrived);
      this.waiting.untilChanged(w, M.reduceGen, gen);
      return 0;
    }
    for (let v = Atomics.load(w, M.reduceArrived); v !== n - 1; v = Atomics.load(w, M.reduceArrived)) {
      this.waiting.untilChanged(w, M.reduceArrived, v);
    }
    const combine = this.guest.fn(reduceFunc) as (lhs: number, rhs: number) => void;
    for (let t = 1; t < n; t++) combine(data, Atomics.load(w, M.reduceData + t));
    return 1;
  }

  /** __kmpc_end_reduce, on thread 0: the shared variables are updated; release the others. */
  endReduce(): void {
    const f = this.frame;
    const w = f.words;
    if (!w || f.tnum !== 0) return;
    if (f.local !== f.nthreads) {
      this.spreadBarrier('barrier');
      return;
    }
    Atomics.store(w, M.reduceArrived, 0);
    Atomics.add(w, M.reduceGen, 1);
    Atomics.notify(w, M.reduceGen);
  }

  /**
   * __kmpc_reduce_nowait: the same combination, in the same order (thread 0's data, then thread 1's, ...), but
   * done by whichever thread arrives last, so nobody waits for thread 0 to come round: a member that arrives last
   * combines and goes on to the join barrier at once, and thread 0 (which returns 1 and folds the result into the
   * shared variables; with nowait, others may see it only after a barrier) waits once instead of at the
   * reduction and again at the join. Earlier arrivals wait until the combination is done: it reads their data.
   */
  reduceNowait(data: number, reduceFunc: number): number {
    const f = this.frame;
    const w = f.words;
    if (!w) return 1;
    if (f.local !== f.nthreads) return this.spreadReduce(data, reduceFunc);
    const n = f.nthreads;
    const gen = Atomics.load(w, M.reduceGen);
    Atomics.store(w, M.reduceData + f.tnum, data);
    if (Atomics.add(w, M.reduceArrived, 1) === n - 1) {
      const combine = this.guest.fn(reduceFunc) as (lhs: number, rhs: number) => void;
      const into = Atomics.load(w, M.reduceData);
      for (let t = 1; t < n; t++) combine(into, Atomics.load(w, M.reduceData + t));
      Atomics.store(w, M.reduceArrived, 0);
      Atomics.add(w, M.reduceGen, 1);
      Atomics.notify(w, M.reduceGen);
    } else {
      this.waiting.untilChanged(w, M.reduceGen, gen);
    }
    return f.tnum === 0 ? 1 : 0;
  }

  /**
   * A reduction across hosts: every thread's private data travels to the main host in its host's diff, with
   * the address of its reduce data; thread 0 then combines all of them in thread order, as on one host
   * (spread/reduce-order.ts), and returns 1 to fold the result into the shared variables.
   */
  private spreadReduce(data: number, reduceFunc: number): number {
    const f = this.frame;
    const w = f.words!;
    w[M.reduceData + f.tnum] = data;
    // Thread 0 (the main host's hub) combines before it releases this host's threads: their data is on their
    // stacks, which they would reuse once released.
    const combine = () => {
      const fn = this.guest.fn(reduceFunc) as (lhs: number, rhs: number) => void;
      for (let t = 1; t < f.nthreads; t++) fn(data, w[M.reduceData + t]);
    };
    this.spreadBarrier('reduce', f.tnum === 0 ? combine : undefined);
    return f.tnum === 0 ? 1 : 0;
  }

  // ---------------------------------------------------------------- queries (omp_* API)

  ancestorThreadNum(level: number): number {
    const f = this.frame;
    if (level < 0 || level > f.level) return -1;
    if (level === f.level) return f.tnum;
    return level === 0 ? 0 : f.ancestorTnum[level] ?? -1;
  }

  teamSizeAt(level: number): number {
    const f = this.frame;
    if (level < 0 || level > f.level) return -1;
    if (level === f.level) return f.nthreads;
    return level === 0 ? 1 : f.ancestorSize[level] ?? -1;
  }

  setNumThreads(n: number): void {
    if (n < 1) return; // the standard leaves it undefined; libomp ignores it too
    const env = this.frame.env;
    this.setEnv({ ...env, nthreads: [n, ...env.nthreads.slice(1)] });
  }

  /** Replaces the current task's ICVs (omp_set_*); teams it forks from now on inherit the new ones. */
  setEnv(env: DataEnv): void {
    this.frame.env = env;
    this.frame.childEnv = undefined;
  }
}
