// Where each rank's output goes and which ranks read faasmpirun's stdin, as mpirun's options ask:
// --output-filename DIR (Open MPI's layout: DIR/1/rank.N/stdout and stderr), --merge-stderr-to-stdout,
// --stdin N|all|none. Files are opened here, by the launcher; ranks only ever see the fds.
import { closeSync, mkdirSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StdinSource } from '../host-interface/wasi/fd-table.js';

export interface RankOutput {
  /** Each rank's stdout and stderr fds (undefined: ours, untouched). */
  fds: { stdout: number; stderr: number }[] | undefined;
  /** The fd a rank's output to `fd` (1 or 2) goes to. */
  route(rank: number, fd: number): number;
  close(): void;
}

export function openRankOutput(np: number, dir: string | undefined, mergeStderr: boolean, cwd = process.cwd()): RankOutput {
  const opened: number[] = [];
  let fds: { stdout: number; stderr: number }[] | undefined;
  if (dir !== undefined) {
    try {
      fds = Array.from({ length: np }, (_, rank) => {
        const rankDir = join(resolve(cwd, dir), '1', `rank.${rank}`);
        mkdirSync(rankDir, { recursive: true });
        const stdout = openSync(join(rankDir, 'stdout'), 'w', 0o644);
        opened.push(stdout);
        if (mergeStderr) return { stdout, stderr: stdout };
        const stderr = openSync(join(rankDir, 'stderr'), 'w', 0o644);
        opened.push(stderr);
        return { stdout, stderr };
      });
    } catch (e) {
      for (const fd of opened) closeSync(fd);
      throw new Error(`--output-filename ${dir}: ${(e as Error).message}`);
    }
  } else if (mergeStderr) {
    fds = Array.from({ length: np }, () => ({ stdout: 1, stderr: 1 }));
  }
  return {
    fds,
    route: (rank, fd) => (fds?.[rank] ? (fd === 2 ? fds[rank].stderr : fds[rank].stdout) : fd === 2 ? 2 : 1),
    close: () => { for (const fd of opened) closeSync(fd); },
  };
}

/**
 * Each rank's stdin. `all`: our stdin is read to its end first, and every rank reads its own copy of it
 * (its own fd on one unlinked file, so each has its own offset).
 */
export function rankStdin(np: number, which: number | 'all' | 'none'): { sources: StdinSource[]; close(): void } {
  const sources: StdinSource[] = Array.from({ length: np }, () => ({ kind: 'null' }));
  if (which === 'none') return { sources, close: () => {} };
  if (which !== 'all') {
    sources[which] = { kind: 'hostFd', fd: 0 };
    return { sources, close: () => {} };
  }
  const path = join(tmpdir(), `faasmpirun-stdin-${process.pid}-${Date.now()}`);
  const copy = openSync(path, 'wx', 0o600);
  const opened: number[] = [];
  try {
    const buf = Buffer.alloc(1 << 16);
    for (;;) {
      let n: number;
      try {
        n = readSync(0, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') { // a non-blocking stdin with nothing yet: wait a little
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        if ((e as NodeJS.ErrnoException).code === 'EOF') break;
        throw e;
      }
      if (n === 0) break;
      writeSync(copy, buf, 0, n);
    }
    for (let r = 0; r < np; r++) {
      const fd = openSync(path, 'r');
      opened.push(fd);
      sources[r] = { kind: 'hostFd', fd };
    }
  } finally {
    closeSync(copy);
    unlinkSync(path);
  }
  return { sources, close: () => { for (const fd of opened) closeSync(fd); } };
}
