// Entry point of a pool worker thread: each task runs one Faaslet from start to end, or prepares the snapshot
// that Faaslets of a job start from. Tasks and results are plain data (modules and snapshots clone cheaply:
// compiled code and SharedArrayBuffers are shared, not copied).
import type { FaasletIdentity } from '../host-interface/types.js';
import { FdTable, type Preopen, type StdinSource } from '../host-interface/wasi/fd-table.js';
import type { Snapshot } from '../snapshots/snapshot.js';
import type { MpiTransport } from '../mpi/rank.js';
import { JobChannels, RankState } from '../mpi/transport/job-channels.js';
import { HostLoad } from '../mpi/transport/waiter.js';
import { Faaslet } from './faaslet.js';
import type { LoadedModule } from './module-loader.js';
import { describeError, type FaasletOutcome } from './outcome.js';
import { createSink, nullSink, type SinkSpec } from './output.js';
import { parentPort, threadId } from 'node:worker_threads';

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
}

/** Instantiate and initialise a Faaslet, then snapshot it, if initialisation touched nothing outside memory. */
export interface PrepareTask extends TaskBase {
  kind: 'prepare';
}

export type FaasletTask = RunTask | PrepareTask;

export type PrepareResult =
  | { usable: true; snapshot: Snapshot }
  | { usable: false; reason: string };

function run(task: RunTask): FaasletOutcome {
  const fdTable = FdTable.create({ preopens: task.preopens, stdin: task.stdin });
  const load = new HostLoad(task.transport.hostLoad);
  load.enter();
  try {
    const faaslet = Faaslet.create(task.module, {
      identity: task.identity,
      args: task.args,
      env: task.env,
      fdTable,
      stdout: createSink(task.stdout),
      stderr: createSink(task.stderr),
      transport: task.transport,
    }, task.snapshot, {}, task.transport.memories[task.identity.index]);
    return (task.snapshot ? undefined : faaslet.initialise()) ?? faaslet.run();
  } catch (e) {
    return describeError(e); // instantiation failed (e.g. the start function trapped)
  } finally {
    load.leave();
    JobChannels.attach(task.transport.channels).setState(task.identity.index, RankState.finished);
    fdTable.closeAll();
  }
}

function prepare(task: PrepareTask): PrepareResult {
  const fdTable = FdTable.create({ preopens: task.preopens, stdin: { kind: 'null' } });
  try {
    const faaslet = Faaslet.create(task.module, {
      identity: task.identity, args: task.args, env: task.env, fdTable, stdout: nullSink, stderr: nullSink,
    }, undefined, { observeSideEffects: true });
    const failed = faaslet.initialise();
    if (failed) return { usable: false, reason: `initialisation ended with ${failed.kind}` };
    if (faaslet.sideEffects.size > 0) return { usable: false, reason: `initialisation calls ${[...faaslet.sideEffects].join(', ')}` };
    return { usable: true, snapshot: faaslet.snapshot() };
  } finally {
    fdTable.closeAll();
  }
}

// Tell the pool this thread has finished loading its modules: Node 20 aborts the whole process when a worker is
// terminated while its ES modules are still being instantiated, so the pool never terminates one before this.
parentPort?.postMessage({ faasmpiWorkerLoaded: threadId });

export default function handle(task: FaasletTask): FaasletOutcome | PrepareResult {
  return task.kind === 'run' ? run(task) : prepare(task);
}
