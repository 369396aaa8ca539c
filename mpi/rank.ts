// One rank's MPI state, shared by every group of MPI host functions (environment, point-to-point, datatypes,
// errors, ...). Lives in the rank's worker for the life of its Faaslet.
import { hostname } from 'node:os';
import type { FaasletIdentity } from '../host-interface/types.js';
import { JobAbort } from '../host-interface/types.js';
import { GuestMemory } from '../host-interface/memory-view.js';
import * as abi from './abi.js';
import { Communicators, type Communicator } from './communicators.js';
import { DatatypeRegistry } from './datatypes/index.js';
import { ErrorHandlers } from './error-handlers.js';
import { OpRegistry } from './ops/index.js';
import { Keyvals } from './keyvals.js';
import { Groups } from './group-table.js';
import { P2PEngine } from './p2p/engine.js';
import { Messages, Requests } from './p2p/requests.js';
import { JobChannels, type ChannelsHandle } from './transport/job-channels.js';
import { HostLoad } from './transport/host-load.js';
import { Waiter } from './transport/waiter.js';

/** How this rank reaches the others of its job on this host (absent for a Faaslet started on its own). */
export interface MpiTransport {
  channels: ChannelsHandle;
  /** The memory of every rank on this host by world rank (undefined for ranks on other hosts). */
  memories: (WebAssembly.Memory | undefined)[];
  hostLoad: SharedArrayBuffer;
  /** The host of every rank by world rank (the FGroup host table); absent: every rank is on this host. */
  hostTable?: readonly string[];
  /** Called when a wait would sleep, instead of sleeping (only the warm-up's private job sets it: mpi/warm-up.ts). */
  onBlock?: () => never;
  /** Set when the job may move its ranks at an all-rank MPI_Barrier (migration/migration-point.ts). */
  migration?: MigrationControl;
}

/** How a job's ranks agree to move (plain data: it crosses threads). */
export interface MigrationControl {
  /** One Int32 slot per world rank: (barrier count << 1) | migratable, written after each all-rank barrier. */
  board: SharedArrayBuffer;
  /** Move at the first all-rank MPI_Barrier from this one (1-based) at which every rank can be captured. */
  fromBarrier: number;
  /** From there, vote at every `every`-th all-rank barrier (the same ones on every rank). */
  every: number;
  /** Keep voting after a move (a job moved on request or by the planner may move again). */
  repeat: boolean;
  /** The move needs the job owner's decision (a job spread over hosts): the board's word np + 1 carries it. */
  decided: boolean;
  /** Log why a rank could not be captured (faasmpirun -v). */
  verbose: boolean;
}

/** The scalar fields of a rank's MPI state (the rest are the sub-state objects of MpiRank.ownedStates()). */
export interface RankScalars {
  phase: Phase;
  threadLevel: number;
  crossHostMessages: number;
  scratchRegion?: { base: number; size: number };
}

export type Phase = 'before-init' | 'initialised' | 'finalised';

export class MpiRank {
  phase: Phase = 'before-init';
  threadLevel = abi.MPI_THREAD_SINGLE;
  readonly comms: Communicators;
  readonly errors: ErrorHandlers;
  readonly datatypes = new DatatypeRegistry();
  readonly requests = new Requests();
  readonly messages = new Messages();
  readonly mem: GuestMemory;
  /** Reduction ops (predefined and MPI_Op_create'd): mpi/ops/. */
  readonly ops: OpRegistry;
  readonly groups = new Groups();
  readonly keyvals = new Keyvals();
  private engine?: { p2p: P2PEngine; waiter: Waiter; channels: JobChannels };
  /** The communicator of the host call running now, once it is resolved (a bad pointer's error goes to its handler). */
  callComm = abi.MPI_COMM_WORLD;
  /** Collective messages this rank sent to a rank on another host (collectives/; 0 on a single host). */
  crossHostMessages = 0;

  constructor(
    readonly identity: FaasletIdentity,
    private readonly memory: () => WebAssembly.Memory,
    /** The guest's exports, for calling back into it (user reduction ops, attribute callbacks). */
    readonly guestExports: () => WebAssembly.Exports,
    private readonly transport?: MpiTransport,
  ) {
    this.mem = new GuestMemory(memory);
    this.comms = new Communicators(identity.index, identity.size);
    this.errors = new ErrorHandlers(identity.index);
    this.ops = new OpRegistry({ memory, exports: guestExports });
  }

  /** Made on first use: a Faaslet started on its own (no job) gets a private one-rank transport. */
  private connect(): { p2p: P2PEngine; waiter: Waiter; channels: JobChannels } {
    if (!this.engine) {
      const t = this.transport;
      const channels = t ? JobChannels.attach(t.channels) : JobChannels.create(1, 1 << 20);
      const memories = t ? t.memories : [this.memory()];
      const load = t ? new HostLoad(t.hostLoad) : HostLoad.create();
      this.engine = { p2p: new P2PEngine(this.worldRank, channels, memories), waiter: new Waiter(channels, this.worldRank, load, t?.onBlock), channels };
    }
    return this.engine;
  }

  /** Cores this rank's host may use (its share of the machine): the same for every rank of the host. */
  get hostCores(): number {
    return this.connect().waiter.load.cores;
  }

  get p2p(): P2PEngine {
    return this.connect().p2p;
  }

  get waiter(): Waiter {
    return this.connect().waiter;
  }

  /** The job's shared state on this host (the collectives' shared-memory area is in it). */
  get channels(): JobChannels {
    return this.connect().channels;
  }

  /** The host running a world rank. */
  hostOf(worldRank: number): string {
    return this.transport?.hostTable?.[worldRank] ?? this.identity.hostId;
  }

  /** MPI_Get_processor_name: the machine's name, or on a job spread over host runtimes the host's id (several
   * host runtimes may share a machine, but not memory). */
  processorName(): string {
    return this.transport?.hostTable ? this.identity.hostId : hostname();
  }

  /** The linear memory of a rank on this host (collectives read and write peers' buffers directly). */
  memoryOf(worldRank: number): WebAssembly.Memory {
    const m = this.transport ? this.transport.memories[worldRank] : this.memory();
    if (!m) throw new Error(`rank ${worldRank} runs on another host: its memory is not here`);
    return m;
  }

  // ---- scratch space in guest memory, for messages the runtime sends itself and callback out-parameters ----
  private scratchRegion?: { base: number; size: number };
  private scratchUsed = 0;

  /**
   * Runs use(addr) with `bytes` bytes of guest memory that nothing else uses until it returns (nested uses get
   * disjoint space). The space is whole wasm pages the runtime grows the memory by on first need and keeps;
   * the guest's allocator never sees them (it only uses what its own sbrk got).
   */
  withScratch<T>(bytes: number, use: (addr: number) => T): T {
    const need = (Math.max(bytes, 1) + 15) & ~15;
    let region = this.scratchRegion;
    if (!region || this.scratchUsed + need > region.size) {
      if (region && this.scratchUsed > 0) {
        // Nested use that does not fit: one-off pages for it.
        return use(this.growPages(need).base);
      }
      region = this.growPages(Math.max(need, region ? 2 * region.size : 65536));
      this.scratchRegion = region;
    }
    const at = region.base + this.scratchUsed;
    const before = this.scratchUsed;
    this.scratchUsed += need;
    try {
      return use(at);
    } finally {
      this.scratchUsed = before;
    }
  }

  private growPages(bytes: number): { base: number; size: number } {
    const pages = Math.ceil(bytes / 65536);
    let old: number;
    try {
      old = this.memory().grow(pages);
    } catch {
      return this.fatal('MPI', 'MPI_ERR_NO_MEM', `cannot grow memory by ${pages} pages for the runtime's scratch space`);
    }
    return { base: old * 65536, size: pages * 65536 };
  }

  /** Every sub-state object this rank owns, by name: what a migration captures besides scalars() (migration/). */
  ownedStates(): Record<string, object> {
    return {
      comms: this.comms, errors: this.errors, datatypes: this.datatypes, requests: this.requests,
      messages: this.messages, ops: this.ops, groups: this.groups, keyvals: this.keyvals,
    };
  }

  scalars(): RankScalars {
    return { phase: this.phase, threadLevel: this.threadLevel, crossHostMessages: this.crossHostMessages, scratchRegion: this.scratchRegion };
  }

  /** Restores scalars() of this rank's previous Faaslet (nothing may be using the scratch space now). */
  adoptScalars(s: RankScalars): void {
    this.phase = s.phase;
    this.threadLevel = s.threadLevel;
    this.crossHostMessages = s.crossHostMessages;
    this.scratchRegion = s.scratchRegion;
    this.scratchUsed = 0;
  }

  /** The point-to-point engine if this rank has used it (a migration needs it idle). */
  engineIfStarted(): P2PEngine | undefined {
    return this.engine?.p2p;
  }

  /** The job's migration control, if the job may move its ranks. */
  get migration(): MigrationControl | undefined {
    return this.transport?.migration;
  }

  /** Whether this rank's job runs on several hosts (the host table is given then). */
  get multiHost(): boolean {
    return this.transport?.hostTable !== undefined;
  }

  get worldRank(): number {
    return this.identity.index;
  }

  /** Ends the job: for misuse no error handler may intercept (calls before MPI_Init, after MPI_Finalize). */
  fatal(fn: string, errorClass: string, problem: string): never {
    throw new JobAbort(1, `rank ${this.worldRank}: ${fn}: ${problem} (${errorClass})`);
  }

  requireActive(fn: string): void {
    if (this.phase === 'before-init') this.fatal(fn, 'MPI_ERR_OTHER', 'called before MPI_Init');
    if (this.phase === 'finalised') this.fatal(fn, 'MPI_ERR_OTHER', 'called after MPI_Finalize');
  }

  /** The communicator behind a handle, or the error code raised (through MPI_COMM_WORLD's handler). */
  comm(fn: string, handle: number): Communicator | number {
    const c = this.comms.get(handle);
    if (c) {
      this.callComm = c.handle;
      return c;
    }
    return this.errors.raise(abi.MPI_COMM_WORLD, fn, abi.MPI_ERR_COMM, `invalid communicator 0x${(handle >>> 0).toString(16)}`);
  }
}

/** A group of MPI host functions: their names (known before any instance exists) and their implementations. */
export interface MpiPart {
  readonly names: readonly string[];
  functions(rank: MpiRank): Record<string, (...args: any[]) => any>;
}
