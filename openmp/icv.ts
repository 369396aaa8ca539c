// OpenMP internal control variables: initial values from the environment (OMP_*), and the per-task data
// environment a team's threads inherit from the thread that forked it.
import { OmpError } from './errors.js';
import { availableParallelism } from 'node:os';
import { MAX_LEVELS } from './layout.js';

/** Schedule kinds as omp_sched_t numbers them. */
export const enum Sched { static = 1, dynamic = 2, guided = 3, auto = 4 }
export const SCHED_MONOTONIC = 0x80000000 | 0;

/** The ICVs that belong to one task's data environment (inherited by a team's implicit tasks). */
export interface DataEnv {
  /** nthreads-var: one entry per nesting level, from the current level down. */
  nthreads: number[];
  dynamic: boolean;
  runSched: number;
  runChunk: number;
}

/** ICVs with one value per process (device). */
export interface GlobalIcvs {
  maxActiveLevels: number;
  threadLimit: number;
  stackSize: number;
  cancellation: boolean;
  procs: number;
}


export function initialIcvs(env: Map<string, string>): { data: DataEnv; global: GlobalIcvs } {
  const procs = availableParallelism();
  const list = parseNumThreads(env.get('OMP_NUM_THREADS')) ?? [procs];
  const [runSched, runChunk] = parseSchedule(env.get('OMP_SCHEDULE')) ?? [Sched.static, 0];
  const nested = parseBool('OMP_NESTED', env.get('OMP_NESTED'));
  let maxActiveLevels = list.length > 1 ? list.length : nested ? MAX_LEVELS : 1;
  const mal = env.get('OMP_MAX_ACTIVE_LEVELS');
  if (mal !== undefined) maxActiveLevels = Math.min(positiveInt('OMP_MAX_ACTIVE_LEVELS', mal, true), MAX_LEVELS);
  const limit = env.get('OMP_THREAD_LIMIT');
  return {
    data: { nthreads: list, dynamic: parseBool('OMP_DYNAMIC', env.get('OMP_DYNAMIC')) ?? false, runSched, runChunk },
    global: {
      maxActiveLevels,
      threadLimit: limit === undefined ? 0x7fffffff : positiveInt('OMP_THREAD_LIMIT', limit),
      stackSize: parseStackSize(env.get('OMP_STACKSIZE')) ?? 2 << 20,
      cancellation: parseBool('OMP_CANCELLATION', env.get('OMP_CANCELLATION')) ?? false,
      procs,
    },
  };
}

/** The data environment of the implicit tasks of a new team (nthreads-var moves down one level). */
export function childEnv(parent: DataEnv): DataEnv {
  return { ...parent, nthreads: parent.nthreads.length > 1 ? parent.nthreads.slice(1) : parent.nthreads };
}

function positiveInt(name: string, value: string, allowZero = false): number {
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new OmpError(`${name}=${value}: expected a ${allowZero ? 'non-negative' : 'positive'} integer`);
  return n;
}

function parseNumThreads(value: string | undefined): number[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value.split(',').map((v) => positiveInt('OMP_NUM_THREADS', v)).slice(0, MAX_LEVELS);
}

function parseBool(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new OmpError(`${name}=${value}: expected true or false`);
}

/** OMP_SCHEDULE: "[modifier:]kind[,chunk]". */
export function parseSchedule(value: string | undefined): [number, number] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const m = /^\s*(?:(monotonic|nonmonotonic)\s*:)?\s*(static|dynamic|guided|auto)\s*(?:,\s*(\d+))?\s*$/i.exec(value);
  if (!m) throw new OmpError(`OMP_SCHEDULE=${value}: expected [monotonic:|nonmonotonic:]static|dynamic|guided|auto[,chunk]`);
  const kind = { static: Sched.static, dynamic: Sched.dynamic, guided: Sched.guided, auto: Sched.auto }[m[2].toLowerCase() as 'static'];
  const chunk = m[3] === undefined ? 0 : positiveInt('OMP_SCHEDULE chunk', m[3]);
  return [m[1]?.toLowerCase() === 'monotonic' ? kind | SCHED_MONOTONIC : kind, chunk];
}

/** OMP_STACKSIZE: "size[B|K|M|G]", kilobytes when no unit is given. */
function parseStackSize(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const m = /^\s*(\d+)\s*([bkmg])?\s*$/i.exec(value);
  if (!m) throw new OmpError(`OMP_STACKSIZE=${value}: expected a size such as 512K or 4M`);
  const unit = { b: 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 }[(m[2] ?? 'k').toLowerCase() as 'k'];
  const bytes = Number(m[1]) * unit;
  if (bytes < 16 << 10 || bytes > 1 << 30) throw new OmpError(`OMP_STACKSIZE=${value}: must be between 16K and 1G`);
  return Math.ceil(bytes / 16) * 16;
}
