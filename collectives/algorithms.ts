// The collective algorithms, as schedules (see schedule.ts). Sizes pick the algorithm; every rank of a call
// picks the same one, because the choice depends only on arguments MPI requires to agree (sizes, datatypes).
//
// Never choose from this rank's own layout (contiguous or not, where its buffer is): ranks may pass different
// datatypes with the same signature (MPI_INT at the root, a strided type elsewhere), and ranks running different
// algorithms deadlock. A rank's layout may only change how it moves its own data (pack once, or read in place).
//
// Two levels: ranks are grouped by host (HostLayout). Barrier, Bcast, Reduce, Allreduce and Gather run inside
// each host and between host leaders; on a single host the leader level is empty. The other all-to-all style
// collectives (Gatherv, the scatter/allgather/alltoall families, reduce-scatter, scan) are one level: each pair
// of ranks exchanges its own data, which has to cross between their hosts anyway.
//
// Reductions always combine in rank order, x0 op x1 op ... op x(n-1) (apply(in, inout) computes in op inout,
// so partial results are built from the right or by adding right-hand neighbours), so non-commutative ops are
// right and results are the same bits on every run; Allreduce's result is computed once per element and
// copied (or computed identically) everywhere, so every rank gets the same bits.
import { EAGER_LIMIT, type Op } from '../mpi/p2p/engine.js';
import { contiguousStart, type Datatype } from '../mpi/datatypes/index.js';
import type { ReductionOp } from '../mpi/ops/index.js';
import type { Coll, Schedule } from './schedule.js';
import { allreduceByGather, reduceInPlaceReads } from './decision.js';


const EMPTY = new Uint8Array(0);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** The members rotated so that `first` comes first. */
const rotate = (members: number[], first: number) => {
  const i = members.indexOf(first);
  return [...members.slice(i), ...members.slice(0, i)];
};
/** Item range of segment s when `count` items are split into n near-equal segments. */
const segLo = (count: number, s: number, n: number) => Math.floor((count * s) / n);

// ---------------------------------------------------------------------------------------------------------------
// Building blocks over a list of members (comm ranks)

/** Dissemination barrier: round k signals member i + 2^k and waits for member i - 2^k. */
function* dissemination(c: Coll, members: number[]): Schedule {
  const m = members.length, i = members.indexOf(c.me);
  for (let k = 1; k < m; k <<= 1) {
    yield [c.sendBytes(members[(i + k) % m], EMPTY), c.recvBytes(members[(i - k + m) % m], EMPTY, 0, 0)];
  }
}

/** Binomial-tree broadcast of guest data among members, from `root`. */
function* treeBcast(c: Coll, members: number[], root: number, addr: number, count: number, type: Datatype): Schedule {
  const m = members.length;
  if (m <= 1) return;
  const ri = members.indexOf(root), vr = (members.indexOf(c.me) - ri + m) % m;
  const at = (v: number) => members[(v + ri) % m];
  let mask = 1;
  while (mask < m) {
    if (vr & mask) {
      yield [c.recv(at(vr - mask), addr, count, type)];
      break;
    }
    mask <<= 1;
  }
  const sends = [];
  for (mask >>= 1; mask > 0; mask >>= 1) if (vr + mask < m) sends.push(c.send(at(vr + mask), addr, count, type));
  if (sends.length > 0) yield sends;
}

/**
 * Broadcast inside one host. Large data goes flat (chosen from the size, which every rank agrees on): the root
 * sends to every member at once. Contiguous root data is announced and each member copies straight out of the
 * root's memory (the rendezvous protocol), all in parallel, no forwarding; other root data is packed once.
 */
function* localBcast(c: Coll, members: number[], root: number, addr: number, count: number, type: Datatype): Schedule {
  if (members.length <= 1) return;
  if (count * type.size > EAGER_LIMIT) {
    const others = members.filter((r) => r !== root);
    if (c.me !== root) yield [c.recv(root, addr, count, type)];
    else if (contiguousStart(type, count, addr) !== undefined) yield others.map((r) => c.send(r, addr, count, type));
    else {
      const packed = c.pack(addr, count, type);
      yield others.map((r) => c.sendBytes(r, packed));
    }
    return;
  }
  yield* treeBcast(c, members, root, addr, count, type);
}

/**
 * Binomial-tree reduction of packed data in member order: members[0] ends with members[0] op members[1] op ...
 * (member i holds the combination of members [i, i + 2^k) after round k). Returns the result on members[0].
 */
export function* treeReduce(c: Coll, members: number[], acc: Uint8Array, count: number, type: Datatype, op: ReductionOp): Generator<Op[], Uint8Array | undefined, void> {
  const m = members.length, i = members.indexOf(c.me);
  let tmp: Uint8Array = new Uint8Array(acc.length);
  for (let mask = 1; mask < m; mask <<= 1) {
    if (i & mask) {
      yield [c.sendBytes(members[i - mask], acc)];
      return undefined;
    }
    if (i + mask < m) {
      yield [c.recvBytes(members[i + mask], tmp, 0, acc.length)];
      c.check(op.apply(acc, 0, tmp, 0, count, type)); // tmp = acc op tmp
      [acc, tmp] = [tmp, acc];
    }
  }
  return acc;
}

/** Reduces `n` packed contributions laid out one after another in `parts` (slots first..last) into slot `last`, in slot order. */
function reduceSlots(c: Coll, parts: Uint8Array, first: number, last: number, slotBytes: number, count: number, type: Datatype, op: ReductionOp): void {
  for (let r = last - 1; r >= first; r--) c.check(op.apply(parts, r * slotBytes, parts, last * slotBytes, count, type));
}

// ---------------------------------------------------------------------------------------------------------------
// Barrier, Bcast

export function* barrier(c: Coll): Schedule {
  const L = c.layout();
  if (L.single) {
    yield* dissemination(c, range(c.n));
    return;
  }
  const local = L.hosts[L.hostOf[c.me]], leader = local[0];
  if (c.me !== leader) {
    yield [c.sendBytes(leader, EMPTY)];
    yield [c.recvBytes(leader, EMPTY, 0, 0)];
    return;
  }
  yield local.slice(1).map((r) => c.recvBytes(r, EMPTY, 0, 0));
  yield* dissemination(c, L.hosts.map((h) => h[0]));
  yield local.slice(1).map((r) => c.sendBytes(r, EMPTY));
}

export function* bcast(c: Coll, addr: number, count: number, type: Datatype, root: number): Schedule {
  if (c.n === 1 || count === 0 || type.size === 0) return;
  const L = c.layout();
  if (L.single) {
    yield* localBcast(c, range(c.n), root, addr, count, type);
    return;
  }
  const rootHost = L.hostOf[root], myHost = L.hostOf[c.me];
  const leaders = L.hosts.map((h, i) => (i === rootHost ? root : h[0]));
  if (leaders[myHost] === c.me) yield* treeBcast(c, leaders, root, addr, count, type);
  yield* localBcast(c, L.hosts[myHost], leaders[myHost], addr, count, type);
}

// ---------------------------------------------------------------------------------------------------------------
// Reductions

export interface ReduceArgs {
  /** Guest address of this rank's contribution (the receive buffer itself with MPI_IN_PLACE). */
  input: number;
  /** Guest address of the result (significant where the result goes). */
  output: number;
  count: number;
  type: Datatype;
  op: ReductionOp;
}

/**
 * Single host, contiguous data, large enough: reduce by reading the peers' buffers directly. A reduction's
 * datatype is the same at every rank (MPI requires it; only the signature may differ for data movement), so
 * its contiguity is agreed; the buffer addresses are not consulted.
 */
function direct(c: Coll, a: ReduceArgs): boolean {
  const contiguous = contiguousStart(a.type, a.count, 0) !== undefined && a.type.extent === a.type.size;
  return reduceInPlaceReads(c.n, a.count * a.type.size, c.layout().single, contiguous);
}

/**
 * Shared-memory reduce-scatter + allgather on one host: ranks swap buffer addresses; rank s reduces segment s
 * of every rank's input (read in place from their memories, combined in rank order into a scratch buffer) and
 * writes it into the output of every rank in `targets`; a barrier keeps every buffer alive until all are done.
 * Only rank s ever reads or writes segment s, so MPI_IN_PLACE (input = output) is safe.
 */
function* directReduce(c: Coll, a: ReduceArgs, targets: number[] | 'all'): Schedule {
  const n = c.n, me = c.me, sz = a.type.size;
  const inAt = contiguousStart(a.type, a.count, a.input)!;
  const outAt = targets === 'all' || targets.includes(me) ? contiguousStart(a.type, a.count, a.output)! : 0;
  const addrs = new Int32Array(2 * n);
  addrs[2 * me] = inAt;
  addrs[2 * me + 1] = outAt;
  const mine = new Uint8Array(addrs.buffer.slice(8 * me, 8 * me + 8));
  const all = new Uint8Array(addrs.buffer);
  const round = [];
  for (let p = 0; p < n; p++) if (p !== me) round.push(c.sendBytes(p, mine), c.recvBytes(p, all, 8 * p, 8));
  yield round;
  const lo = segLo(a.count, me, n), k = segLo(a.count, me + 1, n) - lo;
  if (k > 0) {
    const mems = range(n).map((r) => c.memoryOf(r));
    const acc = mems[n - 1].slice(addrs[2 * (n - 1)] + lo * sz, addrs[2 * (n - 1)] + (lo + k) * sz);
    for (let r = n - 2; r >= 0; r--) c.check(a.op.apply(mems[r], addrs[2 * r] + lo * sz, acc, 0, k, a.type));
    for (const t of targets === 'all' ? range(n) : targets) mems[t].set(acc, addrs[2 * t + 1] + lo * sz);
  }
  yield* dissemination(c, range(n));
}

export function* reduce(c: Coll, a: ReduceArgs, root: number): Schedule {
  const { count, type, op } = a;
  if (c.n === 1) {
    if (a.input !== a.output) c.copy(a.input, count, type, a.output, count, type);
    return;
  }
  if (direct(c, a)) {
    yield* directReduce(c, a, [root]);
    return;
  }
  const L = c.layout();
  let result: Uint8Array | undefined;
  const acc = c.pack(a.input, count, type);
  if (op.commutative && !L.single) {
    // Inside each host to its leader (the root on the root's host), then between the leaders.
    const rootHost = L.hostOf[root], myHost = L.hostOf[c.me];
    const leaders = L.hosts.map((h, i) => (i === rootHost ? root : h[0]));
    const local = rotate(L.hosts[myHost], leaders[myHost]);
    result = yield* treeReduce(c, local, acc, count, type, op);
    if (result) result = yield* treeReduce(c, rotate(leaders, root), result, count, type, op);
  } else if (op.commutative) {
    result = yield* treeReduce(c, rotate(range(c.n), root), acc, count, type, op);
  } else {
    // Rank order needs the tree rooted at rank 0; the result then moves to the root.
    result = yield* treeReduce(c, range(c.n), acc, count, type, op);
    if (root !== 0) {
      if (c.me === 0) yield [c.sendBytes(root, result!)];
      else if (c.me === root) {
        result = new Uint8Array(count * type.size);
        yield [c.recvBytes(0, result, 0, result.length)];
      }
    }
  }
  if (c.me === root && result) c.unpack(result, 0, a.output, count, type);
}

export function* allreduce(c: Coll, a: ReduceArgs): Schedule {
  const { count, type, op } = a;
  const n = c.n, me = c.me, bytes = count * type.size;
  if (n === 1 || bytes === 0) {
    if (a.input !== a.output) c.copy(a.input, count, type, a.output, count, type);
    return;
  }
  if (direct(c, a)) {
    yield* directReduce(c, a, 'all');
    return;
  }
  const L = c.layout();
  if (!L.single && op.commutative) {
    // Two levels: reduce to each host's leader, allreduce between leaders, broadcast inside each host.
    const local = L.hosts[L.hostOf[me]], leaders = L.hosts.map((h) => h[0]);
    const part = yield* treeReduce(c, local, c.pack(a.input, count, type), count, type, op);
    if (part) {
      const all = yield* gatherReduce(c, leaders, part, count, type, op);
      c.unpack(all, 0, a.output, count, type);
    }
    yield* localBcast(c, local, local[0], a.output, count, type);
    return;
  }
  const input = c.pack(a.input, count, type);
  const result = allreduceByGather(n, bytes)
    ? yield* gatherReduce(c, range(n), input, count, type, op)
    : yield* pairwiseReduce(c, input, count, type, op);
  c.unpack(result, 0, a.output, count, type);
}

/** Every member sends its contribution to every other one, and each reduces all of them in member order (one round). */
function* gatherReduce(c: Coll, members: number[], input: Uint8Array, count: number, type: Datatype, op: ReductionOp): Generator<import('../mpi/p2p/engine.js').Op[], Uint8Array, void> {
  const m = members.length, i = members.indexOf(c.me), B = input.length;
  const parts = new Uint8Array(m * B);
  parts.set(input, i * B);
  const round = [];
  for (let j = 0; j < m; j++) if (j !== i) round.push(c.sendBytes(members[j], input), c.recvBytes(members[j], parts, j * B, B));
  yield round;
  reduceSlots(c, parts, 0, m - 1, B, count, type, op);
  return parts.subarray((m - 1) * B);
}

/**
 * Reduce-scatter + allgather by pairwise exchange: segment s of every rank's data goes to rank s, which reduces
 * them in rank order and sends the reduced segment to every rank. Each rank sends and receives about 2x the data.
 */
function* pairwiseReduce(c: Coll, input: Uint8Array, count: number, type: Datatype, op: ReductionOp): Generator<import('../mpi/p2p/engine.js').Op[], Uint8Array, void> {
  const n = c.n, me = c.me, sz = type.size;
  const lo = (s: number) => segLo(count, s, n) * sz;
  const mine = yield* reduceSegments(c, input, range(n).map((s) => segLo(count, s + 1, n) - segLo(count, s, n)), type, op);
  const result = new Uint8Array(count * sz);
  result.set(mine, lo(me));
  const round = [];
  for (let p = 0; p < n; p++) if (p !== me) round.push(c.sendBytes(p, mine), c.recvBytes(p, result, lo(p), lo(p + 1) - lo(p)));
  yield round;
  return result;
}

/** Reduce-scatter: segment s (counts[s] items) of every rank's packed input goes to rank s; returns my reduced segment. */
function* reduceSegments(c: Coll, input: Uint8Array, counts: number[], type: Datatype, op: ReductionOp): Generator<import('../mpi/p2p/engine.js').Op[], Uint8Array, void> {
  const n = c.n, me = c.me, sz = type.size;
  const offs: number[] = [0];
  for (let s = 0; s < n; s++) offs.push(offs[s] + counts[s] * sz);
  const B = counts[me] * sz;
  const parts = new Uint8Array(n * B);
  parts.set(input.subarray(offs[me], offs[me + 1]), me * B);
  const round = [];
  for (let p = 0; p < n; p++) {
    if (p === me) continue;
    round.push(c.sendBytes(p, input.subarray(offs[p], offs[p + 1])), c.recvBytes(p, parts, p * B, B));
  }
  yield round;
  reduceSlots(c, parts, 0, n - 1, B, counts[me], type, op);
  return parts.subarray((n - 1) * B);
}

export function* reduceScatter(c: Coll, input: number, output: number, counts: number[], type: Datatype, op: ReductionOp): Schedule {
  const total = counts.reduce((x, y) => x + y, 0);
  const packed = c.pack(input, total, type);
  const mine = yield* reduceSegments(c, packed, counts, type, op);
  c.unpack(mine, 0, output, counts[c.me], type);
}

/** Scan (inclusive) and Exscan: every rank sends its contribution to every higher rank, which reduce in rank order. */
export function* scan(c: Coll, a: ReduceArgs, exclusive: boolean): Schedule {
  const n = c.n, me = c.me, B = a.count * a.type.size;
  const input = c.pack(a.input, a.count, a.type);
  const parts = new Uint8Array((me + 1) * B);
  parts.set(input, me * B);
  const round = [];
  for (let p = me + 1; p < n; p++) round.push(c.sendBytes(p, input));
  for (let p = 0; p < me; p++) round.push(c.recvBytes(p, parts, p * B, B));
  if (round.length > 0) yield round;
  const last = exclusive ? me - 1 : me;
  if (last < 0) return;
  reduceSlots(c, parts, 0, last, B, a.count, a.type, a.op);
  c.unpack(parts, last * B, a.output, a.count, a.type);
}

// ---------------------------------------------------------------------------------------------------------------
// Gather, scatter, allgather, alltoall (one level: each pair moves its own data; large contiguous blocks are
// copied by the receiver straight out of the sender's memory by the rendezvous protocol)

/** A block of guest data: count items of type at addr. */
export interface Block {
  addr: number;
  count: number;
  type: Datatype;
}

/** Gather(v): blocks[r] is where rank r's data goes at the root; `mine` is undefined with MPI_IN_PLACE at the root. */
export function* gather(c: Coll, mine: Block | undefined, blocks: (r: number) => Block, root: number): Schedule {
  if (c.me !== root) {
    yield [c.send(root, mine!.addr, mine!.count, mine!.type)];
    return;
  }
  const round = [];
  for (let p = 0; p < c.n; p++) {
    if (p === root) continue;
    const b = blocks(p);
    round.push(c.recv(p, b.addr, b.count, b.type));
  }
  if (mine) {
    const b = blocks(root);
    c.copy(mine.addr, mine.count, mine.type, b.addr, b.count, b.type);
  }
  if (round.length > 0) yield round;
}

/**
 * Gather with the same number of bytes from every rank (MPI_Gather). On several hosts each host's leader collects
 * its ranks' data and sends it to the root as one message, so the root's host receives one message per host
 * instead of one per rank; on the root's host ranks send to the root directly.
 */
export function* gatherEqual(c: Coll, mine: Block | undefined, blocks: (r: number) => Block, root: number, bytes: number): Schedule {
  const L = c.layout();
  if (L.single || bytes === 0) {
    yield* gather(c, mine, blocks, root);
    return;
  }
  const rootHost = L.hostOf[root], myHost = L.hostOf[c.me], local = L.hosts[myHost];
  if (myHost === rootHost && c.me !== root) {
    yield [c.send(root, mine!.addr, mine!.count, mine!.type)];
    return;
  }
  if (myHost !== rootHost) {
    if (c.me !== local[0]) {
      yield [c.send(local[0], mine!.addr, mine!.count, mine!.type)];
      return;
    }
    const batch = new Uint8Array(local.length * bytes);
    batch.set(c.pack(mine!.addr, mine!.count, mine!.type));
    yield local.slice(1).map((r, i) => c.recvBytes(r, batch, (i + 1) * bytes, bytes));
    yield [c.sendBytes(root, batch)];
    return;
  }
  // The root: its host's ranks directly, every other host's batch from its leader.
  const round = [];
  for (const p of local) {
    if (p === root) continue;
    const b = blocks(p);
    round.push(c.recv(p, b.addr, b.count, b.type));
  }
  const batches = L.hosts.map((members, h) => (h === rootHost ? undefined : new Uint8Array(members.length * bytes)));
  batches.forEach((batch, h) => { if (batch) round.push(c.recvBytes(L.hosts[h][0], batch, 0, batch.length)); });
  if (mine) {
    const b = blocks(root);
    c.copy(mine.addr, mine.count, mine.type, b.addr, b.count, b.type);
  }
  yield round;
  batches.forEach((batch, h) => {
    if (!batch) return;
    L.hosts[h].forEach((p, i) => {
      const b = blocks(p);
      c.unpack(batch, i * bytes, b.addr, b.count, b.type);
    });
  });
}

/** Scatter(v): blocks[r] is rank r's data at the root; `mine` is undefined with MPI_IN_PLACE at the root. */
export function* scatter(c: Coll, blocks: (r: number) => Block, mine: Block | undefined, root: number): Schedule {
  if (c.me !== root) {
    yield [c.recv(root, mine!.addr, mine!.count, mine!.type)];
    return;
  }
  const round = [];
  for (let p = 0; p < c.n; p++) {
    if (p === root) continue;
    const b = blocks(p);
    round.push(c.send(p, b.addr, b.count, b.type));
  }
  if (mine) {
    const b = blocks(root);
    c.copy(b.addr, b.count, b.type, mine.addr, mine.count, mine.type);
  }
  if (round.length > 0) yield round;
}

/** Allgather(v): `mine` undefined with MPI_IN_PLACE (this rank's block is already in place in the output). */
export function* allgather(c: Coll, mine: Block | undefined, blocks: (r: number) => Block): Schedule {
  const me = c.me, own = blocks(me);
  const out = mine ?? own;
  const round = [];
  for (let p = 0; p < c.n; p++) {
    if (p === me) continue;
    const b = blocks(p);
    round.push(c.send(p, out.addr, out.count, out.type), c.recv(p, b.addr, b.count, b.type));
  }
  if (mine) c.copy(mine.addr, mine.count, mine.type, own.addr, own.count, own.type);
  if (round.length > 0) yield round;
}

/**
 * Alltoall(v/w): sendBlocks(p) goes to rank p, recvBlocks(p) comes from it. `sendBlocks` undefined means
 * MPI_IN_PLACE: the data to send is in the receive blocks, packed first so receives may overwrite them.
 */
export function* alltoall(c: Coll, sendBlocks: ((r: number) => Block) | undefined, recvBlocks: (r: number) => Block): Schedule {
  const me = c.me;
  const round = [];
  for (let p = 0; p < c.n; p++) {
    if (p === me) continue;
    const r = recvBlocks(p);
    if (sendBlocks) {
      const s = sendBlocks(p);
      round.push(c.send(p, s.addr, s.count, s.type));
    } else {
      round.push(c.sendBytes(p, c.pack(r.addr, r.count, r.type)));
    }
    round.push(c.recv(p, r.addr, r.count, r.type));
  }
  if (sendBlocks) {
    const s = sendBlocks(me), r = recvBlocks(me);
    c.copy(s.addr, s.count, s.type, r.addr, r.count, r.type);
  }
  if (round.length > 0) yield round;
}
