// MPI_Status in guest memory (wasm32, 20 bytes, little-endian):
//   offset 0  int MPI_SOURCE
//   offset 4  int MPI_TAG
//   offset 8  int MPI_ERROR
//   offset 12 int count_lo                  bits 0..31 of the received byte count
//   offset 16 int count_hi_and_cancelled    bits 0..30: bits 32..62 of the byte count; bit 31: cancelled
// The count is in bytes (MPI_Get_count/MPI_Get_elements divide by the datatype); 63 bits, so MPI_Count sized.
import type { GuestMemory } from '../host-interface/memory-view.js';
import { MPI_STATUS_IGNORE } from './abi.js';

export const STATUS_SIZE = 20;
export const STATUS_SOURCE_OFFSET = 0;
export const STATUS_TAG_OFFSET = 4;
export const STATUS_ERROR_OFFSET = 8;
export const STATUS_COUNT_LO_OFFSET = 12;
export const STATUS_COUNT_HI_OFFSET = 16;

/** Largest byte count a status holds (2^63 - 1; JS numbers are exact up to 2^53). */
export const MAX_STATUS_BYTES = Number.MAX_SAFE_INTEGER;

export interface StatusFields {
  source: number;
  tag: number;
  error: number;
  /** Received bytes (a non-negative safe integer). */
  bytes: number;
  cancelled: boolean;
}

const TWO_32 = 0x1_0000_0000;

/** True when a status pointer means "no status" (MPI_STATUS_IGNORE, MPI_STATUSES_IGNORE, or NULL). */
export function isStatusIgnore(ptr: number): boolean {
  return ptr === 0 || ptr === MPI_STATUS_IGNORE;
}

/** Writes a status at ptr; does nothing for MPI_STATUS_IGNORE (1) or NULL (0). */
export function writeStatus(mem: GuestMemory, ptr: number, s: StatusFields): void {
  if (isStatusIgnore(ptr)) return;
  const at = mem.span(ptr, STATUS_SIZE, 'status');
  const v = mem.view(at + STATUS_SIZE);
  const bytes = Math.max(0, Math.floor(s.bytes));
  const lo = bytes % TWO_32;
  const hi = Math.floor(bytes / TWO_32) & 0x7fffffff;
  v.setInt32(at + STATUS_SOURCE_OFFSET, s.source, true);
  v.setInt32(at + STATUS_TAG_OFFSET, s.tag, true);
  v.setInt32(at + STATUS_ERROR_OFFSET, s.error, true);
  v.setUint32(at + STATUS_COUNT_LO_OFFSET, lo, true);
  v.setUint32(at + STATUS_COUNT_HI_OFFSET, (hi | (s.cancelled ? 0x80000000 : 0)) >>> 0, true);
}

/** Reads the status at ptr (the caller checks isStatusIgnore first). */
export function readStatus(mem: GuestMemory, ptr: number): StatusFields {
  const at = mem.span(ptr, STATUS_SIZE, 'status');
  const v = mem.view(at + STATUS_SIZE);
  const lo = v.getUint32(at + STATUS_COUNT_LO_OFFSET, true);
  const hiWord = v.getUint32(at + STATUS_COUNT_HI_OFFSET, true);
  return {
    source: v.getInt32(at + STATUS_SOURCE_OFFSET, true),
    tag: v.getInt32(at + STATUS_TAG_OFFSET, true),
    error: v.getInt32(at + STATUS_ERROR_OFFSET, true),
    bytes: (hiWord & 0x7fffffff) * TWO_32 + lo,
    cancelled: (hiWord & 0x80000000) !== 0,
  };
}

/** Checks, before an operation starts, that a status (unless ignored) can be written at ptr. */
export function checkStatusPointer(mem: GuestMemory, ptr: number, what = 'status'): void {
  if (!isStatusIgnore(ptr)) mem.span(ptr, STATUS_SIZE, what);
}

/** Checks that an array of n statuses (unless MPI_STATUSES_IGNORE) can be written at ptr. */
export function checkStatusArray(mem: GuestMemory, ptr: number, n: number, what = 'array_of_statuses'): void {
  if (!isStatusIgnore(ptr) && n > 0) mem.span(ptr, n * STATUS_SIZE, what);
}

/** Largest byte count a status holds exactly: 63 bits. */
export const MAX_STATUS_BYTES_X = (1n << 63n) - 1n;

/** The byte count of the status at ptr, exact to 63 bits (MPI_Count). */
export function readStatusBytes(mem: GuestMemory, ptr: number): bigint {
  const at = mem.span(ptr, STATUS_SIZE, 'status');
  const v = mem.view(at + STATUS_SIZE);
  const hi = BigInt(v.getUint32(at + STATUS_COUNT_HI_OFFSET, true) & 0x7fffffff);
  return (hi << 32n) | BigInt(v.getUint32(at + STATUS_COUNT_LO_OFFSET, true));
}

/** Sets only the byte count (0 .. 2^63 - 1) of a status, keeping the cancelled bit (MPI_Status_set_elements). */
export function setStatusBytes(mem: GuestMemory, ptr: number, bytes: bigint): void {
  if (isStatusIgnore(ptr)) return;
  const at = mem.span(ptr, STATUS_SIZE, 'status');
  const v = mem.view(at + STATUS_SIZE);
  const cancelled = v.getUint32(at + STATUS_COUNT_HI_OFFSET, true) & 0x80000000;
  v.setUint32(at + STATUS_COUNT_LO_OFFSET, Number(bytes & 0xffffffffn), true);
  v.setUint32(at + STATUS_COUNT_HI_OFFSET, (Number((bytes >> 32n) & 0x7fffffffn) | cancelled) >>> 0, true);
}

/** Sets only the cancelled bit of a status (MPI_Status_set_cancelled). */
export function setStatusCancelled(mem: GuestMemory, ptr: number, cancelled: boolean): void {
  if (isStatusIgnore(ptr)) return;
  const at = mem.span(ptr, STATUS_SIZE, 'status');
  const v = mem.view(at + STATUS_SIZE);
  const hi = v.getUint32(at + STATUS_COUNT_HI_OFFSET, true) & 0x7fffffff; // the count's bits stay exact
  v.setUint32(at + STATUS_COUNT_HI_OFFSET, (hi | (cancelled ? 0x80000000 : 0)) >>> 0, true);
}
