// The faasmpi_mpi host module: every group of MPI functions (parts) over one per-rank MpiRank state.
// A new group of functions is added to PARTS and nowhere else.
import type { FaasletIdentity, HostModule, HostModuleSpec } from '../host-interface/types.js';
import { environmentPart } from './environment.js';
import { MpiRank, type MpiPart } from './rank.js';

export const MPI_MODULE_NAME = 'faasmpi_mpi';

const PARTS: readonly MpiPart[] = [environmentPart];

export const mpiSpec: HostModuleSpec = { name: MPI_MODULE_NAME, functionNames: PARTS.flatMap((p) => p.names) };

export interface MpiContext {
  identity: FaasletIdentity;
  memory: () => WebAssembly.Memory;
}

export function createMpiModule(ctx: MpiContext): HostModule {
  const rank = new MpiRank(ctx.identity, ctx.memory);
  const functions: Record<string, (...args: any[]) => any> = {};
  for (const part of PARTS) Object.assign(functions, part.functions(rank));
  return { name: MPI_MODULE_NAME, functions };
}
