// The faasmpi_mpi host module: every group of MPI functions (parts) over one per-rank MpiRank state.
// A new group of functions is added to PARTS and nowhere else.
import { JobAbort, type FaasletIdentity, type HostModule, type HostModuleSpec } from '../host-interface/types.js';
import { GuestMemory, GuestMemoryFault } from '../host-interface/memory-view.js';
import * as abi from './abi.js';
import { attributesPart } from './attributes.js';
import { commPart } from './comm-functions.js';
import { intercommPart } from './intercomm.js';
import { infoPart } from './info.js';
import { groupPart } from './groups.js';
import { topologyPart } from './topology.js';
import { environmentPart } from './environment.js';
import { errorsPart } from './errors.js';
import { datatypesPart } from './datatype-functions.js';
import { pointToPointPart } from './p2p/functions.js';
import { grequestsPart } from './p2p/grequests.js';
import { opsPart } from './ops/functions.js';
import { collectivesPart } from '../collectives/functions.js';
import { MpiRank, type MpiPart, type MpiTransport } from './rank.js';

export const MPI_MODULE_NAME = 'faasmpi_mpi';

const PARTS: readonly MpiPart[] = [environmentPart, errorsPart, datatypesPart, pointToPointPart, grequestsPart, attributesPart, opsPart, collectivesPart, commPart, intercommPart, infoPart, groupPart, topologyPart];

export const mpiSpec: HostModuleSpec = { name: MPI_MODULE_NAME, functionNames: PARTS.flatMap((p) => p.names) };

export interface MpiContext {
  identity: FaasletIdentity;
  memory: () => WebAssembly.Memory;
  exports: () => WebAssembly.Exports;
  transport?: MpiTransport;
}

/** The MPI host module, with the rank state its functions share (a migration captures and restores it). */
export interface MpiHostModule extends HostModule {
  readonly rank: MpiRank;
}

export function createMpiModule(ctx: MpiContext): MpiHostModule {
  const rank = new MpiRank(ctx.identity, ctx.memory, ctx.exports, ctx.transport);
  return { name: MPI_MODULE_NAME, functions: mpiFunctions(rank), rank };
}

/** Every MPI host function of one rank, as a guest calls them. */
export function mpiFunctions(rank: MpiRank): Record<string, (...args: any[]) => any> {
  const functions: Record<string, (...args: any[]) => any> = {};
  for (const part of PARTS) {
    for (const [name, f] of Object.entries(part.functions(rank))) functions[name] = guarded(rank, name, f);
  }
  return functions;
}

/**
 * A host function whose out-of-memory pointers (GuestMemoryFault, from any access through rank.mem) become an
 * MPI_ERR_ARG raised on the call's communicator: fatal by default, returned under MPI_ERRORS_RETURN.
 */
function guarded(rank: MpiRank, name: string, f: (...args: any[]) => any): (...args: any[]) => any {
  return (...args: any[]) => {
    rank.callComm = abi.MPI_COMM_WORLD;
    try {
      return f(...args);
    } catch (e) {
      if (e instanceof GuestMemoryFault) return rank.errors.raise(rank.callComm, name, abi.MPI_ERR_ARG, e.message);
      throw e;
    }
  };
}

/**
 * MPI as an OpenMP thread (not the rank's main thread) sees it: the rank provides at most
 * MPI_THREAD_FUNNELED, so only the clocks and MPI_Is_thread_main answer; any other call ends the job.
 */
export function createMpiModuleForThread(identity: FaasletIdentity, gtid: number, memory: () => WebAssembly.Memory): HostModule {
  const mem = new GuestMemory(memory);
  const functions: Record<string, (...args: any[]) => any> = {};
  for (const name of mpiSpec.functionNames) {
    functions[name] = () => {
      throw new JobAbort(1, `rank ${identity.index}: ${name} called from OpenMP thread ${gtid}; MPI provides MPI_THREAD_FUNNELED here, so only the main thread may call MPI`);
    };
  }
  functions.MPI_Wtime = () => (performance.timeOrigin + performance.now()) / 1000;
  functions.MPI_Wtick = () => 1e-6;
  functions.MPI_Is_thread_main = (flagPtr: number) => { mem.setI32(flagPtr, 0); return 0; };
  return { name: MPI_MODULE_NAME, functions };
}
