// The per-rank registry of reduction ops: the predefined ones (shared, immutable) and user ops made by
// MPI_Op_create (handles 0x98000000 | slot), whose functions run inside the guest through two exports of the
// guest library (toolchain/guest/main.c):
//   faasmpi_op_scratch(n)                          a kept, grown-as-needed malloc'd guest buffer of >= n bytes
//   faasmpi_call_user_op(fn, in, inout, len, type) calls fn(in, inout, &len, &type)
import { isMpiError, mpiError, pack, predefinedDatatype, unpack, type Datatype, type MpiError } from '../datatypes/index.js';
import {
  applyLoc, applyPredefinedPacked, naturalPairLayout, opApplies, predefinedOpName, MPI_OP_NULL,
  type PredefinedOpName,
} from './predefined.js';
import type { ReductionOp } from './op-types.js';

export const USER_OP_TAG = 0x98000000;
export const MAX_USER_OP_SLOT = 0x00ffffff;
const MPI_ERR_BUFFER = 1;
const MPI_ERR_TYPE = 3;
const MPI_ERR_OP = 9;
const MPI_ERR_OTHER = 15;
const MPI_ERR_INTERN = 16;
const MPI_ERR_NO_MEM = 34;

/** A datatype for messages: its name if it has one, else its handle and what it is built from. */
export function describeType(t: Datatype): string {
  if (t.name) return t.predefined ? t.name : `${t.name} (${hex(t.handle)})`;
  return t.handle ? `datatype ${hex(t.handle)}` : 'an anonymous datatype';
}

function basicName(basic: number): string {
  return predefinedDatatype(basic)?.name ?? hex(basic);
}

export function hex(handle: number): string {
  return '0x' + (handle >>> 0).toString(16).padStart(8, '0');
}

function opError(message: string): MpiError {
  return mpiError(MPI_ERR_OP, message);
}

/** Bounds check for `count` items of t at `addr` of a memory of `len` bytes (data bytes only). */
function layoutBounds(what: string, len: number, addr: number, count: number, t: Datatype): MpiError | undefined {
  const blk = t.blocks!;
  if (count <= 0 || blk.n === 0) return undefined;
  const lo = addr + blk.minOff + Math.min(0, (count - 1) * t.extent);
  const hi = addr + blk.maxEnd + Math.max(0, (count - 1) * t.extent);
  if (!Number.isSafeInteger(addr) || lo < 0 || hi > len) {
    return mpiError(MPI_ERR_BUFFER, `${what} (${count} x ${describeType(t)} at ${hex(addr)}) covers bytes [${lo}, ${hi}) outside the memory of ${len} bytes`);
  }
  return undefined;
}

/**
 * The layout-independent part of applyLaidOut: packs both buffers, applies the op to the packed data and
 * unpacks the result into inout.
 */
function viaPacked(op: ReductionOp, src: Uint8Array, srcAddr: number, inout: Uint8Array, inoutAddr: number, count: number, t: Datatype): MpiError | undefined {
  const bytes = count * t.size;
  const a = new Uint8Array(bytes);
  const b = new Uint8Array(bytes);
  let r = pack(src, srcAddr, count, t, a, 0);
  if (isMpiError(r)) return r;
  r = pack(inout, inoutAddr, count, t, b, 0);
  if (isMpiError(r)) return r;
  const e = op.apply(a, 0, b, 0, count, t);
  if (e) return e;
  const u = unpack(b, 0, bytes, inout, inoutAddr, count, t);
  return isMpiError(u) ? u : undefined;
}

/** Checks every argument of an apply on packed data. */
function packedBounds(src: Uint8Array, srcOff: number, inout: Uint8Array, inoutOff: number, bytes: number): MpiError | undefined {
  if (srcOff < 0 || srcOff + bytes > src.length) return mpiError(MPI_ERR_BUFFER, `input data [${srcOff}, ${srcOff + bytes}) lies outside its buffer of ${src.length} bytes`);
  if (inoutOff < 0 || inoutOff + bytes > inout.length) return mpiError(MPI_ERR_BUFFER, `inout data [${inoutOff}, ${inoutOff + bytes}) lies outside its buffer of ${inout.length} bytes`);
  return undefined;
}

export class PredefinedOp implements ReductionOp {
  readonly commutative = true;
  readonly predefined = true;
  constructor(readonly handle: number, readonly name: PredefinedOpName) {}

  check(type: Datatype): MpiError | undefined {
    if (this.name === 'MPI_REPLACE' || this.name === 'MPI_NO_OP' || type.size === 0 || type.basic === 0) return undefined;
    if (type.basic < 0) {
      return opError(`${this.name} does not apply to ${describeType(type)}: its basic elements are of more than one predefined type`);
    }
    if (!opApplies(this.name, type.basic)) {
      const built = type.predefined ? '' : ` (made of ${basicName(type.basic)})`;
      return opError(`${this.name} does not apply to ${describeType(type)}${built}`);
    }
    return undefined;
  }

  apply(src: Uint8Array, srcOffset: number, inout: Uint8Array, inoutOffset: number, count: number, type: Datatype): MpiError | undefined {
    const e = this.check(type);
    if (e) return e;
    const bytes = count * type.size;
    if (bytes <= 0) return undefined;
    const b = packedBounds(src, srcOffset, inout, inoutOffset, bytes);
    if (b) return b;
    applyPredefinedPacked(this.name, type.basic, src, srcOffset, inout, inoutOffset, bytes);
    return undefined;
  }

  applyLaidOut(src: Uint8Array, srcAddr: number, inout: Uint8Array, inoutAddr: number, count: number, type: Datatype): MpiError | undefined {
    const e = this.check(type);
    if (e) return e;
    if (count <= 0 || type.size === 0 || this.name === 'MPI_NO_OP') return undefined;
    const blk = type.blocks;
    if (!blk) return mpiError(MPI_ERR_TYPE, `${describeType(type)} is not committed`);
    const be = layoutBounds('input buffer', src.length, srcAddr, count, type) ?? layoutBounds('inout buffer', inout.length, inoutAddr, count, type);
    if (be) return be;
    if (blk.contiguous) {
      const off = blk.offs[0];
      applyPredefinedPacked(this.name, type.basic, src, srcAddr + off, inout, inoutAddr + off, count * type.size);
      return undefined;
    }
    if (type.predefined?.kind === 'pair' && (this.name === 'MPI_MINLOC' || this.name === 'MPI_MAXLOC')) {
      applyLoc(this.name === 'MPI_MAXLOC', type.basic, naturalPairLayout(type.basic), src, srcAddr, inout, inoutAddr, count);
      return undefined;
    }
    return viaPacked(this, src, srcAddr, inout, inoutAddr, count, type);
  }
}

/** How a user op reaches the guest (the rank's memory and exports). */
export interface GuestAccess {
  memory(): WebAssembly.Memory;
  exports(): WebAssembly.Exports;
}

export class UserOp implements ReductionOp {
  readonly predefined = false;
  constructor(readonly handle: number, readonly fnIndex: number, readonly commutative: boolean, private readonly guest: GuestAccess) {}

  get name(): string {
    return `user op ${hex(this.handle)}`;
  }

  check(_type: Datatype): MpiError | undefined {
    return undefined;
  }

  private helpers(): { scratch: (n: number) => number; call: (fn: number, a: number, b: number, n: number, t: number) => void } | MpiError {
    const x = this.guest.exports();
    const scratch = x.faasmpi_op_scratch;
    const call = x.faasmpi_call_user_op;
    if (typeof scratch !== 'function' || typeof call !== 'function') {
      return mpiError(MPI_ERR_INTERN, 'the module does not export faasmpi_op_scratch/faasmpi_call_user_op (build it with the current faasmpicc)');
    }
    return { scratch: scratch as (n: number) => number, call: call as (fn: number, a: number, b: number, n: number, t: number) => void };
  }

  /** Calls the user function on items laid out by `type` at guest addresses inPtr, inoutPtr. */
  callInGuest(inPtr: number, inoutPtr: number, count: number, type: Datatype): MpiError | undefined {
    const h = this.helpers();
    if (isMpiError(h)) return h;
    h.call(this.fnIndex, inPtr, inoutPtr, count, type.handle | 0);
    return undefined;
  }

  apply(src: Uint8Array, srcOffset: number, inout: Uint8Array, inoutOffset: number, count: number, type: Datatype): MpiError | undefined {
    if (count <= 0 || type.size === 0) return undefined;
    const blk = type.blocks;
    if (!blk) return mpiError(MPI_ERR_TYPE, `${describeType(type)} is not committed`);
    const bytes = count * type.size;
    const be = packedBounds(src, srcOffset, inout, inoutOffset, bytes);
    if (be) return be;
    const guestBuf = this.guest.memory().buffer;
    if (blk.contiguous && src.buffer === guestBuf && inout.buffer === guestBuf) {
      // The packed data is the type's layout: hand the guest its own addresses.
      const off = blk.offs[0];
      return this.callInGuest(src.byteOffset + srcOffset - off, inout.byteOffset + inoutOffset - off, count, type);
    }
    const h = this.helpers();
    if (isMpiError(h)) return h;
    // Lay both out by the type in the guest scratch buffer (16-aligned), call, pack inout back.
    const lo = blk.minOff + Math.min(0, (count - 1) * type.extent);
    const hi = blk.maxEnd + Math.max(0, (count - 1) * type.extent);
    const span = hi - lo;
    const base = h.scratch(2 * span + 64) >>> 0;
    if (base === 0) return mpiError(MPI_ERR_NO_MEM, `cannot allocate ${2 * span + 64} bytes of guest memory for ${this.name}`);
    const up16 = (x: number) => Math.ceil(x / 16) * 16;
    const inPtr = up16(base - lo);
    const inoutPtr = up16(inPtr + hi - lo);
    const guest = new Uint8Array(this.guest.memory().buffer); // after the call above: memory may have grown
    let r: unknown = unpack(src, srcOffset, bytes, guest, inPtr, count, type);
    if (isMpiError(r)) return r;
    r = unpack(inout, inoutOffset, bytes, guest, inoutPtr, count, type);
    if (isMpiError(r)) return r;
    h.call(this.fnIndex, inPtr, inoutPtr, count, type.handle | 0);
    r = pack(new Uint8Array(this.guest.memory().buffer), inoutPtr, count, type, inout, inoutOffset);
    return isMpiError(r) ? r : undefined;
  }

  applyLaidOut(src: Uint8Array, srcAddr: number, inout: Uint8Array, inoutAddr: number, count: number, type: Datatype): MpiError | undefined {
    if (count <= 0 || type.size === 0) return undefined;
    if (!type.blocks) return mpiError(MPI_ERR_TYPE, `${describeType(type)} is not committed`);
    const be = layoutBounds('input buffer', src.length, srcAddr, count, type) ?? layoutBounds('inout buffer', inout.length, inoutAddr, count, type);
    if (be) return be;
    const guestBuf = this.guest.memory().buffer;
    if (src.buffer === guestBuf && inout.buffer === guestBuf) {
      return this.callInGuest(src.byteOffset + srcAddr, inout.byteOffset + inoutAddr, count, type);
    }
    return viaPacked(this, src, srcAddr, inout, inoutAddr, count, type);
  }
}

const PREDEFINED = new Map<number, PredefinedOp>();
for (let h = 0x58000001; h <= 0x5800000e; h++) PREDEFINED.set(h, new PredefinedOp(h, predefinedOpName(h)!));

/** The shared object of a predefined op handle (MPI_MAX..MPI_NO_OP), or undefined. */
export function predefinedOp(handle: number): PredefinedOp | undefined {
  return PREDEFINED.get(handle >>> 0);
}

export class OpRegistry {
  private readonly slots: (UserOp | undefined)[] = [];
  private readonly freeSlots: number[] = [];

  constructor(private readonly guest: GuestAccess) {}

  /** The op behind a handle: a predefined op, or a live user op; MPI_ERR_OP naming the handle otherwise. */
  resolve(handle: number): ReductionOp | MpiError {
    const h = handle >>> 0;
    const p = PREDEFINED.get(h);
    if (p) return p;
    if (h === MPI_OP_NULL) return opError('op is MPI_OP_NULL');
    if (((h & 0xff000000) >>> 0) === USER_OP_TAG) {
      const u = this.slots[h & MAX_USER_OP_SLOT];
      if (u) return u;
    }
    return opError(`invalid op handle ${hex(h)}`);
  }

  /** A new user op calling the guest function at table index fnIndex; MPI_ERR_OTHER when out of handles. */
  create(fnIndex: number, commute: boolean): number | MpiError {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.slots.length > MAX_USER_OP_SLOT) return mpiError(MPI_ERR_OTHER, `too many user ops (${this.slots.length})`);
      slot = this.slots.length;
      this.slots.push(undefined);
    }
    const handle = (USER_OP_TAG | slot) >>> 0;
    this.slots[slot] = new UserOp(handle, fnIndex, commute, this.guest);
    return handle;
  }

  /**
   * MPI_Op_free: forgets a user op (objects already resolved, e.g. by a pending collective, keep working).
   * Predefined ops and invalid handles are MPI_ERR_OP.
   */
  free(handle: number): MpiError | undefined {
    const h = handle >>> 0;
    const p = PREDEFINED.get(h);
    if (p) return opError(`cannot free predefined op ${p.name}`);
    const r = this.resolve(h);
    if (isMpiError(r)) return r;
    const slot = h & MAX_USER_OP_SLOT;
    this.slots[slot] = undefined;
    this.freeSlots.push(slot);
    return undefined;
  }

  /** Live user ops (for tests and leak checks). */
  get liveUserOps(): number {
    return this.slots.length - this.freeSlots.length;
  }
}

