// The shared-memory area of one job's collectives on this host (collectives/shared.ts runs them on it): for each
// rank and each of the first COMM_SLOTS communicators (by context id) a control line and DEPTH data slots, used by
// successive collectives in turn (so a root may run DEPTH - 1 rooted collectives ahead of slow readers, as messages
// let it: with two slots an oversubscribed root slept on every call).
//
// Owner of each piece: a rank writes only its own lines and slots; peers only read them. A communicator's context
// id is never reused and two communicators sharing a rank never share one (mpi/communicators.ts), so the slot of
// (rank, context) belongs to one communicator for the whole job, starts zeroed, and needs no allocation protocol.
//
// Control line of (rank, communicator), int32 words (1 + 3 x DEPTH of the line's 16):
//   SEQ       the sequence number of the last collective this rank entered on the communicator (0: none yet);
//             stored after its contribution is in that collective's data slot
//   BYTES+d   bytes per block the rank wrote into data slot d (so readers detect truncation)
//   ADDRS+2d  guest addresses of the rank's input and output buffers for the collective of slot d (reductions
//             that read and write the members' buffers in place instead of copying through the slots)
// Collective number s uses slot s mod DEPTH.
export const COMM_SLOTS = 16;
/** Bytes of one data slot. */
export const SLOT_BYTES = 16 * 1024;
/** Data slots per rank and communicator (a power of two). */
export const DEPTH = 4;

const CONTROL_BYTES = 64;
const SEQ = 0;
const BYTES = 1;
const ADDRS = BYTES + DEPTH;
const ENTRY_BYTES = CONTROL_BYTES + DEPTH * SLOT_BYTES;
const RANK_BYTES = COMM_SLOTS * ENTRY_BYTES;

export class CollArea {
  private readonly words: Int32Array;
  readonly bytes: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.bytes = new Uint8Array(buffer);
  }

  static create(ranks: number): CollArea {
    return new CollArea(new SharedArrayBuffer(ranks * RANK_BYTES));
  }

  /** The communicator slot of a context id, or undefined when the communicator has none (it then uses messages). */
  static slotOf(context: number): number | undefined {
    const s = context >> 1;
    return s < COMM_SLOTS ? s : undefined;
  }

  private base(worldRank: number, slot: number): number {
    return worldRank * RANK_BYTES + slot * ENTRY_BYTES;
  }

  /** Index of the SEQ word of (rank, communicator slot), for seq()/post(). */
  seqWord(worldRank: number, slot: number): number {
    return (this.base(worldRank, slot) >> 2) + SEQ;
  }

  seq(word: number): number {
    return Atomics.load(this.words, word);
  }

  /**
   * Publishes that the rank entered collective `seq`, with its data in seq's slot if it wrote any (a rank that
   * wrote nothing leaves BYTES alone: a peer may still read what it wrote DEPTH collectives ago).
   */
  post(word: number, seq: number, bytesPerBlock?: number): void {
    if (bytesPerBlock !== undefined) Atomics.store(this.words, word + BYTES + (seq & (DEPTH - 1)), bytesPerBlock);
    Atomics.store(this.words, word + SEQ, seq);
  }

  /** Sets the rank's buffer addresses for collective `seq` (before post()). */
  setAddresses(word: number, seq: number, input: number, output: number): void {
    Atomics.store(this.words, word + ADDRS + 2 * (seq & (DEPTH - 1)), input);
    Atomics.store(this.words, word + ADDRS + 2 * (seq & (DEPTH - 1)) + 1, output);
  }

  /** The input (which 0) or output (1) address a rank set for collective `seq`, as an unsigned guest address. */
  address(word: number, seq: number, which: 0 | 1): number {
    return Atomics.load(this.words, word + ADDRS + 2 * (seq & (DEPTH - 1)) + which) >>> 0;
  }

  /** Bytes per block written for collective `seq` (read after seeing SEQ reach it). */
  blockBytes(word: number, seq: number): number {
    return Atomics.load(this.words, word + BYTES + (seq & (DEPTH - 1)));
  }

  /** Byte offset in `bytes` of the data slot of (rank, communicator slot) for collective `seq` (slot seq mod DEPTH). */
  dataAt(worldRank: number, slot: number, seq: number): number {
    return this.base(worldRank, slot) + CONTROL_BYTES + (seq & (DEPTH - 1)) * SLOT_BYTES;
  }
}

/** Has a rank whose SEQ word reads `seen` entered collective `seq`? (Sequence numbers wrap.) */
export const reached = (seen: number, seq: number): boolean => ((seen - seq) | 0) >= 0;
