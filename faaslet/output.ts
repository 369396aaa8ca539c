// Output sinks for a Faaslet's stdout/stderr. They write straight to the host process's file descriptors from
// the Faaslet's worker (synchronously, so nothing is lost when a job ends), or, on a cluster host, post to a
// BroadcastChannel the host relays to the job's launcher. With a prefix (faasmpirun --tag-output) they hold
// back partial lines so every printed line carries its rank's tag.
import { writeSync } from 'node:fs';
import type { OutputSink } from '../host-interface/types.js';

export interface SinkSpec {
  fd: number;
  prefix?: string;
  /** Post output to this BroadcastChannel (as OutputChunk) instead of writing to fd. */
  channel?: string;
  /**
   * With `channel`: the relayed bytes not yet taken off the channel (an Int32 at index 0, see OutputCredit).
   * A writer waits while RELAY_WINDOW bytes are in flight, as a native one waits on a full pipe.
   */
  credit?: SharedArrayBuffer;
}

/** Most bytes of one rank's relayed output in flight between its Faaslet and the host's main thread. */
export const RELAY_WINDOW = 4 << 20;
/** Relayed output is posted in pieces of at most this size (one huge write must not be one huge message). */
const RELAY_PIECE = 1 << 20;

/** The host's side of a relayed sink's credit: it returns the bytes it has taken off the channel. */
export class OutputCredit {
  readonly buffer = new SharedArrayBuffer(4);
  private readonly inFlight = new Int32Array(this.buffer);
  taken(bytes: number): void {
    Atomics.sub(this.inFlight, 0, bytes);
    Atomics.notify(this.inFlight, 0);
  }
}

/** What a relayed sink posts; `end` marks that a Faaslet has posted all its output. */
export type OutputChunk = { fd: number; bytes: Uint8Array } | { end: true };

const channels = new Map<string, BroadcastChannel>();

function channelNamed(name: string): BroadcastChannel {
  let c = channels.get(name);
  if (!c) {
    c = new BroadcastChannel(name);
    (c as unknown as { unref(): void }).unref();
    channels.set(name, c);
  }
  return c;
}

/** Marks the end of a Faaslet's output on every channel it used, and closes them (once per task). */
export function endRelayedOutput(): void {
  for (const c of channels.values()) {
    c.postMessage({ end: true } satisfies OutputChunk);
    c.close();
  }
  channels.clear();
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** writeSync until everything is out: a pipe set non-blocking by the parent can answer EAGAIN when full. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(sleeper, 0, 0, 1);
      else if (code === 'EPIPE') return; // reader is gone: drop output like a native process would die on SIGPIPE
      else throw e;
    }
  }
}

type Writer = (bytes: Uint8Array) => void;

function writerFor(spec: SinkSpec): Writer {
  if (spec.channel === undefined) return (bytes) => writeAll(spec.fd, bytes);
  const channel = channelNamed(spec.channel);
  const inFlight = spec.credit && new Int32Array(spec.credit);
  return (bytes) => {
    for (let off = 0; off < bytes.length; off += RELAY_PIECE) {
      const piece = bytes.slice(off, off + RELAY_PIECE);
      if (inFlight) {
        // Wait for the host to take earlier output off the channel (it notifies); a job that is stopped
        // meanwhile terminates this worker, wait or not.
        for (let now = Atomics.load(inFlight, 0); now > 0 && now + piece.length > RELAY_WINDOW; now = Atomics.load(inFlight, 0)) {
          Atomics.wait(inFlight, 0, now, 1000);
        }
        Atomics.add(inFlight, 0, piece.length);
      }
      channel.postMessage({ fd: spec.fd, bytes: piece } satisfies OutputChunk);
    }
  };
}

class PlainSink implements OutputSink {
  constructor(private readonly out: Writer) {}
  write(bytes: Uint8Array): void {
    this.out(bytes);
  }
  flush(): void {}
}

/** Bytes appended in amortised constant time per byte (capacity doubles). */
class ByteBuffer {
  private bytes = new Uint8Array(0);
  length = 0;
  append(b: Uint8Array): void {
    if (this.length + b.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.length + b.length, this.bytes.length * 2, 256));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(b, this.length);
    this.length += b.length;
  }
  /** The contents, and the buffer emptied (its storage is handed over, not copied). */
  take(): Uint8Array {
    const out = this.bytes.subarray(0, this.length);
    this.bytes = new Uint8Array(0);
    this.length = 0;
    return out;
  }
}

/** A line longer than this is written in pieces (memory stays bounded; other ranks' lines may then split it). */
const LONGEST_HELD_LINE = 4 << 20;

class PrefixedLineSink implements OutputSink {
  /** The current line so far (no newline yet): appended to, never re-joined per write (that was quadratic). */
  private readonly pending = new ByteBuffer();
  /** Part of the current line was already written (with its tag). */
  private midLine = false;
  private readonly prefix: Uint8Array;
  constructor(private readonly out: Writer, prefix: string) {
    this.prefix = new TextEncoder().encode(prefix);
  }
  write(bytes: Uint8Array): void {
    const lastNewline = bytes.lastIndexOf(0x0a);
    if (lastNewline < 0) {
      this.pending.append(bytes);
      if (this.pending.length >= LONGEST_HELD_LINE) {
        const piece = this.pending.take();
        this.out(this.midLine ? piece : concat([this.prefix, piece]));
        this.midLine = true;
      }
      return;
    }
    this.emit(this.pending.take(), bytes.subarray(0, lastNewline + 1));
    this.pending.append(bytes.subarray(lastNewline + 1));
  }
  flush(): void {
    if (this.pending.length > 0 || this.midLine) this.emit(this.pending.take(), new Uint8Array([0x0a]));
  }
  /** Writes `head` (a line's start) and `lines` (ending with a newline), every line tagged, in one write. */
  private emit(head: Uint8Array, lines: Uint8Array): void {
    const parts: Uint8Array[] = this.midLine ? [head] : [this.prefix, head];
    this.midLine = false;
    let start = 0;
    while (start < lines.length) {
      const end = lines.indexOf(0x0a, start) + 1;
      if (start > 0) parts.push(this.prefix);
      parts.push(lines.subarray(start, end));
      start = end;
    }
    this.out(concat(parts)); // one write per batch keeps lines of different ranks whole
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

export function createSink(spec: SinkSpec): OutputSink {
  const out = writerFor(spec);
  return spec.prefix ? new PrefixedLineSink(out, spec.prefix) : new PlainSink(out);
}

/** Discards output: used while preparing a snapshot (any output makes that snapshot unusable anyway). */
export const nullSink: OutputSink = { write() {}, flush() {} };
