// The collectives of intercommunicators (MPI-3.1 5.2.2), as schedules over the communicator of both groups
// (schedule.ts, Coll.inter gives each group's positions in it). Data flows between the groups: a rooted
// collective's root passes MPI_ROOT, the rest of its group MPI_PROC_NULL (they take no part), and the other
// group names the root by its rank in the root's group; Allreduce gives each group the reduction of the other
// group's contributions; the all-to-all family exchanges with every rank of the other group.
import * as abi from '../mpi/abi.js';
import type { Datatype } from '../mpi/datatypes/index.js';
import type { Op } from '../mpi/p2p/engine.js';
import { treeReduce, type Block, type ReduceArgs } from './algorithms.js';
import type { Coll, InterGroups, Schedule } from './schedule.js';

const EMPTY = new Uint8Array(0);

const groups = (c: Coll): InterGroups => c.inter!;
/** This rank's position in its own group's list. */
const localIndex = (c: Coll) => groups(c).local.indexOf(c.me);

/** What a rooted collective's `root` argument makes of this rank. */
export type Role = 'root' | 'idle' | 'member';
export function roleOf(root: number): Role {
  return root === abi.MPI_ROOT ? 'root' : root === abi.MPI_PROC_NULL ? 'idle' : 'member';
}

/** Every rank of both groups has entered (a dissemination barrier over both). */
export function* barrier(c: Coll): Schedule {
  for (let k = 1; k < c.n; k <<= 1) {
    yield [c.sendBytes((c.me + k) % c.n, EMPTY), c.recvBytes((c.me - k + c.n) % c.n, EMPTY, 0, 0)];
  }
}

/** Binomial tree among `members` (positions) from members[0]: each rank receives once, then forwards. */
function* treeFrom(c: Coll, members: number[], addr: number, count: number, type: Datatype): Schedule {
  const m = members.length, v = members.indexOf(c.me);
  let mask = 1;
  while (mask < m) {
    if (v & mask) {
      yield [c.recv(members[v - mask], addr, count, type)];
      break;
    }
    mask <<= 1;
  }
  const sends: Op[] = [];
  for (mask >>= 1; mask > 0; mask >>= 1) if (v + mask < m) sends.push(c.send(members[v + mask], addr, count, type));
  if (sends.length > 0) yield sends;
}

/** The root sends to rank 0 of the other group, which spreads the data there by a tree. */
export function* bcast(c: Coll, role: Role, root: number, addr: number, count: number, type: Datatype): Schedule {
  const g = groups(c);
  if (role === 'idle' || count === 0 || type.size === 0) return;
  if (role === 'root') {
    yield [c.send(g.remote[0], addr, count, type)];
    return;
  }
  if (localIndex(c) === 0) yield [c.recv(g.remote[root], addr, count, type)];
  yield* treeFrom(c, g.local, addr, count, type);
}

/** The other group reduces (in rank order) to its rank 0, which sends the result to the root. */
export function* reduce(c: Coll, role: Role, root: number, a: ReduceArgs): Schedule {
  const g = groups(c), bytes = a.count * a.type.size;
  if (role === 'idle') return;
  if (role === 'root') {
    const result = new Uint8Array(bytes);
    yield [c.recvBytes(g.remote[0], result, 0, bytes)];
    c.unpack(result, 0, a.output, a.count, a.type);
    return;
  }
  const result = yield* treeReduce(c, g.local, c.pack(a.input, a.count, a.type), a.count, a.type, a.op);
  if (result) yield [c.sendBytes(g.remote[root], result)];
}

/** Each group reduces to its rank 0; the two swap results and spread the other group's result in their group. */
export function* allreduce(c: Coll, a: ReduceArgs): Schedule {
  const g = groups(c), bytes = a.count * a.type.size;
  const mine = yield* treeReduce(c, g.local, c.pack(a.input, a.count, a.type), a.count, a.type, a.op);
  if (mine) {
    const theirs = new Uint8Array(bytes);
    yield [c.sendBytes(g.remote[0], mine), c.recvBytes(g.remote[0], theirs, 0, bytes)];
    c.unpack(theirs, 0, a.output, a.count, a.type);
  }
  if (bytes > 0) yield* treeFrom(c, g.local, a.output, a.count, a.type);
}

/** Gather(v): the root receives block r from remote rank r; the other group's ranks send to the root. */
export function* gather(c: Coll, role: Role, root: number, mine: Block | undefined, blocks: (r: number) => Block): Schedule {
  const g = groups(c);
  if (role === 'idle') return;
  if (role === 'member') {
    yield [c.send(g.remote[root], mine!.addr, mine!.count, mine!.type)];
    return;
  }
  yield g.remote.map((p, r) => {
    const b = blocks(r);
    return c.recv(p, b.addr, b.count, b.type);
  });
}

/** Scatter(v): the root sends block r to remote rank r. */
export function* scatter(c: Coll, role: Role, root: number, blocks: (r: number) => Block, mine: Block | undefined): Schedule {
  const g = groups(c);
  if (role === 'idle') return;
  if (role === 'member') {
    yield [c.recv(g.remote[root], mine!.addr, mine!.count, mine!.type)];
    return;
  }
  yield g.remote.map((p, r) => {
    const b = blocks(r);
    return c.send(p, b.addr, b.count, b.type);
  });
}

/** Allgather(v): every rank sends its block to every remote rank and receives block r from remote rank r. */
export function* allgather(c: Coll, mine: Block, blocks: (r: number) => Block): Schedule {
  const round: Op[] = [];
  groups(c).remote.forEach((p, r) => {
    const b = blocks(r);
    round.push(c.send(p, mine.addr, mine.count, mine.type), c.recv(p, b.addr, b.count, b.type));
  });
  if (round.length > 0) yield round;
}

/** Alltoall(v/w): send block r to remote rank r, receive block r from it. */
export function* alltoall(c: Coll, send: (r: number) => Block, recv: (r: number) => Block): Schedule {
  const round: Op[] = [];
  groups(c).remote.forEach((p, r) => {
    const s = send(r), d = recv(r);
    round.push(c.send(p, s.addr, s.count, s.type), c.recv(p, d.addr, d.count, d.type));
  });
  if (round.length > 0) yield round;
}
