// The one check of a data buffer argument (address, count, datatype) against a rank's memory, and of the size of
// a message against what the transport can carry. Every MPI call that hands a guest buffer to the engine or to a
// collective checks it here first, so the engine only ever sees addresses inside the memory.
import type { GuestMemory } from '../host-interface/memory-view.js';
import { MPI_ERR_BUFFER, MPI_ERR_COUNT } from './abi.js';
import { mpiError, type Datatype, type MpiError } from './datatypes/index.js';

/** The largest message in bytes: inbox records carry the total size in an int32 (mpi/transport/inbox.ts). */
export const MAX_MESSAGE_BYTES = 0x7fffffff;

function typeName(t: Datatype): string {
  return t.name || `0x${(t.handle >>> 0).toString(16)}`;
}

/**
 * Checks that `count` items of `type` at byte address `addr` lie inside the memory: the bytes they touch run
 * from addr + true lower bound to addr + true upper bound of the last item (extents may be negative). `addr` is
 * an exact address (a guest pointer read as unsigned, `ptr >>> 0`, or one computed from it: never wrapped).
 * A buffer with no data (count 0, or a type of size 0) is never touched and may be anything.
 */
export function checkBuffer(mem: GuestMemory, what: string, addr: number, count: number, type: Datatype): MpiError | undefined {
  if (count === 0 || type.size === 0) return undefined;
  const a = addr;
  const reach = (count - 1) * type.extent;
  const lo = a + type.trueLb + (reach < 0 ? reach : 0);
  const hi = a + type.trueUb + (reach > 0 ? reach : 0);
  if (mem.holds(lo, hi)) return undefined;
  const at = a >= 0 ? `0x${a.toString(16)}` : `${a}`;
  return mpiError(MPI_ERR_BUFFER, `${what} at address ${at} (${count} x ${typeName(type)}) covers bytes ` +
    `[${lo}, ${hi}), outside the rank's memory of ${mem.byteLength} bytes`);
}

/** Checks that a message of `count` items of `type` fits the transport (no wrap-around of its byte count). */
export function checkMessageSize(what: string, count: number, type: Datatype): MpiError | undefined {
  const bytes = count * type.size; // exact below 2^53; above, still far over the limit
  if (bytes <= MAX_MESSAGE_BYTES) return undefined;
  return mpiError(MPI_ERR_COUNT, `${what} of ${count} x ${typeName(type)} is ${bytes} bytes, more than the largest message ` +
    `(${MAX_MESSAGE_BYTES} bytes)`);
}
