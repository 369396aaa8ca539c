// The short way for the blocking collectives real codes call most, checked first by collectives/functions.ts:
// Barrier, and Bcast / Allreduce of a few contiguous elements of a basic predefined type (Allreduce: SUM, MAX or
// MIN of double, float or int) on a one-host communicator. A fresh job runs its first thousands of calls in V8's
// interpreter, so what matters there is how little JS a call runs: no Call records, no datatype references
// (predefined types are never freed), no plan closures, no generic pack/unpack, no per-element dispatch.
//
// It only takes calls it can finish exactly as the general path would, and on the same protocol (the shared
// area's sequence numbers, slots and combining order; collectives/shared.ts), so ranks that take either path
// meet. Anything else (errors included: a bad count, MPI_IN_PLACE misuse, a buffer outside memory) returns
// NOT_TAKEN and the general path handles it with its checks and messages.
import * as abi from '../mpi/abi.js';
import type { Communicator } from '../mpi/communicators.js';
import { MPI_DOUBLE, MPI_FLOAT, MPI_INT, MPI_INT32_T, MPI_LONG, predefinedDatatype } from '../mpi/datatypes/index.js';
import type { MpiRank } from '../mpi/rank.js';
import { useShared } from './decision.js';
import { SLOT_BYTES } from '../mpi/transport/coll-area.js';
import { BasicKind, BasicOp, type SharedCollectives, type SharedComm } from './shared.js';

/** Returned when the call is left to the general path. */
export const NOT_TAKEN = -1;
const OK = abi.MPI_SUCCESS;

/** The element kind of a reducible datatype handle, or -1. */
function basicKind(typeH: number): number {
  const t = typeH >>> 0;
  if (t === MPI_DOUBLE) return BasicKind.F64;
  if (t === MPI_FLOAT) return BasicKind.F32;
  if (t === MPI_INT || t === MPI_INT32_T || t === MPI_LONG) return BasicKind.I32;
  return -1;
}

/** The typed-array op of a predefined op handle, or -1. */
function basicOp(opH: number): number {
  const o = opH >>> 0;
  if (o === abi.MPI_SUM) return BasicOp.Sum;
  if (o === abi.MPI_MAX) return BasicOp.Max;
  if (o === abi.MPI_MIN) return BasicOp.Min;
  return -1;
}

const OP_NAMES = ['MPI_SUM', 'MPI_MAX', 'MPI_MIN'];

function commName(c: Communicator): string {
  return c.name || `0x${(c.handle >>> 0).toString(16)}`;
}

export class FastCollectives {
  /** Calls taken here (they run on the shared area: FAASMPI_Coll_shared_calls counts them too). */
  calls = 0;

  constructor(private readonly rank: MpiRank, private readonly shared: () => SharedCollectives | null) {}

  /** The shared view of a valid intracommunicator handle, or undefined (the general path decides). */
  private sharedComm(fn: string, commH: number): SharedComm | undefined {
    const rank = this.rank;
    rank.requireActive(fn);
    const comm = rank.comms.get(commH);
    if (!comm) return undefined;
    rank.callComm = comm.handle;
    return this.shared()?.commOf(comm);
  }

  barrier(commH: number): number {
    const c = this.sharedComm('MPI_Barrier', commH);
    if (!c || !useShared('barrier', c.n, 0, false, this.rank.hostCores)) return NOT_TAKEN;
    const comm = this.rank.comms.get(commH)!;
    this.calls++;
    this.shared()!.barrier(c, () => `MPI_Barrier(comm=${commName(comm)})`);
    return OK;
  }

  bcast(buf: number, count: number, typeH: number, root: number, commH: number): number {
    const t = predefinedDatatype(typeH);
    if (!t || t.kind === 'pair' || count <= 0 || (buf | 0) === abi.MPI_IN_PLACE) return NOT_TAKEN;
    const c = this.sharedComm('MPI_Bcast', commH);
    if (!c || root < 0 || root >= c.n) return NOT_TAKEN;
    const bytes = count * t.size, at = buf >>> 0;
    if (!useShared('bcast', c.n, bytes, false, this.rank.hostCores) || !this.rank.mem.holds(at, at + bytes)) return NOT_TAKEN;
    const comm = this.rank.comms.get(commH)!;
    this.calls++;
    const r = this.shared()!.bcastBytes(c, at, bytes, root, () => `MPI_Bcast(count=${count}, root=${root}, comm=${commName(comm)})`);
    return r.error === OK ? OK : this.rank.errors.raise(comm.handle, 'MPI_Bcast', r.error, r.problem);
  }

  allreduce(sbuf: number, rbuf: number, count: number, typeH: number, opH: number, commH: number): number {
    const kind = basicKind(typeH), op = basicOp(opH);
    if (kind < 0 || op < 0 || count <= 0 || (rbuf | 0) === abi.MPI_IN_PLACE) return NOT_TAKEN;
    const c = this.sharedComm('MPI_Allreduce', commH);
    if (!c) return NOT_TAKEN;
    const size = kind === BasicKind.F64 ? 8 : 4, bytes = count * size;
    const output = rbuf >>> 0, input = (sbuf | 0) === abi.MPI_IN_PLACE ? output : sbuf >>> 0;
    // Typed views need aligned elements; C gives them, a misaligned buffer goes the general way.
    if (input % size !== 0 || output % size !== 0) return NOT_TAKEN;
    const mem = this.rank.mem;
    if (!mem.holds(input, input + bytes) || !mem.holds(output, output + bytes)) return NOT_TAKEN;
    // Above a slot the general path reads the members' buffers in place (reduceInPlace): not this protocol.
    if (bytes > SLOT_BYTES || !useShared('allreduce', c.n, bytes, true, this.rank.hostCores)) return NOT_TAKEN;
    const comm = this.rank.comms.get(commH)!;
    this.calls++;
    this.shared()!.reduceBasic(c, input, output, count, kind, op,
      () => `MPI_Allreduce(count=${count}, op=${OP_NAMES[op]}, comm=${commName(comm)})`);
    return OK;
  }
}
