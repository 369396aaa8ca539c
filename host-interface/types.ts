// Contracts shared by every host module (WASI, MPI, OpenMP, state) and the Faaslet that assembles them.

/** The functions one host module provides under one wasm import module name. */
export interface HostModule {
  readonly name: string;
  readonly functions: Record<string, (...args: any[]) => any>;
}

/** What a host module can provide, known without instantiating anything (used to check imports before a run). */
export interface HostModuleSpec {
  readonly name: string;
  readonly functionNames: readonly string[];
  /** Imports known but not provided, with what they stand for (named when a module imports one). */
  readonly unsupported?: Readonly<Record<string, string>>;
}

/** Where a Faaslet's bytes for stdout/stderr go. Lives inside the worker that runs the Faaslet. */
export interface OutputSink {
  write(bytes: Uint8Array): void;
  /** Called once when the Faaslet ends: emit any partial line still held back. */
  flush(): void;
}

/** Thrown by proc_exit (and MPI_Abort) to unwind the guest; caught by the Faaslet runner. */
export class ProcExit extends Error {
  constructor(readonly code: number, readonly reason?: string) {
    super(reason ?? `exit(${code})`);
    this.name = 'ProcExit';
  }
}

/** Thrown by a host function (MPI_Abort, a fatal MPI error) to end the whole job, not just this Faaslet. */
export class JobAbort extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'JobAbort';
  }
}

/** Who a Faaslet is: its virtual address in its FGroup, and the host running it. */
export interface FaasletIdentity {
  groupId: string;
  index: number;
  size: number;
  hostId: string;
}
