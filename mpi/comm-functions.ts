// Communicator management: MPI_Comm_dup, split, split_type, create, create_group, free, compare, names.
//
// A new communicator needs a context id its members agree on. agree() gathers a few ints from every
// participant to the first one and sends everyone the whole table back, with point-to-point messages on the
// parent's collective context (parent.context + 1) under tags from RESERVED_TAG_BASE (0x40000000) up, which the
// collectives (small tags there) and user traffic (even contexts) never use. Each rank offers its nextContext;
// the new communicator takes the largest offered and every participant moves past it (see communicators.ts).
// The table also carries what a split needs (color, key, host).
import { createHash } from 'node:crypto';
import * as abi from './abi.js';
import { copyAttributes, deleteAttributes } from './attributes.js';
import { bothGroups, Communicators, type Communicator, type Topology } from './communicators.js';
import type { Datatype } from './datatypes/index.js';
import { compareMembers } from './group-table.js';
import type { Op } from './p2p/engine.js';
import type { MpiPart, MpiRank } from './rank.js';

/** Tags of the runtime's own messages on collective contexts (collectives use small tags). */
export const RESERVED_TAG_BASE = 0x40000000;
const TAG_AGREE_GATHER = RESERVED_TAG_BASE + 1;
const TAG_AGREE_BCAST = RESERVED_TAG_BASE + 2;
const TAG_GROUP_GATHER = RESERVED_TAG_BASE + 3;
const TAG_GROUP_BCAST = RESERVED_TAG_BASE + 4;

const OK = abi.MPI_SUCCESS;

export function commName(c: Communicator): string {
  return c.name || `0x${(c.handle >>> 0).toString(16)}`;
}

/** Waits (progressing point-to-point traffic) until every operation is done. */
export function waitAll(rank: MpiRank, ops: Op[], describe: () => string): void {
  if (ops.every((o) => o.done)) return;
  rank.waiter.waitUntil(() => rank.p2p.progress(), () => ops.every((o) => o.done), describe);
}

/**
 * Every participant's `values` (the same number of ints on each), indexed by participant. `participants` are
 * world ranks (the first one collects and answers), `me` is this rank's index among them; the messages travel
 * on `parent`'s collective context. Blocking.
 */
export function agree(rank: MpiRank, fn: string, parent: Communicator, participants: number[], me: number, values: number[], forGroup = false): number[][] {
  const n = participants.length;
  const L = values.length;
  if (n === 1) return [values];
  const via: Communicator = { handle: parent.handle, context: parent.context + 1, worldRanks: participants, rank: me, name: parent.name };
  const int = rank.datatypes.resolve(abi.MPI_INT) as Datatype;
  const gatherTag = forGroup ? TAG_GROUP_GATHER : TAG_AGREE_GATHER;
  const bcastTag = forGroup ? TAG_GROUP_BCAST : TAG_AGREE_BCAST;
  const what = () => `${fn} on ${commName(parent)} (agreeing on the new communicator with ${n} ranks)`;
  const mem = rank.mem;
  return rank.withScratch(4 * L * n, (buf) => {
    const mine = buf + 4 * L * me;
    values.forEach((v, i) => mem.setI32(mine + 4 * i, v));
    const check = (ops: Op[], bytes: number) => {
      for (const op of ops) {
        if (op.status.error !== OK || (op.kind === 'recv' && op.status.bytes !== bytes)) {
          rank.fatal(fn, 'MPI_ERR_INTERN', `ranks disagree on the collective call (the communicator-creation messages do not match)`);
        }
      }
    };
    if (me === 0) {
      const recvs = participants.slice(1).map((w, i) => rank.p2p.recv(via, w, gatherTag, buf + 4 * L * (i + 1), L, int, what));
      waitAll(rank, recvs, what);
      check(recvs, 4 * L);
      const sends = participants.slice(1).map((w) => rank.p2p.send(via, w, bcastTag, buf, L * n, int, 'standard', what));
      waitAll(rank, sends, what);
    } else {
      const send = rank.p2p.send(via, participants[0], gatherTag, mine, L, int, 'standard', what);
      waitAll(rank, [send], what);
      const recv = rank.p2p.recv(via, participants[0], bcastTag, buf, L * n, int, what);
      waitAll(rank, [recv], what);
      check([recv], 4 * L * n);
    }
    return Array.from({ length: n }, (_, p) => Array.from({ length: L }, (_, i) => mem.i32(buf + 4 * (L * p + i))));
  });
}

/** Takes the largest offered context (column `col` of an agreed table) and moves this rank past it. */
export function takeContext(rank: MpiRank, table: number[][], col: number): number {
  const ctx = Math.max(...table.map((row) => row[col]));
  rank.comms.nextContext = Math.max(rank.comms.nextContext, ctx + 2);
  return ctx;
}

/**
 * Registers a communicator made from `parent` (inherits its error handler). Returns the error raised if the
 * handle table is full.
 */
export function registerComm(rank: MpiRank, fn: string, parent: Communicator, context: number, worldRanks: number[], topology?: Topology, remote?: number[]): Communicator | number {
  const c = rank.comms.create({ context, worldRanks, rank: worldRanks.indexOf(rank.worldRank), name: '', topology, remote });
  if (!c) return rank.errors.raise(parent.handle, fn, abi.MPI_ERR_OTHER, 'too many communicators');
  rank.errors.inherit(parent.handle, c.handle);
  return c;
}

/** Four ints identifying a host (hash of its id), so ranks can tell who shares their host. */
function hostKey(hostId: string): number[] {
  const d = createHash('sha256').update(hostId).digest();
  return [0, 4, 8, 12].map((o) => d.readInt32LE(o));
}

/**
 * MPI_Comm_split and its relatives over `parent`: ranks with the same color (colorOf over the agreed table)
 * form a communicator, ordered by key then parent rank. Returns the new communicator, null for
 * MPI_UNDEFINED, or the error raised.
 */
export function split(
  rank: MpiRank, fn: string, parent: Communicator, color: number, key: number,
  options: { byHost?: boolean; topology?: (members: number[]) => Topology | undefined } = {},
): Communicator | null | number {
  const host = options.byHost ? hostKey(rank.identity.hostId) : [0, 0, 0, 0];
  if (parent.remote) return interSplit(rank, fn, parent, color, key);
  const table = agree(rank, fn, parent, parent.worldRanks, parent.rank, [color, key, rank.comms.nextContext, ...host]);
  const ctx = takeContext(rank, table, 2);
  if (color === abi.MPI_UNDEFINED) return null;
  const colorOf = (row: number[]) => (options.byHost ? row.slice(3).join(',') : String(row[0]));
  const mine = colorOf(table[parent.rank]);
  const members = table.map((row, i) => ({ row, i }))
    .filter(({ row }) => row[0] !== abi.MPI_UNDEFINED && colorOf(row) === mine)
    .sort((a, b) => a.row[1] - b.row[1] || a.i - b.i)
    .map(({ i }) => i);
  return registerComm(rank, fn, parent, ctx, members.map((i) => parent.worldRanks[i]), options.topology?.(members));
}

function cloneTopology(t: Topology | undefined): Topology | undefined {
  if (!t) return undefined;
  if (t.kind === 'graph') return { kind: 'graph', index: [...t.index], edges: [...t.edges] };
  return t.kind === 'cart'
    ? { kind: 'cart', dims: [...t.dims], periods: [...t.periods] }
    : {
      kind: 'dist-graph', sources: [...t.sources], destinations: [...t.destinations],
      sourceWeights: t.sourceWeights && [...t.sourceWeights], destWeights: t.destWeights && [...t.destWeights],
    };
}

/** Frees a communicator this rank made (after a failed MPI_Comm_dup, or MPI_Comm_free). */
function release(rank: MpiRank, c: Communicator): void {
  rank.errors.forget(c.handle);
  rank.comms.remove(c.handle);
}

/**
 * MPI_Comm_split on an intercommunicator: each group splits by color; ranks of both groups with the same color
 * form a new intercommunicator (MPI_COMM_NULL if either side of it would be empty). Agreed over both groups.
 */
function interSplit(rank: MpiRank, fn: string, parent: Communicator, color: number, key: number): Communicator | null | number {
  const { members, localFirst } = bothGroups(parent);
  const nA = localFirst ? parent.worldRanks.length : parent.remote!.length;
  const table = agree(rank, fn, parent, members, members.indexOf(rank.worldRank), [color, key, rank.comms.nextContext]);
  const ctx = takeContext(rank, table, 2);
  if (color === abi.MPI_UNDEFINED) return null;
  const side = (from: number, to: number) => table.slice(from, to).map((row, i) => ({ row, w: members[from + i], i }))
    .filter(({ row }) => row[0] === color)
    .sort((a, b) => a.row[1] - b.row[1] || a.i - b.i)
    .map(({ w }) => w);
  const a = side(0, nA), b = side(nA, members.length);
  const [local, remote] = localFirst ? [a, b] : [b, a];
  if (remote.length === 0) return null;
  return registerComm(rank, fn, parent, ctx, local, undefined, remote);
}

/** MPI_Comm_dup's work: a congruent communicator with the topology and the attributes copied. */
export function dup(rank: MpiRank, fn: string, c: Communicator, topology = cloneTopology(c.topology)): Communicator | number {
  if (c.remote) {
    // Both groups agree on the new context.
    const { members } = bothGroups(c);
    const table = agree(rank, fn, c, members, members.indexOf(rank.worldRank), [rank.comms.nextContext]);
    return registerComm(rank, fn, c, takeContext(rank, table, 0), [...c.worldRanks], undefined, [...c.remote]);
  }
  const table = agree(rank, fn, c, c.worldRanks, c.rank, [rank.comms.nextContext]);
  const nc = registerComm(rank, fn, c, takeContext(rank, table, 0), [...c.worldRanks], topology);
  if (typeof nc === 'number') return nc;
  return nc;
}

function functions(rank: MpiRank) {
  const mem = rank.mem;
  const start = (fn: string, commH: number): Communicator | number => {
    rank.requireActive(fn);
    return rank.comm(fn, commH);
  };
  const putComm = (ptr: number, c: Communicator | null) => mem.setI32(ptr, c ? c.handle : abi.MPI_COMM_NULL);

  return {
    MPI_Comm_dup: (commH: number, newPtr: number) => {
      const fn = 'MPI_Comm_dup';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      const nc = dup(rank, fn, c);
      if (typeof nc === 'number') return nc;
      const rc = copyAttributes(rank, fn, c, nc);
      if (rc !== OK) {
        deleteAttributes(rank, fn, nc);
        release(rank, nc);
        return rc;
      }
      putComm(newPtr, nc);
      return OK;
    },
    MPI_Comm_split: (commH: number, color: number, key: number, newPtr: number) => {
      const fn = 'MPI_Comm_split';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      if (color < 0 && color !== abi.MPI_UNDEFINED) return rank.errors.raise(c.handle, fn, abi.MPI_ERR_ARG, `invalid color ${color}`);
      const nc = split(rank, fn, c, color, key);
      if (typeof nc === 'number') return nc;
      putComm(newPtr, nc);
      return OK;
    },
    MPI_Comm_split_type: (commH: number, type: number, key: number, _info: number, newPtr: number) => {
      const fn = 'MPI_Comm_split_type';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      if (c.remote) return rank.errors.raise(c.handle, fn, abi.MPI_ERR_COMM, `${commName(c)} is an intercommunicator`);
      if (type !== abi.MPI_COMM_TYPE_SHARED && type !== abi.MPI_UNDEFINED) {
        return rank.errors.raise(c.handle, fn, abi.MPI_ERR_ARG, `invalid split type ${type}`);
      }
      const nc = split(rank, fn, c, type === abi.MPI_UNDEFINED ? abi.MPI_UNDEFINED : 0, key, { byHost: true });
      if (typeof nc === 'number') return nc;
      putComm(newPtr, nc);
      return OK;
    },
    MPI_Comm_create: (commH: number, groupH: number, newPtr: number) => {
      const fn = 'MPI_Comm_create';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      const g = rank.groups.get(groupH);
      if (!g) return rank.errors.raise(c.handle, fn, abi.MPI_ERR_GROUP, `invalid group 0x${(groupH >>> 0).toString(16)}`);
      const inParent = new Set(c.worldRanks);
      if (!g.worldRanks.every((w) => inParent.has(w))) {
        return rank.errors.raise(c.handle, fn, abi.MPI_ERR_GROUP, `the group is not a subgroup of communicator ${commName(c)}${c.remote ? "'s local group" : ''}`);
      }
      if (c.remote) {
        // Each group passes a subgroup of itself; the new intercommunicator joins the two (NULL where empty).
        const { members, localFirst } = bothGroups(c);
        const table = agree(rank, fn, c, members, members.indexOf(rank.worldRank), [g.worldRanks.indexOf(rank.worldRank), rank.comms.nextContext]);
        const ctx = takeContext(rank, table, 1);
        const nA = localFirst ? c.worldRanks.length : c.remote.length;
        const side = (from: number, to: number) => members.slice(from, to).map((w, i) => ({ w, pos: table[from + i][0] }))
          .filter((x) => x.pos >= 0).sort((x, y) => x.pos - y.pos).map((x) => x.w);
        const a = side(0, nA), b = side(nA, members.length);
        const [local, remote] = localFirst ? [a, b] : [b, a];
        if (!local.includes(rank.worldRank) || remote.length === 0) {
          putComm(newPtr, null);
          return OK;
        }
        const nc = registerComm(rank, fn, c, ctx, local, undefined, remote);
        if (typeof nc === 'number') return nc;
        putComm(newPtr, nc);
        return OK;
      }
      const table = agree(rank, fn, c, c.worldRanks, c.rank, [rank.comms.nextContext]);
      const ctx = takeContext(rank, table, 0);
      if (!g.worldRanks.includes(rank.worldRank)) {
        putComm(newPtr, null);
        return OK;
      }
      const nc = registerComm(rank, fn, c, ctx, [...g.worldRanks]);
      if (typeof nc === 'number') return nc;
      putComm(newPtr, nc);
      return OK;
    },
    /** Collective over the group only: the agreement runs among its members. */
    MPI_Comm_create_group: (commH: number, groupH: number, tag: number, newPtr: number) => {
      const fn = 'MPI_Comm_create_group';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      const g = rank.groups.get(groupH);
      if (!g) return rank.errors.raise(c.handle, fn, abi.MPI_ERR_GROUP, `invalid group 0x${(groupH >>> 0).toString(16)}`);
      if (tag < 0 || tag > abi.TAG_UB_VALUE) return rank.errors.raise(c.handle, fn, abi.MPI_ERR_TAG, `invalid tag ${tag}`);
      const inParent = new Set(c.worldRanks);
      if (!g.worldRanks.every((w) => inParent.has(w))) {
        return rank.errors.raise(c.handle, fn, abi.MPI_ERR_GROUP, `the group is not a subgroup of communicator ${commName(c)}`);
      }
      const me = g.worldRanks.indexOf(rank.worldRank);
      if (me < 0) {
        putComm(newPtr, null);
        return OK;
      }
      const table = agree(rank, fn, c, g.worldRanks, me, [rank.comms.nextContext], true);
      const nc = registerComm(rank, fn, c, takeContext(rank, table, 0), [...g.worldRanks]);
      if (typeof nc === 'number') return nc;
      putComm(newPtr, nc);
      return OK;
    },
    MPI_Comm_free: (commPtr: number) => {
      const fn = 'MPI_Comm_free';
      rank.requireActive(fn);
      const h = mem.i32(commPtr);
      if (Communicators.isPredefined(h)) {
        return rank.errors.raise(h, fn, abi.MPI_ERR_COMM, `cannot free ${(h >>> 0) === abi.MPI_COMM_WORLD ? 'MPI_COMM_WORLD' : 'MPI_COMM_SELF'}`);
      }
      const c = rank.comm(fn, h);
      if (typeof c === 'number') return c;
      const rc = deleteAttributes(rank, fn, c);
      if (rc !== OK) return rank.errors.raise(c.handle, fn, rc, 'an attribute delete callback failed');
      release(rank, c);
      mem.setI32(commPtr, abi.MPI_COMM_NULL);
      return OK;
    },
    MPI_Comm_compare: (h1: number, h2: number, resultPtr: number) => {
      const fn = 'MPI_Comm_compare';
      const c1 = start(fn, h1);
      if (typeof c1 === 'number') return c1;
      const c2 = rank.comm(fn, h2);
      if (typeof c2 === 'number') return c2;
      let result: number;
      if (c1 === c2) result = abi.MPI_IDENT;
      else {
        let m = compareMembers(c1.worldRanks, c2.worldRanks);
        if (!c1.remote !== !c2.remote) m = abi.MPI_UNEQUAL;
        else if (c1.remote && c2.remote) {
          const r = compareMembers(c1.remote, c2.remote);
          if (r === abi.MPI_UNEQUAL || m === abi.MPI_UNEQUAL) m = abi.MPI_UNEQUAL;
          else if (r === abi.MPI_SIMILAR) m = abi.MPI_SIMILAR;
        }
        result = m === abi.MPI_IDENT ? abi.MPI_CONGRUENT : m;
      }
      mem.setI32(resultPtr, result);
      return OK;
    },
    MPI_Comm_set_name: (commH: number, namePtr: number) => {
      const fn = 'MPI_Comm_set_name';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      c.name = mem.readCString(namePtr, abi.MPI_MAX_OBJECT_NAME - 1, 'comm_name');
      return OK;
    },
    MPI_Comm_get_name: (commH: number, namePtr: number, lenPtr: number) => {
      const fn = 'MPI_Comm_get_name';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      mem.setI32(lenPtr, mem.writeCString(namePtr, abi.MPI_MAX_OBJECT_NAME, c.name));
      return OK;
    },
  };
}

export const commPart: MpiPart = { names: Object.keys(functions({} as MpiRank)), functions };
