// Process topologies: Cartesian grids (MPI_Dims_create, MPI_Cart_*) and distributed graphs
// (MPI_Dist_graph_create_adjacent and queries), kept on the Communicator (comm.topology), and the neighbourhood
// collectives over either kind are schedules in collectives/neighbor.ts.
//
// Ranks are never reordered (the `reorder` argument is accepted and ignored): Cartesian rank r is parent rank r,
// coordinates in row-major order; ranks beyond the grid get MPI_COMM_NULL.
//
// Cartesian neighbours, in the standard's order, are for each dimension d the ranks at -1 and +1 (slots 2d and
// 2d + 1; MPI_PROC_NULL at the edge of a non-periodic dimension, whose buffer slot is left alone). The block a
// rank sends to its -1 neighbour arrives in that neighbour's +1 slot and vice versa, also when both are the same
// process (periodic dimensions of size 1 or 2): sends are posted in the order of the slots they arrive in. On a
// distributed graph the sends go to `destinations` in order and slot i receives from sources[i]; between the same two processes,
// messages pair up in list order.
import * as abi from './abi.js';
import { agree, commName, dup, split } from './comm-functions.js';
import type { Communicator, Topology } from './communicators.js';
import type { MpiPart, MpiRank } from './rank.js';

const OK = abi.MPI_SUCCESS;
type Cart = Extract<Topology, { kind: 'cart' }>;
type DistGraph = Extract<Topology, { kind: 'dist-graph' }>;

// ---- pure helpers ---------------------------------------------------------------------------------------------

/** Row-major coordinates of a Cartesian rank. */
export function cartCoords(dims: readonly number[], r: number): number[] {
  const coords = new Array<number>(dims.length);
  for (let i = dims.length - 1; i >= 0; i--) {
    coords[i] = r % dims[i];
    r = Math.floor(r / dims[i]);
  }
  return coords;
}

/** Row-major rank of in-range coordinates. */
export function cartRank(dims: readonly number[], coords: readonly number[]): number {
  let r = 0;
  for (let i = 0; i < dims.length; i++) r = r * dims[i] + coords[i];
  return r;
}

/** The rank `disp` steps from `r` along `dim`, or MPI_PROC_NULL off the edge of a non-periodic dimension. */
export function cartNeighbor(t: Cart, r: number, dim: number, disp: number): number {
  const coords = cartCoords(t.dims, r);
  let c = coords[dim] + disp;
  const n = t.dims[dim];
  if (c < 0 || c >= n) {
    if (!t.periods[dim]) return abi.MPI_PROC_NULL;
    c = ((c % n) + n) % n;
  }
  coords[dim] = c;
  return cartRank(t.dims, coords);
}

/**
 * MPI_Dims_create's choice for `free` dimensions whose product must be m: the most balanced factorisation
 * (smallest largest-minus-smallest, then smallest sum of squares), in non-increasing order.
 */
export function balancedFactors(m: number, free: number): number[] {
  if (free === 0) return [];
  if (free === 1) return [m];
  const divisors: number[] = [];
  for (let d = 1; d * d <= m; d++) {
    if (m % d === 0) {
      divisors.push(d);
      if (d * d !== m) divisors.push(m / d);
    }
  }
  divisors.sort((a, b) => a - b);
  let best: number[] | undefined;
  let bestScore: [number, number] = [Infinity, Infinity];
  let budget = 200_000;
  const chosen: number[] = [];
  // chosen is non-increasing; the next factor is at most the previous one and at least rest^(1/left).
  const search = (rest: number, left: number, max: number): void => {
    if (--budget < 0) return;
    if (left === 1) {
      if (rest > max) return;
      const all = [...chosen, rest];
      const score: [number, number] = [all[0] - rest, all.reduce((s, x) => s + x * x, 0)];
      if (score[0] < bestScore[0] || (score[0] === bestScore[0] && score[1] < bestScore[1])) {
        bestScore = score;
        best = all;
      }
      return;
    }
    for (let i = divisors.length - 1; i >= 0; i--) {
      const d = divisors[i];
      if (d > max || rest % d !== 0) continue;
      if (d ** left < rest) break; // d must be the largest of the remaining factors
      chosen.push(d);
      search(rest / d, left - 1, d);
      chosen.pop();
    }
  };
  search(m, free, m);
  if (best) return best;
  // Search too large: assign prime factors, largest first, to the currently smallest dimension.
  const dims = new Array<number>(free).fill(1);
  const primes: number[] = [];
  let x = m;
  for (let p = 2; p * p <= x; p++) while (x % p === 0) { primes.push(p); x /= p; }
  if (x > 1) primes.push(x);
  for (const p of primes.sort((a, b) => b - a)) {
    let i = 0;
    for (let j = 1; j < free; j++) if (dims[j] < dims[i]) i = j;
    dims[i] *= p;
  }
  return dims.sort((a, b) => b - a);
}

type Graph = Extract<Topology, { kind: 'graph' }>;
/** The neighbours of node r of an MPI_Graph_create graph, in edge order. */
export function graphNeighbors(t: Graph, r: number): number[] {
  return t.edges.slice(r === 0 ? 0 : t.index[r - 1], t.index[r]);
}

/** In- and out-neighbours (communicator ranks or MPI_PROC_NULL) in buffer-slot order (collectives/neighbor.ts). */
export function neighbors(c: Communicator): { sources: number[]; destinations: number[]; cart: boolean } | undefined {
  const t = c.topology;
  if (!t) return undefined;
  if (t.kind === 'dist-graph') return { sources: t.sources, destinations: t.destinations, cart: false };
  if (t.kind === 'graph') {
    const list = graphNeighbors(t, c.rank);
    return { sources: list, destinations: list, cart: false };
  }
  const list: number[] = [];
  for (let d = 0; d < t.dims.length; d++) list.push(cartNeighbor(t, c.rank, d, -1), cartNeighbor(t, c.rank, d, +1));
  return { sources: list, destinations: list, cart: true };
}

// ---- host functions -------------------------------------------------------------------------------------------

function functions(rank: MpiRank) {
  const mem = rank.mem;
  const ints = (ptr: number, n: number) => Array.from({ length: n }, (_, i) => mem.i32(ptr + 4 * i));
  const putInts = (ptr: number, values: readonly number[]) => values.forEach((v, i) => mem.setI32(ptr + 4 * i, v));
  const raise = (c: Communicator | number, fn: string, cls: number, problem: string) =>
    rank.errors.raise(typeof c === 'number' ? c : c.handle, fn, cls, problem);

  const start = (fn: string, commH: number): Communicator | number => {
    rank.requireActive(fn);
    return rank.comm(fn, commH);
  };
  const cartOf = (fn: string, commH: number): { c: Communicator; t: Cart } | number => {
    const c = start(fn, commH);
    if (typeof c === 'number') return c;
    if (c.topology?.kind !== 'cart') return raise(c, fn, abi.MPI_ERR_TOPOLOGY, `communicator ${commName(c)} has no Cartesian topology`);
    return { c, t: c.topology };
  };
  const graphOf = (fn: string, commH: number): { c: Communicator; t: DistGraph } | number => {
    const c = start(fn, commH);
    if (typeof c === 'number') return c;
    if (c.topology?.kind !== 'dist-graph') return raise(c, fn, abi.MPI_ERR_TOPOLOGY, `communicator ${commName(c)} has no distributed graph topology`);
    return { c, t: c.topology };
  };
  const graphTopo = (fn: string, commH: number): { c: Communicator; t: Graph } | number => {
    const c = start(fn, commH);
    if (typeof c === 'number') return c;
    if (c.topology?.kind !== 'graph') return raise(c, fn, abi.MPI_ERR_TOPOLOGY, `communicator ${commName(c)} has no graph topology`);
    return { c, t: c.topology };
  };
  const putComm = (ptr: number, c: Communicator | null) => mem.setI32(ptr, c ? c.handle : abi.MPI_COMM_NULL);

  return {
    MPI_Dims_create: (nnodes: number, ndims: number, dimsPtr: number) => {
      const fn = 'MPI_Dims_create';
      rank.requireActive(fn);
      const world = abi.MPI_COMM_WORLD;
      if (ndims < 0) return raise(world, fn, abi.MPI_ERR_DIMS, `invalid ndims ${ndims}`);
      if (nnodes < 1) return raise(world, fn, abi.MPI_ERR_ARG, `invalid nnodes ${nnodes}`);
      const dims = ints(dimsPtr, ndims);
      if (dims.some((d) => d < 0)) return raise(world, fn, abi.MPI_ERR_DIMS, `negative entry in dims (${dims.join(', ')})`);
      const fixed = dims.filter((d) => d > 0).reduce((p, d) => p * d, 1);
      const free = dims.filter((d) => d === 0).length;
      if (nnodes % fixed !== 0 || (free === 0 && fixed !== nnodes)) {
        return raise(world, fn, abi.MPI_ERR_DIMS, `${nnodes} nodes cannot fill dims (${dims.join(', ')})`);
      }
      const factors = balancedFactors(nnodes / fixed, free);
      let k = 0;
      putInts(dimsPtr, dims.map((d) => (d === 0 ? factors[k++] : d)));
      return OK;
    },
    MPI_Cart_create: (commH: number, ndims: number, dimsPtr: number, periodsPtr: number, _reorder: number, newPtr: number) => {
      const fn = 'MPI_Cart_create';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      if (ndims < 0) return raise(c, fn, abi.MPI_ERR_DIMS, `invalid ndims ${ndims}`);
      const dims = ints(dimsPtr, ndims);
      const periods = ints(periodsPtr, ndims).map((p) => p !== 0);
      if (dims.some((d) => d <= 0)) return raise(c, fn, abi.MPI_ERR_DIMS, `invalid dims (${dims.join(', ')})`);
      const cells = dims.reduce((p, d) => p * d, 1);
      if (cells > c.worldRanks.length) {
        return raise(c, fn, abi.MPI_ERR_TOPOLOGY, `a grid of ${cells} processes does not fit communicator ${commName(c)} of ${c.worldRanks.length}`);
      }
      const nc = split(rank, fn, c, c.rank < cells ? 0 : abi.MPI_UNDEFINED, c.rank, { topology: () => ({ kind: 'cart', dims, periods }) });
      if (typeof nc === 'number') return nc;
      putComm(newPtr, nc);
      return OK;
    },
    MPI_Cart_sub: (commH: number, remainPtr: number, newPtr: number) => {
      const fn = 'MPI_Cart_sub';
      const ct = cartOf(fn, commH);
      if (typeof ct === 'number') return ct;
      const { c, t } = ct;
      const remain = ints(remainPtr, t.dims.length).map((x) => x !== 0);
      const coords = cartCoords(t.dims, c.rank);
      const pick = (keep: boolean) => ({
        dims: t.dims.filter((_, i) => remain[i] === keep),
        coords: coords.filter((_, i) => remain[i] === keep),
        periods: t.periods.filter((_, i) => remain[i] === keep),
      });
      const kept = pick(true);
      const dropped = pick(false);
      const nc = split(rank, fn, c, cartRank(dropped.dims, dropped.coords), cartRank(kept.dims, kept.coords), {
        topology: () => ({ kind: 'cart', dims: kept.dims, periods: kept.periods }),
      });
      if (typeof nc === 'number') return nc;
      putComm(newPtr, nc);
      return OK;
    },
    MPI_Cartdim_get: (commH: number, ndimsPtr: number) => {
      const ct = cartOf('MPI_Cartdim_get', commH);
      if (typeof ct === 'number') return ct;
      mem.setI32(ndimsPtr, ct.t.dims.length);
      return OK;
    },
    MPI_Cart_get: (commH: number, maxdims: number, dimsPtr: number, periodsPtr: number, coordsPtr: number) => {
      const fn = 'MPI_Cart_get';
      const ct = cartOf(fn, commH);
      if (typeof ct === 'number') return ct;
      const { c, t } = ct;
      if (maxdims < 0) return raise(c, fn, abi.MPI_ERR_ARG, `invalid maxdims ${maxdims}`);
      const n = Math.min(maxdims, t.dims.length);
      putInts(dimsPtr, t.dims.slice(0, n));
      putInts(periodsPtr, t.periods.slice(0, n).map((p) => (p ? 1 : 0)));
      putInts(coordsPtr, cartCoords(t.dims, c.rank).slice(0, n));
      return OK;
    },
    MPI_Cart_rank: (commH: number, coordsPtr: number, rankPtr: number) => {
      const fn = 'MPI_Cart_rank';
      const ct = cartOf(fn, commH);
      if (typeof ct === 'number') return ct;
      const { c, t } = ct;
      const coords = ints(coordsPtr, t.dims.length);
      for (let i = 0; i < coords.length; i++) {
        const n = t.dims[i];
        if (coords[i] >= 0 && coords[i] < n) continue;
        if (!t.periods[i]) return raise(c, fn, abi.MPI_ERR_RANK, `coordinate ${coords[i]} outside non-periodic dimension ${i} of size ${n}`);
        coords[i] = ((coords[i] % n) + n) % n;
      }
      mem.setI32(rankPtr, cartRank(t.dims, coords));
      return OK;
    },
    MPI_Cart_coords: (commH: number, r: number, maxdims: number, coordsPtr: number) => {
      const fn = 'MPI_Cart_coords';
      const ct = cartOf(fn, commH);
      if (typeof ct === 'number') return ct;
      const { c, t } = ct;
      if (r < 0 || r >= c.worldRanks.length) return raise(c, fn, abi.MPI_ERR_RANK, `invalid rank ${r}`);
      if (maxdims < t.dims.length) return raise(c, fn, abi.MPI_ERR_ARG, `maxdims ${maxdims} is less than the ${t.dims.length} dimensions`);
      putInts(coordsPtr, cartCoords(t.dims, r));
      return OK;
    },
    MPI_Cart_shift: (commH: number, direction: number, disp: number, srcPtr: number, dstPtr: number) => {
      const fn = 'MPI_Cart_shift';
      const ct = cartOf(fn, commH);
      if (typeof ct === 'number') return ct;
      const { c, t } = ct;
      if (direction < 0 || direction >= t.dims.length) return raise(c, fn, abi.MPI_ERR_DIMS, `invalid direction ${direction}`);
      mem.setI32(srcPtr, cartNeighbor(t, c.rank, direction, -disp));
      mem.setI32(dstPtr, cartNeighbor(t, c.rank, direction, disp));
      return OK;
    },
    MPI_Topo_test: (commH: number, statusPtr: number) => {
      const c = start('MPI_Topo_test', commH);
      if (typeof c === 'number') return c;
      const kind = c.topology?.kind;
      mem.setI32(statusPtr, kind === 'cart' ? abi.MPI_CART : kind === 'dist-graph' ? abi.MPI_DIST_GRAPH : kind === 'graph' ? abi.MPI_GRAPH : abi.MPI_UNDEFINED);
      return OK;
    },
    MPI_Graph_create: (commH: number, nnodes: number, indexPtr: number, edgesPtr: number, _reorder: number, newPtr: number) => {
      const fn = 'MPI_Graph_create';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      if (c.remote) return raise(c, fn, abi.MPI_ERR_COMM, `${commName(c)} is an intercommunicator`);
      if (nnodes < 0 || nnodes > c.worldRanks.length) return raise(c, fn, abi.MPI_ERR_ARG, `invalid nnodes ${nnodes} (communicator ${commName(c)} has ${c.worldRanks.length} ranks)`);
      const index = ints(indexPtr, nnodes);
      if (index.some((v, i) => v < (i === 0 ? 0 : index[i - 1]))) return raise(c, fn, abi.MPI_ERR_ARG, `index must not decrease (${index.join(', ')})`);
      const edges = ints(edgesPtr, nnodes === 0 ? 0 : index[nnodes - 1]);
      const bad = edges.find((e) => e < 0 || e >= nnodes);
      if (bad !== undefined) return raise(c, fn, abi.MPI_ERR_RANK, `invalid edge to node ${bad} (the graph has ${nnodes} nodes)`);
      const nc = split(rank, fn, c, c.rank < nnodes ? 0 : abi.MPI_UNDEFINED, c.rank, { topology: () => ({ kind: 'graph', index, edges }) });
      if (typeof nc === 'number') return nc;
      putComm(newPtr, nc);
      return OK;
    },
    MPI_Graphdims_get: (commH: number, nnodesPtr: number, nedgesPtr: number) => {
      const g = graphTopo('MPI_Graphdims_get', commH);
      if (typeof g === 'number') return g;
      mem.setI32(nnodesPtr, g.t.index.length);
      mem.setI32(nedgesPtr, g.t.edges.length);
      return OK;
    },
    MPI_Graph_get: (commH: number, maxindex: number, maxedges: number, indexPtr: number, edgesPtr: number) => {
      const g = graphTopo('MPI_Graph_get', commH);
      if (typeof g === 'number') return g;
      putInts(indexPtr, g.t.index.slice(0, Math.max(0, maxindex)));
      putInts(edgesPtr, g.t.edges.slice(0, Math.max(0, maxedges)));
      return OK;
    },
    MPI_Graph_neighbors_count: (commH: number, r: number, nPtr: number) => {
      const fn = 'MPI_Graph_neighbors_count';
      const g = graphTopo(fn, commH);
      if (typeof g === 'number') return g;
      if (r < 0 || r >= g.t.index.length) return raise(g.c, fn, abi.MPI_ERR_RANK, `invalid rank ${r} (the graph has ${g.t.index.length} nodes)`);
      mem.setI32(nPtr, graphNeighbors(g.t, r).length);
      return OK;
    },
    MPI_Graph_neighbors: (commH: number, r: number, max: number, outPtr: number) => {
      const fn = 'MPI_Graph_neighbors';
      const g = graphTopo(fn, commH);
      if (typeof g === 'number') return g;
      if (r < 0 || r >= g.t.index.length) return raise(g.c, fn, abi.MPI_ERR_RANK, `invalid rank ${r} (the graph has ${g.t.index.length} nodes)`);
      putInts(outPtr, graphNeighbors(g.t, r).slice(0, Math.max(0, max)));
      return OK;
    },
    /** Ranks are never reordered: rank r keeps its place if the graph (grid) has a node r. */
    MPI_Graph_map: (commH: number, nnodes: number, _indexPtr: number, _edgesPtr: number, newrankPtr: number) => {
      const fn = 'MPI_Graph_map';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      if (nnodes < 1 || nnodes > c.worldRanks.length) return raise(c, fn, abi.MPI_ERR_ARG, `invalid nnodes ${nnodes}`);
      mem.setI32(newrankPtr, c.rank < nnodes ? c.rank : abi.MPI_UNDEFINED);
      return OK;
    },
    MPI_Cart_map: (commH: number, ndims: number, dimsPtr: number, _periodsPtr: number, newrankPtr: number) => {
      const fn = 'MPI_Cart_map';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      if (ndims < 0) return raise(c, fn, abi.MPI_ERR_DIMS, `invalid ndims ${ndims}`);
      const dims = ints(dimsPtr, ndims);
      if (dims.some((d) => d <= 0)) return raise(c, fn, abi.MPI_ERR_DIMS, `invalid dims (${dims.join(', ')})`);
      const cells = dims.reduce((p, d) => p * d, 1);
      if (cells > c.worldRanks.length) return raise(c, fn, abi.MPI_ERR_DIMS, `a grid of ${cells} processes does not fit communicator ${commName(c)}`);
      mem.setI32(newrankPtr, c.rank < cells ? c.rank : abi.MPI_UNDEFINED);
      return OK;
    },
    /**
     * The general form: each rank names edges of any nodes (n sources, degrees[i] destinations each). Every
     * rank learns every edge (two agreements over the communicator: counts, then the edges padded to the
     * longest list), and keeps those into and out of itself, in (naming rank, position) order.
     */
    MPI_Dist_graph_create: (commH: number, n: number, sourcesPtr: number, degreesPtr: number, destsPtr: number, weightsPtr: number,
      _info: number, _reorder: number, newPtr: number) => {
      const fn = 'MPI_Dist_graph_create';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      if (c.remote) return raise(c, fn, abi.MPI_ERR_COMM, `${commName(c)} is an intercommunicator`);
      if (n < 0) return raise(c, fn, abi.MPI_ERR_ARG, `invalid n ${n}`);
      const srcs = ints(sourcesPtr, n), degrees = ints(degreesPtr, n);
      if (degrees.some((d) => d < 0)) return raise(c, fn, abi.MPI_ERR_ARG, `negative degree in (${degrees.join(', ')})`);
      const total = degrees.reduce((a, b) => a + b, 0);
      const dsts = ints(destsPtr, total);
      const weighted = weightsPtr !== abi.MPI_UNWEIGHTED;
      const ws = weighted && weightsPtr !== abi.MPI_WEIGHTS_EMPTY ? ints(weightsPtr, total) : new Array<number>(total).fill(1);
      const size = c.worldRanks.length;
      const bad = [...srcs, ...dsts].find((r) => r < 0 || r >= size);
      if (bad !== undefined) return raise(c, fn, abi.MPI_ERR_RANK, `invalid rank ${bad} (communicator has ${size} ranks)`);
      const mine: number[] = [];
      let at = 0;
      srcs.forEach((s, i) => {
        for (let k = 0; k < degrees[i]; k++, at++) mine.push(s, dsts[at], ws[at]);
      });
      const counts = agree(rank, fn, c, c.worldRanks, c.rank, [total, weighted ? 1 : 0]);
      const longest = Math.max(...counts.map((row) => row[0]));
      const table = longest === 0 ? [] : agree(rank, fn, c, c.worldRanks, c.rank, [...mine, ...new Array<number>(3 * (longest - total)).fill(-1)]);
      const sources: number[] = [], destinations: number[] = [], sourceWeights: number[] = [], destWeights: number[] = [];
      table.forEach((row, p) => {
        for (let k = 0; k < counts[p][0]; k++) {
          const [s, d, w] = [row[3 * k], row[3 * k + 1], row[3 * k + 2]];
          if (d === c.rank) { sources.push(s); sourceWeights.push(w); }
          if (s === c.rank) { destinations.push(d); destWeights.push(w); }
        }
      });
      const anyWeighted = counts.some((row) => row[1] === 1);
      const topology: Topology = anyWeighted
        ? { kind: 'dist-graph', sources, destinations, sourceWeights, destWeights }
        : { kind: 'dist-graph', sources, destinations };
      const nc = dup(rank, fn, c, topology);
      if (typeof nc === 'number') return nc;
      putComm(newPtr, nc);
      return OK;
    },
    MPI_Dist_graph_create_adjacent: (commH: number, indegree: number, sourcesPtr: number, sourceWeightsPtr: number,
      outdegree: number, destsPtr: number, destWeightsPtr: number, _info: number, _reorder: number, newPtr: number) => {
      const fn = 'MPI_Dist_graph_create_adjacent';
      const c = start(fn, commH);
      if (typeof c === 'number') return c;
      if (indegree < 0 || outdegree < 0) return raise(c, fn, abi.MPI_ERR_ARG, `invalid degree (in ${indegree}, out ${outdegree})`);
      const sources = ints(sourcesPtr, indegree);
      const destinations = ints(destsPtr, outdegree);
      const size = c.worldRanks.length;
      const bad = [...sources, ...destinations].find((r) => r < 0 || r >= size);
      if (bad !== undefined) return raise(c, fn, abi.MPI_ERR_RANK, `invalid neighbour rank ${bad} (communicator has ${size} ranks)`);
      const weighted = sourceWeightsPtr !== abi.MPI_UNWEIGHTED && destWeightsPtr !== abi.MPI_UNWEIGHTED;
      const weights = (ptr: number, n: number) => (ptr === abi.MPI_WEIGHTS_EMPTY || n === 0 ? [] : ints(ptr, n));
      const topology: Topology = weighted
        ? { kind: 'dist-graph', sources, destinations, sourceWeights: weights(sourceWeightsPtr, indegree), destWeights: weights(destWeightsPtr, outdegree) }
        : { kind: 'dist-graph', sources, destinations };
      const nc = dup(rank, fn, c, topology);
      if (typeof nc === 'number') return nc;
      putComm(newPtr, nc);
      return OK;
    },
    MPI_Dist_graph_neighbors_count: (commH: number, inPtr: number, outPtr: number, weightedPtr: number) => {
      const g = graphOf('MPI_Dist_graph_neighbors_count', commH);
      if (typeof g === 'number') return g;
      mem.setI32(inPtr, g.t.sources.length);
      mem.setI32(outPtr, g.t.destinations.length);
      mem.setI32(weightedPtr, g.t.sourceWeights ? 1 : 0);
      return OK;
    },
    MPI_Dist_graph_neighbors: (commH: number, maxin: number, sourcesPtr: number, sourceWeightsPtr: number,
      maxout: number, destsPtr: number, destWeightsPtr: number) => {
      const fn = 'MPI_Dist_graph_neighbors';
      const g = graphOf(fn, commH);
      if (typeof g === 'number') return g;
      const { c, t } = g;
      if (maxin < 0 || maxout < 0) return raise(c, fn, abi.MPI_ERR_ARG, `invalid maxindegree ${maxin} / maxoutdegree ${maxout}`);
      const ni = Math.min(maxin, t.sources.length);
      const no = Math.min(maxout, t.destinations.length);
      putInts(sourcesPtr, t.sources.slice(0, ni));
      putInts(destsPtr, t.destinations.slice(0, no));
      const writable = (p: number) => p !== abi.MPI_UNWEIGHTED && p !== abi.MPI_WEIGHTS_EMPTY && p !== 0;
      if (t.sourceWeights && writable(sourceWeightsPtr)) putInts(sourceWeightsPtr, t.sourceWeights.slice(0, ni));
      if (t.destWeights && writable(destWeightsPtr)) putInts(destWeightsPtr, t.destWeights.slice(0, no));
      return OK;
    },
  };
}

export const topologyPart: MpiPart = { names: Object.keys(functions({} as MpiRank)), functions };
