// What a job is (as the launcher describes it) and how it ended (as the host reports it).
import type { FaasletOutcome } from '../faaslet/outcome.js';
import { trapExitCode } from '../faaslet/outcome.js';
import type { StdinSource } from '../host-interface/wasi/fd-table.js';

export interface JobSpec {
  program: string;
  /** argv[0] as the program sees it. */
  argv0: string;
  args: string[];
  np: number;
  /** "KEY=VALUE" strings every rank sees. */
  env: string[];
  /** Host directory the program sees as "/" and as its working directory. */
  sandboxRoot: string;
  tagOutput: boolean;
  /** Start ranks from a snapshot taken after initialisation, when initialisation is side-effect free. */
  useSnapshots: boolean;
  /** Rank 0's stdin (the others read an empty stdin, as with mpirun), or each rank's (--stdin N|all). */
  stdin: StdinSource | StdinSource[];
  /** Host fds each rank's stdout and stderr go to, instead of ours (--output-filename; this process only). */
  outputFds?: { stdout: number; stderr: number }[];
  /**
   * MPMD (`-np 1 a.wasm : -np 3 b.wasm`): each program with its own argv runs a block of consecutive ranks, in
   * order, all in one MPI_COMM_WORLD (np is their sum). Without it every rank runs `program` (this process only).
   */
  apps?: { program: string; argv0: string; args: string[]; np: number }[];
  /** End the job after this long, with each rank's stack (--timeout). */
  timeoutMs?: number;
  /** End the job when every running rank has waited this long in MPI with nothing in flight. */
  deadlockTimeoutMs: number;
  /** Longest the program's initialisation (constructors, for the snapshot) may run; default DEFAULT_INIT_TIMEOUT_MS. */
  initTimeoutMs?: number;
  /** Most wasm memory the job's ranks may hold together (bytes); the host's default applies when unset. */
  maxMemoryBytes?: number;
  /** Move every rank into a fresh Faaslet at the first all-rank MPI_Barrier from the fromBarrier-th (1-based) at
   * which all can be captured (faasmpirun --pack-at-barrier; modules built with faasmpicc -fmigrate). */
  migration?: JobMigrationSpec;
}

export const DEFAULT_INIT_TIMEOUT_MS = 60_000;

/** When a job's ranks may be captured and moved (migration/). */
export interface JobMigrationSpec {
  /** The first all-rank MPI_Barrier at which the ranks may move. */
  fromBarrier: number;
  /** From there, every how many all-rank barriers the ranks vote (1: each; more: a job that moves only on request). */
  every?: number;
  /** Moves only when an operator asks (faasmpi migrate): never on one host; on several, asked at every `every`-th barrier. */
  onRequest?: boolean;
  verbose: boolean;
}

export type RankEnd = FaasletOutcome | { kind: 'stopped' };

export interface JobResult {
  exitCode: number;
  /** ranks[i]: how rank i ended; 'stopped' when the job was ended because another rank failed. */
  ranks: RankEnd[];
  /** The rank whose end ended the job, if one did. */
  culprit?: number;
  /** The host ended the job (a deadlock), with this message and exit status. */
  hostFailure?: { code: number; message: string };
  /** For a job with a memory cap that failed: the cap and how close to it the ranks came. */
  memoryNote?: string;
  /** Why a move asked for (JobSpec.migration) cannot happen in this job at all. */
  migrationNote?: string;
  /** The job ran out of time (--timeout): each rank's stack when it was ended (this host's ranks). */
  timedOut?: { limitMs: number; stacks: Record<number, string[]> };
  /** Whether ranks started from a snapshot, and if not, why. */
  snapshot: { used: boolean; note: string };
}

/** The exit status of a job that ran out of time (as coreutils' timeout). */
export const TIMEOUT_EXIT_CODE = 124;

export function timeoutMessage(limitMs: number, stacks: Record<number, string[]>): string {
  const ranks = Object.keys(stacks).map(Number).sort((a, b) => a - b);
  const lines = ranks.flatMap((r) => [`  rank ${r}:`, ...stacks[r].map((f) => `    ${f}`)]);
  return `timeout: the job ran longer than its limit of ${limitMs / 1000} s (--timeout or MPIEXEC_TIMEOUT) and was ended; where each rank was:\n${lines.join('\n')}`;
}

/**
 * The job's exit status as Open MPI defines it: the status of the lowest rank that ended non-zero
 * (ranks stopped because another failed do not count).
 */
export function jobExitCode(ranks: RankEnd[]): { code: number; rank?: number } {
  for (let r = 0; r < ranks.length; r++) {
    const end = ranks[r];
    if (end && end.kind !== 'stopped' && failureCode(end) !== 0) return { code: failureCode(end), rank: r };
  }
  return { code: 0 };
}

/** Non-zero when the rank's end should end the whole job (as mpirun does for any failing process). */
export function failureCode(end: FaasletOutcome): number {
  switch (end.kind) {
    case 'exit': return end.code;
    case 'trap': return trapExitCode(end.trap);
    case 'abort': return end.code;
    case 'error': return 1;
    case 'migrate': return 1; // a capture nobody resumed: the rank did not finish
  }
}

export function describeEnd(rank: number, end: RankEnd): string {
  switch (end.kind) {
    case 'exit': return `rank ${rank} exited with status ${end.code}`;
    case 'trap': return [`rank ${rank} trapped: ${end.trap}`, ...end.stack.map((f) => `    at ${f}`)].join('\n');
    case 'abort': return end.message;
    case 'error': return `rank ${rank}: ${end.message}`;
    case 'migrate': return `rank ${rank} was captured for a migration and not resumed`;
    case 'stopped': return `rank ${rank} was stopped`;
  }
}
