// The Asyncify exports binaryen adds (toolchain/src/postlink.ts, faasmpicc -fmigrate), and the guest buffer
// they save the call stack in. The buffer comes from the guest runtime's allocator (faasmpi_migration_buffer in
// toolchain/guest/main.c), so it is the program's own memory: captured with it, at the same address after.

/** Room for the saved wasm call stack (locals of every frame between the entry and the barrier). A deeper
 * stack makes Asyncify trap in the guest rather than write past it. */
export const ASYNCIFY_DATA_BYTES = 1 << 20;

/** Asyncify's data header: [current position, end] (i32 each), then the saved frames. */
const HEADER = 8;

export class Asyncify {
  private constructor(private readonly exports: WebAssembly.Exports, private readonly memory: () => WebAssembly.Memory) {}

  /** Undefined when the module was built without -fmigrate (it runs, it just never migrates). */
  static of(exports: WebAssembly.Exports, memory: () => WebAssembly.Memory): Asyncify | undefined {
    const names = ['asyncify_start_unwind', 'asyncify_stop_unwind', 'asyncify_start_rewind', 'asyncify_stop_rewind', 'faasmpi_migration_buffer'];
    return names.every((n) => typeof exports[n] === 'function') ? new Asyncify(exports, memory) : undefined;
  }

  private call(name: string, ...args: number[]): number {
    return (this.exports[name] as (...a: number[]) => number)(...args);
  }

  /** Starts unwinding into a guest buffer of `bytes` bytes; returns its address. Throws if the guest has no room. */
  startUnwind(bytes: number): number {
    const data = this.call('faasmpi_migration_buffer', bytes) >>> 0;
    if (data === 0) throw new Error('no memory left for the migration buffer');
    const view = new DataView(this.memory().buffer);
    view.setUint32(data, data + HEADER, true);
    view.setUint32(data + 4, data + bytes, true);
    this.call('asyncify_start_unwind', data);
    return data;
  }

  stopUnwind(): void {
    this.call('asyncify_stop_unwind');
  }

  /** Starts rewinding from the data an unwind left at `data` (in memory restored from the capture). */
  startRewind(data: number): void {
    // The saved frames are a stack: rewinding pops them from where the unwind left the position (outermost last).
    this.call('asyncify_start_rewind', data);
  }

  stopRewind(): void {
    this.call('asyncify_stop_rewind');
  }
}
