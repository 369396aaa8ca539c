// The MPI environment calls (Init/Finalize, rank and size of the predefined communicators, timers, Abort).
// Point-to-point, collectives and communicators build on the same per-rank state in later modules.
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { FaasletIdentity, HostModule, HostModuleSpec } from '../host-interface/types.js';
import { JobAbort } from '../host-interface/types.js';
import { GuestMemory } from '../host-interface/memory-view.js';
import * as abi from './abi.js';

export const MPI_MODULE_NAME = 'faasmpi_mpi';

const ENVIRONMENT_FUNCTIONS = [
  'MPI_Init', 'MPI_Init_thread', 'MPI_Initialized', 'MPI_Finalize', 'MPI_Finalized', 'MPI_Abort',
  'MPI_Comm_rank', 'MPI_Comm_size', 'MPI_Get_processor_name', 'MPI_Get_version', 'MPI_Get_library_version',
  'MPI_Query_thread', 'MPI_Is_thread_main', 'MPI_Wtime', 'MPI_Wtick',
] as const;

export const mpiSpec: HostModuleSpec = { name: MPI_MODULE_NAME, functionNames: ENVIRONMENT_FUNCTIONS };

export interface MpiContext {
  identity: FaasletIdentity;
  memory: () => WebAssembly.Memory;
}

type Phase = 'before-init' | 'initialised' | 'finalised';

const LIBRARY_VERSION = `faasmpi ${abi.MPI_VERSION}.${abi.MPI_SUBVERSION} (FaasMPI on Node.js ${process.versions.node})`;

export function createMpiEnvironment(ctx: MpiContext): HostModule {
  const mem = new GuestMemory(ctx.memory);
  const { index, size } = ctx.identity;
  let phase: Phase = 'before-init';
  let threadLevel = abi.MPI_THREAD_SINGLE;

  const fatal = (fn: string, errorClass: string, problem: string): never => {
    throw new JobAbort(1, `rank ${index}: ${fn}: ${problem} (${errorClass})`);
  };
  const requireActive = (fn: string) => {
    if (phase === 'before-init') fatal(fn, 'MPI_ERR_OTHER', 'called before MPI_Init');
    if (phase === 'finalised') fatal(fn, 'MPI_ERR_OTHER', 'called after MPI_Finalize');
  };
  const commSize = (fn: string, comm: number): number => {
    if (comm === abi.MPI_COMM_WORLD) return size;
    if (comm === abi.MPI_COMM_SELF) return 1;
    return fatal(fn, 'MPI_ERR_COMM', `invalid communicator 0x${(comm >>> 0).toString(16)}`);
  };
  const init = (fn: string) => {
    if (phase !== 'before-init') fatal(fn, 'MPI_ERR_OTHER', phase === 'initialised' ? 'MPI is already initialised' : 'MPI cannot be initialised again after MPI_Finalize');
    phase = 'initialised';
  };

  const functions: Record<(typeof ENVIRONMENT_FUNCTIONS)[number], (...a: any[]) => any> = {
    MPI_Init: (_argc: number, _argv: number) => {
      init('MPI_Init');
      threadLevel = abi.MPI_THREAD_SINGLE;
      return abi.MPI_SUCCESS;
    },
    MPI_Init_thread: (_argc: number, _argv: number, required: number, providedPtr: number) => {
      init('MPI_Init_thread');
      if (required < abi.MPI_THREAD_SINGLE || required > abi.MPI_THREAD_MULTIPLE) {
        fatal('MPI_Init_thread', 'MPI_ERR_ARG', `invalid thread level ${required}`);
      }
      // Only the Faaslet's main thread may call MPI until the OpenMP runtime routes calls from other threads.
      threadLevel = Math.min(required, abi.MPI_THREAD_FUNNELED);
      mem.setI32(providedPtr, threadLevel);
      return abi.MPI_SUCCESS;
    },
    MPI_Initialized: (flagPtr: number) => {
      mem.setI32(flagPtr, phase === 'before-init' ? 0 : 1);
      return abi.MPI_SUCCESS;
    },
    MPI_Finalized: (flagPtr: number) => {
      mem.setI32(flagPtr, phase === 'finalised' ? 1 : 0);
      return abi.MPI_SUCCESS;
    },
    MPI_Finalize: () => {
      requireActive('MPI_Finalize');
      phase = 'finalised';
      return abi.MPI_SUCCESS;
    },
    MPI_Abort: (comm: number, code: number) => {
      commSize('MPI_Abort', comm);
      throw new JobAbort(code === 0 ? 1 : code, `rank ${index}: MPI_Abort called with error code ${code}`);
    },
    MPI_Comm_rank: (comm: number, rankPtr: number) => {
      requireActive('MPI_Comm_rank');
      commSize('MPI_Comm_rank', comm); // validates the handle
      mem.setI32(rankPtr, comm === abi.MPI_COMM_SELF ? 0 : index);
      return abi.MPI_SUCCESS;
    },
    MPI_Comm_size: (comm: number, sizePtr: number) => {
      requireActive('MPI_Comm_size');
      mem.setI32(sizePtr, commSize('MPI_Comm_size', comm));
      return abi.MPI_SUCCESS;
    },
    MPI_Get_processor_name: (namePtr: number, lenPtr: number) => {
      mem.setI32(lenPtr, mem.writeCString(namePtr, abi.MPI_MAX_PROCESSOR_NAME, hostname()));
      return abi.MPI_SUCCESS;
    },
    MPI_Query_thread: (providedPtr: number) => {
      requireActive('MPI_Query_thread');
      mem.setI32(providedPtr, threadLevel);
      return abi.MPI_SUCCESS;
    },
    // Every MPI call is made from the Faaslet's main thread so far (see MPI_Init_thread).
    MPI_Is_thread_main: (flagPtr: number) => {
      requireActive('MPI_Is_thread_main');
      mem.setI32(flagPtr, 1);
      return abi.MPI_SUCCESS;
    },
    MPI_Get_library_version: (versionPtr: number, lenPtr: number) => {
      mem.setI32(lenPtr, mem.writeCString(versionPtr, abi.MPI_MAX_LIBRARY_VERSION_STRING, LIBRARY_VERSION));
      return abi.MPI_SUCCESS;
    },
    MPI_Get_version: (versionPtr: number, subversionPtr: number) => {
      mem.setI32(versionPtr, abi.MPI_VERSION);
      mem.setI32(subversionPtr, abi.MPI_SUBVERSION);
      return abi.MPI_SUCCESS;
    },
    // Wall-clock seconds; performance.timeOrigin + now() is comparable across the threads of one host.
    MPI_Wtime: () => (performance.timeOrigin + performance.now()) / 1000,
    MPI_Wtick: () => 1e-6,
  };
  return { name: MPI_MODULE_NAME, functions };
}
