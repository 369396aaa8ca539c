// The launcher's end of a job's stdin when its ranks run on hosts: our own stdin is read as it comes (a file,
// a pipe or a terminal, as mpirun forwards it) and sent to each host of a rank that reads it, never more than
// STDIN_WINDOW bytes ahead of what that host has credited back (stdin-relay.ts), so a rank that reads slowly
// slows our reading instead of filling a host's memory.
import type { Readable } from 'node:stream';
import { STDIN_CHUNK, STDIN_WINDOW } from './stdin-relay.js';

export interface StdinTarget {
  id: string;
  /** Sends one chunk (its bytes) or the end. */
  send(bytes: Uint8Array, end: boolean): void;
}

export class StdinFeed {
  private readonly ahead = new Map<string, number>();
  /** Read and not yet sent (a host had no room for it). */
  private pending: Buffer[] = [];
  private inputEnded = false;
  private stopped = false;
  private readonly onData = (data: Buffer) => {
    this.pending.push(data);
    this.drain();
  };
  private readonly onEnd = () => {
    this.inputEnded = true;
    this.drain();
  };

  constructor(private readonly input: Readable, private readonly targets: StdinTarget[]) {
    for (const t of targets) this.ahead.set(t.id, 0);
  }

  start(): void {
    if (this.targets.length === 0) return;
    this.input.on('data', this.onData);
    this.input.once('end', this.onEnd);
    // A stdin we cannot read (closed, or an error later) is the end of the input, as for a native rank.
    this.input.once('error', this.onEnd);
    this.input.resume();
  }

  /** A host took `bytes` more; a host crediting more than it was sent is ignored. */
  credit(hostId: string, bytes: number): void {
    const ahead = this.ahead.get(hostId);
    if (ahead === undefined || !Number.isInteger(bytes) || bytes <= 0 || bytes > ahead) return;
    this.ahead.set(hostId, ahead - bytes);
    this.drain();
  }

  /** The job is over: stop reading. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pending = [];
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('error', this.onEnd);
    this.input.pause();
    this.input.destroy();
  }

  /** Sends what every host has room for, one chunk at a time; reads more only when nothing waits. */
  private drain(): void {
    if (this.stopped) return;
    while (this.pending.length > 0) {
      const head = this.pending[0];
      const piece = head.subarray(0, STDIN_CHUNK);
      if (!this.roomFor(piece.length)) {
        this.input.pause();
        return;
      }
      for (const t of this.targets) {
        this.ahead.set(t.id, this.ahead.get(t.id)! + piece.length);
        t.send(piece, false);
      }
      if (piece.length === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(piece.length);
    }
    if (this.inputEnded) {
      for (const t of this.targets) t.send(new Uint8Array(0), true);
      this.stop();
    } else this.input.resume();
  }

  private roomFor(bytes: number): boolean {
    for (const ahead of this.ahead.values()) if (ahead + bytes > STDIN_WINDOW) return false;
    return true;
  }
}
