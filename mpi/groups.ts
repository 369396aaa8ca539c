// MPI groups: ordered sets of processes, kept as the world ranks of their members. Handles are per rank:
// MPI_GROUP_EMPTY is predefined, the others are 0x88000000 | slot. Groups are local objects (no messages).
//
// Host functions (groupPart): MPI_Comm_group, MPI_Group_size/rank, MPI_Group_incl/excl, MPI_Group_range_incl/excl,
// MPI_Group_union/intersection/difference, MPI_Group_translate_ranks, MPI_Group_compare, MPI_Group_free.
import * as abi from './abi.js';
import { compareMembers, type Group } from './group-table.js';
import type { MpiPart, MpiRank } from './rank.js';

/** The ranks named by MPI_Group_range_incl/excl triplets, or a problem. */
function expandRanges(ranges: number[][], size: number): number[] | string {
  const out: number[] = [];
  const seen = new Set<number>();
  for (const [first, last, stride] of ranges) {
    if (stride === 0) return `range (${first}, ${last}, ${stride}) has stride 0`;
    if (first < 0 || first >= size) return `range (${first}, ${last}, ${stride}): rank ${first} not in a group of ${size}`;
    if (last < 0 || last >= size) return `range (${first}, ${last}, ${stride}): rank ${last} not in a group of ${size}`;
    if ((stride > 0 && first > last) || (stride < 0 && first < last)) continue; // empty range
    for (let r = first; stride > 0 ? r <= last : r >= last; r += stride) {
      if (seen.has(r)) return `rank ${r} appears in more than one range`;
      seen.add(r);
      out.push(r);
    }
  }
  return out;
}

function functions(rank: MpiRank) {
  const mem = rank.mem;
  const world = abi.MPI_COMM_WORLD;
  const raise = (fn: string, cls: number, problem: string) => rank.errors.raise(world, fn, cls, problem);
  const hex = (h: number) => `0x${(h >>> 0).toString(16)}`;

  const group = (fn: string, handle: number): Group | number => {
    rank.requireActive(fn);
    const g = rank.groups.get(handle);
    if (g) return g;
    return raise(fn, abi.MPI_ERR_GROUP, (handle >>> 0) === abi.MPI_GROUP_NULL ? 'group is MPI_GROUP_NULL' : `invalid group ${hex(handle)}`);
  };

  /** Stores a new group in *ptr. */
  const put = (fn: string, ptr: number, worldRanks: number[]) => {
    const g = rank.groups.create(worldRanks);
    if (!g) return raise(fn, abi.MPI_ERR_OTHER, 'too many groups');
    mem.setI32(ptr, g.handle);
    return abi.MPI_SUCCESS;
  };

  const ints = (ptr: number, n: number) => Array.from({ length: n }, (_, i) => mem.i32(ptr + 4 * i));

  /** Checks that `ranks` are distinct valid ranks of g; returns a problem or undefined. */
  const checkRanks = (g: Group, ranks: number[]): string | undefined => {
    const seen = new Set<number>();
    for (const r of ranks) {
      if (r < 0 || r >= g.worldRanks.length) return `rank ${r} not in a group of ${g.worldRanks.length}`;
      if (seen.has(r)) return `rank ${r} given twice`;
      seen.add(r);
    }
    return undefined;
  };

  /** Group_incl/excl arguments: the group and its n listed ranks (distinct, valid), or the error raised. */
  const listedRanks = (fn: string, h: number, n: number, ranksPtr: number): [Group, number[]] | number => {
    const g = group(fn, h);
    if (typeof g === 'number') return g;
    if (n < 0 || n > g.worldRanks.length) return raise(fn, abi.MPI_ERR_ARG, `invalid n ${n}`);
    const ranks = ints(ranksPtr, n);
    const problem = checkRanks(g, ranks);
    return problem ? raise(fn, abi.MPI_ERR_RANK, problem) : [g, ranks];
  };

  const setOp = (fn: string, op: (a: number[], b: number[]) => number[]) => (h1: number, h2: number, newPtr: number) => {
    const g1 = group(fn, h1);
    if (typeof g1 === 'number') return g1;
    const g2 = group(fn, h2);
    if (typeof g2 === 'number') return g2;
    return put(fn, newPtr, op(g1.worldRanks, g2.worldRanks));
  };

  return {
    MPI_Comm_group: (commH: number, groupPtr: number) => {
      const fn = 'MPI_Comm_group';
      rank.requireActive(fn);
      const c = rank.comm(fn, commH);
      if (typeof c === 'number') return c;
      return put(fn, groupPtr, [...c.worldRanks]);
    },
    MPI_Group_size: (h: number, sizePtr: number) => {
      const g = group('MPI_Group_size', h);
      if (typeof g === 'number') return g;
      mem.setI32(sizePtr, g.worldRanks.length);
      return abi.MPI_SUCCESS;
    },
    MPI_Group_rank: (h: number, rankPtr: number) => {
      const g = group('MPI_Group_rank', h);
      if (typeof g === 'number') return g;
      const r = g.worldRanks.indexOf(rank.worldRank);
      mem.setI32(rankPtr, r < 0 ? abi.MPI_UNDEFINED : r);
      return abi.MPI_SUCCESS;
    },
    MPI_Group_incl: (h: number, n: number, ranksPtr: number, newPtr: number) => {
      const fn = 'MPI_Group_incl';
      const listed = listedRanks(fn, h, n, ranksPtr);
      if (typeof listed === 'number') return listed;
      const [g, ranks] = listed;
      return put(fn, newPtr, ranks.map((r) => g.worldRanks[r]));
    },
    MPI_Group_excl: (h: number, n: number, ranksPtr: number, newPtr: number) => {
      const fn = 'MPI_Group_excl';
      const listed = listedRanks(fn, h, n, ranksPtr);
      if (typeof listed === 'number') return listed;
      const [g, ranks] = listed;
      const out = new Set(ranks);
      return put(fn, newPtr, g.worldRanks.filter((_, r) => !out.has(r)));
    },
    MPI_Group_range_incl: (h: number, n: number, rangesPtr: number, newPtr: number) => {
      const fn = 'MPI_Group_range_incl';
      const g = group(fn, h);
      if (typeof g === 'number') return g;
      if (n < 0) return raise(fn, abi.MPI_ERR_ARG, `invalid n ${n}`);
      const ranks = expandRanges(Array.from({ length: n }, (_, i) => ints(rangesPtr + 12 * i, 3)), g.worldRanks.length);
      if (typeof ranks === 'string') return raise(fn, abi.MPI_ERR_RANK, ranks);
      return put(fn, newPtr, ranks.map((r) => g.worldRanks[r]));
    },
    MPI_Group_range_excl: (h: number, n: number, rangesPtr: number, newPtr: number) => {
      const fn = 'MPI_Group_range_excl';
      const g = group(fn, h);
      if (typeof g === 'number') return g;
      if (n < 0) return raise(fn, abi.MPI_ERR_ARG, `invalid n ${n}`);
      const ranks = expandRanges(Array.from({ length: n }, (_, i) => ints(rangesPtr + 12 * i, 3)), g.worldRanks.length);
      if (typeof ranks === 'string') return raise(fn, abi.MPI_ERR_RANK, ranks);
      const out = new Set(ranks);
      return put(fn, newPtr, g.worldRanks.filter((_, r) => !out.has(r)));
    },
    MPI_Group_union: setOp('MPI_Group_union', (a, b) => {
      const inA = new Set(a);
      return [...a, ...b.filter((w) => !inA.has(w))];
    }),
    MPI_Group_intersection: setOp('MPI_Group_intersection', (a, b) => {
      const inB = new Set(b);
      return a.filter((w) => inB.has(w));
    }),
    MPI_Group_difference: setOp('MPI_Group_difference', (a, b) => {
      const inB = new Set(b);
      return a.filter((w) => !inB.has(w));
    }),
    MPI_Group_translate_ranks: (h1: number, n: number, ranks1Ptr: number, h2: number, ranks2Ptr: number) => {
      const fn = 'MPI_Group_translate_ranks';
      const g1 = group(fn, h1);
      if (typeof g1 === 'number') return g1;
      const g2 = group(fn, h2);
      if (typeof g2 === 'number') return g2;
      if (n < 0) return raise(fn, abi.MPI_ERR_ARG, `invalid n ${n}`);
      const ranks = ints(ranks1Ptr, n);
      for (const r of ranks) {
        if (r !== abi.MPI_PROC_NULL && (r < 0 || r >= g1.worldRanks.length)) {
          return raise(fn, abi.MPI_ERR_RANK, `rank ${r} not in a group of ${g1.worldRanks.length}`);
        }
      }
      const where = new Map(g2.worldRanks.map((w, i) => [w, i]));
      ranks.forEach((r, i) => {
        const out = r === abi.MPI_PROC_NULL ? abi.MPI_PROC_NULL : where.get(g1.worldRanks[r]) ?? abi.MPI_UNDEFINED;
        mem.setI32(ranks2Ptr + 4 * i, out);
      });
      return abi.MPI_SUCCESS;
    },
    MPI_Group_compare: (h1: number, h2: number, resultPtr: number) => {
      const fn = 'MPI_Group_compare';
      const g1 = group(fn, h1);
      if (typeof g1 === 'number') return g1;
      const g2 = group(fn, h2);
      if (typeof g2 === 'number') return g2;
      mem.setI32(resultPtr, compareMembers(g1.worldRanks, g2.worldRanks));
      return abi.MPI_SUCCESS;
    },
    MPI_Group_free: (groupPtr: number) => {
      const fn = 'MPI_Group_free';
      const h = mem.i32(groupPtr);
      const g = group(fn, h);
      if (typeof g === 'number') return g;
      rank.groups.free(h);
      mem.setI32(groupPtr, abi.MPI_GROUP_NULL);
      return abi.MPI_SUCCESS;
    },
  };
}

export const groupPart: MpiPart = { names: Object.keys(functions({} as MpiRank)), functions };
