// Guest memory access for host functions. Memory can grow at any time (and, shared, from another thread),
// so views are made per call from the current buffer, never kept.

export class GuestMemory {
  constructor(private readonly memory: () => WebAssembly.Memory) {}

  view(): DataView {
    return new DataView(this.memory().buffer);
  }
  bytes(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory().buffer, ptr, len);
  }
  i32(ptr: number): number {
    return this.view().getInt32(ptr, true);
  }
  setI32(ptr: number, value: number): void {
    this.view().setInt32(ptr, value, true);
  }
  /** Writes a NUL-terminated string truncated to fit `capacity` bytes; returns the length written (no NUL). */
  writeCString(ptr: number, capacity: number, s: string): number {
    const encoded = new TextEncoder().encode(s).subarray(0, Math.max(0, capacity - 1));
    const dst = this.bytes(ptr, encoded.length + 1);
    dst.set(encoded);
    dst[encoded.length] = 0;
    return encoded.length;
  }
}
