// faasm.h: what a Faaslet can ask about itself, independent of MPI.
import type { FaasletIdentity, HostModule, HostModuleSpec } from './types.js';

export const FAASM_MODULE_NAME = 'faasmpi_faasm';

export const faasmSpec: HostModuleSpec = {
  name: FAASM_MODULE_NAME,
  functionNames: ['faasm_faaslet_index', 'faasm_faaslet_count'],
};

/** Their wasm types (faasm.h), encoded as in mpi/signatures.ts. */
export const FAASM_SIGNATURES: Readonly<Record<string, string>> = { faasm_faaslet_index: ':i', faasm_faaslet_count: ':i' };

export function createFaasmModule(identity: FaasletIdentity): HostModule {
  return {
    name: FAASM_MODULE_NAME,
    functions: {
      faasm_faaslet_index: () => identity.index,
      faasm_faaslet_count: () => identity.size,
    },
  };
}
