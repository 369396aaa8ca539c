// Output sinks for a Faaslet's stdout/stderr. They write straight to the host process's file descriptors from
// the Faaslet's worker (synchronously, so nothing is lost when a job ends); with a prefix (faasmpirun
// --tag-output) they hold back partial lines so every printed line carries its rank's tag.
import { writeSync } from 'node:fs';
import type { OutputSink } from '../host-interface/types.js';

export interface SinkSpec {
  fd: number;
  prefix?: string;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** writeSync until everything is out: a pipe set non-blocking by the parent can answer EAGAIN when full. */
function writeAll(fd: number, bytes: Uint8Array): void {
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

class FdSink implements OutputSink {
  constructor(private readonly fd: number) {}
  write(bytes: Uint8Array): void {
    writeAll(this.fd, bytes);
  }
  flush(): void {}
}

class PrefixedLineSink implements OutputSink {
  private pending: Uint8Array = new Uint8Array(0);
  private readonly prefix: Uint8Array;
  constructor(private readonly fd: number, prefix: string) {
    this.prefix = new TextEncoder().encode(prefix);
  }
  write(bytes: Uint8Array): void {
    const data = concat(this.pending, bytes);
    const lastNewline = data.lastIndexOf(0x0a);
    if (lastNewline < 0) {
      this.pending = data;
      return;
    }
    this.emit(data.subarray(0, lastNewline + 1));
    this.pending = data.slice(lastNewline + 1);
  }
  flush(): void {
    if (this.pending.length > 0) this.emit(concat(this.pending, new Uint8Array([0x0a])));
    this.pending = new Uint8Array(0);
  }
  private emit(lines: Uint8Array): void {
    const parts: Uint8Array[] = [];
    let start = 0;
    while (start < lines.length) {
      const end = lines.indexOf(0x0a, start) + 1;
      parts.push(this.prefix, lines.subarray(start, end));
      start = end;
    }
    writeAll(this.fd, concat(...parts)); // one write per batch keeps lines of different ranks whole
  }
}

function concat(...chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

export function createSink(spec: SinkSpec): OutputSink {
  return spec.prefix ? new PrefixedLineSink(spec.fd, spec.prefix) : new FdSink(spec.fd);
}

/** Discards output: used while preparing a snapshot (any output makes that snapshot unusable anyway). */
export const nullSink: OutputSink = { write() {}, flush() {} };
