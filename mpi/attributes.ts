// Communicator attributes. The predefined ones are answered here; MPI_Comm_get_attr itself is in the guest
// library, which passes the slot (in guest memory) that receives a predefined attribute's value.
import * as abi from './abi.js';
import type { MpiPart, MpiRank } from './rank.js';

function predefinedValue(rank: MpiRank, keyval: number): number | undefined {
  switch (keyval >>> 0) {
    case abi.MPI_TAG_UB: return abi.TAG_UB_VALUE;
    case abi.MPI_HOST: return abi.MPI_PROC_NULL; // there is no host process
    case abi.MPI_IO: return abi.MPI_ANY_SOURCE; // every rank can do I/O (in its sandbox)
    case abi.MPI_WTIME_IS_GLOBAL: return 0; // clocks of different hosts are not synchronised
    case abi.MPI_UNIVERSE_SIZE: return rank.identity.size;
    case abi.MPI_APPNUM: return 0;
    case abi.MPI_LASTUSEDCODE: return rank.errors.lastUsedCode;
    default: return undefined;
  }
}

function functions(rank: MpiRank) {
  return {
    faasmpi_comm_get_attr: (commH: number, keyval: number, slotPtr: number, valPtr: number, flagPtr: number) => {
      const fn = 'MPI_Comm_get_attr';
      rank.requireActive(fn);
      const comm = rank.comm(fn, commH);
      if (typeof comm === 'number') return comm;
      const value = predefinedValue(rank, keyval);
      if (value === undefined) {
        return rank.errors.raise(commH, fn, abi.MPI_ERR_KEYVAL, `invalid keyval 0x${(keyval >>> 0).toString(16)} (user keyvals are not supported yet)`);
      }
      rank.mem.setI32(slotPtr, value);
      rank.mem.setI32(valPtr, slotPtr); // attribute_val is a void**: it receives a pointer to the value
      rank.mem.setI32(flagPtr, 1);
      return abi.MPI_SUCCESS;
    },
  };
}

export const attributesPart: MpiPart = { names: Object.keys(functions({} as MpiRank)), functions };
