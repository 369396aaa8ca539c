// The point-to-point MPI functions: argument checks in the standard's order (communicator, count, datatype,
// rank, tag), then the engine. Blocking calls are the nonblocking operation plus a wait, without a handle.
import * as abi from '../abi.js';
import { peersOf, type Communicator } from '../communicators.js';
import type { Datatype } from '../datatypes/index.js';
import { isMpiError } from '../datatypes/index.js';
import type { MpiPart, MpiRank } from '../rank.js';
import { checkBuffer, checkMessageSize } from '../buffers.js';
import { checkStatusArray, checkStatusPointer, readStatus, STATUS_SIZE, writeStatus } from '../status.js';
import { PackError, sourceRank, type Op, type SendOp, type Status } from './engine.js';
import { MESSAGE_NO_PROC, REQUEST_NULL, type UserRequest } from './requests.js';

type SendMode = 'standard' | 'sync' | 'ready' | 'buffered';
const OK = abi.MPI_SUCCESS;

interface Checked {
  comm: Communicator;
  type: Datatype;
  /** World rank of the peer, ANY_SOURCE, or PROC_NULL. */
  peer: number;
}

/** What a receive waits for, in the deadlock report. */
function recvWhat(fn: string, comm: Communicator, peer: number, tag: number): string {
  const src = peer === abi.MPI_ANY_SOURCE ? 'MPI_ANY_SOURCE' : String(sourceRank(comm, peer));
  return `${fn}(source=${src}, tag=${tag === abi.MPI_ANY_TAG ? 'MPI_ANY_TAG' : tag}, comm=${commName(comm)})`;
}

/** The description of a send that completed when it started (never shown: only waits on pending ones are). */
const sentAlready = () => 'a completed send';

function commName(c: Communicator): string {
  return c.name || `0x${(c.handle >>> 0).toString(16)}`;
}

function functions(rank: MpiRank) {
  const mem = rank.mem;
  const raise = (commHandle: number, fn: string, cls: number, problem: string) => rank.errors.raise(commHandle, fn, cls, problem);

  /**
   * Validates a point-to-point call's arguments; returns them resolved, or the error code raised. `buf` is the
   * data buffer (checked against memory, and a send's size against the transport) unless the peer is
   * MPI_PROC_NULL, whose buffer is never touched.
   */
  const check = (fn: string, commH: number, count: number, typeH: number, peer: number, tag: number, role: 'dest' | 'source', buf?: number): Checked | number => {
    rank.requireActive(fn);
    const comm = rank.comm(fn, commH);
    if (typeof comm === 'number') return comm;
    if (count < 0) return raise(commH, fn, abi.MPI_ERR_COUNT, `negative count ${count}`);
    const type = rank.datatypes.acquire(typeH);
    if (isMpiError(type)) return raise(commH, fn, type.errorClass, type.message);
    const peers = peersOf(comm);
    const size = peers.length;
    const wildcard = role === 'source' && peer === abi.MPI_ANY_SOURCE;
    if (peer !== abi.MPI_PROC_NULL && !wildcard && (peer < 0 || peer >= size)) {
      rank.datatypes.release(type);
      return raise(commH, fn, abi.MPI_ERR_RANK, `invalid ${role} rank ${peer} (communicator ${commName(comm)} has ${size} ranks)`);
    }
    const tagOk = role === 'dest' ? tag >= 0 && tag <= abi.TAG_UB_VALUE : tag >= 0 || tag === abi.MPI_ANY_TAG;
    if (!tagOk) {
      rank.datatypes.release(type);
      return raise(commH, fn, abi.MPI_ERR_TAG, `invalid tag ${tag}`);
    }
    if (buf !== undefined && peer !== abi.MPI_PROC_NULL) {
      const bad = (role === 'dest' ? checkMessageSize('message', count, type) : undefined)
        ?? checkBuffer(mem, role === 'dest' ? 'send buffer' : 'receive buffer', buf >>> 0, count, type);
      if (bad) {
        rank.datatypes.release(type);
        return raise(commH, fn, bad.errorClass, bad.message);
      }
    }
    const world = peer === abi.MPI_PROC_NULL || wildcard ? peer : peers[peer];
    return { comm, type, peer: world };
  };

  /** An operation that is complete from the start (MPI_PROC_NULL peers). */
  const nullOp = (comm: Communicator, kind: 'send' | 'recv'): Op => ({
    kind: 'recv', id: 0, done: true, comm, what: () => '', src: abi.MPI_PROC_NULL, tag: abi.MPI_ANY_TAG, context: comm.context,
    addr: 0, count: 0, type: undefined as unknown as Datatype,
    status: { source: kind === 'recv' ? abi.MPI_PROC_NULL : abi.MPI_ANY_SOURCE, tag: abi.MPI_ANY_TAG, error: OK, bytes: 0, cancelled: false },
  });

  // ---- buffered sends: MPI_Buffer_attach space accounting ----
  let attached: { addr: number; size: number; used: number } | undefined;
  const pendingBuffered = new Set<Op>();

  const startSend = (fn: string, c: Checked, tag: number, buf: number, count: number, mode: SendMode): Op | number => {
    if (c.peer === abi.MPI_PROC_NULL) {
      rank.datatypes.release(c.type);
      return nullOp(c.comm, 'send');
    }
    const bytes = count * c.type.size;
    if (mode === 'buffered') {
      const need = bytes + abi.MPI_BSEND_OVERHEAD;
      if (!attached || attached.size - attached.used < need) {
        rank.datatypes.release(c.type);
        const free = attached ? attached.size - attached.used : 0;
        return raise(c.comm.handle, fn, abi.MPI_ERR_BUFFER, `buffered send of ${bytes} bytes needs ${need} bytes of attached buffer, ${free} free`);
      }
      attached.used += need;
    }
    const what = () => `${fn}(dest=${sourceRank(c.comm, c.peer)}, tag=${tag}, comm=${commName(c.comm)})`;
    let op: SendOp;
    try {
      op = rank.p2p.send(c.comm, c.peer, tag, buf >>> 0, count, c.type, mode === 'ready' ? 'standard' : mode === 'sync' ? 'sync' : mode === 'buffered' ? 'buffered' : 'standard', what);
    } catch (e) {
      rank.datatypes.release(c.type);
      if (mode === 'buffered') attached!.used -= bytes + abi.MPI_BSEND_OVERHEAD;
      if (e instanceof PackError) return raise(c.comm.handle, fn, e.errorClass, e.message);
      throw e;
    }
    const release = () => {
      rank.datatypes.release(c.type);
      if (mode === 'buffered') {
        attached!.used -= bytes + abi.MPI_BSEND_OVERHEAD;
        pendingBuffered.delete(op);
      }
    };
    if (op.done) release();
    else op.onDone = release;
    if (mode === 'buffered' && !op.done) pendingBuffered.add(op);
    return op;
  };

  const startRecv = (fn: string, c: Checked, tag: number, buf: number, count: number): Op => {
    if (c.peer === abi.MPI_PROC_NULL) {
      rank.datatypes.release(c.type);
      return nullOp(c.comm, 'recv');
    }
    const what = () => recvWhat(fn, c.comm, c.peer, tag);
    const op = rank.p2p.recv(c.comm, c.peer, tag, buf >>> 0, count, c.type, what);
    if (op.done) rank.datatypes.release(c.type);
    else op.onDone = () => rank.datatypes.release(c.type);
    return op;
  };

  const waitFor = (ops: Op[], fn: string, all: boolean) => {
    rank.waiter.waitUntil(
      () => rank.p2p.progress(),
      () => (all ? ops.every((o) => o.done) : ops.some((o) => o.done)),
      () => (ops.length === 1 ? ops[0].what() : `${fn} on ${ops.filter((o) => !o.done).map((o) => o.what()).join(', ')}`),
    );
  };

  /** The error an operation ended with, raised on its communicator (MPI_SUCCESS if none). */
  const opError = (op: Op, fn: string): number => {
    if (op.status.error === OK) return OK;
    const problem = op.status.error === abi.MPI_ERR_TRUNCATE ? `message truncated: the receive buffer holds fewer bytes than arrived` : `operation failed`;
    return raise(op.comm.handle, fn, op.status.error, problem);
  };

  const putStatus = (ptr: number, s: Status) => writeStatus(mem, ptr, s);
  const emptyStatus: Status = { source: abi.MPI_ANY_SOURCE, tag: abi.MPI_ANY_TAG, error: OK, bytes: 0, cancelled: false };

  /**
   * The short path of MPI_Send / MPI_Isend: a small contiguous message of a predefined type to a valid rank of an
   * intracommunicator, pushed eagerly at once (P2PEngine.trySendEager). A fresh job runs its first thousands of
   * sends in V8's interpreter, where every layer costs: no check() record, no datatype reference (predefined types
   * are never freed), no fill closure. Anything else (errors included) returns undefined and takes the general
   * path, which checks and reports it; so does a send the engine cannot push now.
   */
  const eagerSend = (fn: string, buf: number, count: number, typeH: number, dest: number, tag: number, commH: number): SendOp | undefined => {
    rank.requireActive(fn);
    const comm = rank.comms.get(commH);
    if (!comm || comm.remote || count < 0 || dest < 0 || dest >= comm.worldRanks.length || tag < 0 || tag > abi.TAG_UB_VALUE) return undefined;
    const type = rank.datatypes.acquire(typeH);
    if (isMpiError(type) || !type.predefined || type.size !== type.extent) return undefined;
    const bytes = count * type.size, at = buf >>> 0;
    if (!mem.holds(at, at + bytes)) return undefined;
    rank.callComm = comm.handle;
    return rank.p2p.trySendEager(comm, comm.worldRanks[dest], tag, at, count, type, bytes, sentAlready);
  };

  /**
   * The short path of MPI_Recv / MPI_Irecv: a contiguous buffer of a predefined type, a valid source (or
   * MPI_ANY_SOURCE) and tag on an intracommunicator; the receive is started as startRecv() would, with fewer
   * layers. Anything else returns undefined for the general path.
   */
  const quickRecv = (fn: string, buf: number, count: number, typeH: number, source: number, tag: number, commH: number): Op | undefined => {
    rank.requireActive(fn);
    const comm = rank.comms.get(commH);
    if (!comm || comm.remote || count < 0 || !(tag >= 0 || tag === abi.MPI_ANY_TAG)) return undefined;
    const n = comm.worldRanks.length;
    if (!(source === abi.MPI_ANY_SOURCE || (source >= 0 && source < n))) return undefined;
    const type = rank.datatypes.acquire(typeH);
    if (isMpiError(type) || !type.predefined || type.size !== type.extent) return undefined;
    const at = buf >>> 0;
    if (!mem.holds(at, at + count * type.size)) return undefined;
    rank.callComm = comm.handle;
    const peer = source === abi.MPI_ANY_SOURCE ? source : comm.worldRanks[source];
    return rank.p2p.recv(comm, peer, tag, at, count, type, () => recvWhat(fn, comm, peer, tag));
  };

  const blockingSend = (fn: string, mode: SendMode) => (buf: number, count: number, type: number, dest: number, tag: number, comm: number) => {
    const c = check(fn, comm, count, type, dest, tag, 'dest', buf);
    if (typeof c === 'number') return c;
    const op = startSend(fn, c, tag, buf, count, mode);
    if (typeof op === 'number') return op;
    if (!op.done && mode !== 'buffered') waitFor([op], fn, true);
    return OK;
  };

  const recvInto = (fn: string, buf: number, count: number, type: number, source: number, tag: number, comm: number, statusPtr: number) => {
    checkStatusPointer(mem, statusPtr);
    const c = check(fn, comm, count, type, source, tag, 'source', buf);
    if (typeof c === 'number') return c;
    const op = startRecv(fn, c, tag, buf, count);
    if (!op.done) waitFor([op], fn, true);
    putStatus(statusPtr, op.status);
    return opError(op, fn);
  };

  // ---- request handles ----
  const newRequest = (reqPtr: number, r: UserRequest) => mem.setI32(reqPtr, rank.requests.add(r), 'request');

  const immediate = (fn: string, kind: 'send' | 'recv', mode: SendMode) =>
    (buf: number, count: number, type: number, peer: number, tag: number, comm: number, reqPtr: number) => {
      mem.span(reqPtr, 4, 'request');
      const c = check(fn, comm, count, type, peer, tag, kind === 'send' ? 'dest' : 'source', buf);
      if (typeof c === 'number') return c;
      const op = kind === 'send' ? startSend(fn, c, tag, buf, count, mode) : startRecv(fn, c, tag, buf, count);
      if (typeof op === 'number') return op;
      newRequest(reqPtr, { op, kind });
      return OK;
    };

  const persistent = (fn: string, kind: 'send' | 'recv', mode: SendMode) =>
    (buf: number, count: number, type: number, peer: number, tag: number, comm: number, reqPtr: number) => {
      mem.span(reqPtr, 4, 'request');
      const c = check(fn, comm, count, type, peer, tag, kind === 'send' ? 'dest' : 'source', buf);
      if (typeof c === 'number') return c;
      // The request holds the datatype (and communicator) it was made with: MPI lets the user free the handles
      // after MPI_*_init, and every MPI_Start still uses them. Each started operation takes its own reference.
      const start = (): Op => {
        rank.datatypes.retain(c.type);
        const op = kind === 'send' ? startSend(fn, { ...c }, tag, buf, count, mode) : startRecv(fn, { ...c }, tag, buf, count);
        if (typeof op === 'number') throw new StartError(op);
        return op;
      };
      newRequest(reqPtr, { op: undefined, start, kind, onFree: () => rank.datatypes.release(c.type) });
      return OK;
    };

  /**
   * Completes request *reqPtr if it is done: writes the status, frees a non-persistent request (sets the handle
   * to MPI_REQUEST_NULL) or deactivates a persistent one. Returns the operation's error code, or undefined if
   * it is still running.
   */
  const finish = (fn: string, reqPtr: number, statusPtr: number, single: boolean): number | undefined => {
    const handle = mem.i32(reqPtr, 'request');
    const r = rank.requests.get(handle);
    if (!r || !r.op) {
      putStatus(statusPtr, emptyStatus);
      return OK;
    }
    if (!r.op.done) return undefined;
    const op = r.op;
    r.onComplete?.();
    putStatus(statusPtr, op.status);
    if (r.start) r.op = undefined;
    else {
      rank.requests.remove(handle);
      mem.setI32(reqPtr, REQUEST_NULL);
      r.onFree?.();
    }
    return single ? opError(op, fn) : op.status.error;
  };

  /** Validates an array of request handles; returns the error code raised for the first invalid one. */
  const checkRequests = (fn: string, count: number, arrayPtr: number): number => {
    if (count < 0) return raise(abi.MPI_COMM_WORLD, fn, abi.MPI_ERR_COUNT, `negative count ${count}`);
    if (count > 0) mem.span(arrayPtr, 4 * count, count === 1 ? 'request' : 'array_of_requests');
    for (let i = 0; i < count; i++) {
      const h = mem.i32(arrayPtr + 4 * i);
      if (h !== REQUEST_NULL && !rank.requests.get(h)) {
        return raise(abi.MPI_COMM_WORLD, fn, abi.MPI_ERR_REQUEST, `invalid request 0x${(h >>> 0).toString(16)} at index ${i}`);
      }
    }
    return OK;
  };
  const activeOps = (count: number, arrayPtr: number): (Op | undefined)[] => {
    const ops: (Op | undefined)[] = [];
    for (let i = 0; i < count; i++) ops.push(rank.requests.get(mem.i32(arrayPtr + 4 * i))?.op);
    return ops;
  };
  /** Whether any of the operations is still running (a loop: Waitall is on every halo exchange's path). */
  const anyPending = (ops: (Op | undefined)[]): boolean => {
    for (let i = 0; i < ops.length; i++) if (ops[i] !== undefined && !ops[i]!.done) return true;
    return false;
  };

  const statusAt = (arrayPtr: number, i: number) => (arrayPtr === abi.MPI_STATUSES_IGNORE ? abi.MPI_STATUS_IGNORE : arrayPtr + i * STATUS_SIZE);

  const inStatusError = (fn: string, ops: (Op | undefined)[]) => {
    const comm = ops.find((o) => o)?.comm.handle ?? abi.MPI_COMM_WORLD;
    return raise(comm, fn, abi.MPI_ERR_IN_STATUS, 'an operation failed; see the MPI_ERROR field of its status');
  };

  const probeStatus = (m: { h: { src: number; tag: number; bytes: number } }, comm: Communicator): Status => ({
    source: sourceRank(comm, m.h.src), tag: m.h.tag, error: OK, bytes: m.h.bytes, cancelled: false,
  });

  const checkProbe = (fn: string, source: number, tag: number, commH: number): Checked | number => check(fn, commH, 0, abi.MPI_BYTE, source, tag, 'source');

  const probe = (fn: string, take: boolean, blocking: boolean) => (source: number, tag: number, commH: number, flagOrMsgPtr: number, msgOrStatusPtr: number, statusPtr?: number) => {
    // Argument shapes: Probe(src, tag, comm, status); Iprobe(src, tag, comm, flag, status);
    // Mprobe(src, tag, comm, message, status); Improbe(src, tag, comm, flag, message, status).
    const c = checkProbe(fn, source, tag, commH);
    if (typeof c === 'number') return c;
    rank.datatypes.release(c.type);
    const flagPtr = blocking ? 0 : flagOrMsgPtr;
    const msgPtr = take ? (blocking ? flagOrMsgPtr : msgOrStatusPtr) : 0;
    const stPtr = blocking ? (take ? msgOrStatusPtr : flagOrMsgPtr) : take ? statusPtr! : msgOrStatusPtr;
    if (flagPtr) mem.span(flagPtr, 4, 'flag');
    if (msgPtr) mem.span(msgPtr, 4, 'message');
    checkStatusPointer(mem, stPtr);
    if (c.peer === abi.MPI_PROC_NULL) {
      if (flagPtr) mem.setI32(flagPtr, 1);
      if (msgPtr) mem.setI32(msgPtr, MESSAGE_NO_PROC);
      putStatus(stPtr, { source: abi.MPI_PROC_NULL, tag: abi.MPI_ANY_TAG, error: OK, bytes: 0, cancelled: false });
      return OK;
    }
    let found = rank.p2p.probe(c.comm.context, c.peer, tag, take);
    if (!found && blocking) {
      const src = c.peer === abi.MPI_ANY_SOURCE ? 'MPI_ANY_SOURCE' : String(sourceRank(c.comm, c.peer));
      rank.waiter.waitUntil(() => (found ??= rank.p2p.probe(c.comm.context, c.peer, tag, take)), () => found !== undefined,
        () => `${fn}(source=${src}, tag=${tag === abi.MPI_ANY_TAG ? 'MPI_ANY_TAG' : tag}, comm=${commName(c.comm)})`);
    }
    if (flagPtr) mem.setI32(flagPtr, found ? 1 : 0);
    if (!found) return OK;
    putStatus(stPtr, probeStatus(found, c.comm));
    if (msgPtr) mem.setI32(msgPtr, rank.messages.add({ message: found, comm: c.comm.handle }));
    return OK;
  };

  const matchedRecv = (fn: string) => (buf: number, count: number, typeH: number, msgPtr: number, reqOrStatusPtr: number, immediateReq: boolean) => {
    rank.requireActive(fn);
    const handle = mem.i32(msgPtr, 'message');
    if (handle === MESSAGE_NO_PROC) {
      mem.setI32(msgPtr, REQUEST_NULL);
      const op = nullOp(rank.comms.get(abi.MPI_COMM_WORLD)!, 'recv');
      if (immediateReq) newRequest(reqOrStatusPtr, { op, kind: 'recv' });
      else putStatus(reqOrStatusPtr, op.status);
      return OK;
    }
    const entry = rank.messages.get(handle);
    if (!entry) return raise(abi.MPI_COMM_WORLD, fn, abi.MPI_ERR_REQUEST, `invalid message handle 0x${(handle >>> 0).toString(16)}`);
    const comm = rank.comms.get(entry.comm)!;
    rank.callComm = entry.comm;
    if (immediateReq) mem.span(reqOrStatusPtr, 4, 'request');
    else checkStatusPointer(mem, reqOrStatusPtr);
    if (count < 0) return raise(entry.comm, fn, abi.MPI_ERR_COUNT, `negative count ${count}`);
    const type = rank.datatypes.acquire(typeH);
    if (isMpiError(type)) return raise(entry.comm, fn, type.errorClass, type.message);
    const badBuffer = checkBuffer(mem, 'receive buffer', buf >>> 0, count, type);
    if (badBuffer) {
      rank.datatypes.release(type);
      return raise(entry.comm, fn, badBuffer.errorClass, badBuffer.message);
    }
    rank.messages.remove(handle);
    mem.setI32(msgPtr, REQUEST_NULL);
    const op = rank.p2p.recvMatched(comm, entry.message, buf >>> 0, count, type, () => `${fn}(source=${sourceRank(comm, entry.message.h.src)}, tag=${entry.message.h.tag}, comm=${commName(comm)})`);
    if (op.done) rank.datatypes.release(type);
    else op.onDone = () => rank.datatypes.release(type);
    if (immediateReq) {
      newRequest(reqOrStatusPtr, { op, kind: 'recv' });
      return OK;
    }
    if (!op.done) waitFor([op], fn, true);
    putStatus(reqOrStatusPtr, op.status);
    return opError(op, fn);
  };

  const send = blockingSend('MPI_Send', 'standard');
  const isend = immediate('MPI_Isend', 'send', 'standard');
  const irecv = immediate('MPI_Irecv', 'recv', 'standard');

  return {
    MPI_Send: (buf: number, count: number, type: number, dest: number, tag: number, comm: number) =>
      (eagerSend('MPI_Send', buf, count, type, dest, tag, comm) ? OK : send(buf, count, type, dest, tag, comm)),
    MPI_Ssend: blockingSend('MPI_Ssend', 'sync'),
    MPI_Rsend: blockingSend('MPI_Rsend', 'ready'),
    MPI_Bsend: blockingSend('MPI_Bsend', 'buffered'),
    MPI_Recv: (buf: number, count: number, type: number, source: number, tag: number, comm: number, statusPtr: number) => {
      checkStatusPointer(mem, statusPtr);
      const op = quickRecv('MPI_Recv', buf, count, type, source, tag, comm);
      if (!op) return recvInto('MPI_Recv', buf, count, type, source, tag, comm, statusPtr);
      if (!op.done) waitFor([op], 'MPI_Recv', true);
      putStatus(statusPtr, op.status);
      return opError(op, 'MPI_Recv');
    },

    MPI_Sendrecv: (sbuf: number, scount: number, stype: number, dest: number, stag: number,
      rbuf: number, rcount: number, rtype: number, source: number, rtag: number, comm: number, statusPtr: number) => {
      const fn = 'MPI_Sendrecv';
      checkStatusPointer(mem, statusPtr);
      const r = check(fn, comm, rcount, rtype, source, rtag, 'source', rbuf);
      if (typeof r === 'number') return r;
      const s = check(fn, comm, scount, stype, dest, stag, 'dest', sbuf);
      if (typeof s === 'number') {
        rank.datatypes.release(r.type);
        return s;
      }
      // The send starts first: if it fails (its data cannot be packed), no receive is left posted behind it.
      const sendOp = startSend(fn, s, stag, sbuf, scount, 'standard');
      if (typeof sendOp === 'number') {
        rank.datatypes.release(r.type);
        return sendOp;
      }
      const recvOp = startRecv(fn, r, rtag, rbuf, rcount);
      waitFor([recvOp, sendOp], fn, true);
      putStatus(statusPtr, recvOp.status);
      return opError(recvOp, fn);
    },

    MPI_Sendrecv_replace: (buf: number, count: number, type: number, dest: number, stag: number, source: number, rtag: number, comm: number, statusPtr: number) => {
      const fn = 'MPI_Sendrecv_replace';
      checkStatusPointer(mem, statusPtr);
      const s = check(fn, comm, count, type, dest, stag, 'dest', buf);
      if (typeof s === 'number') return s;
      const r = check(fn, comm, count, type, source, rtag, 'source', buf);
      if (typeof r === 'number') {
        rank.datatypes.release(s.type);
        return r;
      }
      // The outgoing data is packed first (buffered mode), so the receive may overwrite the buffer at once.
      const sendOp = s.peer === abi.MPI_PROC_NULL ? nullOp(s.comm, 'send') : rank.p2p.send(s.comm, s.peer, stag, buf >>> 0, count, s.type, 'buffered', () => `${fn}(dest=${dest}, tag=${stag})`);
      rank.datatypes.release(s.type);
      const recvOp = startRecv(fn, r, rtag, buf, count);
      waitFor([recvOp, sendOp], fn, true);
      putStatus(statusPtr, recvOp.status);
      return opError(recvOp, fn);
    },

    MPI_Isend: (buf: number, count: number, type: number, dest: number, tag: number, comm: number, reqPtr: number) => {
      mem.span(reqPtr, 4, 'request');
      const op = eagerSend('MPI_Isend', buf, count, type, dest, tag, comm);
      if (!op) return isend(buf, count, type, dest, tag, comm, reqPtr);
      newRequest(reqPtr, { op, kind: 'send' });
      return OK;
    },
    MPI_Issend: immediate('MPI_Issend', 'send', 'sync'),
    MPI_Irsend: immediate('MPI_Irsend', 'send', 'ready'),
    MPI_Ibsend: immediate('MPI_Ibsend', 'send', 'buffered'),
    MPI_Irecv: (buf: number, count: number, type: number, source: number, tag: number, comm: number, reqPtr: number) => {
      mem.span(reqPtr, 4, 'request');
      const op = quickRecv('MPI_Irecv', buf, count, type, source, tag, comm);
      if (!op) return irecv(buf, count, type, source, tag, comm, reqPtr);
      newRequest(reqPtr, { op, kind: 'recv' });
      return OK;
    },
    MPI_Send_init: persistent('MPI_Send_init', 'send', 'standard'),
    MPI_Ssend_init: persistent('MPI_Ssend_init', 'send', 'sync'),
    MPI_Rsend_init: persistent('MPI_Rsend_init', 'send', 'ready'),
    MPI_Bsend_init: persistent('MPI_Bsend_init', 'send', 'buffered'),
    MPI_Recv_init: persistent('MPI_Recv_init', 'recv', 'standard'),

    MPI_Start: (reqPtr: number) => startPersistent('MPI_Start', reqPtr),
    MPI_Startall: (count: number, arrayPtr: number) => {
      for (let i = 0; i < count; i++) {
        const err = startPersistent('MPI_Startall', arrayPtr + 4 * i);
        if (err !== OK) return err;
      }
      return OK;
    },

    MPI_Buffer_attach: (addr: number, size: number) => {
      rank.requireActive('MPI_Buffer_attach');
      if (attached) return raise(abi.MPI_COMM_WORLD, 'MPI_Buffer_attach', abi.MPI_ERR_BUFFER, 'a buffer is already attached');
      if (size < 0) return raise(abi.MPI_COMM_WORLD, 'MPI_Buffer_attach', abi.MPI_ERR_ARG, `negative size ${size}`);
      if (!mem.holds(addr >>> 0, (addr >>> 0) + size)) {
        return raise(abi.MPI_COMM_WORLD, 'MPI_Buffer_attach', abi.MPI_ERR_BUFFER,
          `buffer at address 0x${(addr >>> 0).toString(16)} of ${size} bytes lies outside the rank's memory of ${mem.byteLength} bytes`);
      }
      attached = { addr: addr >>> 0, size, used: 0 };
      return OK;
    },
    MPI_Buffer_detach: (addrPtr: number, sizePtr: number) => {
      rank.requireActive('MPI_Buffer_detach');
      mem.span(addrPtr, 4, 'buffer_addr');
      mem.span(sizePtr, 4, 'size');
      if (pendingBuffered.size > 0) waitFor([...pendingBuffered], 'MPI_Buffer_detach', true);
      mem.setI32(addrPtr, attached?.addr ?? 0);
      mem.setI32(sizePtr, attached?.size ?? 0);
      attached = undefined;
      return OK;
    },

    MPI_Wait: (reqPtr: number, statusPtr: number) => {
      rank.requireActive('MPI_Wait');
      checkStatusPointer(mem, statusPtr);
      const bad = checkRequests('MPI_Wait', 1, reqPtr);
      if (bad !== OK) return bad;
      const op = rank.requests.get(mem.i32(reqPtr))?.op;
      if (op && !op.done) waitFor([op], 'MPI_Wait', true);
      return finish('MPI_Wait', reqPtr, statusPtr, true)!;
    },
    MPI_Test: (reqPtr: number, flagPtr: number, statusPtr: number) => {
      rank.requireActive('MPI_Test');
      mem.span(flagPtr, 4, 'flag');
      checkStatusPointer(mem, statusPtr);
      const bad = checkRequests('MPI_Test', 1, reqPtr);
      if (bad !== OK) return bad;
      rank.p2p.progress();
      const err = finish('MPI_Test', reqPtr, statusPtr, true);
      mem.setI32(flagPtr, err === undefined ? 0 : 1);
      return err ?? OK;
    },
    MPI_Waitall: (count: number, arrayPtr: number, statuses: number) => {
      const fn = 'MPI_Waitall';
      rank.requireActive(fn);
      checkStatusArray(mem, statuses, count);
      const bad = checkRequests(fn, count, arrayPtr);
      if (bad !== OK) return bad;
      const ops = activeOps(count, arrayPtr);
      if (anyPending(ops)) waitFor(ops.filter((o): o is Op => o !== undefined), fn, true);
      let failed = false;
      for (let i = 0; i < count; i++) {
        const err = finish(fn, arrayPtr + 4 * i, statusAt(statuses, i), false)!;
        if (err !== OK) failed = true;
      }
      return failed ? inStatusError(fn, ops) : OK;
    },
    MPI_Testall: (count: number, arrayPtr: number, flagPtr: number, statuses: number) => {
      const fn = 'MPI_Testall';
      rank.requireActive(fn);
      mem.span(flagPtr, 4, 'flag');
      checkStatusArray(mem, statuses, count);
      const bad = checkRequests(fn, count, arrayPtr);
      if (bad !== OK) return bad;
      rank.p2p.progress();
      const ops = activeOps(count, arrayPtr);
      const all = ops.every((o) => !o || o.done);
      mem.setI32(flagPtr, all ? 1 : 0);
      if (!all) return OK;
      let failed = false;
      for (let i = 0; i < count; i++) if (finish(fn, arrayPtr + 4 * i, statusAt(statuses, i), false) !== OK) failed = true;
      return failed ? inStatusError(fn, ops) : OK;
    },
    MPI_Waitany: (count: number, arrayPtr: number, indexPtr: number, statusPtr: number) => {
      const fn = 'MPI_Waitany';
      rank.requireActive(fn);
      mem.span(indexPtr, 4, 'index');
      checkStatusPointer(mem, statusPtr);
      const bad = checkRequests(fn, count, arrayPtr);
      if (bad !== OK) return bad;
      const ops = activeOps(count, arrayPtr);
      const live = ops.filter((o): o is Op => o !== undefined);
      if (live.length === 0) {
        mem.setI32(indexPtr, abi.MPI_UNDEFINED);
        putStatus(statusPtr, emptyStatus);
        return OK;
      }
      if (!live.some((o) => o.done)) waitFor(live, fn, false);
      const i = ops.findIndex((o) => o?.done);
      mem.setI32(indexPtr, i);
      return finish(fn, arrayPtr + 4 * i, statusPtr, true)!;
    },
    MPI_Testany: (count: number, arrayPtr: number, indexPtr: number, flagPtr: number, statusPtr: number) => {
      const fn = 'MPI_Testany';
      rank.requireActive(fn);
      mem.span(indexPtr, 4, 'index');
      mem.span(flagPtr, 4, 'flag');
      checkStatusPointer(mem, statusPtr);
      const bad = checkRequests(fn, count, arrayPtr);
      if (bad !== OK) return bad;
      rank.p2p.progress();
      const ops = activeOps(count, arrayPtr);
      if (ops.every((o) => !o)) {
        mem.setI32(flagPtr, 1);
        mem.setI32(indexPtr, abi.MPI_UNDEFINED);
        putStatus(statusPtr, emptyStatus);
        return OK;
      }
      const i = ops.findIndex((o) => o?.done);
      mem.setI32(flagPtr, i >= 0 ? 1 : 0);
      mem.setI32(indexPtr, i >= 0 ? i : abi.MPI_UNDEFINED);
      return i >= 0 ? finish(fn, arrayPtr + 4 * i, statusPtr, true)! : OK;
    },
    MPI_Waitsome: (count: number, arrayPtr: number, outcountPtr: number, indicesPtr: number, statuses: number) =>
      some('MPI_Waitsome', true, count, arrayPtr, outcountPtr, indicesPtr, statuses),
    MPI_Testsome: (count: number, arrayPtr: number, outcountPtr: number, indicesPtr: number, statuses: number) =>
      some('MPI_Testsome', false, count, arrayPtr, outcountPtr, indicesPtr, statuses),

    MPI_Request_free: (reqPtr: number) => {
      rank.requireActive('MPI_Request_free');
      const handle = mem.i32(reqPtr);
      if (!rank.requests.get(handle)) return raise(abi.MPI_COMM_WORLD, 'MPI_Request_free', abi.MPI_ERR_REQUEST, `invalid request 0x${(handle >>> 0).toString(16)}`);
      rank.requests.get(handle)!.onFree?.();
      rank.requests.remove(handle); // an operation in flight goes on to completion on its own
      mem.setI32(reqPtr, REQUEST_NULL);
      return OK;
    },
    MPI_Request_get_status: (handle: number, flagPtr: number, statusPtr: number) => {
      rank.requireActive('MPI_Request_get_status');
      mem.span(flagPtr, 4, 'flag');
      checkStatusPointer(mem, statusPtr);
      if (handle === REQUEST_NULL) {
        mem.setI32(flagPtr, 1);
        putStatus(statusPtr, emptyStatus);
        return OK;
      }
      const r = rank.requests.get(handle);
      if (!r) return raise(abi.MPI_COMM_WORLD, 'MPI_Request_get_status', abi.MPI_ERR_REQUEST, `invalid request 0x${(handle >>> 0).toString(16)}`);
      rank.p2p.progress();
      const done = !r.op || r.op.done;
      mem.setI32(flagPtr, done ? 1 : 0);
      if (done && r.op) r.onComplete?.();
      if (done) putStatus(statusPtr, r.op?.status ?? emptyStatus);
      return OK;
    },
    MPI_Cancel: (reqPtr: number) => {
      rank.requireActive('MPI_Cancel');
      const handle = mem.i32(reqPtr);
      const r = rank.requests.get(handle);
      if (!r) return raise(abi.MPI_COMM_WORLD, 'MPI_Cancel', abi.MPI_ERR_REQUEST, `invalid request 0x${(handle >>> 0).toString(16)}`);
      if (r.onCancel) r.onCancel();
      else if (r.op) rank.p2p.cancel(r.op);
      return OK;
    },
    MPI_Test_cancelled: (statusPtr: number, flagPtr: number) => {
      mem.setI32(flagPtr, readStatus(mem, statusPtr).cancelled ? 1 : 0);
      return OK;
    },

    MPI_Probe: (source: number, tag: number, comm: number, statusPtr: number) => probe('MPI_Probe', false, true)(source, tag, comm, statusPtr, 0),
    MPI_Iprobe: (source: number, tag: number, comm: number, flagPtr: number, statusPtr: number) => probe('MPI_Iprobe', false, false)(source, tag, comm, flagPtr, statusPtr),
    MPI_Mprobe: (source: number, tag: number, comm: number, msgPtr: number, statusPtr: number) => probe('MPI_Mprobe', true, true)(source, tag, comm, msgPtr, statusPtr),
    MPI_Improbe: (source: number, tag: number, comm: number, flagPtr: number, msgPtr: number, statusPtr: number) =>
      probe('MPI_Improbe', true, false)(source, tag, comm, flagPtr, msgPtr, statusPtr),
    MPI_Mrecv: (buf: number, count: number, type: number, msgPtr: number, statusPtr: number) => matchedRecv('MPI_Mrecv')(buf, count, type, msgPtr, statusPtr, false),
    MPI_Imrecv: (buf: number, count: number, type: number, msgPtr: number, reqPtr: number) => matchedRecv('MPI_Imrecv')(buf, count, type, msgPtr, reqPtr, true),
  };

  function startPersistent(fn: string, reqPtr: number): number {
    rank.requireActive(fn);
    const handle = mem.i32(reqPtr);
    const r = rank.requests.get(handle);
    if (!r?.start) return raise(abi.MPI_COMM_WORLD, fn, abi.MPI_ERR_REQUEST, `0x${(handle >>> 0).toString(16)} is not a persistent request`);
    if (r.op && !r.op.done) return raise(abi.MPI_COMM_WORLD, fn, abi.MPI_ERR_REQUEST, 'the persistent request is still active');
    try {
      r.op = r.start();
    } catch (e) {
      if (e instanceof StartError) return e.code;
      throw e;
    }
    return OK;
  }

  function some(fn: string, blocking: boolean, count: number, arrayPtr: number, outcountPtr: number, indicesPtr: number, statuses: number): number {
    rank.requireActive(fn);
    mem.span(outcountPtr, 4, 'outcount');
    if (count > 0) mem.span(indicesPtr, 4 * count, 'array_of_indices');
    checkStatusArray(mem, statuses, count);
    const bad = checkRequests(fn, count, arrayPtr);
    if (bad !== OK) return bad;
    const ops = activeOps(count, arrayPtr);
    const live = ops.filter((o): o is Op => o !== undefined);
    if (live.length === 0) {
      mem.setI32(outcountPtr, abi.MPI_UNDEFINED);
      return OK;
    }
    if (blocking && !live.some((o) => o.done)) waitFor(live, fn, false);
    else rank.p2p.progress();
    const { completed, failed } = completeDoneInOrder(fn, count, arrayPtr, statuses);
    mem.setI32(outcountPtr, completed.length);
    completed.forEach((idx, k) => mem.setI32(indicesPtr + 4 * k, idx));
    return failed ? inStatusError(fn, ops) : OK;
  }

  /** Waitsome/Testsome write status k for the k-th completed request. */
  function completeDoneInOrder(fn: string, count: number, arrayPtr: number, statuses: number) {
    const completed: number[] = [];
    let failed = false;
    for (let i = 0; i < count; i++) {
      const op = rank.requests.get(mem.i32(arrayPtr + 4 * i))?.op;
      if (!op?.done) continue;
      const err = finish(fn, arrayPtr + 4 * i, statusAt(statuses, completed.length), false)!;
      if (err !== OK) failed = true;
      completed.push(i);
    }
    return { completed, failed };
  }
}

class StartError extends Error {
  constructor(readonly code: number) {
    super(`start failed with ${code}`);
  }
}

export const pointToPointPart: MpiPart = {
  names: Object.keys(functions({ mem: undefined } as unknown as MpiRank)),
  functions,
};
