// What one thread knows about the team it is in at one nesting level: the implicit task it runs.
import type { DataEnv } from './icv.js';
import type { LoopState } from './loops.js';

export interface Frame {
  /** Team slot in the process state; -1 for a team of one (serialised region, or outside any region). */
  team: number;
  /** The team's shared words (undefined for a team of one). */
  words: Int32Array | undefined;
  tnum: number;
  nthreads: number;
  level: number;
  activeLevel: number;
  /** Thread number and team size at each level 1..level (index level-1). */
  ancestorTnum: number[];
  ancestorSize: number[];
  env: DataEnv;
  /** The data environment of teams this frame forks (made once per env). */
  childEnv: DataEnv | undefined;
  /** Ancestors of teams this frame forks (its own plus this level's), made once. */
  childAncestors: { tnums: number[]; sizes: number[] } | undefined;
  /** Worksharing constructs met so far in this region (all threads meet them in the same order). */
  singles: number;
  loops: number;
  loop: LoopState | undefined;
  /** Guest address of this implicit task's task header (its children are counted there). */
  implicitTask: number;
  /** Threads of the team on this host: below nthreads in a team spread over hosts (openmp/spread/). */
  local: number;
}

/**
 * Every frame is made here, with all its fields in one order: V8 then gives all frames one hidden class, and
 * the runtime's optimised code (made during the warm-up, on the warm-up's frames) stays valid for the job's.
 */
export function makeFrame(
  team: number, words: Int32Array | undefined, tnum: number, nthreads: number, level: number, activeLevel: number,
  ancestorTnum: number[], ancestorSize: number[], env: DataEnv, singles: number, loops: number, implicitTask: number,
  local = nthreads,
): Frame {
  return {
    team, words, tnum, nthreads, level, activeLevel, ancestorTnum, ancestorSize, env, childEnv: undefined,
    childAncestors: undefined, singles, loops, loop: undefined, implicitTask, local,
  };
}
