// A Faaslet: one wasm instance with its memory and host interface. It runs inside a worker thread (host calls
// may block). It starts fresh (instantiate, then _initialize runs constructors) or from a snapshot (memory and
// globals restored, constructors not run again), then runs the program's main.
import { createHostModules, type HostContext } from '../host-interface/index.js';
import { JobAbort, ProcExit, type HostModule } from '../host-interface/types.js';
import { OmpError } from '../openmp/errors.js';
import type { OmpModule } from '../openmp/module.js';
import type { ThreadSlotInit } from '../openmp/process.js';
import type { OmpThread } from '../openmp/thread.js';
import { captureSnapshot, readGlobals, restoreGlobals, restoreMemory, SnapshotError, type Snapshot } from '../snapshots/snapshot.js';
import type { LoadedModule } from './module-loader.js';
import { MPI_MODULE_NAME, type MpiHostModule } from '../mpi/module.js';
import { FdKind, FD_CAPACITY } from '../host-interface/wasi/fd-table.js';
import { Asyncify } from '../migration/asyncify.js';
import { MigrationPoint } from '../migration/migration-point.js';
import { ClosureStateWatch } from '../migration/closure-state-watch.js';
import { CAPTURE_VERSION, type RankCapture } from '../migration/capture.js';
import { captureMpiState, restoreMpiState } from '../migration/mpi-state.js';
import { diffMemory } from '../snapshots/diff.js';
import { describeError, type FaasletOutcome } from './outcome.js';


/** Host calls that read the environment (see Faaslet.readEnvironment). */
const ENVIRONMENT_READS = new Set(['environ_sizes_get', 'environ_get']);

/** Host calls that read the Faaslet's inputs or the clock without changing anything outside its memory. */
const NO_SIDE_EFFECTS = new Set([
  'args_sizes_get', 'args_get', 'clock_time_get', 'clock_res_get',
  'fd_fdstat_get', 'fd_prestat_get', 'fd_prestat_dir_name', 'sched_yield',
]);

export interface FaasletOptions {
  /**
   * Stop initialisation at its first host call with side effects, before that call does anything (used while
   * initialising a Faaslet that will be snapshotted): the ranks then run their constructors themselves, so
   * effects such as output or a written file happen exactly once per rank, as natively.
   */
  observeSideEffects?: boolean;
}

/** Thrown into the guest (which cannot catch it) to stop an observed initialisation at a side effect. */
class SideEffectReached extends Error {
  constructor(readonly call: string) {
    super(`initialisation calls ${call}`);
  }
}

export class Faaslet {
  /** The host call with side effects that stopped an observed initialisation, as "module.function". */
  sideEffect: string | undefined;
  /**
   * An observed initialisation read the environment. Harmless to go on (it still runs under its time limit), but
   * its snapshot must not be used: each rank's environment differs (OMPI_COMM_WORLD_RANK, ...) and libc keeps
   * what it read in memory, so every rank would see the snapshot's environment for good.
   */
  readEnvironment = false;
  private observing: boolean;

  private constructor(
    readonly loaded: LoadedModule,
    readonly instance: WebAssembly.Instance,
    readonly memory: WebAssembly.Memory,
    private readonly host: Omit<HostContext, 'memory' | 'exports'>,
    observe: boolean,
    private readonly modules: HostModule[],
    /** Present when the module was built with -fmigrate and runs as a rank (its MPI_Barrier is a migration point). */
    private readonly point?: MigrationPoint,
  ) {
    this.observing = observe;
  }

  /**
   * Instantiates fresh (snapshot undefined) or restored from a snapshot of the same module. `memory`, when
   * given, was made by memoryFor() with the same snapshot (the host makes a job's memories so that every
   * rank can reach every other rank's memory).
   */
  static create(loaded: LoadedModule, host: Omit<HostContext, 'memory' | 'exports'>, snapshot?: Snapshot, options: FaasletOptions = {}, given?: WebAssembly.Memory): Faaslet {
    let memory = given ?? memoryFor(loaded, snapshot);
    const getMemory = () => memory!;
    let instance: WebAssembly.Instance | undefined;
    const getExports = () => {
      if (!instance) throw new Error('the guest called back into the host before it was instantiated');
      return instance.exports;
    };
    let faaslet: Faaslet | undefined;
    const imports: WebAssembly.Imports = {};
    const modules = createHostModules({ ...host, memory: getMemory, exports: getExports });
    const point = loaded.meta?.asyncify && !options.observeSideEffects ? migrationPoint(modules, host, getExports, getMemory, () => faaslet) : undefined;
    for (const m of modules) {
      imports[m.name] = options.observeSideEffects ? observed(m.name, m.functions, () => faaslet) : m.functions;
    }
    if (memory) imports.env = { memory };
    instance = new WebAssembly.Instance(loaded.module, imports);
    memory ??= instance.exports.memory as WebAssembly.Memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new SnapshotError(`${loaded.path}: module neither imports nor exports a memory`);
    if (snapshot) restoreGlobals(snapshot, instance.exports);
    faaslet = new Faaslet(loaded, instance, memory, host, options.observeSideEffects ?? false, modules, point);
    return faaslet;
  }

  /** Why this Faaslet (apart from its MPI state) cannot be captured now; undefined when it can. */
  whyNotMigratable(): string | undefined {
    if (this.loaded.meta?.threads) return 'OpenMP modules are not migratable yet (their thread pool lives outside the rank)';
    const open: number[] = [];
    for (let fd = 0; fd < FD_CAPACITY; fd++) {
      const kind = this.host.fdTable.get(fd)?.kind;
      if (kind === FdKind.File || kind === FdKind.Dir || kind === FdKind.Device) open.push(fd);
    }
    return open.length ? `open file descriptor(s) ${open.slice(0, 5).join(', ')} (files are not carried yet)` : undefined;
  }

  /**
   * Continues a captured rank in this fresh Faaslet: its memory (rebuilt from the base and the capture's diff)
   * is already in place; globals and MPI state are restored and the next run() rewinds the call stack into the
   * migration point the rank left.
   */
  resumeFrom(capture: RankCapture): void {
    if (!this.point) throw new SnapshotError(`${this.loaded.path}: a capture can only resume in a module built with -fmigrate`);
    if (capture.moduleId !== this.loaded.id) throw new SnapshotError(`${this.loaded.path}: the capture was taken from another module`);
    restoreGlobals({ globals: capture.globals } as Snapshot, this.instance.exports);
    const mpi = (this.modules.find((m) => m.name === MPI_MODULE_NAME) as MpiHostModule).rank;
    restoreMpiState(mpi, capture.mpi);
    this.point.rewindInto(capture);
  }

  /** After the entry returned because the stack unwound at a migration point: the rank's capture. */
  private captured(base: Snapshot | undefined, started: number): RankCapture {
    const { data, result } = this.point!.unwound!;
    Asyncify.of(this.instance.exports, () => this.memory)!.stopUnwind();
    const mpi = (this.modules.find((m) => m.name === MPI_MODULE_NAME) as MpiHostModule).rank;
    return {
      version: CAPTURE_VERSION,
      moduleId: this.loaded.id,
      worldRank: this.host.identity.index,
      memory: diffMemory(this.loaded.id, this.memory, base),
      globals: readGlobals(this.instance.exports, this.loaded.meta!.mutableGlobals),
      asyncifyData: data,
      barrierResult: result,
      point: { ...this.point!.state },
      mpi: captureMpiState(mpi),
      captureMs: performance.now() - started,
      unwoundAtMs: performance.timeOrigin + started,
    };
  }

  /**
   * An OpenMP thread of a running process: another instance on the process's memory, with its own stack and
   * TLS block (set aside by the thread that asked for it). Constructors and data initialisation do not run again.
   */
  static createThread(loaded: LoadedModule, host: Omit<HostContext, 'memory' | 'exports'>, memory: WebAssembly.Memory, slot: ThreadSlotInit): Faaslet {
    const f = Faaslet.create(loaded, host, undefined, {}, memory);
    const sp = f.instance.exports.__stack_pointer;
    const initTls = f.instance.exports.__wasm_init_tls;
    if (!(sp instanceof WebAssembly.Global) || typeof initTls !== 'function') {
      throw new Error(`${loaded.path}: not built for threads (no __stack_pointer or __wasm_init_tls export); build it with faasmpicc -fopenmp`);
    }
    sp.value = slot.stackTop;
    if (slot.tlsBlock) initTls(slot.tlsBlock);
    return f;
  }

  private get omp(): OmpModule {
    return this.modules.find((m) => m.name === 'faasmpi_omp') as OmpModule;
  }

  /** This instance's OpenMP thread. */
  ompThread(): OmpThread {
    return this.omp.thread();
  }

  /** Ends the process's pool threads, if it started any (when its main thread is done). */
  endOmpThreads(): void {
    this.omp.existing()?.endSpread();
    this.omp.existing()?.processState?.shutdown();
  }

  /** Runs constructors (reactor modules only; a command module's _start does this itself). */
  initialise(): FaasletOutcome | undefined {
    const init = this.instance.exports._initialize;
    if (this.loaded.entry !== 'faasmpi_main' || typeof init !== 'function') return undefined;
    try {
      init();
      return undefined;
    } catch (e) {
      if (e instanceof SideEffectReached) {
        this.sideEffect = e.call;
        return { kind: 'error', message: e.message };
      }
      return this.outcomeOf(e);
    } finally {
      this.observing = false;
    }
  }

  /**
   * Runs main to the end, or to a migration point where the rank is captured (its memory as a diff against
   * `base`, what it started from). Returns how it ended; never throws.
   */
  run(base?: Snapshot): FaasletOutcome {
    try {
      this.omp.prestart();
      (this.instance.exports[this.loaded.entry] as () => void)();
      if (this.point?.unwound) return { kind: 'migrate', capture: this.captured(base, this.point.unwound.at) };
      return { kind: 'exit', code: 0 };
    } catch (e) {
      return this.outcomeOf(e);
    } finally {
      this.host.stdout.flush();
      this.host.stderr.flush();
    }
  }

  /** A thread Faaslet's life: serve OpenMP teams until the process ends. Returns how it ended if not normally. */
  serve(): FaasletOutcome | undefined {
    try {
      this.omp.prestart();
      this.ompThread().serve();
      return undefined;
    } catch (e) {
      return this.outcomeOf(e);
    }
  }

  /** A replica host's thread of another host's spread teams (openmp/spread/): serves them until the job ends. */
  serveReplica(): FaasletOutcome | undefined {
    try {
      this.ompThread().serveReplica();
      return undefined;
    } catch (e) {
      return this.outcomeOf(e);
    }
  }

  snapshot(): Snapshot {
    if (!this.loaded.meta) throw new SnapshotError(`${this.loaded.path}: only modules built by faasmpicc can be snapshotted`);
    return captureSnapshot(this.loaded.id, this.memory, this.instance.exports, this.loaded.meta.mutableGlobals);
  }

  /** Called before each host call with side effects: while observing, the call does not happen. */
  noteSideEffect(call: string): void {
    if (this.observing) throw new SideEffectReached(call);
  }

  noteEnvironmentRead(): void {
    if (this.observing) this.readEnvironment = true;
  }

  private outcomeOf(e: unknown): FaasletOutcome {
    if (e instanceof ProcExit) return { kind: 'exit', code: e.code };
    if (e instanceof JobAbort) return { kind: 'abort', code: e.code, message: e.message };
    if (e instanceof OmpError) {
      const gtid = this.host.omp?.gtid ?? 0;
      return { kind: 'abort', code: 1, message: `rank ${this.host.identity.index}${gtid > 0 ? ` OpenMP thread ${gtid}` : ''}: ${e.message}` };
    }
    return describeError(e);
  }
}

/**
 * The memory a Faaslet of this module starts with: fresh, or the snapshot's; undefined if the module makes its
 * own. `maxPages` lowers the module's maximum (a job's memory cap: growing past it fails in the guest).
 */
export function memoryFor(loaded: LoadedModule, snapshot?: Snapshot, maxPages?: number): WebAssembly.Memory | undefined {
  const m = loaded.memory;
  const maximum = maxPages === undefined ? m?.maximumPages : Math.min(maxPages, m?.maximumPages ?? maxPages);
  if (snapshot) {
    if (snapshot.moduleId !== loaded.id) throw new SnapshotError(`${loaded.path}: snapshot was taken from another module`);
    // Only shared imported memories initialise data once (guarded by a flag in memory); an exported or
    // unshared memory would have its data segments re-applied over the restored bytes.
    if (!loaded.meta || !m?.shared) throw new SnapshotError(`${loaded.path}: only modules built by faasmpicc can be restored from snapshots`);
    return restoreMemory(snapshot, maximum, true);
  }
  if (!m) return undefined;
  return new WebAssembly.Memory({ initial: m.initialPages, maximum, shared: m.shared } as WebAssembly.MemoryDescriptor);
}

/** The rank's MPI_Barrier becomes its migration point (the module can unwind there). */
function migrationPoint(
  modules: HostModule[], host: Omit<HostContext, 'memory' | 'exports'>, exports: () => WebAssembly.Exports,
  memory: () => WebAssembly.Memory, faaslet: () => Faaslet | undefined,
): MigrationPoint | undefined {
  const mpi = modules.find((m) => m.name === MPI_MODULE_NAME) as MpiHostModule | undefined;
  if (!mpi || !host.transport || (host.omp?.gtid ?? 0) > 0) return undefined;
  const functions = mpi.functions as Record<string, (...a: any[]) => any>;
  const untracked = new ClosureStateWatch();
  untracked.wrap(functions);
  const point = new MigrationPoint(
    mpi.rank,
    () => Asyncify.of(exports(), memory),
    () => faaslet()?.whyNotMigratable() ?? untracked.whyNot(),
    (line) => { host.stderr.write(new TextEncoder().encode(line)); host.stderr.flush(); },
  );
  functions.MPI_Barrier = point.wrap(functions.MPI_Barrier);
  return point;
}

function observed(
  moduleName: string,
  functions: Record<string, (...a: any[]) => any>,
  faaslet: () => Faaslet | undefined,
): Record<string, (...a: any[]) => any> {
  const out: Record<string, (...a: any[]) => any> = {};
  for (const [name, f] of Object.entries(functions)) {
    out[name] = NO_SIDE_EFFECTS.has(name)
      ? f
      : (...args: any[]) => {
          if (ENVIRONMENT_READS.has(name)) faaslet()?.noteEnvironmentRead();
          else faaslet()?.noteSideEffect(`${moduleName}.${name}`);
          return f(...args);
        };
  }
  return out;
}
