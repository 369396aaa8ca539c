// Guest memory access for host functions. Memory only ever grows (and, shared, possibly from another thread),
// so a cached view stays valid for the addresses it covers; reading `memory.buffer` is not free, so the view
// is remade only when an access reaches past it.

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

  bytes(ptr: number, len: number): Uint8Array {
    return this.all(ptr + len).subarray(ptr, ptr + len);
  }
  i32(ptr: number): number {
    return this.view(ptr + 4).getInt32(ptr, true);
  }
  setI32(ptr: number, value: number): void {
    this.view(ptr + 4).setInt32(ptr, value, true);
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
