// A reduction across hosts, exactly as on one host: thread 0 combines every thread's private data into its own
// with the program's reduce function in thread order 1, 2, ..., n-1 (thread.ts reduce/reduceNowait do the
// same on one host), so floating-point results are bit-identical to the one-host run. A spread team first
// synchronises memory (each host's private copies travel in its diff) and each host names the reduce-data
// pointer of each of its threads; this module puts those pointers in thread order, checking that every thread
// is named exactly once, by the host that runs it.
import { OmpError } from '../errors.js';
import type { HostBlock } from './layout.js';

export function reduceDataInOrder(
  nthreads: number,
  blocks: readonly HostBlock[],
  fromHost: ReadonlyMap<string, readonly { tnum: number; data: number }[]>,
  memoryBytes: number,
): number[] {
  const out = new Array<number>(nthreads).fill(-1);
  for (const b of blocks) {
    const list = fromHost.get(b.host);
    if (!list) throw new OmpError(`host ${b.host} sent no reduction data for threads ${b.first}-${b.first + b.count - 1}`);
    for (const { tnum, data } of list) {
      if (tnum < b.first || tnum >= b.first + b.count) throw new OmpError(`host ${b.host} sent reduction data for thread ${tnum}, which it does not run`);
      if (out[tnum] !== -1) throw new OmpError(`host ${b.host} sent reduction data for thread ${tnum} twice`);
      if (!Number.isInteger(data) || data <= 0 || data >= memoryBytes) throw new OmpError(`host ${b.host} sent a reduction data address ${data} outside the memory`);
      out[tnum] = data;
    }
  }
  const missing = out.findIndex((d) => d === -1);
  if (missing >= 0) throw new OmpError(`no reduction data for thread ${missing}`);
  return out;
}

/** Thread 0's combination, in thread order (the one-host order). */
export function combineInOrder(data: readonly number[], combine: (lhs: number, rhs: number) => void): void {
  for (let t = 1; t < data.length; t++) combine(data[0], data[t]);
}
