// The launcher's stdin on one host of a job: what arrives over the launcher's link goes into the stdin pipe of
// each local rank that reads it (one rank, or every rank with --stdin all). The launcher keeps at most
// STDIN_WINDOW bytes ahead of what this host has credited back, and a chunk is credited only once every pipe
// has taken it, so a rank that does not read holds the launcher back instead of filling this host's memory.
// Bytes beyond the window, chunks after the end or for a host with no reading rank are the launcher breaking
// the protocol: the part ends with the reason.
import { createStdinPipe, StdinPipeWriter } from '../host-interface/wasi/stdin-pipe.js';

export const STDIN_WINDOW = 1 << 20;
export const STDIN_CHUNK = 1 << 16;
/** How often a pipe that is full looks again, should the reader's wake-up be missed (and to notice the end). */
const ROOM_POLL_MS = 200;

interface Pipe {
  writer: StdinPipeWriter;
  /** Index (counted from the first chunk ever) of the next chunk to write, and how much of it is written. */
  next: number;
  offset: number;
  pumping: boolean;
}

export class StdinRelay {
  /** Chunks not yet taken by every pipe; chunks[0] is chunk number `first`. */
  private readonly chunks: Uint8Array[] = [];
  private first = 0;
  /** Bytes received and not yet credited. */
  private held = 0;
  private ended = false;
  private closed = false;
  private readonly pipes = new Map<number, Pipe>();

  /** `readers`: this host's ranks that read stdin; `credit` tells the launcher it may send more. */
  constructor(readers: number[], private readonly credit: (bytes: number) => void) {
    for (const rank of readers) this.pipes.set(rank, { writer: new StdinPipeWriter(createStdinPipe()), next: 0, offset: 0, pumping: false });
  }

  /** The pipe a rank's stdin reads, if it reads the launcher's stdin. */
  bufferOf(rank: number): SharedArrayBuffer | undefined {
    return this.pipes.get(rank)?.writer.buffer;
  }

  /** Takes a chunk from the launcher; the answer is why it breaks the protocol, if it does. */
  push(bytes: Uint8Array, end: boolean): string | undefined {
    if (this.closed) return undefined;
    if (this.pipes.size === 0) return 'stdin for a host that runs no rank reading it';
    if (this.ended) return 'stdin after its end';
    if (bytes.length > STDIN_CHUNK) return `a stdin chunk of ${bytes.length} bytes (at most ${STDIN_CHUNK})`;
    if (this.held + bytes.length > STDIN_WINDOW) return `more stdin than the ${STDIN_WINDOW} bytes it may send ahead`;
    this.held += bytes.length;
    if (bytes.length > 0) this.chunks.push(bytes);
    this.ended = end;
    for (const pipe of this.pipes.values()) void this.pump(pipe);
    return undefined;
  }

  /** The part is over: readers see the end of their input, nothing more is written or credited. */
  close(): void {
    this.closed = true;
    for (const pipe of this.pipes.values()) pipe.writer.close();
  }

  private async pump(pipe: Pipe): Promise<void> {
    if (pipe.pumping) return;
    pipe.pumping = true;
    try {
      while (!this.closed && pipe.next < this.first + this.chunks.length) {
        const chunk = this.chunks[pipe.next - this.first];
        pipe.offset += pipe.writer.write(chunk.subarray(pipe.offset));
        if (pipe.offset < chunk.length) {
          await pipe.writer.room(ROOM_POLL_MS);
          continue;
        }
        pipe.next++;
        pipe.offset = 0;
        this.release();
      }
      if (this.ended && !this.closed) pipe.writer.close();
    } finally {
      pipe.pumping = false;
    }
  }

  /** Drops the chunks every pipe has taken and credits their bytes to the launcher. */
  private release(): void {
    let taken = Infinity;
    for (const pipe of this.pipes.values()) taken = Math.min(taken, pipe.next);
    let bytes = 0;
    while (this.first < taken) {
      bytes += this.chunks.shift()!.length;
      this.first++;
    }
    if (bytes === 0) return;
    this.held -= bytes;
    this.credit(bytes);
  }
}
