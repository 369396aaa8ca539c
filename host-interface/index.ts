// Assembles a Faaslet's imports from the host modules. Adding a capability (OpenMP, state) means adding its
// spec here and its module in createHostModules: nothing else changes.
import { createMpiModule, createMpiModuleForThread, mpiSpec } from '../mpi/module.js';
import { createOmpModule, ompSpec, type OmpModule, type OmpThreadConfig } from '../openmp/module.js';
import { createFaasmModule, faasmSpec } from './faasm.js';
import type { FaasletIdentity, HostModule, HostModuleSpec, OutputSink } from './types.js';
import { createWasi, wasiSpec } from './wasi/preview1.js';
import type { FdTable } from './wasi/fd-table.js';
import type { MpiTransport } from '../mpi/rank.js';

export const hostSpecs: readonly HostModuleSpec[] = [wasiSpec, mpiSpec, ompSpec, faasmSpec];

export interface HostContext {
  identity: FaasletIdentity;
  args: string[];
  env: string[];
  fdTable: FdTable;
  stdout: OutputSink;
  stderr: OutputSink;
  memory: () => WebAssembly.Memory;
  /** The Faaslet's own exports (available once instantiated): host functions that call back into the guest. */
  exports: () => WebAssembly.Exports;
  /** The rank's connection to the rest of its job (absent for a Faaslet run on its own). */
  transport?: MpiTransport;
  /** Which OpenMP thread this instance is (absent: the main thread of a process that cannot start threads). */
  omp?: OmpThreadConfig;
  /** Host-wide load counter (thread Faaslets have no transport of their own). */
  hostLoad?: SharedArrayBuffer;
}

export function createHostModules(ctx: HostContext): HostModule[] {
  const omp = createOmpModule({
    identity: ctx.identity, env: ctx.env, memory: ctx.memory, exports: ctx.exports, thread: ctx.omp,
    hostLoad: ctx.hostLoad ?? ctx.transport?.hostLoad, stderr: (text) => ctx.stderr.write(new TextEncoder().encode(text)),
  });
  return [
    createWasi({ args: ctx.args, env: ctx.env, fdTable: ctx.fdTable, stdout: ctx.stdout, stderr: ctx.stderr, memory: ctx.memory }),
    ctx.omp && ctx.omp.gtid > 0
      ? createMpiModuleForThread(ctx.identity, ctx.omp.gtid, ctx.memory)
      : funnelled(createMpiModule({ identity: ctx.identity, memory: ctx.memory, exports: ctx.exports, transport: ctx.transport }), ctx, omp),
    omp,
    createFaasmModule(ctx.identity),
  ];
}

/**
 * The main thread's MPI, which it may also call while it runs another OpenMP thread's share of a region (a late
 * member's, see openmp/thread.ts runLateShares): then MPI answers as it would that thread (MPI_THREAD_FUNNELED).
 */
function funnelled(mpi: HostModule, ctx: HostContext, omp: OmpModule): HostModule {
  const asThread = new Map<number, HostModule>();
  const functions: Record<string, (...args: any[]) => any> = {};
  for (const [name, f] of Object.entries(mpi.functions)) {
    functions[name] = function (this: unknown) {
      const g = omp.actingThread();
      if (g === 0) return f.apply(undefined, arguments as unknown as any[]);
      let m = asThread.get(g);
      if (!m) asThread.set(g, (m = createMpiModuleForThread(ctx.identity, g, ctx.memory)));
      return m.functions[name].apply(undefined, arguments as unknown as any[]);
    };
  }
  return { ...mpi, functions };
}
