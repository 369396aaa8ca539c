// The neighbourhood collectives (MPI-3.1 7.6) as one schedule: receive block i from in-neighbour i, send block j
// to out-neighbour j, in one round, over the communicator's collective context and sequence tag like every
// other collective (so they may be nonblocking and overlap). Messages between one pair of ranks match in the
// order both post them, so sends are posted in the order of the slots they arrive in: on a Cartesian topology the
// block sent towards -1 arrives in the neighbour's +1 slot (slot j ^ 1), which matters when both neighbours in
// a dimension are the same process (periodic, size 1 or 2); on a graph, in list order.
import * as abi from '../mpi/abi.js';
import type { Op } from '../mpi/p2p/engine.js';
import type { Block } from './algorithms.js';
import type { Coll, Schedule } from './schedule.js';

export interface Neighbours {
  /** In-neighbours by receive slot, out-neighbours by send slot (comm ranks or MPI_PROC_NULL). */
  sources: number[];
  destinations: number[];
  cart: boolean;
}

export function* exchange(c: Coll, nb: Neighbours, send: (j: number) => Block, recv: (i: number) => Block): Schedule {
  const round: Op[] = [];
  nb.sources.forEach((src, i) => {
    if (src === abi.MPI_PROC_NULL) return;
    const b = recv(i);
    round.push(c.recv(src, b.addr, b.count, b.type));
  });
  const order = nb.destinations.map((_, j) => j);
  if (nb.cart) order.sort((a, b) => (a ^ 1) - (b ^ 1));
  for (const j of order) {
    const dst = nb.destinations[j];
    if (dst === abi.MPI_PROC_NULL) continue;
    const b = send(j);
    round.push(c.send(dst, b.addr, b.count, b.type));
  }
  if (round.length > 0) yield round;
}
