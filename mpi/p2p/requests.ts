// MPI_Request and MPI_Message handles of one rank. A request handle names an operation of the engine; a
// persistent request keeps its arguments and starts a new operation at every MPI_Start.
import * as abi from '../abi.js';
import { HandleTable } from '../handle-table.js';
import type { Arrived, Op } from './engine.js';

export interface UserRequest {
  /** The operation in flight; undefined for an inactive persistent request. */
  op: Op | undefined;
  /** Persistent requests: starts the next operation. */
  start?: () => Op;
  kind: 'send' | 'recv' | 'coll';
  /**
   * Called when the handle goes away: MPI_Request_free, or a completed non-persistent request freed by the
   * Wait/Test family (a persistent request releases what it holds; a generalized one calls its free_fn).
   */
  onFree?: () => void;
  /** Called once the operation is done, before its status is written (a generalized request's query_fn). */
  onComplete?: () => void;
  /** MPI_Cancel of a request that is not a receive (a generalized request's cancel_fn). */
  onCancel?: () => void;
}

export class Requests extends HandleTable<UserRequest> {
  constructor() {
    super(abi.REQUEST_TAG);
  }
}

/** Messages taken by MPI_Mprobe/MPI_Improbe, waiting for MPI_Mrecv/MPI_Imrecv. */
export class Messages extends HandleTable<{ message: Arrived; comm: number }> {
  constructor() {
    super(abi.MESSAGE_TAG);
  }
}

export const REQUEST_NULL = abi.MPI_REQUEST_NULL | 0;
export const MESSAGE_NO_PROC = abi.MPI_MESSAGE_NO_PROC | 0;
