// Guest memory access for host functions. Memory only ever grows (and, shared, possibly from another thread),
// so a cached view stays valid for the addresses it covers; reading `memory.buffer` is not free, so the view
// is remade only when an access reaches past it.
//
// Every guest pointer is checked here, as an unsigned 32-bit address, against the memory's current size: an
// access outside it throws GuestMemoryFault (never a RangeError, never a silent wrap-around or negative index).
// Host modules turn the fault into their own error (MPI: the communicator's error handler, see mpi/module.ts).

/** A guest pointer range that lies outside the guest's memory. */
export class GuestMemoryFault extends Error {
  override name = 'GuestMemoryFault';
  constructor(
    /** What the pointer is (an argument name: "status", "array_of_requests"...). */
    readonly what: string,
    readonly address: number,
    readonly length: number,
    readonly memoryBytes: number,
  ) {
    super(`${what} at address 0x${address.toString(16)} (${length} bytes) lies outside the memory of ${memoryBytes} bytes`);
  }
}

export class GuestMemory {
  private dv: DataView = new DataView(new ArrayBuffer(0));
  private u8: Uint8Array = new Uint8Array(0);

  constructor(private readonly memory: () => WebAssembly.Memory) {}

  private refresh(): void {
    const buffer = this.memory().buffer;
    if (buffer !== this.dv.buffer) {
      this.dv = new DataView(buffer);
      this.u8 = new Uint8Array(buffer);
    }
  }

  /** The memory's current size in bytes. */
  get byteLength(): number {
    this.refresh();
    return this.u8.length;
  }

  /** True if [start, end) lies inside the memory as it is now (bounds are plain numbers, not pointers). */
  holds(start: number, end: number): boolean {
    if (start >= 0 && start <= end && end <= this.u8.length) return true;
    this.refresh();
    return start >= 0 && start <= end && end <= this.u8.length;
  }

  /**
   * Checks that `len` bytes at guest pointer `ptr` (read as unsigned) lie inside the memory; returns the
   * unsigned address. Throws GuestMemoryFault naming `what` otherwise.
   */
  span(ptr: number, len: number, what = 'pointer'): number {
    const p = ptr >>> 0;
    if (p + len <= this.u8.length && len >= 0) return p;
    this.refresh();
    if (p + len <= this.u8.length && len >= 0 && Number.isSafeInteger(len)) return p;
    throw new GuestMemoryFault(what, p, len, this.u8.length);
  }

  /** A view covering at least [0, end); with no `end`, the whole current memory. */
  view(end = Infinity): DataView {
    if (end > this.dv.byteLength) this.refresh();
    return this.dv;
  }

  /** A byte view of the whole memory covering at least [0, end). */
  all(end = Infinity): Uint8Array {
    if (end > this.u8.length) this.refresh();
    return this.u8;
  }

  // span() may remake the views: call it before reading this.dv / this.u8.
  bytes(ptr: number, len: number, what?: string): Uint8Array {
    const p = this.span(ptr, len, what);
    return this.u8.subarray(p, p + len);
  }
  i32(ptr: number, what?: string): number {
    const p = this.span(ptr, 4, what);
    return this.dv.getInt32(p, true);
  }
  setI32(ptr: number, value: number, what?: string): void {
    const p = this.span(ptr, 4, what);
    this.dv.setInt32(p, value, true);
  }
  setI64(ptr: number, value: bigint, what?: string): void {
    const p = this.span(ptr, 8, what);
    this.dv.setBigInt64(p, value, true);
  }
  /** Writes a NUL-terminated string truncated to fit `capacity` bytes; returns the length written (no NUL). */
  writeCString(ptr: number, capacity: number, s: string, what?: string): number {
    const encoded = new TextEncoder().encode(s).subarray(0, Math.max(0, capacity - 1));
    const dst = this.bytes(ptr, encoded.length + 1, what);
    dst.set(encoded);
    dst[encoded.length] = 0;
    return encoded.length;
  }
  /** Reads a NUL-terminated string of at most `max` bytes (stops at the NUL, at `max`, or at the memory's end). */
  readCString(ptr: number, max: number, what?: string): string {
    const p = this.span(ptr, 1, what);
    const all = this.u8;
    const limit = Math.min(all.length, p + Math.max(0, max));
    let end = p;
    while (end < limit && all[end] !== 0) end++;
    return new TextDecoder().decode(all.slice(p, end));
  }
}
