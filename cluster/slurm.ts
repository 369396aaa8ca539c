// The Slurm allocation faasmpirun runs inside (salloc, sbatch): which nodes it holds and how many CPUs and tasks
// on each, read from the variables Slurm sets (SLURM_JOB_ID, SLURM_JOB_NODELIST, SLURM_JOB_CPUS_PER_NODE,
// SLURM_TASKS_PER_NODE). Pure parsing: the values come from the environment and are checked before use.
import { checkName } from './state/types.js';

export class SlurmError extends Error {}

export interface SlurmAllocation {
  jobId: string;
  /** Node names, in Slurm's order (the first is where the batch script runs). */
  nodes: string[];
  /** CPUs allocated on each node (same order). */
  cpus: number[];
  /** Tasks per node, when the allocation asked for tasks (-n, --ntasks-per-node). */
  tasks?: number[];
}

/** Most nodes a node list may name: bounds the work a hostile or mistyped list can ask for. */
const MAX_NODES = 65_536;

/** The allocation we are inside, or undefined when not inside one (no SLURM_JOB_ID). */
export function slurmAllocation(env: NodeJS.ProcessEnv = process.env): SlurmAllocation | undefined {
  const jobId = env.SLURM_JOB_ID ?? env.SLURM_JOBID;
  if (jobId === undefined) return undefined;
  if (!/^\d+$/.test(jobId)) throw new SlurmError(`SLURM_JOB_ID '${jobId}' is not a job number`);
  const list = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
  if (!list) throw new SlurmError('inside Slurm job ' + jobId + ' but SLURM_JOB_NODELIST is not set');
  const nodes = expandNodeList(list);
  const cpuList = env.SLURM_JOB_CPUS_PER_NODE;
  if (!cpuList) throw new SlurmError(`inside Slurm job ${jobId} but SLURM_JOB_CPUS_PER_NODE is not set`);
  const cpus = expandCounts('SLURM_JOB_CPUS_PER_NODE', cpuList, nodes.length);
  const taskList = env.SLURM_TASKS_PER_NODE;
  const tasks = taskList ? expandCounts('SLURM_TASKS_PER_NODE', taskList, nodes.length) : undefined;
  return { jobId, nodes, cpus, tasks };
}

/** Ranks each node takes at once: its CPUs, or its tasks when more were asked for. */
export function slotsOf(a: SlurmAllocation): number[] {
  return a.nodes.map((_, i) => Math.max(a.cpus[i], a.tasks?.[i] ?? 0, 1));
}

/** Slurm's compressed host list: "n[1-3,7],gpu[01-02]-a,login" (several bracket groups multiply). */
export function expandNodeList(list: string): string[] {
  const out: string[] = [];
  for (const item of splitTopLevel(list)) {
    let names = [''];
    for (const part of item.match(/\[[^\]]*\]|[^[\]]+/g) ?? []) {
      if (!part.startsWith('[')) {
        if (part.includes(']')) throw new SlurmError(`node list '${list}': unbalanced ']'`);
        names = names.map((n) => n + part);
        continue;
      }
      const suffixes = expandRanges(list, part.slice(1, -1));
      if (names.length * suffixes.length > MAX_NODES) throw new SlurmError(`node list '${list}' names more than ${MAX_NODES} nodes`);
      names = names.flatMap((n) => suffixes.map((s) => n + s));
    }
    out.push(...names);
    if (out.length > MAX_NODES) throw new SlurmError(`node list '${list}' names more than ${MAX_NODES} nodes`);
  }
  if (out.length === 0) throw new SlurmError(`node list '${list}' names no node`);
  for (const n of out) checkNodeName(n, list);
  if (new Set(out).size !== out.length) throw new SlurmError(`node list '${list}' names a node twice`);
  return out;
}

function checkNodeName(name: string, list: string): void {
  try {
    checkName('Slurm node name', name);
  } catch (e) {
    throw new SlurmError(`node list '${list}': ${(e as Error).message}`);
  }
}

/** Commas outside brackets separate items. */
function splitTopLevel(list: string): string[] {
  const items: string[] = [];
  let depth = 0, start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (depth < 0 || depth > 1) throw new SlurmError(`node list '${list}': unbalanced brackets`);
    if (c === ',' && depth === 0) {
      items.push(list.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new SlurmError(`node list '${list}': unbalanced brackets`);
  items.push(list.slice(start));
  if (items.some((s) => s.trim() === '')) throw new SlurmError(`node list '${list}' has an empty item`);
  return items.map((s) => s.trim());
}

/** "1-3,07,09-10" -> 1 2 3 07 09 10: a range keeps the zero padding of its first bound. */
function expandRanges(list: string, ranges: string): string[] {
  const out: string[] = [];
  for (const r of ranges.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(r.trim());
    if (!m) throw new SlurmError(`node list '${list}': '${r}' is not a number or range`);
    const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new SlurmError(`node list '${list}': range '${r}' runs backwards`);
    if (hi - lo + out.length >= MAX_NODES) throw new SlurmError(`node list '${list}' names more than ${MAX_NODES} nodes`);
    for (let k = lo; k <= hi; k++) out.push(String(k).padStart(m[1].length, '0'));
  }
  return out;
}

/** Slurm's run-length counts, "2(x3),1" -> 2 2 2 1, which must cover exactly `nodes` nodes. */
export function expandCounts(name: string, value: string, nodes: number): number[] {
  const out: number[] = [];
  for (const item of value.split(',')) {
    const m = /^(\d+)(?:\(x(\d+)\))?$/.exec(item.trim());
    if (!m) throw new SlurmError(`${name} '${value}': '${item}' is not a count such as 2 or 2(x3)`);
    const count = Number(m[1]), times = m[2] === undefined ? 1 : Number(m[2]);
    if (count < 1 || count > 1_000_000 || times < 1 || out.length + times > nodes) {
      throw new SlurmError(`${name} '${value}' does not fit the allocation's ${nodes} node(s)`);
    }
    for (let k = 0; k < times; k++) out.push(count);
  }
  if (out.length !== nodes) throw new SlurmError(`${name} '${value}' covers ${out.length} node(s); the allocation has ${nodes}`);
  return out;
}

/** What the launcher hands every task of the host step on its stdin (one JSON line): each task keeps its own node's part. */
export interface SlurmHostBundle {
  /** The job's cluster name (a fresh one per job). */
  cluster: string;
  /** The job's working directory: the hosts admit it. */
  workDir: string;
  /** The account the hosts run jobs as: the launcher's own. */
  runAs: string;
  /** The job's CA certificate (PEM). */
  ca: string;
  hosts: Record<string, { bind: string; slots: number; cores: number; cert: string; key: string }>;
}
