// Merging the diffs of several hosts into one aggregate diff for the master and every replica.
// Bytes one host wrote are taken as written (overwrite). Bytes inside a registered merge region are merged
// element by element with the region's operation, hosts in the order given (so the result is deterministic),
// and the whole region goes into the aggregate. Bytes outside any region written by two or more hosts are a
// data race in the program: the first host in the order wins for exactly those bytes, and the range is
// reported; nothing outside the raced bytes is affected.
// The master's own changes are one of the diffs (diffed against the same base), usually the first.
import { ByteSink, FDiffError, RunSink, checkDiff, type FDiff } from './fdiff.js';
import { ELEMENT_SIZE, isMergeOp, isMergeType, mergeInto, type MergeOp, type MergeType } from './merge.js';

export interface MergeRegion {
  offset: number;
  length: number;
  type: MergeType;
  op: MergeOp;
}

export interface RaceReport {
  offset: number;
  length: number;
  /** Indexes (in the merge order) of the hosts that wrote these bytes; the first one's bytes were kept. */
  hosts: number[];
}

export interface MergeResult {
  /** Relative to the same base as the inputs; applied to the master and sent to every replica. */
  aggregate: FDiff;
  races: RaceReport[];
  /** Elements merged only approximately (see merge.ts: multiply/divide with no exact factor). */
  approximate: number;
}

function checkRegions(regions: MergeRegion[], memoryBytes: number): MergeRegion[] {
  const sorted = [...regions].sort((a, b) => a.offset - b.offset);
  let end = 0;
  for (const r of sorted) {
    if (!isMergeType(r.type)) throw new FDiffError(`merge region at ${r.offset}: unknown type '${r.type}'`);
    if (!isMergeOp(r.op)) throw new FDiffError(`merge region at ${r.offset}: unknown operation '${r.op}'`);
    if (!Number.isSafeInteger(r.offset) || !Number.isSafeInteger(r.length) || r.offset < 0 || r.length <= 0) throw new FDiffError(`merge region (${r.offset}, ${r.length}) is not a range of bytes`);
    if (r.offset + r.length > memoryBytes) throw new FDiffError(`merge region (${r.offset}, ${r.length}) is outside the ${memoryBytes}-byte memory`);
    if (r.length % ELEMENT_SIZE[r.type] !== 0) throw new FDiffError(`merge region (${r.offset}, ${r.length}) is not a whole number of ${r.type} elements`);
    if (r.offset < end) throw new FDiffError(`merge regions overlap at ${r.offset}`);
    end = r.offset + r.length;
  }
  return sorted;
}

/** base[from, from + len), reading zeros past its end (the memory grew). */
function baseSlice(base: Uint8Array, from: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  if (from < base.length) out.set(base.subarray(from, Math.min(from + len, base.length)));
  return out;
}

/** Index of the first run of `runs` that ends after `offset` (runs ascend). */
function firstRunEndingAfter(runs: Uint32Array, offset: number): number {
  let lo = 0, hi = runs.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (runs[2 * mid] + runs[2 * mid + 1] <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Where each run's bytes start in its diff's data. */
function dataStarts(d: FDiff): Float64Array {
  const starts = new Float64Array(d.runs.length / 2);
  let at = 0;
  for (let i = 0; i < starts.length; i++) { starts[i] = at; at += d.runs[2 * i + 1]; }
  return starts;
}

/**
 * Merge `diffs` (all relative to `base`, the master's synchronised copy) in the given order. Every diff is
 * checked first (they come from peers). Base versions must agree with `baseVersion`.
 */
export function mergeDiffs(base: Uint8Array, baseVersion: number, diffs: FDiff[], regions: MergeRegion[] = []): MergeResult {
  let memoryBytes = base.length;
  diffs.forEach((d, h) => {
    try {
      checkDiff(d);
    } catch (e) {
      throw new FDiffError(`diff of host ${h}: ${(e as Error).message}`);
    }
    if (d.baseVersion !== baseVersion) throw new FDiffError(`diff of host ${h} is against version ${d.baseVersion}, not the synchronised version ${baseVersion}`);
    memoryBytes = Math.max(memoryBytes, d.memoryBytes);
  });
  const sortedRegions = checkRegions(regions, memoryBytes);
  const starts = sortedRegions.length > 0 ? diffs.map(dataStarts) : [];

  // Merge regions first: A starts as the base and takes each touching host's change in order.
  let approximate = 0;
  const merged = sortedRegions.map((r) => {
    const b0 = baseSlice(base, r.offset, r.length);
    let a: Uint8Array | undefined;
    diffs.forEach((d, h) => {
      let i = firstRunEndingAfter(d.runs, r.offset);
      if (i * 2 >= d.runs.length || d.runs[2 * i] >= r.offset + r.length) return;
      const b1 = new Uint8Array(b0);
      for (; i * 2 < d.runs.length && d.runs[2 * i] < r.offset + r.length; i++) {
        const off = d.runs[2 * i], len = d.runs[2 * i + 1];
        const from = Math.max(off, r.offset), to = Math.min(off + len, r.offset + r.length);
        b1.set(d.data.subarray(starts[h][i] + from - off, starts[h][i] + to - off), from - r.offset);
      }
      a ??= new Uint8Array(b0);
      approximate += mergeInto(r.type, r.op, a, b0, b1);
    });
    return a;
  });

  // Sweep over all runs: segments [p, q) with a constant set of writing hosts.
  const sink = new RunSink();
  const data = new ByteSink();
  const races: RaceReport[] = [];
  const emitted = new Uint8Array(sortedRegions.length);
  const hosts = diffs.length;
  const runsOf = diffs.map((d) => d.runs);
  const idx = new Int32Array(hosts); // each host's current run
  const dataAt = new Float64Array(hosts); // where that run's bytes start in the host's data
  const covering = new Int32Array(hosts);
  let coverCount = 0;
  let r = 0;

  const emitPlain = (p: number, q: number) => {
    const h = covering[0];
    sink.add(p, q - p);
    data.push(diffs[h].data, dataAt[h] + p - runsOf[h][2 * idx[h]], q - p);
    if (coverCount > 1) {
      const who = Array.from(covering.subarray(0, coverCount));
      const last = races[races.length - 1];
      if (last && last.offset + last.length === p && last.hosts.join() === who.join()) last.length += q - p;
      else races.push({ offset: p, length: q - p, hosts: who });
    }
  };
  const handle = (p: number, q: number) => {
    while (p < q) {
      while (r < sortedRegions.length && sortedRegions[r].offset + sortedRegions[r].length <= p) r++;
      const region = sortedRegions[r];
      if (region && region.offset <= p) {
        if (!emitted[r]) {
          emitted[r] = 1;
          sink.add(region.offset, region.length);
          data.push(merged[r]!, 0, region.length);
        }
        p = Math.min(q, region.offset + region.length);
        continue;
      }
      const limit = region && region.offset < q ? region.offset : q;
      emitPlain(p, limit);
      p = limit;
    }
  };

  let p = 0;
  for (;;) {
    // Drop finished runs, find who covers p and the next boundary.
    coverCount = 0;
    let q = Infinity;
    for (let h = 0; h < hosts; h++) {
      const runs = runsOf[h];
      let i = idx[h];
      while (2 * i < runs.length && runs[2 * i] + runs[2 * i + 1] <= p) { dataAt[h] += runs[2 * i + 1]; i++; }
      idx[h] = i;
      if (2 * i >= runs.length) continue;
      const start = runs[2 * i], end = start + runs[2 * i + 1];
      if (start <= p) {
        covering[coverCount++] = h;
        if (end < q) q = end;
      } else if (start < q) q = start;
    }
    if (q === Infinity) break;
    if (coverCount > 0) handle(p, q);
    p = q;
  }
  const aggregate: FDiff = { memoryBytes, baseVersion, runs: sink.runs(), data: data.bytes() };
  return { aggregate, races, approximate };
}

/** One line per raced range, for -v. */
export function describeRaces(races: RaceReport[]): string[] {
  return races.map((x) => `data race: bytes ${x.offset}..${x.offset + x.length - 1} written by hosts ${x.hosts.join(', ')} outside any merge region; host ${x.hosts[0]}'s bytes kept`);
}
