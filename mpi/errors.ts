// MPI error classes and error handlers. Every host function reports a problem through ErrorHandlers.raise:
// with MPI_ERRORS_RETURN (per communicator) the call returns the error code; with MPI_ERRORS_ARE_FATAL (the
// default) the whole job ends with a message naming the rank, the function and the problem.
import { JobAbort } from '../host-interface/types.js';
import * as abi from './abi.js';

export const ERROR_CLASS_NAMES: Record<number, string> = {
  [abi.MPI_SUCCESS]: 'MPI_SUCCESS',
  [abi.MPI_ERR_COMM]: 'MPI_ERR_COMM',
  [abi.MPI_ERR_ARG]: 'MPI_ERR_ARG',
  [abi.MPI_ERR_OTHER]: 'MPI_ERR_OTHER',
};

export function errorClassName(errorClass: number): string {
  return ERROR_CLASS_NAMES[errorClass] ?? `MPI error class ${errorClass}`;
}

export class ErrorHandlers {
  /** Communicator handle -> error handler handle; absent means MPI_ERRORS_ARE_FATAL. */
  private readonly handlers = new Map<number, number>();

  constructor(private readonly worldRank: number) {}

  handlerOf(comm: number): number {
    return this.handlers.get(comm >>> 0) ?? abi.MPI_ERRORS_ARE_FATAL;
  }

  set(comm: number, handler: number): void {
    this.handlers.set(comm >>> 0, handler >>> 0);
  }

  /** Reports an error on `comm` (MPI_COMM_WORLD's handler when there is no valid communicator). */
  raise(comm: number, fn: string, errorClass: number, problem: string): number {
    if ((this.handlerOf(comm) >>> 0) === (abi.MPI_ERRORS_RETURN >>> 0)) return errorClass;
    throw new JobAbort(1, `rank ${this.worldRank}: ${fn}: ${problem} (${errorClassName(errorClass)})`);
  }
}
