// Entry point of a pool worker thread: each task runs one Faaslet from start to end, or prepares the snapshot
// that Faaslets of a job start from. Tasks and results are plain data (modules and snapshots clone cheaply:
// compiled code and SharedArrayBuffers are shared, not copied).
import type { FaasletIdentity } from '../host-interface/types.js';
import { FdTable, type FdTableHandle, type Preopen, type StdinSource } from '../host-interface/wasi/fd-table.js';
import type { Snapshot } from '../snapshots/snapshot.js';
import type { RankCapture } from '../migration/capture.js';
import { rebuildMemory } from '../snapshots/diff.js';
import type { MpiTransport } from '../mpi/rank.js';
import { JobChannels, RankState } from '../mpi/transport/job-channels.js';
import { HostLoad } from '../mpi/transport/host-load.js';
import { Faaslet, memoryFor } from './faaslet.js';
import type { LoadedModule } from './module-loader.js';
import { describeError, type FaasletOutcome } from './outcome.js';
import { createSink, endRelayedOutput, nullSink, type SinkSpec } from './output.js';
import { collectIfDue, noteReleased } from './reclaim.js';
import { parentPort, threadId, workerData, type MessagePort } from 'node:worker_threads';
import type { ThreadRequester, ThreadSlotInit } from '../openmp/process.js';
import { WorkerWarmUp } from '../mpi/warm-up.js';
import type { SpreadConfig } from '../openmp/module.js';
import { SpreadReplica } from '../openmp/spread/hub.js';
import { PortTeamLink, TeamLinkClosed, type TeamLinkInit } from '../openmp/spread/port-link.js';

interface TaskBase {
  module: LoadedModule;
  identity: FaasletIdentity;
  args: string[];
  env: string[];
  preopens: Preopen[];
}

/** Start a Faaslet (from the snapshot if given) and run its main. */
export interface RunTask extends TaskBase {
  kind: 'run';
  stdin: StdinSource;
  stdout: SinkSpec;
  stderr: SinkSpec;
  snapshot?: Snapshot;
  /**
   * The job's connection; its memories[identity.index] is this Faaslet's memory (already restored), unless
   * the module defines its own memory (then memories is empty).
   */
  transport: MpiTransport;
  /** Where the process asks the host for OpenMP thread Faaslets (see ThreadRequest). */
  ompPort?: MessagePort;
  /**
   * Continue a rank captured at a migration point (its memory in transport.memories is already the captured
   * one); `snapshot` is then the base its next capture diffs against, not something to restore.
   */
  resume?: RankCapture;
  /** --omp-spread: the rank's link to the job's other hosts (its teams may have members there). */
  ompSpread?: Extract<SpreadConfig, { role: 'main' }>;
}

/** A host's members of another host's rank's spread teams, on one replica of its memory (openmp/spread/). */
export interface OmpReplicaTask extends TaskBase {
  kind: 'omp-replica';
  /** Fresh (all zero): it becomes the master's image at the first fork. */
  memory: WebAssembly.Memory;
  stdout: SinkSpec;
  stderr: SinkSpec;
  hostLoad: SharedArrayBuffer;
  /** Where this thread asks for the other members' thread Faaslets. */
  ompPort: MessagePort;
  link: TeamLinkInit;
  main: string;
  maxMemoryBytes: number;
}

/** A process's request for OpenMP threads, sent on RunTask.ompPort; answered in the process state. */
export interface ThreadRequest {
  process: SharedArrayBuffer;
  fdTable: FdTableHandle;
  slots: ThreadSlotInit[];
}

/** One OpenMP thread of a running process: serves the teams it is given until the process ends. */
export interface OmpThreadTask extends TaskBase {
  kind: 'omp-thread';
  memory: WebAssembly.Memory;
  fdTable: FdTableHandle;
  stdout: SinkSpec;
  stderr: SinkSpec;
  hostLoad: SharedArrayBuffer;
  process: SharedArrayBuffer;
  slot: ThreadSlotInit;
  /** Where this thread asks for threads of its own (nested teams). */
  ompPort: MessagePort;
}

/** How a thread ended: 'done' when its process shut the pool down, else as a Faaslet would (trap, exit()...). */
export type ThreadOutcome = { kind: 'done' } | FaasletOutcome;

/**
 * Instantiate and initialise a Faaslet, then snapshot it, if initialisation touched nothing outside memory (it is
 * stopped before its first host call that would: nothing it does is seen outside).
 */
export interface PrepareTask extends TaskBase {
  kind: 'prepare';
  /** The job's memory cap per rank, in wasm pages (initialisation may not grow past it either). */
  maxPages?: number;
}

export type FaasletTask = RunTask | PrepareTask | OmpThreadTask | OmpReplicaTask;

export type PrepareResult =
  | { usable: true; snapshot: Snapshot }
  | { usable: false; reason: string };

function run(task: RunTask): FaasletOutcome {
  const fdTable = FdTable.create({ preopens: task.preopens, stdin: task.stdin });
  const load = new HostLoad(task.transport.hostLoad);
  const port = task.ompPort;
  // Which thread runs this rank, so the host can read its stack (a job ended by its --timeout).
  parentPort?.postMessage({ faasmpiRank: { groupId: task.identity.groupId, index: task.identity.index, thread: threadId } });
  load.enter();
  let faaslet: Faaslet | undefined;
  let outcome: FaasletOutcome | undefined;
  try {
    if (task.resume) rebuildMemory(task.transport.memories[task.identity.index]!, task.resume.memory, task.snapshot);
    faaslet = Faaslet.create(task.module, {
      identity: task.identity,
      args: task.args,
      env: task.env,
      fdTable,
      stdout: createSink(task.stdout),
      stderr: createSink(task.stderr),
      transport: task.transport,
      omp: {
        gtid: 0,
        requestThreads: port && threadRequester(port, fdTable.handle()),
        spread: task.ompSpread,
      },
    }, task.resume ? undefined : task.snapshot, {}, task.transport.memories[task.identity.index]);
    if (task.resume) {
      faaslet.resumeFrom(task.resume);
      outcome = faaslet.run(task.snapshot);
    } else {
      outcome = (task.snapshot ? undefined : faaslet.initialise()) ?? faaslet.run(task.snapshot);
    }
    return outcome;
  } catch (e) {
    return describeError(e); // instantiation failed (e.g. the start function trapped)
  } finally {
    faaslet?.endOmpThreads();
    port?.close();
    load.leave();
    // A captured rank goes on in its next Faaslet: to its peers it has not finished.
    if (outcome?.kind !== 'migrate') JobChannels.attach(task.transport.channels).setState(task.identity.index, RankState.finished);
    fdTable.closeAll();
    endRelayedOutput();
  }
}

function prepare(task: PrepareTask): PrepareResult {
  const fdTable = FdTable.create({ preopens: task.preopens, stdin: { kind: 'null' } });
  let faaslet: Faaslet | undefined;
  try {
    faaslet = Faaslet.create(task.module, {
      identity: task.identity, args: task.args, env: task.env, fdTable, stdout: nullSink, stderr: nullSink,
    }, undefined, { observeSideEffects: true }, memoryFor(task.module, undefined, task.maxPages));
    const failed = faaslet.initialise();
    if (faaslet.sideEffect) return { usable: false, reason: `initialisation calls ${faaslet.sideEffect}` };
    if (faaslet.readEnvironment) return { usable: false, reason: 'initialisation reads the environment (each rank has its own)' };
    if (failed) return { usable: false, reason: `initialisation ended with ${failed.kind}` };
    return { usable: true, snapshot: faaslet.snapshot() };
  } finally {
    fdTable.closeAll();
    if (faaslet) noteReleased([faaslet.memory]);
  }
}

function runThread(task: OmpThreadTask): ThreadOutcome {
  const load = new HostLoad(task.hostLoad);
  load.enter();
  const stdout = createSink(task.stdout), stderr = createSink(task.stderr);
  try {
    const faaslet = Faaslet.createThread(task.module, {
      identity: task.identity, args: task.args, env: task.env, fdTable: FdTable.attach(task.fdTable), stdout, stderr,
      hostLoad: task.hostLoad,
      omp: { gtid: task.slot.gtid, process: task.process, scratch: task.slot.scratch, requestThreads: threadRequester(task.ompPort, task.fdTable) },
    }, task.memory, task.slot);
    const outcome = faaslet.serve();
    return outcome ?? { kind: 'done' };
  } catch (e) {
    return describeError(e);
  } finally {
    stdout.flush();
    stderr.flush();
    load.leave();
    task.ompPort.close();
    endRelayedOutput();
  }
}

function runReplica(task: OmpReplicaTask): ThreadOutcome {
  const load = new HostLoad(task.hostLoad);
  load.enter();
  const fdTable = FdTable.create({ preopens: task.preopens, stdin: { kind: 'null' } });
  const stdout = createSink(task.stdout), stderr = createSink(task.stderr);
  const replica = new SpreadReplica({ link: new PortTeamLink(task.link), main: task.main, memory: task.memory, maxMemoryBytes: task.maxMemoryBytes });
  try {
    let first;
    try {
      first = replica.awaitFirstFork();
    } catch (e) {
      if (e instanceof TeamLinkClosed) return { kind: 'done' };
      throw e;
    }
    const me = first.members[0];
    const faaslet = Faaslet.createThread(task.module, {
      identity: task.identity, args: task.args, env: task.env, fdTable, stdout, stderr, hostLoad: task.hostLoad,
      omp: { gtid: 0, requestThreads: threadRequester(task.ompPort, fdTable.handle()), spread: { role: 'replica', replica } },
    }, task.memory, { gtid: 0, stackTop: me.stackTop, tlsBlock: me.tlsBlock, scratch: me.scratch });
    return faaslet.serveReplica() ?? { kind: 'done' };
  } catch (e) {
    const end = describeError(e);
    if (end.kind === 'error' || end.kind === 'trap') replica.fail(end.kind === 'error' ? end.message : `trap: ${end.trap}`);
    return end;
  } finally {
    stdout.flush();
    stderr.flush();
    load.leave();
    task.ompPort.close();
    fdTable.closeAll();
    endRelayedOutput();
  }
}

function threadRequester(port: MessagePort, fdTable: FdTableHandle): ThreadRequester {
  return (process, slots) => port.postMessage({ process, fdTable, slots } satisfies ThreadRequest);
}

// Tell the pool this thread has finished loading its modules: Node 20 aborts the whole process when a worker is
// terminated while its ES modules are still being instantiated, so the pool never terminates one before this.
parentPort?.postMessage({ faasmpiWorkerLoaded: threadId });

// While it has no task, a long-running host's worker warms the MPI paths up (mpi/warm-up.ts), in short runs
// between which a task is taken at once: its next jobs' first MPI calls run faster. FAASMPI_MPI_WARMUP_MS
// sets the budget (0: off), also for a one-job launcher's pool (which has none by default).
const poolData = workerData as { warmUpMpi?: boolean; hostLoad?: SharedArrayBuffer } | undefined;
const warmUpAsked = poolData?.warmUpMpi === true || process.env.FAASMPI_MPI_WARMUP_MS !== undefined;
const warming = new WorkerWarmUp(warmUpAsked ? process.env.FAASMPI_MPI_WARMUP_MS : '0', process.env.FAASMPI_MPI_WARMUP_IDLE_MS, poolData?.hostLoad);

export default function handle(task: FaasletTask): FaasletOutcome | PrepareResult | ThreadOutcome {
  warming.busy(task.kind === 'run' ? task.transport.hostLoad : task.kind === 'omp-thread' || task.kind === 'omp-replica' ? task.hostLoad : undefined);
  let result;
  try {
    result = dispatch(task);
  } finally {
    warming.resume();
  }
  // This thread held the job's memories (a rank reaches every rank's): drop them from the task, which piscina
  // keeps until we answer, so that they can be collected here (faaslet/reclaim.ts).
  if (task.kind === 'run') {
    noteReleased(task.transport.memories);
    task.transport.memories.fill(undefined);
  } else if (task.kind === 'omp-thread' || task.kind === 'omp-replica') {
    noteReleased([task.memory]);
    (task as { memory?: WebAssembly.Memory }).memory = undefined;
  }
  collectIfDue();
  return result;
}

function dispatch(task: FaasletTask): FaasletOutcome | PrepareResult | ThreadOutcome {
  switch (task.kind) {
    case 'run': return run(task);
    case 'prepare': return prepare(task);
    case 'omp-thread': return runThread(task);
    case 'omp-replica': return runReplica(task);
  }
}
