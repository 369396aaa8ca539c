// faasmpirun's command line, in mpirun's style: options first, then the program and its arguments.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

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
  stdinToRank0: boolean;
  verbose: boolean;
  deadlockTimeoutMs: number;
  /** Longest the program's constructors may run while its snapshot is prepared. */
  initTimeoutMs?: number;
  /** Most bytes of wasm memory the job's ranks may hold together (--max-memory). */
  maxMemoryBytes?: number;
  cluster: ClusterOptions;
}

/** Where the job runs when not on this process's own host runtime. */
export interface ClusterOptions {
  /** host:port of running host runtimes (--hosts, --hostfile). */
  hosts: string[];
  /** Start this many host runtimes on this machine for the job (--local-hosts). */
  localHosts: number;
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
  --stdin none        give rank 0 an empty stdin (default: faasmpirun's stdin)
  --deadlock-timeout S  end the job with a report when every running rank has waited in MPI for S seconds
                      with nothing in flight (default 5)
  --init-timeout S    stop the job when the program's constructors run longer than S seconds (default 60)
  --max-memory SIZE   most memory the job's ranks may use together, e.g. 512M or 2G (a rank over its share
                      ends the job with a message); default: the host's limit, if any
  -v, --verbose       say how ranks were started (snapshot or fresh, and why)
 on several hosts (your user certificate: --credentials DIR, or FAASMPI_CREDENTIALS, or --cert/--key/--ca):
  --hosts H:P,H:P     run on these host runtimes ('faasmpi host')
  --hostfile FILE     the same, one host:port per line ('#' starts a comment)
  --redis URL         run on the live hosts registered in this Redis (when no --hosts are given)
  --cluster NAME      the cluster's name (default: default)
  --local-hosts K     start K host runtimes on this machine (loopback) for this job, and stop them after
  --policy pack|spread  place ranks on as few hosts as possible (default) or evenly (default with --local-hosts)
  --nhosts N          use exactly N hosts
  --credentials DIR   your credentials from 'faasmpi certs user': ca.pem, cert.pem, key.pem
  --cert F --key F --ca F   the same as single files
  --user NAME         the tenant the job runs for: must be your certificate's user (the default)
  --wait-hosts N      with --redis: wait until N hosts are live before placing the job
  --wait-timeout S    longest wait for those hosts, or for the hosts started in a Slurm allocation (default 60)
 inside a Slurm allocation (salloc, sbatch) with none of --hosts, --hostfile, --redis, --local-hosts: one host
 runtime per allocated node is started with srun for the job, and stopped after
  --allow-run-as-root, --oversubscribe   accepted for mpirun compatibility; they change nothing here
  -h, --help          this text`;

const IGNORED_FLAGS = new Set(['--allow-run-as-root', '-allow-run-as-root', '--oversubscribe', '-oversubscribe']);

export function parseRunArgs(argv: string[], cwd = process.cwd()): RunOptions {
  const o: RunOptions = {
    np: 1, program: '', programArgs: [], exports: [], tagOutput: false, workDir: cwd, workDirGiven: false, useSnapshots: true, stdinToRank0: true, verbose: false, deadlockTimeoutMs: 5000,
    cluster: { hosts: [], localHosts: 0, name: 'default' },
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
    } else if (a === '--stdin') {
      const v = value(a);
      if (v !== 'none' && v !== '0') throw new UsageError(`--stdin takes 'none' or '0', got '${v}'`);
      o.stdinToRank0 = v === '0';
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
    } else if (a === '--hosts' || a === '--host' || a === '-H') {
      o.cluster.hosts.push(...value(a).split(',').map((h) => h.trim()).filter(Boolean).map(hostAddress));
    } else if (a === '--hostfile' || a === '-hostfile' || a === '--machinefile') {
      o.cluster.hosts.push(...readHostfile(resolve(cwd, value(a))));
    } else if (a === '--local-hosts') {
      o.cluster.localHosts = positive(a, value(a));
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
  if (o.cluster.waitHosts !== undefined && !o.cluster.redis) throw new UsageError('--wait-hosts waits for hosts registered in Redis: give --redis URL too');
  if (i >= argv.length) throw new UsageError('no program given');
  o.program = argv[i];
  o.programArgs = argv.slice(i + 1);
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

/** host:port, with the host runtimes' default port when none is given. */
function hostAddress(h: string): string {
  if (/^[^:\s]+:\d+$/.test(h)) return h;
  if (/^[^:\s]+$/.test(h)) return `${h}:7650`;
  throw new UsageError(`host '${h}': expected host or host:port`);
}

/** One host[:port] per line; blank lines, '#' comments and mpirun's "slots=N" words are ignored. */
function readHostfile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--hostfile ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const hosts = text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean).map((l) => hostAddress(l.split(/\s+/)[0]));
  if (hosts.length === 0) throw new UsageError(`--hostfile ${path} names no host`);
  return hosts;
}
