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
  return (bytes) => channel.postMessage({ fd: spec.fd, bytes: bytes.slice() } satisfies OutputChunk);
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
