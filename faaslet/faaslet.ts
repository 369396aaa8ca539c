// A Faaslet: one wasm instance with its memory and host interface. It runs inside a worker thread (host calls
// may block). It starts fresh (instantiate, then _initialize runs constructors) or from a snapshot (memory and
// globals restored, constructors not run again), then runs the program's main.
import { createHostModules, type HostContext } from '../host-interface/index.js';
import { JobAbort, ProcExit, type HostModule } from '../host-interface/types.js';
import { OmpError } from '../openmp/errors.js';
import type { OmpModule } from '../openmp/module.js';
import type { ThreadSlotInit } from '../openmp/process.js';
import type { OmpThread } from '../openmp/thread.js';
import { captureSnapshot, restoreGlobals, restoreMemory, SnapshotError, type Snapshot } from '../snapshots/snapshot.js';
import type { LoadedModule } from './module-loader.js';
import { describeError, type FaasletOutcome } from './outcome.js';


/**
 * Host calls that read the Faaslet's inputs or the clock without changing anything outside its memory. Not the
 * environment: each rank's differs (OMPI_COMM_WORLD_RANK, ...), and libc keeps what it read in memory, so a
 * snapshot taken after a constructor read it would give every rank the snapshot's environment for good.
 */
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
  private observing: boolean;

  private constructor(
    readonly loaded: LoadedModule,
    readonly instance: WebAssembly.Instance,
    readonly memory: WebAssembly.Memory,
    private readonly host: Omit<HostContext, 'memory' | 'exports'>,
    observe: boolean,
    private readonly modules: HostModule[],
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
    for (const m of modules) {
      imports[m.name] = options.observeSideEffects ? observed(m.name, m.functions, () => faaslet) : m.functions;
    }
    if (memory) imports.env = { memory };
    instance = new WebAssembly.Instance(loaded.module, imports);
    memory ??= instance.exports.memory as WebAssembly.Memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new SnapshotError(`${loaded.path}: module neither imports nor exports a memory`);
    if (snapshot) restoreGlobals(snapshot, instance.exports);
    faaslet = new Faaslet(loaded, instance, memory, host, options.observeSideEffects ?? false, modules);
    return faaslet;
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

  /** Runs main to the end. Returns how it ended; never throws. */
  run(): FaasletOutcome {
    try {
      this.omp.prestart();
      (this.instance.exports[this.loaded.entry] as () => void)();
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

  snapshot(): Snapshot {
    if (!this.loaded.meta) throw new SnapshotError(`${this.loaded.path}: only modules built by faasmpicc can be snapshotted`);
    return captureSnapshot(this.loaded.id, this.memory, this.instance.exports, this.loaded.meta.mutableGlobals);
  }

  /** Called before each host call with side effects: while observing, the call does not happen. */
  noteSideEffect(call: string): void {
    if (this.observing) throw new SideEffectReached(call);
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
          faaslet()?.noteSideEffect(`${moduleName}.${name}`);
          return f(...args);
        };
  }
  return out;
}
