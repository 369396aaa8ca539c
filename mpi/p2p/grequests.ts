// Generalized requests (MPI-3.1 12.2): MPI_Grequest_start makes a request the program completes itself with
// MPI_Grequest_complete; the Wait/Test family then calls its query_fn (to fill the status), and freeing the
// request calls free_fn; MPI_Cancel calls cancel_fn. The callbacks are guest function-table indices called
// with the extra_state pointer; query_fn's status lives in the runtime's guest scratch space.
import * as abi from '../abi.js';
import type { MpiPart, MpiRank } from '../rank.js';
import { readStatus, STATUS_SIZE, writeStatus } from '../status.js';
import type { CollOp } from './engine.js';

function functions(rank: MpiRank) {
  const mem = rank.mem;
  const OK = abi.MPI_SUCCESS;
  const guest = (index: number): ((...args: number[]) => unknown) | undefined => {
    const table = rank.guestExports().__indirect_function_table as WebAssembly.Table | undefined;
    if (!table || index <= 0 || index >= table.length) return undefined;
    return (table.get(index) as ((...args: number[]) => unknown) | null) ?? undefined;
  };
  const argError = (fn: string, problem: string) => rank.errors.raise(abi.MPI_COMM_WORLD, fn, abi.MPI_ERR_ARG, problem);
  /** Grequest ops by request handle (MPI_Grequest_complete names the request by handle). */
  const ops = new Map<number, CollOp>();

  return {
    MPI_Grequest_start: (queryFn: number, freeFn: number, cancelFn: number, extra: number, reqPtr: number) => {
      const fn = 'MPI_Grequest_start';
      rank.requireActive(fn);
      mem.span(reqPtr, 4, 'request');
      const query = guest(queryFn), free = guest(freeFn), cancel = guest(cancelFn);
      if (!query || !free || !cancel) return argError(fn, 'query_fn, free_fn and cancel_fn must be functions of the module');
      const world = rank.comms.get(abi.MPI_COMM_WORLD)!;
      const op: CollOp = {
        kind: 'coll', id: 0, done: false, comm: world, what: () => `a generalized request (MPI_Grequest_start) that MPI_Grequest_complete has not completed`,
        status: { source: abi.MPI_ANY_SOURCE, tag: abi.MPI_ANY_TAG, error: OK, bytes: 0, cancelled: false },
      };
      const handle = rank.requests.add({
        op, kind: 'coll',
        onComplete: () => {
          const s = rank.withScratch(STATUS_SIZE, (at) => {
            writeStatus(mem, at, op.status);
            const rc = Number(query(extra, at)) | 0;
            const back = readStatus(mem, at);
            if (rc !== OK) back.error = rc;
            return back;
          });
          op.status = s;
        },
        onFree: () => {
          ops.delete(handle);
          free(extra);
        },
        onCancel: () => {
          cancel(extra, op.done ? 1 : 0);
        },
      });
      ops.set(handle, op);
      mem.setI32(reqPtr, handle);
      return OK;
    },
    MPI_Grequest_complete: (handle: number) => {
      const fn = 'MPI_Grequest_complete';
      rank.requireActive(fn);
      const op = ops.get(handle);
      if (!op) return rank.errors.raise(abi.MPI_COMM_WORLD, fn, abi.MPI_ERR_REQUEST, `0x${(handle >>> 0).toString(16)} is not a generalized request`);
      op.done = true;
      return OK;
    },
  };
}

export const grequestsPart: MpiPart = { names: Object.keys(functions({} as MpiRank)), functions };
