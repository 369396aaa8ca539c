// The MPI environment calls (Init/Finalize, rank and size, thread levels, versions, timers, Abort).
import { performance } from 'node:perf_hooks';
import { JobAbort } from '../host-interface/types.js';
import * as abi from './abi.js';
import { deleteAttributes } from './attributes.js';
import type { MpiPart, MpiRank } from './rank.js';

const LIBRARY_VERSION = `faasmpi ${abi.MPI_VERSION}.${abi.MPI_SUBVERSION} (FaasMPI on Node.js ${process.versions.node})`;

function functions(rank: MpiRank) {
  const mem = rank.mem;
  const init = (fn: string) => {
    if (rank.phase !== 'before-init') {
      rank.fatal(fn, 'MPI_ERR_OTHER', rank.phase === 'initialised' ? 'MPI is already initialised' : 'MPI cannot be initialised again after MPI_Finalize');
    }
    rank.phase = 'initialised';
  };
  /** Rank or size queries: the handle must name a communicator. */
  const withComm = (fn: string, handle: number, use: (c: { rank: number; worldRanks: number[] }) => void) => {
    rank.requireActive(fn);
    const c = rank.comm(fn, handle);
    if (typeof c === 'number') return c;
    use(c);
    return abi.MPI_SUCCESS;
  };
  return {
    MPI_Init: (_argc: number, _argv: number) => {
      init('MPI_Init');
      rank.threadLevel = abi.MPI_THREAD_SINGLE;
      return abi.MPI_SUCCESS;
    },
    MPI_Init_thread: (_argc: number, _argv: number, required: number, providedPtr: number) => {
      init('MPI_Init_thread');
      if (required < abi.MPI_THREAD_SINGLE || required > abi.MPI_THREAD_MULTIPLE) {
        rank.fatal('MPI_Init_thread', 'MPI_ERR_ARG', `invalid thread level ${required}`);
      }
      // Only the Faaslet's main thread may call MPI until the OpenMP runtime routes calls from other threads.
      rank.threadLevel = Math.min(required, abi.MPI_THREAD_FUNNELED);
      mem.setI32(providedPtr, rank.threadLevel);
      return abi.MPI_SUCCESS;
    },
    MPI_Initialized: (flagPtr: number) => {
      mem.setI32(flagPtr, rank.phase === 'before-init' ? 0 : 1);
      return abi.MPI_SUCCESS;
    },
    MPI_Finalized: (flagPtr: number) => {
      mem.setI32(flagPtr, rank.phase === 'finalised' ? 1 : 0);
      return abi.MPI_SUCCESS;
    },
    MPI_Finalize: () => {
      rank.requireActive('MPI_Finalize');
      // MPI-3.1 8.7.1: MPI_Finalize first frees MPI_COMM_SELF's attributes, newest first (libraries hook their
      // clean-up there), then MPI_COMM_WORLD's as it is freed. MPI is still active while the callbacks run.
      let rc = deleteAttributes(rank, 'MPI_Finalize', rank.comms.get(abi.MPI_COMM_SELF)!, true);
      const world = deleteAttributes(rank, 'MPI_Finalize', rank.comms.get(abi.MPI_COMM_WORLD)!, true);
      if (rc === abi.MPI_SUCCESS) rc = world;
      rank.phase = 'finalised';
      return rc === abi.MPI_SUCCESS ? rc : rank.errors.raise(abi.MPI_COMM_WORLD, 'MPI_Finalize', rc, 'an attribute delete callback failed');
    },
    MPI_Abort: (comm: number, code: number) => {
      throw new JobAbort(code === 0 ? 1 : code, `rank ${rank.worldRank}: MPI_Abort called with error code ${code}`);
    },
    MPI_Comm_rank: (comm: number, rankPtr: number) => withComm('MPI_Comm_rank', comm, (c) => mem.setI32(rankPtr, c.rank)),
    MPI_Comm_size: (comm: number, sizePtr: number) => withComm('MPI_Comm_size', comm, (c) => mem.setI32(sizePtr, c.worldRanks.length)),
    MPI_Query_thread: (providedPtr: number) => {
      rank.requireActive('MPI_Query_thread');
      mem.setI32(providedPtr, rank.threadLevel);
      return abi.MPI_SUCCESS;
    },
    // Every MPI call is made from the Faaslet's main thread so far (see MPI_Init_thread).
    MPI_Is_thread_main: (flagPtr: number) => {
      rank.requireActive('MPI_Is_thread_main');
      mem.setI32(flagPtr, 1);
      return abi.MPI_SUCCESS;
    },
    MPI_Get_processor_name: (namePtr: number, lenPtr: number) => {
      mem.setI32(lenPtr, mem.writeCString(namePtr, abi.MPI_MAX_PROCESSOR_NAME, rank.processorName()));
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
}

export const environmentPart: MpiPart = {
  names: Object.keys(functions({} as MpiRank)),
  functions,
};
