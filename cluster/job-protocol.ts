// The conversation between a launcher (faasmpirun) and the hosts running its job, as Control kinds on their
// links. The launcher asks each host for its capacity (hello), hands each chosen host its part with the program
// (prepare: the host reserves slots, compiles, links to its peers, answers ready or refused), starts all parts
// at once (start: no rank can message a host not yet ready), relays output, streams its stdin to the hosts of
// the ranks that read it (stdin, answered by stdin-credit), and ends every part when one fails (stop). Hosts
// report output, their deadlock view (quiet) and how their ranks ended (part-end).
import type { FGroup } from '../fgroups/fgroup.js';
import type { QuietReport } from '../host/deadlock-watch.js';
import type { JobResult, JobSpec } from '../host/job.js';
import type { AppEntry, PreloadEntry } from './preload.js';
import type { Control } from './wire/codec.js';

/** A job as hosts see it: JobSpec without the launcher's path, stdin and output fds (the program travels as bytes). */
export type RemoteJobSpec = Omit<JobSpec, 'program' | 'stdin' | 'outputFds' | 'apps'>;

export interface HelloReply {
  id: string;
  slots: number;
  /** Slots not taken by running parts. */
  free: number;
}

export interface PrepareRequest {
  group: FGroup;
  /** Where every host of the job listens (host id -> host:port), for the links between them. */
  addresses: Record<string, string>;
  spec: RemoteJobSpec;
  /** Input files (--preload) whose bytes follow the program's in the request's bytes, in this order. */
  files?: PreloadEntry[];
  /** MPMD: the job's programs, whose bytes come first in the request's bytes, in this order. */
  apps?: AppEntry[];
  /** Which ranks read the launcher's stdin (it follows in stdin controls): one rank, or each its own copy. */
  stdin?: number | 'all';
  /** --omp-spread: the hosts OpenMP teams may use (rank hosts and hosts taking part only with threads); -v. */
  ompSpread?: { hosts: string[]; verbose: boolean };
}

export interface Refusal {
  message: string;
}

export interface OutputNote {
  rank: number;
  fd: number;
}

export interface PartEnd {
  /** This host's ranks' ends (others: 'stopped'), culprit and host failure as LocalHost reports them. */
  result: JobResult;
  /** Records this part sent to and received from other hosts. */
  crossHostRecords: { sent: number; received: number };
  /** Why the host ended its part early, if something outside its ranks did (a peer host died). */
  failure?: string;
}

/** A piece of the launcher's stdin (the control's blob), or its end. */
export interface StdinChunk {
  end?: boolean;
}

/** Stdin bytes every reading rank's pipe on the host has taken: the launcher may send that many more. */
export interface StdinCredit {
  bytes: number;
}

export interface StopRequest {
  reason: string;
}

/** A host's ranks all voted at an all-rank MPI_Barrier (migration/vote-relay.ts). */
export interface MigrateVote {
  barrier: number;
  ok: boolean;
}

/** The job owner's answer to the votes at `barrier`: move to `hostTable` as epoch `epoch`, or not (`final`: never). */
export interface MigrateDecision {
  barrier: number;
  go: boolean;
  final?: boolean;
  epoch?: number;
  hostTable?: string[];
}

/** Between hosts and to and from the launcher: epoch `epoch` of a move (drained, switched, resume). */
export interface MigrateEpoch {
  epoch: number;
}

/** A rank's capture between hosts (the blob: migration/capture-wire.ts). */
export interface MigrateCapture {
  epoch: number;
  rank: number;
}

/** An operator's request (faasmpi migrate): move one rank to a host of the job, or pack the job onto fewest hosts. */
export interface MigrateRequest {
  rank?: number;
  to?: string;
  pack?: boolean;
}

export interface ControlKinds {
  hello: Record<string, never>;
  'hello-reply': HelloReply;
  prepare: PrepareRequest;
  ready: Record<string, never>;
  refused: Refusal;
  start: Record<string, never>;
  output: OutputNote;
  quiet: QuietReport;
  'part-end': PartEnd;
  stop: StopRequest;
  stdin: StdinChunk;
  'stdin-credit': StdinCredit;
  'migrate-vote': MigrateVote;
  'migrate-decision': MigrateDecision;
  /** Host to host: every record this host sent the peer before the move is on the link before this. */
  'migrate-drained': MigrateEpoch;
  'migrate-capture': MigrateCapture;
  /** Host to launcher: this host has switched to the epoch (its moved ranks' output all relayed before this). */
  'migrate-ready': MigrateEpoch;
  'migrate-resume': MigrateEpoch;
  /** User to host (the job's owner only), and host to the job's launcher. */
  'migrate-request': MigrateRequest;
  /** Host to user: the request went to the job's launcher; it is answered at the job's next migration point. */
  'migrate-accepted': Record<string, never>;
}

export type ControlKind = keyof ControlKinds;

export function control<K extends ControlKind>(kind: K, job: string, user: string, args: ControlKinds[K], blob?: Uint8Array): { control: Control } {
  return { control: { kind, job, user, json: JSON.stringify(args), blob } };
}

export function argsOf<K extends ControlKind>(c: Control, _kind: K): ControlKinds[K] {
  return JSON.parse(c.json || '{}') as ControlKinds[K];
}
