// A rank's stdin fed by its host rather than read from a host fd: on a host of a job spread over hosts, the
// launcher's stdin arrives over the link and the host writes it here. One producer (the host's main thread),
// one consumer at a time (a rank's threads take a lock to read). A byte ring in a SharedArrayBuffer:
// the host writes what fits and waits asynchronously for room, so input never piles up without bound; the
// reader blocks in Atomics.wait until bytes come or the host closes the pipe (end of input).
import { waitAsync } from '../wait-async.js';

// Int32 control words. HEAD and TAIL count bytes read and written since the start, modulo 2^32.
const HEAD = 0;
const TAIL = 1;
const CLOSED = 2;
const LOCK = 3;
const CONTROL_BYTES = 16;

export const STDIN_PIPE_CAPACITY = 1 << 18;

export function createStdinPipe(capacity = STDIN_PIPE_CAPACITY): SharedArrayBuffer {
  if (!Number.isInteger(Math.log2(capacity))) throw new RangeError('a stdin pipe holds a power of two bytes');
  return new SharedArrayBuffer(CONTROL_BYTES + capacity);
}

function views(buffer: SharedArrayBuffer) {
  const capacity = buffer.byteLength - CONTROL_BYTES;
  if (capacity <= 0 || (capacity & (capacity - 1)) !== 0) throw new RangeError('not a stdin pipe');
  return { control: new Int32Array(buffer, 0, CONTROL_BYTES / 4), data: new Uint8Array(buffer, CONTROL_BYTES), capacity };
}

/** The host's end: writes what fits, waits for room, closes at end of input. */
export class StdinPipeWriter {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly capacity: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    ({ control: this.control, data: this.data, capacity: this.capacity } = views(buffer));
  }

  /** Copies as much of `bytes` as fits; returns how many bytes it took. */
  write(bytes: Uint8Array): number {
    if (Atomics.load(this.control, CLOSED)) return 0;
    const head = Atomics.load(this.control, HEAD) >>> 0;
    const tail = Atomics.load(this.control, TAIL) >>> 0;
    const room = this.capacity - ((tail - head) >>> 0);
    const n = Math.min(room, bytes.length);
    for (let done = 0; done < n;) {
      const at = (tail + done) & (this.capacity - 1);
      const run = Math.min(n - done, this.capacity - at);
      this.data.set(bytes.subarray(done, done + run), at);
      done += run;
    }
    if (n > 0) {
      Atomics.store(this.control, TAIL, (tail + n) | 0);
      Atomics.notify(this.control, TAIL);
    }
    return n;
  }

  /** Resolves once there is room (the reader has taken bytes), or after `timeoutMs`. */
  async room(timeoutMs: number): Promise<void> {
    const head = Atomics.load(this.control, HEAD);
    const tail = Atomics.load(this.control, TAIL) >>> 0;
    if (((tail - (head >>> 0)) >>> 0) < this.capacity) return;
    await waitAsync(this.control, HEAD, head, timeoutMs);
  }

  /** End of input: the reader gets what is left, then 0. */
  close(): void {
    Atomics.store(this.control, CLOSED, 1);
    Atomics.notify(this.control, TAIL);
  }
}

/** The rank's end: blocking reads into iovec views, as read(2) on a pipe (a short read when fewer bytes wait). */
export class StdinPipeReader {
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly capacity: number;

  constructor(buffer: SharedArrayBuffer) {
    ({ control: this.control, data: this.data, capacity: this.capacity } = views(buffer));
  }

  read(into: Uint8Array[]): number {
    const want = into.reduce((s, v) => s + v.length, 0);
    if (want === 0) return 0;
    while (Atomics.compareExchange(this.control, LOCK, 0, 1) !== 0) Atomics.wait(this.control, LOCK, 1, 10);
    try {
      for (;;) {
        const tail = Atomics.load(this.control, TAIL);
        const head = Atomics.load(this.control, HEAD) >>> 0;
        const ready = ((tail >>> 0) - head) >>> 0;
        if (ready > 0) return this.take(into, head, Math.min(ready, want));
        if (Atomics.load(this.control, CLOSED)) return 0;
        Atomics.wait(this.control, TAIL, tail);
      }
    } finally {
      Atomics.store(this.control, LOCK, 0);
      Atomics.notify(this.control, LOCK, 1);
    }
  }

  private take(into: Uint8Array[], head: number, n: number): number {
    let done = 0;
    for (const v of into) {
      let filled = 0;
      while (filled < v.length && done < n) {
        const at = (head + done) & (this.capacity - 1);
        const run = Math.min(v.length - filled, n - done, this.capacity - at);
        v.set(this.data.subarray(at, at + run), filled);
        filled += run;
        done += run;
      }
      if (done === n) break;
    }
    Atomics.store(this.control, HEAD, (head + n) | 0);
    Atomics.notify(this.control, HEAD);
    return n;
  }
}
