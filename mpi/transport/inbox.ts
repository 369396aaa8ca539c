// A rank's inbox: a many-producer, one-consumer ring of variable-length records in a SharedArrayBuffer.
// Producers (any rank of the host, or the host's network thread for remote ranks) serialise on a small lock;
// the consumer (the owning rank) reads without it. Records never wrap: one that does not fit before the end
// of the ring leaves a skip marker and starts again at offset 0. FIFO order per producer gives MPI's
// non-overtaking rule for free.

export const HEADER_WORDS = 10;
const HEADER_BYTES = HEADER_WORDS * 4;
// Control words, one cache line apart: producers write LOCK and TAIL, the consumer polls USED and writes HEAD.
const CONTROL_BYTES = 256;
const LOCK = 0; // 0 free, 1 held, 2 held with waiters
const TAIL = 1; // producer offset (same line as LOCK: only lock holders touch it)
const USED = 16; // bytes in use (records + skips)
const HEAD = 32; // consumer offset
const ROOM_WANTED = 48; // a producer found the ring full (the consumer rings the job's ranks after it drains)

const SKIP = -1;
const align8 = (n: number) => (n + 7) & ~7;

/** Header fields of a record (all int32). */
export interface RecordHeader {
  kind: number;
  src: number;
  tag: number;
  context: number;
  /** Total message size in bytes (not only this record's payload). */
  bytes: number;
  a: number;
  b: number;
  c: number;
}

export class Inbox {
  readonly capacity: number;
  private readonly control: Int32Array;
  private readonly words: Int32Array;
  private readonly bytesView: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.capacity = buffer.byteLength - CONTROL_BYTES;
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.words = new Int32Array(buffer, CONTROL_BYTES);
    this.bytesView = new Uint8Array(buffer, CONTROL_BYTES);
  }

  static create(capacity: number): Inbox {
    return new Inbox(new SharedArrayBuffer(CONTROL_BYTES + align8(capacity)));
  }

  /** The largest payload a single record can carry. */
  get maxPayload(): number {
    return Math.floor(this.capacity / 2) - HEADER_BYTES;
  }

  isEmpty(): boolean {
    return Atomics.load(this.control, USED) === 0;
  }

  /**
   * Appends one record; payload is written by `fill` straight into the ring (so callers can copy from a guest
   * memory without an intermediate buffer). Returns false when the ring has no room now.
   */
  tryPush(h: RecordHeader, payloadLength: number, fill?: (ring: Uint8Array, offset: number, length: number) => void): boolean {
    if (payloadLength > this.maxPayload) throw new RangeError(`record payload ${payloadLength} exceeds ${this.maxPayload}`);
    if (this.push(h, payloadLength, fill)) return true;
    // Say so first, then look again: a drain after the first look either made room or sees the flag.
    Atomics.store(this.control, ROOM_WANTED, 1);
    return this.push(h, payloadLength, fill);
  }

  /**
   * tryPush() of a payload copied from src[from, from + payloadLength) (the short path of small sends: no fill
   * closure per message).
   */
  tryPushBytes(h: RecordHeader, src: Uint8Array, from: number, payloadLength: number): boolean {
    if (payloadLength > this.maxPayload) throw new RangeError(`record payload ${payloadLength} exceeds ${this.maxPayload}`);
    if (this.push(h, payloadLength, undefined, src, from)) return true;
    Atomics.store(this.control, ROOM_WANTED, 1);
    return this.push(h, payloadLength, undefined, src, from);
  }

  /** Whether a producer found the ring full since the last call (it may sleep until rung). */
  takeRoomWanted(): boolean {
    return Atomics.load(this.control, ROOM_WANTED) !== 0 && Atomics.exchange(this.control, ROOM_WANTED, 0) !== 0;
  }

  private push(h: RecordHeader, payloadLength: number, fill?: (ring: Uint8Array, offset: number, length: number) => void, src?: Uint8Array, from = 0): boolean {
    const size = align8(HEADER_BYTES + payloadLength);
    this.lock();
    try {
      let tail = this.control[TAIL];
      const room = this.capacity - Atomics.load(this.control, USED);
      const tillEnd = this.capacity - tail;
      const skip = size > tillEnd ? tillEnd : 0;
      if (size + skip > room) return false;
      if (skip > 0) {
        this.words[tail / 4] = skip;
        this.words[tail / 4 + 1] = SKIP;
        tail = 0;
      }
      const w = tail / 4;
      this.words[w] = size;
      this.words[w + 1] = h.kind;
      this.words[w + 2] = h.src;
      this.words[w + 3] = h.tag;
      this.words[w + 4] = h.context;
      this.words[w + 5] = h.bytes;
      this.words[w + 6] = h.a;
      this.words[w + 7] = h.b;
      this.words[w + 8] = h.c;
      this.words[w + 9] = payloadLength;
      if (fill && payloadLength > 0) fill(this.bytesView, tail + HEADER_BYTES, payloadLength);
      else if (src && payloadLength > 0) copyInto(src, from, this.bytesView, tail + HEADER_BYTES, payloadLength);
      this.control[TAIL] = (tail + size) % this.capacity;
      Atomics.add(this.control, USED, size + skip); // publishes the record (seq-cst: after the writes above)
      return true;
    } finally {
      this.unlock();
    }
  }

  /** Reused for every record drained: valid only during the consume call. */
  private readonly current: RecordHeader = { kind: 0, src: 0, tag: 0, context: 0, bytes: 0, a: 0, b: 0, c: 0 };

  /**
   * Hands every record present now to `consume` (in order), then frees its space. The header object and the
   * payload (ring[offset .. offset + length)) are only valid during the call.
   */
  drain(consume: (h: RecordHeader, ring: Uint8Array, offset: number, length: number) => void): number {
    let count = 0;
    let head = this.control[HEAD];
    while (Atomics.load(this.control, USED) > 0) {
      const w = head / 4;
      const size = this.words[w];
      if (this.words[w + 1] === SKIP) {
        head = 0;
        this.control[HEAD] = head;
        Atomics.sub(this.control, USED, size);
        continue;
      }
      const h = this.current;
      h.kind = this.words[w + 1];
      h.src = this.words[w + 2];
      h.tag = this.words[w + 3];
      h.context = this.words[w + 4];
      h.bytes = this.words[w + 5];
      h.a = this.words[w + 6];
      h.b = this.words[w + 7];
      h.c = this.words[w + 8];
      consume(h, this.bytesView, head + HEADER_BYTES, this.words[w + 9]);
      head = (head + size) % this.capacity;
      this.control[HEAD] = head;
      Atomics.sub(this.control, USED, size);
      count++;
    }
    return count;
  }

  // A futex-style lock: uncontended it costs one compare-exchange and one exchange, and no notify.
  private lock(): void {
    if (Atomics.compareExchange(this.control, LOCK, 0, 1) === 0) return;
    for (let spins = 0; spins < 100; spins++) {
      if (Atomics.compareExchange(this.control, LOCK, 0, 1) === 0) return;
    }
    while (Atomics.exchange(this.control, LOCK, 2) !== 0) Atomics.wait(this.control, LOCK, 2, 10);
  }

  private unlock(): void {
    if (Atomics.exchange(this.control, LOCK, 0) === 2) Atomics.notify(this.control, LOCK, 1);
  }
}

/** Copies n bytes between different buffers; a plain loop beats set(subarray()) for the small messages. */
function copyInto(src: Uint8Array, from: number, dst: Uint8Array, to: number, n: number): void {
  if (n <= 64) for (let i = 0; i < n; i++) dst[to + i] = src[from + i];
  else dst.set(src.subarray(from, from + n), to);
}
