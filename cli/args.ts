// faasmpirun's command line, in mpirun's style: options first, then the program and its arguments.
import { resolve } from 'node:path';

export interface RunOptions {
  np: number;
  program: string;
  programArgs: string[];
  /** VAR (forward from our environment) or VAR=value. */
  exports: string[];
  tagOutput: boolean;
  workDir: string;
  useSnapshots: boolean;
  stdinToRank0: boolean;
  verbose: boolean;
  deadlockTimeoutMs: number;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage: faasmpirun [options] program.wasm [args...]
  -np N, -n N         run N ranks (default 1)
  -x VAR[=VALUE]      forward VAR (or set it) in every rank; OMP_* variables are forwarded by default
  --tag-output        prefix every output line with [rank]
  --wdir DIR          the program's working directory and sandbox root (default: the current directory)
  --no-snapshot       run constructors in every rank instead of starting ranks from a snapshot
  --stdin none        give rank 0 an empty stdin (default: faasmpirun's stdin)
  --deadlock-timeout S  end the job with a report when every running rank has waited in MPI for S seconds
                      with nothing in flight (default 5)
  -v, --verbose       say how ranks were started (snapshot or fresh, and why)
  --allow-run-as-root, --oversubscribe   accepted for mpirun compatibility; they change nothing here
  -h, --help          this text`;

const IGNORED_FLAGS = new Set(['--allow-run-as-root', '-allow-run-as-root', '--oversubscribe', '-oversubscribe']);

export function parseRunArgs(argv: string[], cwd = process.cwd()): RunOptions {
  const o: RunOptions = { np: 1, program: '', programArgs: [], exports: [], tagOutput: false, workDir: cwd, useSnapshots: true, stdinToRank0: true, verbose: false, deadlockTimeoutMs: 5000 };
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
    } else if (a === '-v' || a === '--verbose') {
      o.verbose = true;
    } else if (IGNORED_FLAGS.has(a)) {
      continue;
    } else if (a === '-h' || a === '--help') {
      throw new UsageError('');
    } else {
      throw new UsageError(`unknown option '${a}'`);
    }
  }
  if (i >= argv.length) throw new UsageError('no program given');
  o.program = argv[i];
  o.programArgs = argv.slice(i + 1);
  return o;
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
