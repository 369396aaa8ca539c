// One rank's MPI state, shared by every group of MPI host functions (environment, point-to-point, datatypes,
// errors, ...). Lives in the rank's worker for the life of its Faaslet.
import type { FaasletIdentity } from '../host-interface/types.js';
import { JobAbort } from '../host-interface/types.js';
import { GuestMemory } from '../host-interface/memory-view.js';
import * as abi from './abi.js';
import { Communicators, type Communicator } from './communicators.js';
import { DatatypeRegistry } from './datatypes/index.js';
import { ErrorHandlers } from './errors.js';
import { P2PEngine } from './p2p/engine.js';
import { Messages, Requests } from './p2p/requests.js';
import { JobChannels, type ChannelsHandle } from './transport/job-channels.js';
import { HostLoad, Waiter } from './transport/waiter.js';

/** How this rank reaches the others of its job on this host (absent for a Faaslet started on its own). */
export interface MpiTransport {
  channels: ChannelsHandle;
  /** Every rank's memory by world rank. */
  memories: WebAssembly.Memory[];
  hostLoad: SharedArrayBuffer;
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
  private engine?: { p2p: P2PEngine; waiter: Waiter };

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
  }

  /** Made on first use: a Faaslet started on its own (no job) gets a private one-rank transport. */
  private connect(): { p2p: P2PEngine; waiter: Waiter } {
    if (!this.engine) {
      const t = this.transport;
      const channels = t ? JobChannels.attach(t.channels) : JobChannels.create(1, 1 << 20);
      const memories = t ? t.memories : [this.memory()];
      const load = t ? new HostLoad(t.hostLoad) : HostLoad.create();
      this.engine = { p2p: new P2PEngine(this.worldRank, channels, memories), waiter: new Waiter(channels, this.worldRank, load) };
    }
    return this.engine;
  }

  get p2p(): P2PEngine {
    return this.connect().p2p;
  }

  get waiter(): Waiter {
    return this.connect().waiter;
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
    if (c) return c;
    return this.errors.raise(abi.MPI_COMM_WORLD, fn, abi.MPI_ERR_COMM, `invalid communicator 0x${(handle >>> 0).toString(16)}`);
  }
}

/** A group of MPI host functions: their names (known before any instance exists) and their implementations. */
export interface MpiPart {
  readonly names: readonly string[];
  functions(rank: MpiRank): Record<string, (...args: any[]) => any>;
}
