// Intercommunicators (MPI-3.1 6.6): MPI_Intercomm_create, MPI_Intercomm_merge and the queries. An
// intercommunicator is a Communicator with `remote` set (communicators.ts); point-to-point on it addresses the
// remote group, its collectives are in collectives/inter.ts, dup/split/create on it in comm-functions.ts.
//
// Context agreement for MPI_Intercomm_create: each group agrees on its largest nextContext (over local_comm);
// the two leaders swap theirs and their group's world ranks over peer_comm; each leader hands the larger
// context and the remote group to its group. Every member of both groups is at or below that context, so it is
// free for all of them, and they all move past it.
import * as abi from './abi.js';
import { agree, commName, RESERVED_TAG_BASE, registerComm, takeContext, waitAll } from './comm-functions.js';
import { bothGroups, peersOf, type Communicator } from './communicators.js';
import type { Datatype } from './datatypes/index.js';
import type { MpiPart, MpiRank } from './rank.js';

/** Leader-to-leader messages of MPI_Intercomm_create on peer_comm's collective context (+ the user tag's low bits). */
const TAG_INTERCOMM_LEADERS = RESERVED_TAG_BASE + 0x10000;

const OK = abi.MPI_SUCCESS;

function functions(rank: MpiRank) {
  const mem = rank.mem;
  const start = (fn: string, commH: number): Communicator | number => {
    rank.requireActive(fn);
    return rank.comm(fn, commH);
  };
  const notInter = (c: Communicator, fn: string) => rank.errors.raise(c.handle, fn, abi.MPI_ERR_COMM, `${commName(c)} is not an intercommunicator`);

  /** The leaders' exchange: sends [context, size, ...world ranks] of this group, returns the other group's. */
  const swapWithRemoteLeader = (fn: string, peer: Communicator, remoteLeader: number, tag: number, mine: number[]): number[] => {
    const int = rank.datatypes.resolve(abi.MPI_INT) as Datatype;
    const via: Communicator = { ...peer, context: peer.context + 1 };
    const other = peersOf(peer)[remoteLeader];
    const t = TAG_INTERCOMM_LEADERS + (tag & 0xffff);
    const what = () => `${fn} (leaders exchanging their groups over ${commName(peer)}, remote leader ${remoteLeader}, tag ${tag})`;
    return rank.withScratch(4 * (mine.length + 2), (buf) => {
      mine.forEach((v, i) => mem.setI32(buf + 4 * i, v));
      const head = buf + 4 * mine.length;
      const sends = [rank.p2p.send(via, other, t, buf, 2, int, 'standard', what), rank.p2p.send(via, other, t, buf + 8, mine.length - 2, int, 'standard', what)];
      const h = rank.p2p.recv(via, other, t, head, 2, int, what);
      waitAll(rank, [h], what);
      const n = mem.i32(head + 4);
      const ctx = mem.i32(head);
      const list = rank.withScratch(4 * Math.max(n, 1), (lbuf) => {
        const r = rank.p2p.recv(via, other, t, lbuf, n, int, what);
        waitAll(rank, [r, ...sends], what);
        if (r.status.error !== OK || r.status.bytes !== 4 * n) rank.fatal(fn, 'MPI_ERR_INTERN', 'the leaders disagree on the exchange of their groups');
        return Array.from({ length: n }, (_, i) => mem.i32(lbuf + 4 * i));
      });
      return [ctx, n, ...list];
    });
  };

  return {
    MPI_Intercomm_create: (localH: number, localLeader: number, peerH: number, remoteLeader: number, tag: number, newPtr: number) => {
      const fn = 'MPI_Intercomm_create';
      const local = start(fn, localH);
      if (typeof local === 'number') return local;
      if (local.remote) return rank.errors.raise(local.handle, fn, abi.MPI_ERR_COMM, `local_comm ${commName(local)} is an intercommunicator`);
      const n = local.worldRanks.length;
      if (localLeader < 0 || localLeader >= n) return rank.errors.raise(local.handle, fn, abi.MPI_ERR_RANK, `invalid local_leader ${localLeader} (local_comm has ${n} ranks)`);
      if (tag < 0 || tag > abi.TAG_UB_VALUE) return rank.errors.raise(local.handle, fn, abi.MPI_ERR_TAG, `invalid tag ${tag}`);
      mem.span(newPtr, 4, 'newintercomm');
      // The leader first, so agree() collects at the leader and its row comes back as row 0.
      const order = [...local.worldRanks.slice(localLeader), ...local.worldRanks.slice(0, localLeader)];
      const me = order.indexOf(rank.worldRank);
      const offers = agree(rank, fn, local, order, me, [rank.comms.nextContext]);
      const groupMax = Math.max(...offers.map((row) => row[0]));
      let remoteInfo: number[] = [];
      if (me === 0) {
        const peer = rank.comm(fn, peerH);
        if (typeof peer === 'number') return peer;
        const pn = peersOf(peer).length;
        if (remoteLeader < 0 || remoteLeader >= pn) return rank.errors.raise(peer.handle, fn, abi.MPI_ERR_RANK, `invalid remote_leader ${remoteLeader} (peer_comm ${commName(peer)} has ${pn} ranks)`);
        if (peersOf(peer)[remoteLeader] === rank.worldRank) return rank.errors.raise(peer.handle, fn, abi.MPI_ERR_RANK, 'remote_leader is this rank itself: the two groups must be disjoint');
        remoteInfo = swapWithRemoteLeader(fn, peer, remoteLeader, tag, [groupMax, n, ...local.worldRanks]);
        rank.callComm = local.handle;
      }
      const [ctxRow] = agree(rank, fn, local, order, me, me === 0 ? [Math.max(groupMax, remoteInfo[0]), remoteInfo[1]] : [0, 0]);
      const [ctx, remoteSize] = ctxRow;
      const [remoteRow] = agree(rank, fn, local, order, me, me === 0 ? remoteInfo.slice(2) : new Array<number>(remoteSize).fill(0));
      if (remoteRow.some((w) => local.worldRanks.includes(w))) {
        return rank.errors.raise(local.handle, fn, abi.MPI_ERR_COMM, 'the local and remote groups overlap');
      }
      rank.comms.nextContext = Math.max(rank.comms.nextContext, ctx + 2);
      const nc = registerComm(rank, fn, local, ctx, [...local.worldRanks], undefined, remoteRow);
      if (typeof nc === 'number') return nc;
      mem.setI32(newPtr, nc.handle);
      return OK;
    },

    MPI_Intercomm_merge: (interH: number, high: number, newPtr: number) => {
      const fn = 'MPI_Intercomm_merge';
      const c = start(fn, interH);
      if (typeof c === 'number') return c;
      if (!c.remote) return notInter(c, fn);
      mem.span(newPtr, 4, 'newintracomm');
      const { members, localFirst } = bothGroups(c);
      const table = agree(rank, fn, c, members, members.indexOf(rank.worldRank), [high ? 1 : 0, rank.comms.nextContext]);
      const ctx = takeContext(rank, table, 1);
      const nA = localFirst ? c.worldRanks.length : c.remote.length;
      const a = members.slice(0, nA), b = members.slice(nA);
      // The group that passed high = false comes first; with equal flags, the group with the lowest world rank.
      const highA = table[0][0] !== 0, highB = table[nA][0] !== 0;
      const worldRanks = highA && !highB ? [...b, ...a] : [...a, ...b];
      const nc = registerComm(rank, fn, c, ctx, worldRanks);
      if (typeof nc === 'number') return nc;
      mem.setI32(newPtr, nc.handle);
      return OK;
    },

    MPI_Comm_test_inter: (commH: number, flagPtr: number) => {
      const c = start('MPI_Comm_test_inter', commH);
      if (typeof c === 'number') return c;
      mem.setI32(flagPtr, c.remote ? 1 : 0);
      return OK;
    },
    MPI_Comm_remote_size: (commH: number, sizePtr: number) => {
      const fn = 'MPI_Comm_remote_size';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      if (!c.remote) return notInter(c, fn);
      mem.setI32(sizePtr, c.remote.length);
      return OK;
    },
    MPI_Comm_remote_group: (commH: number, groupPtr: number) => {
      const fn = 'MPI_Comm_remote_group';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      if (!c.remote) return notInter(c, fn);
      mem.span(groupPtr, 4, 'group');
      const g = rank.groups.create([...c.remote]);
      if (!g) return rank.errors.raise(c.handle, fn, abi.MPI_ERR_OTHER, 'too many groups');
      mem.setI32(groupPtr, g.handle);
      return OK;
    },
  };
}

export const intercommPart: MpiPart = { names: Object.keys(functions({} as MpiRank)), functions };
