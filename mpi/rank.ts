// One rank's MPI state, shared by every group of MPI host functions (environment, point-to-point, datatypes,
// errors, ...). Lives in the rank's worker for the life of its Faaslet.
import type { FaasletIdentity } from '../host-interface/types.js';
import { JobAbort } from '../host-interface/types.js';
import { GuestMemory } from '../host-interface/memory-view.js';
import * as abi from './abi.js';
import { Communicators, type Communicator } from './communicators.js';
import { DatatypeRegistry } from './datatypes/index.js';
import { ErrorHandlers } from './errors.js';

export type Phase = 'before-init' | 'initialised' | 'finalised';

export class MpiRank {
  phase: Phase = 'before-init';
  threadLevel = abi.MPI_THREAD_SINGLE;
  readonly comms: Communicators;
  readonly errors: ErrorHandlers;
  readonly datatypes = new DatatypeRegistry();
  readonly mem: GuestMemory;

  constructor(readonly identity: FaasletIdentity, memory: () => WebAssembly.Memory) {
    this.mem = new GuestMemory(memory);
    this.comms = new Communicators(identity.index, identity.size);
    this.errors = new ErrorHandlers(identity.index);
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
