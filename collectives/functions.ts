// The collective MPI functions: arguments checked in the standard's order (communicator, counts, datatypes,
// root, op, buffers - MPI_IN_PLACE where the standard does not allow it is MPI_ERR_BUFFER), then a schedule
// (algorithms.ts) started on the communicator. Blocking calls wait for it (a deadlock report names the call);
// nonblocking ones return a request that the MPI_Wait/MPI_Test family completes. Only arguments significant at
// this rank are checked (e.g. the receive arguments of MPI_Gather only at the root).
import * as abi from '../mpi/abi.js';
import { peersOf, type Communicator } from '../mpi/communicators.js';
import { contiguousStart, isMpiError, type Datatype } from '../mpi/datatypes/index.js';
import type { ReductionOp } from '../mpi/ops/index.js';
import type { MpiPart, MpiRank } from '../mpi/rank.js';
import { checkBuffer, checkMessageSize } from '../mpi/buffers.js';
import * as alg from './algorithms.js';
import * as inter from './inter.js';
import * as neighbor from './neighbor.js';
import { neighbors } from '../mpi/topology.js';
import { Collectives, type Coll, type Schedule } from './schedule.js';
import { sharedInPlaceReads, useShared, type SharedKind } from './decision.js';
import { SharedCollectives, type SharedComm, type SharedResult } from './shared.js';
import { FastCollectives, NOT_TAKEN } from './fast.js';

const OK = abi.MPI_SUCCESS;
const isInPlace = (p: number) => (p | 0) === abi.MPI_IN_PLACE;
const addr = (p: number) => p >>> 0;
/** count items of t lie back to back (the reductions that read buffers in place need it). */
const contiguous = (t: Datatype, count: number) => contiguousStart(t, count, 0) !== undefined && t.extent === t.size;

/** A blocking call's shared-memory form (collectives/shared.ts), used when decision.ts says it fits. */
interface SharedPlan {
  kind: SharedKind;
  /** Bytes of one rank's block (decision.ts). */
  bytes: number;
  /** A reduction's datatype is contiguous (agreed: one datatype at every rank). */
  contiguous?: boolean;
  go: (s: SharedCollectives, c: SharedComm, describe: () => string) => SharedResult;
}

interface Call {
  fn: string;
  comm: Communicator;
  /** Datatypes acquired so far (released when the collective ends, or at once on an error). */
  held: Datatype[];
}

function commName(c: Communicator): string {
  return c.name || `0x${(c.handle >>> 0).toString(16)}`;
}

function functions(rank: MpiRank) {
  const mem = rank.mem;
  let machinery: Collectives | undefined;
  const colls = () => (machinery ??= new Collectives(rank));
  let shared: SharedCollectives | null | undefined;
  let sharedCalls = 0;
  const sharedColls = () => {
    if (shared === undefined) {
      // FAASMPI_COLL_SHARED=0 keeps every collective on messages (to compare; the same for every rank of a job).
      const area = process.env.FAASMPI_COLL_SHARED === '0' ? undefined : rank.channels.collArea;
      shared = area ? new SharedCollectives(rank, area) : null;
    }
    return shared;
  };
  const fast = new FastCollectives(rank, sharedColls);

  const begin = (fn: string, commH: number): Call | number => {
    rank.requireActive(fn);
    const comm = rank.comm(fn, commH);
    if (typeof comm === 'number') return comm;
    return { fn, comm, held: [] };
  };
  const release = (k: Call) => {
    for (const t of k.held) rank.datatypes.release(t);
    k.held.length = 0;
  };
  const fail = (k: Call, cls: number, problem: string): number => {
    release(k);
    return rank.errors.raise(k.comm.handle, k.fn, cls, problem);
  };
  /** Error code, or OK, for a count. */
  const count = (k: Call, n: number, what = 'count'): number => (n < 0 ? fail(k, abi.MPI_ERR_COUNT, `negative ${what} ${n}`) : OK);
  /** Counts array of comm size (read now: the guest may reuse the array once a nonblocking call returns). */
  const counts = (k: Call, ptr: number, what: string): number[] | number => {
    const out: number[] = [];
    for (let i = 0; i < peersOf(k.comm).length; i++) {
      const v = mem.i32(ptr + 4 * i);
      if (v < 0) return fail(k, abi.MPI_ERR_COUNT, `negative ${what}[${i}] = ${v}`);
      out.push(v);
    }
    return out;
  };
  /** An int array of comm size (displacements); a bad pointer releases the call's datatypes, then faults. */
  const ints = (k: Call, ptr: number) => {
    const n = peersOf(k.comm).length;
    if (!mem.holds(addr(ptr), addr(ptr) + 4 * n)) release(k);
    return Array.from({ length: n }, (_, i) => mem.i32(ptr + 4 * i, 'displacements'));
  };
  const type = (k: Call, h: number): Datatype | number => {
    const t = rank.datatypes.acquire(h);
    if (isMpiError(t)) return fail(k, t.errorClass, t.message);
    k.held.push(t);
    return t;
  };
  const root = (k: Call, r: number): number => {
    const n = peersOf(k.comm).length;
    if (k.comm.remote) {
      // Intercommunicator: MPI_ROOT at the root, MPI_PROC_NULL in the rest of its group, else a remote rank.
      if (r === abi.MPI_ROOT || r === abi.MPI_PROC_NULL || (r >= 0 && r < n)) return OK;
      return fail(k, abi.MPI_ERR_ROOT, `invalid root ${r} (intercommunicator ${commName(k.comm)}: MPI_ROOT, MPI_PROC_NULL or a rank of its ${n}-rank remote group)`);
    }
    return r < 0 || r >= n ? fail(k, abi.MPI_ERR_ROOT, `invalid root ${r} (communicator ${commName(k.comm)} has ${n} ranks)`) : OK;
  };
  /** Collectives MPI does not define on intercommunicators (Scan, Exscan) and those not provided here yet. */
  const intraOnly = (k: Call): number => (k.comm.remote ? fail(k, abi.MPI_ERR_COMM, `${k.fn} is not available on intercommunicator ${commName(k.comm)}`) : OK);
  const reduction = (k: Call, h: number, t: Datatype): ReductionOp | number => {
    const op = rank.ops.resolve(h);
    if (isMpiError(op)) return fail(k, abi.MPI_ERR_OP, op.message);
    const bad = op.check(t);
    if (bad) return fail(k, bad.errorClass, bad.message);
    return op;
  };
  /** Error code, or OK, for a data buffer of this rank: inside its memory, and small enough for the transport. */
  const buffer = (k: Call, what: string, b: alg.Block | undefined): number => {
    if (!b) return OK;
    const bad = checkMessageSize(what, b.count, b.type) ?? checkBuffer(mem, what, b.addr, b.count, b.type);
    return bad ? fail(k, bad.errorClass, bad.message) : OK;
  };
  /** The same for the per-peer blocks of a buffer (block p of what goes to or comes from comm rank p). */
  const buffers = (k: Call, what: string, block: ((p: number) => alg.Block) | undefined): number => {
    if (!block) return OK;
    for (let p = 0; p < peersOf(k.comm).length; p++) {
      const e = buffer(k, `${what} (block ${p})`, block(p));
      if (e !== OK) return e;
    }
    return OK;
  };
  const inPlaceMisuse = (k: Call, where: string) => fail(k, abi.MPI_ERR_BUFFER, `MPI_IN_PLACE is not allowed as ${where}`);

  /** Starts the schedule; blocking (reqPtr undefined): waits and returns the error code. */
  const run = (k: Call, reqPtr: number | undefined, what: string, body: (c: Coll) => Schedule, plan?: SharedPlan): number => {
    if (reqPtr !== undefined && !mem.holds(addr(reqPtr), addr(reqPtr) + 4)) {
      return fail(k, abi.MPI_ERR_ARG, `request at address 0x${addr(reqPtr).toString(16)} lies outside the rank's memory of ${mem.byteLength} bytes`);
    }
    const describe = () => `${k.fn}(${what}comm=${commName(k.comm)})`;
    if (reqPtr === undefined && plan) {
      const s = sharedColls();
      const c = s?.commOf(k.comm);
      if (c && useShared(plan.kind, c.n, plan.bytes, plan.contiguous ?? false, rank.hostCores)) {
        sharedCalls++;
        let r: SharedResult;
        try {
          r = plan.go(s!, c, describe);
        } finally {
          release(k);
        }
        return r.error === OK ? OK : rank.errors.raise(k.comm.handle, k.fn, r.error, r.problem);
      }
    }
    const held = k.held.slice();
    const op = colls().start(k.comm, describe, body, () => held.forEach((t) => rank.datatypes.release(t)));
    if (reqPtr !== undefined) {
      mem.setI32(reqPtr, rank.requests.add({ op, kind: 'coll' }));
      return OK;
    }
    if (!op.done) rank.waiter.waitUntil(() => rank.p2p.progress(), () => op.done, describe);
    if (op.status.error !== OK) return rank.errors.raise(k.comm.handle, k.fn, op.status.error, colls().problem(op));
    return OK;
  };

  /** At the root: the root's own rank (intracommunicator) or MPI_ROOT (intercommunicator). */
  const isRoot = (k: Call, r: number) => (k.comm.remote ? r === abi.MPI_ROOT : k.comm.rank === r);
  /** Intercommunicator ranks passing MPI_PROC_NULL as root take no part: none of their arguments are significant. */
  const idle = (k: Call, r: number) => k.comm.remote !== undefined && r === abi.MPI_PROC_NULL;

  // ---- the calls, with an optional request pointer (the nonblocking variants) ----

  /** The schedule of a rank that takes no part (MPI_PROC_NULL root on an intercommunicator). */
  function* nothing(): Schedule {}

  const barrier = (fn: string) => (commH: number, reqPtr?: number) => {
    const k = begin(fn, commH);
    if (typeof k === 'number') return k;
    return run(k, reqPtr, '', (c) => (c.inter ? inter.barrier(c) : alg.barrier(c)),
      { kind: 'barrier', bytes: 0, go: (s, c, d) => s.barrier(c, d) });
  };

  const bcast = (fn: string) => (buf: number, n: number, typeH: number, r: number, commH: number, reqPtr?: number) => {
    const k = begin(fn, commH);
    if (typeof k === 'number') return k;
    if (idle(k, r)) return run(k, reqPtr, 'root=MPI_PROC_NULL, ', () => nothing());
    let e = count(k, n);
    if (e !== OK) return e;
    const t = type(k, typeH);
    if (typeof t === 'number') return t;
    if ((e = root(k, r)) !== OK) return e;
    if (isInPlace(buf)) return inPlaceMisuse(k, 'the buffer');
    if ((e = buffer(k, 'buffer', { addr: addr(buf), count: n, type: t })) !== OK) return e;
    return run(k, reqPtr, `count=${n}, root=${r}, `, (c) => (c.inter ? inter.bcast(c, inter.roleOf(r), r, addr(buf), n, t) : alg.bcast(c, addr(buf), n, t, r)),
      { kind: 'bcast', bytes: n * t.size, go: (s, c, d) => s.bcast(c, addr(buf), n, t, r, d) });
  };

  const reduce = (fn: string) => (sbuf: number, rbuf: number, n: number, typeH: number, opH: number, r: number, commH: number, reqPtr?: number) => {
    const k = begin(fn, commH);
    if (typeof k === 'number') return k;
    if (idle(k, r)) return run(k, reqPtr, 'root=MPI_PROC_NULL, ', () => nothing());
    let e = count(k, n);
    if (e !== OK) return e;
    const t = type(k, typeH);
    if (typeof t === 'number') return t;
    if ((e = root(k, r)) !== OK) return e;
    const op = reduction(k, opH, t);
    if (typeof op === 'number') return op;
    const atRoot = isRoot(k, r);
    if (atRoot && isInPlace(rbuf)) return inPlaceMisuse(k, 'the receive buffer');
    if ((!atRoot || k.comm.remote) && isInPlace(sbuf)) return inPlaceMisuse(k, k.comm.remote ? 'the send buffer on an intercommunicator' : 'the send buffer at a non-root rank');
    const a: alg.ReduceArgs = { input: addr(isInPlace(sbuf) ? rbuf : sbuf), output: addr(rbuf), count: n, type: t, op };
    // On an intercommunicator the root only receives.
    if (!(k.comm.remote && atRoot) && (e = buffer(k, isInPlace(sbuf) ? 'receive buffer' : 'send buffer', { addr: a.input, count: n, type: t })) !== OK) return e;
    if (atRoot && (e = buffer(k, 'receive buffer', { addr: a.output, count: n, type: t })) !== OK) return e;
    return run(k, reqPtr, `count=${n}, op=${op.name}, root=${r}, `, (c) => (c.inter ? inter.reduce(c, inter.roleOf(r), r, a) : alg.reduce(c, a, r)),
      { kind: 'reduce', bytes: n * t.size, contiguous: contiguous(t, n), go: (s, c, d) => (sharedInPlaceReads('reduce', c.n, n * t.size, contiguous(t, n)) ? s.reduceInPlace(c, a, r, d) : s.reduce(c, a, r, d)) });
  };

  /** Allreduce, Scan, Exscan: (sendbuf | IN_PLACE, recvbuf, count, type, op, comm). */
  const reduceAll = (fn: string, kind: 'allreduce' | 'scan' | 'exscan') =>
    (sbuf: number, rbuf: number, n: number, typeH: number, opH: number, commH: number, reqPtr?: number) => {
      const k = begin(fn, commH);
      if (typeof k === 'number') return k;
      let e = count(k, n);
      if (e !== OK) return e;
      const t = type(k, typeH);
      if (typeof t === 'number') return t;
      const op = reduction(k, opH, t);
      if (typeof op === 'number') return op;
      if (kind !== 'allreduce' && (e = intraOnly(k)) !== OK) return e;
      if (isInPlace(rbuf)) return inPlaceMisuse(k, 'the receive buffer');
      if (k.comm.remote && isInPlace(sbuf)) return inPlaceMisuse(k, 'the send buffer on an intercommunicator');
      const a: alg.ReduceArgs = { input: addr(isInPlace(sbuf) ? rbuf : sbuf), output: addr(rbuf), count: n, type: t, op };
      if ((e = buffer(k, 'send buffer', { addr: a.input, count: n, type: t })) !== OK) return e;
      if ((e = buffer(k, 'receive buffer', { addr: a.output, count: n, type: t })) !== OK) return e;
      const plan: SharedPlan | undefined = kind !== 'allreduce' ? undefined : {
        kind: 'allreduce', bytes: n * t.size, contiguous: contiguous(t, n),
        go: (s, c, d) => (sharedInPlaceReads('allreduce', c.n, n * t.size, contiguous(t, n)) ? s.reduceInPlace(c, a, 'all', d) : s.reduce(c, a, 'all', d)),
      };
      return run(k, reqPtr, `count=${n}, op=${op.name}, `, (c) => (c.inter ? inter.allreduce(c, a) : kind === 'allreduce' ? alg.allreduce(c, a) : alg.scan(c, a, kind === 'exscan')), plan);
    };

  const reduceScatter = (fn: string, block: boolean) => (sbuf: number, rbuf: number, countsOrCount: number, typeH: number, opH: number, commH: number, reqPtr?: number) => {
    const k = begin(fn, commH);
    if (typeof k === 'number') return k;
    const e0 = intraOnly(k);
    if (e0 !== OK) return e0;
    let cs: number[] | number;
    if (block) {
      const e = count(k, countsOrCount, 'recvcount');
      if (e !== OK) return e;
      cs = k.comm.worldRanks.map(() => countsOrCount);
    } else {
      cs = counts(k, countsOrCount, 'recvcounts');
      if (typeof cs === 'number') return cs;
    }
    const t = type(k, typeH);
    if (typeof t === 'number') return t;
    const op = reduction(k, opH, t);
    if (typeof op === 'number') return op;
    if (isInPlace(rbuf)) return inPlaceMisuse(k, 'the receive buffer');
    const segs = cs;
    const input = addr(isInPlace(sbuf) ? rbuf : sbuf);
    const total = segs.reduce((x, y) => x + y, 0);
    let e = buffer(k, 'send buffer', { addr: input, count: total, type: t });
    if (e === OK && !isInPlace(sbuf)) e = buffer(k, 'receive buffer', { addr: addr(rbuf), count: segs[k.comm.rank], type: t });
    if (e !== OK) return e;
    return run(k, reqPtr, `op=${op.name}, `, (c) => alg.reduceScatter(c, input, addr(rbuf), segs, t, op));
  };

  const gather = (fn: string, varying: boolean) =>
    (sbuf: number, sn: number, stypeH: number, rbuf: number, rnOrCounts: number, displsOrType: number, rtypeOrRoot: number, rootOrComm: number, commOrReq?: number, reqPtr?: number) => {
      // Gather(sbuf, scount, stype, rbuf, rcount, rtype, root, comm[, req]);
      // Gatherv(sbuf, scount, stype, rbuf, rcounts, displs, rtype, root, comm).
      const [rn, displsPtr, rtypeH, r, commH, req] = varying
        ? [0, displsOrType, rtypeOrRoot, rootOrComm, commOrReq!, reqPtr]
        : [rnOrCounts, 0, displsOrType, rtypeOrRoot, rootOrComm, commOrReq];
      const k = begin(fn, commH);
      if (typeof k === 'number') return k;
      if (idle(k, r)) return run(k, req, 'root=MPI_PROC_NULL, ', () => nothing());
      const atRoot = isRoot(k, r);
      // Nothing to send: MPI_IN_PLACE, or the root of an intercommunicator (it only receives).
      const sendInPlace = atRoot && (isInPlace(sbuf) || k.comm.remote !== undefined);
      let e = OK;
      if (!sendInPlace && (e = count(k, sn, 'sendcount')) !== OK) return e;
      let rcounts: number[] = [];
      if (atRoot) {
        if (varying) {
          const cs = counts(k, rnOrCounts, 'recvcounts');
          if (typeof cs === 'number') return cs;
          rcounts = cs;
        } else if ((e = count(k, rn, 'recvcount')) !== OK) return e;
      }
      const st = sendInPlace ? undefined : type(k, stypeH);
      if (typeof st === 'number') return st;
      const rt = atRoot ? type(k, rtypeH) : undefined;
      if (typeof rt === 'number') return rt;
      if ((e = root(k, r)) !== OK) return e;
      if (atRoot && isInPlace(rbuf)) return inPlaceMisuse(k, 'the receive buffer');
      if (!atRoot && isInPlace(sbuf)) return inPlaceMisuse(k, 'the send buffer at a non-root rank');
      const displs = atRoot && varying ? ints(k, displsPtr) : [];
      const base = addr(rbuf);
      const blocks = (p: number): alg.Block => varying
        ? { addr: base + displs[p] * rt!.extent, count: rcounts[p], type: rt! }
        : { addr: base + p * rn * rt!.extent, count: rn, type: rt! };
      const mine = st ? { addr: addr(sbuf), count: sn, type: st } : undefined;
      if ((e = buffer(k, 'send buffer', mine)) !== OK || (e = buffers(k, 'receive buffer', atRoot ? blocks : undefined)) !== OK) return e;
      if (k.comm.remote) return run(k, req, `root=${r}, `, (c) => inter.gather(c, inter.roleOf(r), r, mine, blocks));
      if (varying) return run(k, req, `root=${r}, `, (c) => alg.gather(c, mine, blocks, r));
      // Every rank contributes the same bytes (MPI requires matching type signatures): hosts can batch them.
      const bytes = atRoot ? rn * rt!.size : sn * st!.size;
      return run(k, req, `root=${r}, `, (c) => alg.gatherEqual(c, mine, blocks, r, bytes),
        { kind: 'gather', bytes, go: (s, c, d) => s.gather(c, mine, blocks, r, d) });
    };

  const scatter = (fn: string, varying: boolean) =>
    (sbuf: number, snOrCounts: number, stypeOrDispls: number, rbufOrType: number, rbufOrCount: number, rnOrType: number, rtypeOrRoot: number, rootOrComm: number, commOrReq?: number, reqPtr?: number) => {
      // Scatter(sbuf, scount, stype, rbuf, rcount, rtype, root, comm[, req]);
      // Scatterv(sbuf, scounts, displs, stype, rbuf, rcount, rtype, root, comm).
      const [sn, displsPtr, stypeH, rbuf, rn, rtypeH, r, commH, req] = varying
        ? [0, stypeOrDispls, rbufOrType, rbufOrCount, rnOrType, rtypeOrRoot, rootOrComm, commOrReq!, reqPtr]
        : [snOrCounts, 0, stypeOrDispls, rbufOrType, rbufOrCount, rnOrType, rtypeOrRoot, rootOrComm, commOrReq];
      const k = begin(fn, commH);
      if (typeof k === 'number') return k;
      if (idle(k, r)) return run(k, req, 'root=MPI_PROC_NULL, ', () => nothing());
      const atRoot = isRoot(k, r);
      // Nothing to receive: MPI_IN_PLACE, or the root of an intercommunicator (it only sends).
      const recvInPlace = atRoot && (isInPlace(rbuf) || k.comm.remote !== undefined);
      let e = OK;
      let scounts: number[] = [];
      if (atRoot) {
        if (varying) {
          const cs = counts(k, snOrCounts, 'sendcounts');
          if (typeof cs === 'number') return cs;
          scounts = cs;
        } else if ((e = count(k, sn, 'sendcount')) !== OK) return e;
      }
      if (!recvInPlace && (e = count(k, rn, 'recvcount')) !== OK) return e;
      const st = atRoot ? type(k, stypeH) : undefined;
      if (typeof st === 'number') return st;
      const rt = recvInPlace ? undefined : type(k, rtypeH);
      if (typeof rt === 'number') return rt;
      if ((e = root(k, r)) !== OK) return e;
      if (atRoot && isInPlace(sbuf)) return inPlaceMisuse(k, 'the send buffer');
      if (!atRoot && isInPlace(rbuf)) return inPlaceMisuse(k, 'the receive buffer at a non-root rank');
      const displs = atRoot && varying ? ints(k, displsPtr) : [];
      const base = addr(sbuf);
      const blocks = (p: number): alg.Block => varying
        ? { addr: base + displs[p] * st!.extent, count: scounts[p], type: st! }
        : { addr: base + p * sn * st!.extent, count: sn, type: st! };
      const mine = rt ? { addr: addr(rbuf), count: rn, type: rt } : undefined;
      if ((e = buffer(k, 'receive buffer', mine)) !== OK || (e = buffers(k, 'send buffer', atRoot ? blocks : undefined)) !== OK) return e;
      const plan: SharedPlan | undefined = varying || k.comm.remote ? undefined
        : { kind: 'scatter', bytes: atRoot ? sn * st!.size : rn * rt!.size, go: (s, c, d) => s.scatter(c, blocks, mine, r, d) };
      return run(k, req, `root=${r}, `, (c) => (c.inter ? inter.scatter(c, inter.roleOf(r), r, blocks, mine) : alg.scatter(c, blocks, mine, r)), plan);
    };

  const allgather = (fn: string, varying: boolean) =>
    (sbuf: number, sn: number, stypeH: number, rbuf: number, rnOrCounts: number, displsOrType: number, rtypeOrComm: number, commOrReq?: number, reqPtr?: number) => {
      // Allgather(sbuf, scount, stype, rbuf, rcount, rtype, comm[, req]);
      // Allgatherv(sbuf, scount, stype, rbuf, rcounts, displs, rtype, comm).
      const [displsPtr, rtypeH, commH, req] = varying ? [displsOrType, rtypeOrComm, commOrReq!, reqPtr] : [0, displsOrType, rtypeOrComm, commOrReq];
      const k = begin(fn, commH);
      if (typeof k === 'number') return k;
      const sendInPlace = isInPlace(sbuf);
      if (sendInPlace && k.comm.remote) return inPlaceMisuse(k, 'the send buffer on an intercommunicator');
      let e = OK;
      if (!sendInPlace && (e = count(k, sn, 'sendcount')) !== OK) return e;
      let rcounts: number[];
      if (varying) {
        const cs = counts(k, rnOrCounts, 'recvcounts');
        if (typeof cs === 'number') return cs;
        rcounts = cs;
      } else {
        if ((e = count(k, rnOrCounts, 'recvcount')) !== OK) return e;
        rcounts = peersOf(k.comm).map(() => rnOrCounts);
      }
      const st = sendInPlace ? undefined : type(k, stypeH);
      if (typeof st === 'number') return st;
      const rt = type(k, rtypeH);
      if (typeof rt === 'number') return rt;
      if (isInPlace(rbuf)) return inPlaceMisuse(k, 'the receive buffer');
      const displs = varying ? ints(k, displsPtr) : rcounts.map((_, p) => p * rnOrCounts);
      const base = addr(rbuf);
      const blocks = (p: number): alg.Block => ({ addr: base + displs[p] * rt.extent, count: rcounts[p], type: rt });
      const mine = st ? { addr: addr(sbuf), count: sn, type: st } : undefined;
      if ((e = buffer(k, 'send buffer', mine)) !== OK || (e = buffers(k, 'receive buffer', blocks)) !== OK) return e;
      const plan: SharedPlan | undefined = varying || k.comm.remote ? undefined
        : { kind: 'allgather', bytes: mine ? sn * st!.size : rnOrCounts * rt.size, go: (s, c, d) => s.allgather(c, mine, blocks, d) };
      return run(k, req, '', (c) => (c.inter ? inter.allgather(c, mine!, blocks) : alg.allgather(c, mine, blocks)), plan);
    };

  const alltoall = (fn: string) => (sbuf: number, sn: number, stypeH: number, rbuf: number, rn: number, rtypeH: number, commH: number, reqPtr?: number) => {
    const k = begin(fn, commH);
    if (typeof k === 'number') return k;
    const sendInPlace = isInPlace(sbuf);
    if (sendInPlace && k.comm.remote) return inPlaceMisuse(k, 'the send buffer on an intercommunicator');
    let e = OK;
    if (!sendInPlace && (e = count(k, sn, 'sendcount')) !== OK) return e;
    if ((e = count(k, rn, 'recvcount')) !== OK) return e;
    const st = sendInPlace ? undefined : type(k, stypeH);
    if (typeof st === 'number') return st;
    const rt = type(k, rtypeH);
    if (typeof rt === 'number') return rt;
    if (isInPlace(rbuf)) return inPlaceMisuse(k, 'the receive buffer');
    const sb = addr(sbuf), rb = addr(rbuf);
    const send = st ? (p: number): alg.Block => ({ addr: sb + p * sn * st.extent, count: sn, type: st }) : undefined;
    const recv = (p: number): alg.Block => ({ addr: rb + p * rn * rt.extent, count: rn, type: rt });
    if ((e = buffers(k, 'send buffer', send)) !== OK || (e = buffers(k, 'receive buffer', recv)) !== OK) return e;
    const plan: SharedPlan | undefined = k.comm.remote ? undefined
      : { kind: 'alltoall', bytes: st ? sn * st.size : rn * rt.size, go: (s, c, d) => s.alltoall(c, send, recv, d) };
    return run(k, reqPtr, '', (c) => (c.inter ? inter.alltoall(c, send!, recv) : alg.alltoall(c, send, recv)), plan);
  };

  /** Alltoallv (one send type, displacements in its extents) and Alltoallw (a type per peer, byte displacements). */
  const alltoallvw = (fn: string, w: boolean) =>
    (sbuf: number, scountsPtr: number, sdisplsPtr: number, stypeArg: number, rbuf: number, rcountsPtr: number, rdisplsPtr: number, rtypeArg: number, commH: number, reqPtr?: number) => {
      const k = begin(fn, commH);
      if (typeof k === 'number') return k;
      const n = peersOf(k.comm).length;
      const sendInPlace = isInPlace(sbuf);
      if (sendInPlace && k.comm.remote) return inPlaceMisuse(k, 'the send buffer on an intercommunicator');
      let scounts: number[] = [];
      if (!sendInPlace) {
        const cs = counts(k, scountsPtr, 'sendcounts');
        if (typeof cs === 'number') return cs;
        scounts = cs;
      }
      const rcounts = counts(k, rcountsPtr, 'recvcounts');
      if (typeof rcounts === 'number') return rcounts;
      const types = (arg: number): Datatype[] | number => {
        const out: Datatype[] = [];
        for (let p = 0; p < n; p++) {
          const t = type(k, w ? mem.i32(arg + 4 * p) : arg);
          if (typeof t === 'number') return t;
          out.push(t);
          if (!w) break;
        }
        return w ? out : Array.from({ length: n }, () => out[0]);
      };
      const sts = sendInPlace ? [] : types(stypeArg);
      if (typeof sts === 'number') return sts;
      const rts = types(rtypeArg);
      if (typeof rts === 'number') return rts;
      if (isInPlace(rbuf)) return inPlaceMisuse(k, 'the receive buffer');
      const sd = sendInPlace ? [] : ints(k, sdisplsPtr), rd = ints(k, rdisplsPtr);
      const sb = addr(sbuf), rb = addr(rbuf);
      const unit = (t: Datatype) => (w ? 1 : t.extent);
      const send = sendInPlace ? undefined : (p: number): alg.Block => ({ addr: sb + sd[p] * unit(sts[p]), count: scounts[p], type: sts[p] });
      const recv = (p: number): alg.Block => ({ addr: rb + rd[p] * unit(rts[p]), count: rcounts[p], type: rts[p] });
      let e = buffers(k, 'send buffer', send);
      if (e !== OK || (e = buffers(k, 'receive buffer', recv)) !== OK) return e;
      return run(k, reqPtr, '', (c) => (c.inter ? inter.alltoall(c, send!, recv) : alg.alltoall(c, send, recv)));
    };

  /**
   * The neighbourhood collectives. Arguments, by kind (each may end with a request pointer):
   *   allgather  (sbuf, scount, stype, rbuf, rcount, rtype, comm)
   *   allgatherv (sbuf, scount, stype, rbuf, rcounts, displs, rtype, comm)
   *   alltoall   (sbuf, scount, stype, rbuf, rcount, rtype, comm)
   *   alltoallv  (sbuf, scounts, sdispls, stype, rbuf, rcounts, rdispls, rtype, comm)
   *   alltoallw  (sbuf, scounts, sdispls (bytes), stypes, rbuf, rcounts, rdispls (bytes), rtypes, comm)
   */
  const neighborColl = (fn: string, kind: 'allgather' | 'allgatherv' | 'alltoall' | 'alltoallv' | 'alltoallw') => (...args: number[]) => {
    const sendVector = kind === 'alltoallv' || kind === 'alltoallw';
    const recvVector = kind !== 'allgather' && kind !== 'alltoall';
    const commAt = sendVector ? 8 : recvVector ? 7 : 6;
    const [sbuf] = args, rbufAt = sendVector ? 4 : 3;
    const k = begin(fn, args[commAt]);
    if (typeof k === 'number') return k;
    const req = args[commAt + 1] as number | undefined;
    const nb = neighbors(k.comm);
    if (!nb) return fail(k, abi.MPI_ERR_TOPOLOGY, `communicator ${commName(k.comm)} has no topology`);
    const nin = nb.sources.length, nout = nb.destinations.length;
    const read = (ptr: number, n: number, what: string) => {
      if (n > 0 && !mem.holds(addr(ptr), addr(ptr) + 4 * n)) release(k);
      return Array.from({ length: n }, (_, i) => mem.i32(ptr + 4 * i, what));
    };
    const nonNegative = (cs: number[], what: string) => {
      const i = cs.findIndex((v) => v < 0);
      return i < 0 ? OK : fail(k, abi.MPI_ERR_COUNT, `negative ${what}[${i}] = ${cs[i]}`);
    };
    // Send side: counts, displacements (in extents, or bytes for w), types per out-neighbour.
    let scounts: number[], sdispls: number[], stypes: Datatype[];
    let e = OK;
    if (sendVector) {
      scounts = read(args[1], nout, 'sendcounts');
      sdispls = read(args[2], nout, 'sdispls');
      if ((e = nonNegative(scounts, 'sendcounts')) !== OK) return e;
      const handles = kind === 'alltoallw' ? read(args[3], nout, 'sendtypes') : scounts.map(() => args[3]);
      stypes = [];
      for (const h of kind === 'alltoallw' ? handles : handles.slice(0, 1)) {
        const t = type(k, h);
        if (typeof t === 'number') return t;
        stypes.push(t);
      }
      if (kind !== 'alltoallw') stypes = scounts.map(() => stypes[0]);
    } else {
      if ((e = count(k, args[1], 'sendcount')) !== OK) return e;
      const t = type(k, args[2]);
      if (typeof t === 'number') return t;
      scounts = nb.destinations.map(() => args[1]);
      sdispls = nb.destinations.map((_, j) => (kind === 'alltoall' ? j * args[1] : 0));
      stypes = nb.destinations.map(() => t);
    }
    let rcounts: number[], rdispls: number[], rtypes: Datatype[];
    const rb = args[rbufAt];
    if (recvVector) {
      rcounts = read(args[rbufAt + 1], nin, 'recvcounts');
      rdispls = read(args[rbufAt + 2], nin, 'rdispls');
      if ((e = nonNegative(rcounts, 'recvcounts')) !== OK) return e;
      const handles = kind === 'alltoallw' ? read(args[rbufAt + 3], nin, 'recvtypes') : [args[rbufAt + 3]];
      rtypes = [];
      for (const h of handles) {
        const t = type(k, h);
        if (typeof t === 'number') return t;
        rtypes.push(t);
      }
      if (kind !== 'alltoallw') rtypes = rcounts.map(() => rtypes[0]);
    } else {
      if ((e = count(k, args[rbufAt + 1], 'recvcount')) !== OK) return e;
      const t = type(k, args[rbufAt + 2]);
      if (typeof t === 'number') return t;
      rcounts = nb.sources.map(() => args[rbufAt + 1]);
      rdispls = nb.sources.map((_, i) => i * args[rbufAt + 1]);
      rtypes = nb.sources.map(() => t);
    }
    if (isInPlace(sbuf)) return inPlaceMisuse(k, 'the send buffer');
    if (isInPlace(rb)) return inPlaceMisuse(k, 'the receive buffer');
    const unit = (t: Datatype) => (kind === 'alltoallw' ? 1 : t.extent);
    const send = (j: number): alg.Block => ({ addr: addr(sbuf) + sdispls[j] * unit(stypes[j]), count: scounts[j], type: stypes[j] });
    const recv = (i: number): alg.Block => ({ addr: addr(rb) + rdispls[i] * unit(rtypes[i]), count: rcounts[i], type: rtypes[i] });
    for (let j = 0; j < nout; j++) if (nb.destinations[j] !== abi.MPI_PROC_NULL && (e = buffer(k, `send buffer (block ${j})`, send(j))) !== OK) return e;
    for (let i = 0; i < nin; i++) if (nb.sources[i] !== abi.MPI_PROC_NULL && (e = buffer(k, `receive buffer (block ${i})`, recv(i))) !== OK) return e;
    return run(k, req, '', (c) => neighbor.exchange(c, nb, send, recv));
  };

  const allreduce = reduceAll('MPI_Allreduce', 'allreduce');
  const blockingBarrier = barrier('MPI_Barrier'), blockingBcast = bcast('MPI_Bcast');
  const iallreduce = reduceAll('MPI_Iallreduce', 'allreduce');
  const gatherFn = gather('MPI_Gather', false), igatherFn = gather('MPI_Igather', false);
  const scatterFn = scatter('MPI_Scatter', false), iscatterFn = scatter('MPI_Iscatter', false);
  const allgatherFn = allgather('MPI_Allgather', false), iallgatherFn = allgather('MPI_Iallgather', false);

  return {
    MPI_Barrier: (comm: number) => {
      const e = fast.barrier(comm);
      return e !== NOT_TAKEN ? e : blockingBarrier(comm);
    },
    MPI_Bcast: (buf: number, n: number, t: number, r: number, comm: number) => {
      const e = fast.bcast(buf, n, t, r, comm);
      return e !== NOT_TAKEN ? e : blockingBcast(buf, n, t, r, comm);
    },
    MPI_Reduce: (s: number, d: number, n: number, t: number, op: number, r: number, comm: number) => reduce('MPI_Reduce')(s, d, n, t, op, r, comm),
    MPI_Allreduce: (s: number, d: number, n: number, t: number, op: number, comm: number) => {
      const e = fast.allreduce(s, d, n, t, op, comm);
      return e !== NOT_TAKEN ? e : allreduce(s, d, n, t, op, comm);
    },
    MPI_Gather: (s: number, sn: number, st: number, d: number, rn: number, rt: number, r: number, comm: number) => gatherFn(s, sn, st, d, rn, rt, r, comm),
    MPI_Gatherv: gather('MPI_Gatherv', true),
    MPI_Scatter: (s: number, sn: number, st: number, d: number, rn: number, rt: number, r: number, comm: number) => scatterFn(s, sn, st, d, rn, rt, r, comm),
    MPI_Scatterv: scatter('MPI_Scatterv', true),
    MPI_Allgather: (s: number, sn: number, st: number, d: number, rn: number, rt: number, comm: number) => allgatherFn(s, sn, st, d, rn, rt, comm),
    MPI_Allgatherv: allgather('MPI_Allgatherv', true),
    MPI_Alltoall: (s: number, sn: number, st: number, d: number, rn: number, rt: number, comm: number) => alltoall('MPI_Alltoall')(s, sn, st, d, rn, rt, comm),
    MPI_Alltoallv: alltoallvw('MPI_Alltoallv', false),
    MPI_Alltoallw: alltoallvw('MPI_Alltoallw', true),
    MPI_Reduce_scatter: reduceScatter('MPI_Reduce_scatter', false),
    MPI_Reduce_scatter_block: reduceScatter('MPI_Reduce_scatter_block', true),
    MPI_Scan: (s: number, d: number, n: number, t: number, op: number, comm: number) => reduceAll('MPI_Scan', 'scan')(s, d, n, t, op, comm),
    MPI_Exscan: (s: number, d: number, n: number, t: number, op: number, comm: number) => reduceAll('MPI_Exscan', 'exscan')(s, d, n, t, op, comm),

    MPI_Ibarrier: (comm: number, req: number) => barrier('MPI_Ibarrier')(comm, req),
    MPI_Ibcast: (buf: number, n: number, t: number, r: number, comm: number, req: number) => bcast('MPI_Ibcast')(buf, n, t, r, comm, req),
    MPI_Ireduce: (s: number, d: number, n: number, t: number, op: number, r: number, comm: number, req: number) => reduce('MPI_Ireduce')(s, d, n, t, op, r, comm, req),
    MPI_Iallreduce: (s: number, d: number, n: number, t: number, op: number, comm: number, req: number) => iallreduce(s, d, n, t, op, comm, req),
    MPI_Igather: (s: number, sn: number, st: number, d: number, rn: number, rt: number, r: number, comm: number, req: number) => igatherFn(s, sn, st, d, rn, rt, r, comm, req),
    MPI_Iscatter: (s: number, sn: number, st: number, d: number, rn: number, rt: number, r: number, comm: number, req: number) => iscatterFn(s, sn, st, d, rn, rt, r, comm, req),
    MPI_Iallgather: (s: number, sn: number, st: number, d: number, rn: number, rt: number, comm: number, req: number) => iallgatherFn(s, sn, st, d, rn, rt, comm, req),
    MPI_Ialltoall: (s: number, sn: number, st: number, d: number, rn: number, rt: number, comm: number, req: number) => alltoall('MPI_Ialltoall')(s, sn, st, d, rn, rt, comm, req),
    MPI_Igatherv: gather('MPI_Igatherv', true),
    MPI_Iscatterv: scatter('MPI_Iscatterv', true),
    MPI_Iallgatherv: allgather('MPI_Iallgatherv', true),
    MPI_Ialltoallv: alltoallvw('MPI_Ialltoallv', false),
    MPI_Ialltoallw: alltoallvw('MPI_Ialltoallw', true),
    MPI_Ireduce_scatter: reduceScatter('MPI_Ireduce_scatter', false),
    MPI_Ireduce_scatter_block: reduceScatter('MPI_Ireduce_scatter_block', true),
    MPI_Iscan: (s: number, d: number, n: number, t: number, op: number, comm: number, req: number) => reduceAll('MPI_Iscan', 'scan')(s, d, n, t, op, comm, req),
    MPI_Iexscan: (s: number, d: number, n: number, t: number, op: number, comm: number, req: number) => reduceAll('MPI_Iexscan', 'exscan')(s, d, n, t, op, comm, req),

    MPI_Neighbor_allgather: neighborColl('MPI_Neighbor_allgather', 'allgather'),
    MPI_Neighbor_allgatherv: neighborColl('MPI_Neighbor_allgatherv', 'allgatherv'),
    MPI_Neighbor_alltoall: neighborColl('MPI_Neighbor_alltoall', 'alltoall'),
    MPI_Neighbor_alltoallv: neighborColl('MPI_Neighbor_alltoallv', 'alltoallv'),
    MPI_Neighbor_alltoallw: neighborColl('MPI_Neighbor_alltoallw', 'alltoallw'),
    MPI_Ineighbor_allgather: neighborColl('MPI_Ineighbor_allgather', 'allgather'),
    MPI_Ineighbor_allgatherv: neighborColl('MPI_Ineighbor_allgatherv', 'allgatherv'),
    MPI_Ineighbor_alltoall: neighborColl('MPI_Ineighbor_alltoall', 'alltoall'),
    MPI_Ineighbor_alltoallv: neighborColl('MPI_Ineighbor_alltoallv', 'alltoallv'),
    MPI_Ineighbor_alltoallw: neighborColl('MPI_Ineighbor_alltoallw', 'alltoallw'),

    /** Not MPI: collective messages this rank sent across hosts so far (tests check it stays 0 on one host). */
    FAASMPI_Coll_cross_host_messages: () => rank.crossHostMessages,
    /** Not MPI: blocking collectives this rank ran on the shared-memory area (tests check the fast path is taken). */
    FAASMPI_Coll_shared_calls: () => sharedCalls + fast.calls,
    /** Not MPI: blocking collectives this rank ran on the short path (collectives/fast.ts; tests check it is taken). */
    FAASMPI_Coll_fast_calls: () => fast.calls,
  };
}

export const collectivesPart: MpiPart = {
  names: Object.keys(functions({ mem: undefined } as unknown as MpiRank)),
  functions,
};
