// faasmpirun's command line, in mpirun's style: options first, then the program and its arguments.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HostSpecError, parseHostList, readHostfile, type HostSpec } from './host-spec.js';

export interface RunOptions {
  np: number;
  program: string;
  programArgs: string[];
  /** VAR (forward from our environment) or VAR=value. */
  exports: string[];
  tagOutput: boolean;
  workDir: string;
  /** Whether --wdir was given (on a cluster, without it a job runs in its user's directory on each host). */
  workDirGiven: boolean;
  useSnapshots: boolean;
  /** Which rank reads faasmpirun's stdin: one rank, every rank (a copy each), or none. */
  stdin: number | 'all' | 'none';
  verbose: boolean;
  deadlockTimeoutMs: number;
  /** --pack-at-barrier K: move the ranks into fresh Faaslets at the K-th all-rank MPI_Barrier (-fmigrate modules). */
  packAtBarrier?: number;
  /** --no-migrate: the job opts out of moves (operators' requests are refused). */
  noMigrate?: boolean;
  /** Longest the program's constructors may run while its snapshot is prepared. */
  initTimeoutMs?: number;
  /** Most bytes of wasm memory the job's ranks may hold together (--max-memory). */
  maxMemoryBytes?: number;
  cluster: ClusterOptions;
  // --- mpirun's habits ---
  /** End the job after this long (--timeout S or MPIEXEC_TIMEOUT). */
  timeoutMs?: number;
  /** Each rank's output in DIR/1/rank.N/stdout and stderr (--output-filename). */
  outputDir?: string;
  /** Ranks' stderr goes where their stdout goes (--merge-stderr-to-stdout). */
  mergeStderr: boolean;
  /** Print which host runs each rank before the job starts (--display-map). */
  displayMap: boolean;
  /** Print the version and stop (-V). */
  showVersion: boolean;
  /** Whether -np was given (-N K without it means K ranks on every host). */
  npGiven: boolean;
  /** One line each, printed before the job: options accepted but not applicable here. */
  notes: string[];
  /** MPMD (`-np 1 a.wasm : -np 3 b.wasm`): each program and its ranks, in rank order; np is their sum. */
  apps?: { np: number; program: string; programArgs: string[] }[];
}

/** Where the job runs when not on this process's own host runtime. */
export interface ClusterOptions {
  /** Host runtimes to run on, with the slots mpirun's host syntax gives them (-H, --hostfile). */
  hosts: HostSpec[];
  /** At most this many ranks on each host (-N/--npernode/-ppn). */
  perNode?: number;
  /** Fail at once when the job does not fit in the free slots, instead of waiting in the queue (--no-queue). */
  noQueue?: boolean;
  /** Input files sent to every host of the job, into its working directory there (--preload). */
  preload: string[];
  /** Start this many host runtimes on this machine for the job (--local-hosts). */
  localHosts: number;
  /** OpenMP teams may have threads on the job's other hosts (--omp-spread). */
  ompSpread?: boolean;
  /** The cluster's shared state: its live hosts are used when no --hosts are given. */
  redis?: string;
  name: string;
  policy?: 'pack' | 'spread';
  /** Exactly this many hosts (--nhosts). */
  nhosts?: number;
  user?: string;
  /** The launcher's credentials: a directory (ca.pem, cert.pem, key.pem) or single files. */
  credentials?: string;
  cert?: string;
  key?: string;
  ca?: string;
  /** Wait for this many live hosts before placing (--wait-hosts, with --redis). */
  waitHosts?: number;
  /** Longest wait for hosts: --wait-hosts, or the hosts started in a Slurm allocation (--wait-timeout). */
  waitTimeoutMs?: number;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage: faasmpirun [options] program.wasm [args...]
  -np N, -n N         run N ranks (default 1)
  -x VAR[=VALUE]      forward VAR (or set it) in every rank; OMP_* variables are forwarded by default
  --tag-output        prefix every output line with [rank]
  --wdir DIR          the program's working directory and sandbox root (default: the current directory; on
                      a cluster, your directory on each host; other directories only where hosts admit them)
  --no-snapshot       run constructors in every rank instead of starting ranks from a snapshot
  --stdin N|all|none  which rank reads faasmpirun's stdin: rank N (default 0), every rank (each reads its own
                      copy), or none
  --deadlock-timeout S  end the job with a report when every running rank has waited in MPI for S seconds
                      with nothing in flight (default 5)
  --pack-at-barrier K move every rank into a fresh Faaslet at the K-th MPI_Barrier over all ranks (or the
                      next one at which every rank can be captured; -v says why not); needs faasmpicc -fmigrate
  --no-migrate        the job's ranks are never moved between hosts (faasmpi migrate requests are refused);
                      without it, a job on several hosts built with -fmigrate moves when its owner asks
  --init-timeout S    stop the job when the program's constructors run longer than S seconds (default 60)
  --max-memory SIZE   most memory the job's ranks may use together, e.g. 512M or 2G (a rank over its share
                      ends the job with a message); default: the host's limit, if any
  -v, --verbose       say how ranks were started (snapshot or fresh, and why)
 on several hosts (your user certificate: --credentials DIR, or FAASMPI_CREDENTIALS, or --cert/--key/--ca):
  -H, --host, --hosts H[:SLOTS][@PORT],...   run on these host runtimes ('faasmpi host'), with at most SLOTS
                      ranks on each; the port is 7650 unless given after '@'
  --hostfile FILE     the same, one host a line: 'node1 slots=4 max_slots=8 port=7651' (Open MPI) or 'node1:4'
                      (Hydra); '#' starts a comment
  --redis URL         run on the live hosts registered in this Redis (when no --hosts are given)
  --cluster NAME      the cluster's name (default: default)
  --local-hosts K     start K host runtimes on this machine (loopback) for this job, and stop them after
  --omp-spread        let a rank's OpenMP teams use threads on the job's other hosts too (OMP_NUM_THREADS
                      split evenly over the hosts; -v prints each team's layout); needs several hosts
  --policy pack|spread  place ranks on as few hosts as possible (default) or evenly (default with --local-hosts)
  --nhosts N          use exactly N hosts
  --preload F[,F...]  send these input files to every host of the job, into the job's working directory there
                      (no shared filesystem needed; the program itself always travels)
  --no-queue          fail at once when the job does not fit in the free slots now (default: wait in the
                      cluster's queue, first come first placed; 'faasmpi jobs' lists it; Ctrl-C withdraws it)
  --credentials DIR   your credentials from 'faasmpi certs user': ca.pem, cert.pem, key.pem
  --cert F --key F --ca F   the same as single files
  --user NAME         the tenant the job runs for: must be your certificate's user (the default)
  --wait-hosts N      with --redis: wait until N hosts are live before placing the job
  --wait-timeout S    longest wait for those hosts, or for the hosts started in a Slurm allocation (default 60)
 inside a Slurm allocation (salloc, sbatch) with none of --hosts, --hostfile, --redis, --local-hosts: one host
 runtime per allocated node is started with srun for the job, and stopped after
  --allow-run-as-root, --oversubscribe   accepted for mpirun compatibility; they change nothing here
  -h, --help          this text
 mpirun's habits:
  A : [-np M] B [args]  MPMD: the first program on the first N ranks, B on the next M, in one MPI_COMM_WORLD
  --timeout S         end the job after S seconds, with each rank's stack, exit status 124 (MPIEXEC_TIMEOUT=S too)
  --output-filename DIR   each rank's output in DIR/1/rank.N/stdout and DIR/1/rank.N/stderr
  -l, --prepend-rank  the same as --tag-output
  --merge-stderr-to-stdout   ranks' stderr goes to stdout
  -N K, --npernode K, -ppn K   at most K ranks on each host (without -np: K on every host)
  --map-by slot|node  pack ranks onto hosts (slot) or deal them out evenly (node); like --policy pack|spread
  --display-map       print which host runs each rank before the job starts
  --bind-to X, --report-bindings, --mca K V   accepted; they do not apply here (one line says so)
  -V, --version       print the version`;

const IGNORED_FLAGS = new Set(['--allow-run-as-root', '-allow-run-as-root', '--oversubscribe', '-oversubscribe']);

export function parseRunArgs(argv: string[], cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): RunOptions {
  const o: RunOptions = {
    np: 1, program: '', programArgs: [], exports: [], tagOutput: false, workDir: cwd, workDirGiven: false, useSnapshots: true, stdin: 0, verbose: false, deadlockTimeoutMs: 5000,
    cluster: { hosts: [], localHosts: 0, name: 'default', preload: [] },
    mergeStderr: false, displayMap: false, showVersion: false, npGiven: false, notes: [],
  };
  const positive = (flag: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive whole number, got '${v}'`);
    return n;
  };
  let i = 0;
  const value = (flag: string): string => {
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-') break;
    if (a === '-np' || a === '-n' || a === '--np' || a === '-c') {
      const v = value(a);
      o.np = Number(v);
      o.npGiven = true;
      if (!Number.isInteger(o.np) || o.np < 1) throw new UsageError(`${a} needs a positive whole number, got '${v}'`);
    } else if (a === '-x') {
      o.exports.push(value(a));
    } else if (a === '--tag-output' || a === '-tag-output') {
      o.tagOutput = true;
    } else if (a === '--wdir' || a === '-wdir' || a === '--cwd') {
      o.workDir = resolve(cwd, value(a));
      o.workDirGiven = true;
    } else if (a === '--no-snapshot') {
      o.useSnapshots = false;
    } else if (a === '--stdin' || a === '-stdin') {
      const v = value(a);
      if (v === 'none' || v === 'all') o.stdin = v;
      else if (/^\d+$/.test(v)) o.stdin = Number(v);
      else throw new UsageError(`--stdin takes a rank number, 'all' or 'none', got '${v}'`);
    } else if (a === '--no-migrate') {
      o.noMigrate = true;
    } else if (a === '--pack-at-barrier') {
      const v = value(a);
      o.packAtBarrier = Number(v);
      if (!/^\d+$/.test(v) || o.packAtBarrier < 1) throw new UsageError(`--pack-at-barrier needs a positive whole number, got '${v}'`);
    } else if (a === '--deadlock-timeout') {
      const v = value(a);
      const seconds = Number(v);
      if (!(seconds > 0)) throw new UsageError(`--deadlock-timeout needs a positive number of seconds, got '${v}'`);
      o.deadlockTimeoutMs = seconds * 1000;
    } else if (a === '--init-timeout') {
      const v = value(a);
      const seconds = Number(v);
      if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UsageError(`--init-timeout needs a positive number of seconds, got '${v}'`);
      o.initTimeoutMs = seconds * 1000;
    } else if (a === '--max-memory') {
      o.maxMemoryBytes = parseSize(a, value(a));
    } else if (a === '--hosts' || a === '-hosts' || a === '--host' || a === '-host' || a === '-H') {
      o.cluster.hosts.push(...hostSpecs(() => parseHostList(value(a)), a));
    } else if (a === '--hostfile' || a === '-hostfile' || a === '--machinefile' || a === '-machinefile' || a === '-f') {
      const file = resolve(cwd, value(a));
      o.cluster.hosts.push(...hostSpecs(() => readHostfile(file), a));
    } else if (a === '--no-queue') {
      o.cluster.noQueue = true;
    } else if (a === '--preload' || a === '--preload-files' || a === '-preload-files') {
      o.cluster.preload.push(...value(a).split(',').filter(Boolean).map((f) => resolve(cwd, f)));
    } else if (mpirunHabit(a, value, o)) {
      continue;
    } else if (a === '--local-hosts') {
      o.cluster.localHosts = positive(a, value(a));
    } else if (a === '--omp-spread') {
      o.cluster.ompSpread = true;
    } else if (a === '--redis') {
      o.cluster.redis = value(a);
    } else if (a === '--cluster') {
      o.cluster.name = value(a);
    } else if (a === '--policy') {
      const v = value(a);
      if (v !== 'pack' && v !== 'spread') throw new UsageError(`--policy takes 'pack' or 'spread', got '${v}'`);
      o.cluster.policy = v;
    } else if (a === '--nhosts') {
      o.cluster.nhosts = positive(a, value(a));
    } else if (a === '--user') {
      o.cluster.user = value(a);
    } else if (a === '--credentials') {
      o.cluster.credentials = resolve(cwd, value(a));
    } else if (a === '--cert' || a === '--key' || a === '--ca') {
      o.cluster[a.slice(2) as 'cert' | 'key' | 'ca'] = resolve(cwd, value(a));
    } else if (a === '-v' || a === '--verbose') {
      o.verbose = true;
    } else if (WAIT_FLAGS.has(a)) {
      waitFlag(o.cluster, a, value(a));
    } else if (IGNORED_FLAGS.has(a)) {
      continue;
    } else if (a === '-h' || a === '--help') {
      throw new UsageError('');
    } else {
      throw new UsageError(`unknown option '${a}'`);
    }
  }
  if (o.cluster.localHosts > 0 && (o.cluster.hosts.length > 0 || o.cluster.redis)) {
    throw new UsageError('--local-hosts starts its own hosts: it cannot be combined with --hosts, --hostfile or --redis');
  }
  if (o.cluster.ompSpread && o.cluster.localHosts === 0 && o.cluster.hosts.length === 0 && !o.cluster.redis) {
    throw new UsageError('--omp-spread spreads OpenMP teams over the job\'s hosts: give several (--local-hosts, --hosts or --redis)');
  }
  if (o.cluster.waitHosts !== undefined && !o.cluster.redis) throw new UsageError('--wait-hosts waits for hosts registered in Redis: give --redis URL too');
  if (o.showVersion) return o;
  if (o.timeoutMs === undefined && env.MPIEXEC_TIMEOUT !== undefined && env.MPIEXEC_TIMEOUT !== '') {
    o.timeoutMs = seconds('MPIEXEC_TIMEOUT', env.MPIEXEC_TIMEOUT);
  }
  if (o.cluster.perNode !== undefined && !o.npGiven) {
    if (o.cluster.hosts.length === 0) throw new UsageError('-N K without -np needs the hosts named (-H or --hostfile): it means K ranks on each');
    o.np = o.cluster.perNode * o.cluster.hosts.length;
  }
  if (typeof o.stdin === 'number' && o.stdin >= o.np) throw new UsageError(`--stdin ${o.stdin}: the job has ranks 0 to ${o.np - 1}`);
  if (i >= argv.length) throw new UsageError('no program given');
  const [first, ...more] = appContexts(argv.slice(i));
  o.program = first[0];
  o.programArgs = first.slice(1);
  if (more.length > 0) {
    o.apps = [{ np: o.np, program: o.program, programArgs: o.programArgs }, ...more.map(appContext)];
    o.np = o.apps.reduce((n, a) => n + a.np, 0);
  }
  return o;
}

// ---- waiting for hosts (cluster/wait-hosts.ts, cluster/slurm-hosts.ts) ----
const WAIT_FLAGS = new Set(['--wait-hosts', '--wait-timeout']);

function waitFlag(c: ClusterOptions, flag: string, v: string): void {
  if (flag === '--wait-hosts') {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--wait-hosts needs a positive whole number, got '${v}'`);
    c.waitHosts = n;
  } else {
    const seconds = Number(v);
    if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UsageError(`--wait-timeout needs a positive number of seconds, got '${v}'`);
    c.waitTimeoutMs = seconds * 1000;
  }
}
// ---- end of waiting for hosts ----
/** The words after the options, split at each ':' into MPMD contexts. */
function appContexts(words: string[]): string[][] {
  const contexts: string[][] = [[]];
  for (const w of words) {
    if (w === ':') contexts.push([]);
    else contexts[contexts.length - 1].push(w);
  }
  contexts.forEach((c, n) => { if (c.length === 0) throw new UsageError(`MPMD context ${n + 1} (between ':') names no program`); });
  return contexts;
}

/** One MPMD context after the first: [-np N] program [args...]. */
function appContext(words: string[]): { np: number; program: string; programArgs: string[] } {
  let np = 1, k = 0;
  if (words[0] === '-np' || words[0] === '-n' || words[0] === '--np') {
    np = Number(words[1]);
    if (!Number.isInteger(np) || np < 1) throw new UsageError(`${words[0]} needs a positive whole number, got '${words[1] ?? ''}'`);
    k = 2;
  }
  if (k >= words.length) throw new UsageError(`MPMD context '${words.join(' ')}' names no program`);
  if (words[k].startsWith('-')) throw new UsageError(`'${words[k]}' after ':': only -np N may be given for each program (other options apply to all and go first)`);
  return { np, program: words[k], programArgs: words.slice(k + 1) };
}

// --- mpirun's habits: Open MPI's and MPICH Hydra's options, mapped to ours or accepted as not applicable ---

const NOT_APPLICABLE: Record<string, string> = {
  '--bind-to': 'ranks are threads scheduled by Node.js, not processes bound to cores',
  '--report-bindings': 'ranks are threads scheduled by Node.js, not processes bound to cores',
};

function seconds(flag: string, v: string): number {
  const s = Number(v);
  if (!(s > 0) || !Number.isFinite(s) || s > 1e7) throw new UsageError(`${flag} needs a positive number of seconds, got '${v}'`);
  return s * 1000;
}

/** Handles one of mpirun's options; false when `a` is none of them. */
function mpirunHabit(a: string, value: (flag: string) => string, o: RunOptions): boolean {
  const flag = a.startsWith('--') ? a : `-${a}`;
  if (flag === '--timeout') o.timeoutMs = seconds(a, value(a));
  else if (flag === '--output-filename' || flag === '--outfile-pattern') o.outputDir = value(a);
  else if (a === '-l' || flag === '--prepend-rank') o.tagOutput = true;
  else if (flag === '--merge-stderr-to-stdout') o.mergeStderr = true;
  else if (flag === '--display-map') o.displayMap = true;
  else if (a === '-V' || flag === '--version') o.showVersion = true;
  else if (a === '-N' || flag === '--npernode' || flag === '--ppn' || a === '-perhost') {
    const v = value(a);
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${a} needs a positive whole number, got '${v}'`);
    o.cluster.perNode = n;
  } else if (flag === '--map-by') {
    const v = value(a);
    const how = v.split(':')[0].toLowerCase();
    if (how === 'slot' || how === 'core') o.cluster.policy = 'pack';
    else if (how === 'node') o.cluster.policy = 'spread';
    else throw new UsageError(`--map-by takes slot or node, got '${v}'`);
  } else if (flag === '--bind-to') {
    o.notes.push(`--bind-to ${value(a)} does not apply: ${NOT_APPLICABLE[flag]}`);
  } else if (flag === '--report-bindings') {
    o.notes.push(`--report-bindings does not apply: ${NOT_APPLICABLE[flag]}`);
  } else if (flag === '--mca' || flag === '--gmca') {
    const k = value(a);
    const v = value(a);
    o.notes.push(`warning: --mca ${k} ${v} ignored (Open MPI's MCA parameters have no meaning here)`);
  } else return false;
  return true;
}

function hostSpecs(parse: () => HostSpec[], flag: string): HostSpec[] {
  try {
    return parse();
  } catch (e) {
    if (e instanceof HostSpecError) throw new UsageError(`${flag}: ${e.message}`);
    throw e;
  }
}

/** This faasmpi's version, from its package.json. */
export function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The environment every rank sees: OMP_* from ours, plus what -x asks for. */
export function rankEnvironment(exports: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) if (k.startsWith('OMP_') && v !== undefined) out.set(k, v);
  for (const x of exports) {
    const eq = x.indexOf('=');
    if (eq > 0) out.set(x.slice(0, eq), x.slice(eq + 1));
    else if (env[x] !== undefined) out.set(x, env[x]!);
  }
  return [...out].map(([k, v]) => `${k}=${v}`);
}

/** A byte count: a whole number with an optional K, M, G or T suffix (powers of 1024; 'B' and 'iB' allowed). */
export function parseSize(flag: string, v: string): number {
  const m = /^(\d+)\s*([kmgt]?)(i?b)?$/i.exec(v.trim());
  const bytes = m ? Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase()) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new UsageError(`${flag} needs a size such as 512M or 2G, got '${v}'`);
  return bytes;
}

