// Real applications, unmodified, side by side with native: LULESH 2.0, HPCG 3.1 and CoMD, each built by
// experiments/apps/<app>.sh with our wrappers and natively (clang-19, Open MPI over clang-19, libomp), run on the
// same input, their own verification compared with native and their own timer reported as ours/native; on a quiet
// machine and again with one busy process per core; plus job start-up (experiments/start-up.ts) against mpirun.
// Opt-in: `npm run experiments -- apps`. Builds and runs live outside the repository (APPS_WORKDIR).
// Env: APPS_WORKDIR (default /work/apps-build), APPS_SOURCES (directory holding LLNL+LULESH, hpcg-benchmark+hpcg,
// ECP-copa+CoMD; default /work/apps; a missing one is cloned), APPS_SIZES (default "small,medium"),
// APPS_REPEATS (default 1), APPS_LOADED=0 (skip the runs under load), APPS_SKIP_BUILD=1, APPS_ONLY (e.g. "lulesh").
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './build.js';
import { errorText, median } from './measure.js';
import type { BenchmarkResult, Row } from './result.js';
import { startUpRows } from './start-up.js';
import { compareChecks, parseComd, parseHpcg, parseLulesh, type AppRun } from './apps/outputs.js';

const WORK = process.env.APPS_WORKDIR ?? '/work/apps-build';
const SOURCES = process.env.APPS_SOURCES ?? '/work/apps';
const SIZES = (process.env.APPS_SIZES ?? 'small,medium').split(',');
const REPEATS = Number(process.env.APPS_REPEATS ?? 1);
const LOADED = process.env.APPS_LOADED !== '0';
const ONLY = process.env.APPS_ONLY?.split(',');
const TIMEOUT_MS = 15 * 60_000;
const CORES = cpus().length;
const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');
const faasmpicc = join(repoRoot, 'toolchain/bin/faasmpicc');

const APPS = { lulesh: 'LLNL+LULESH', hpcg: 'hpcg-benchmark+hpcg', comd: 'ECP-copa+CoMD' } as const;
type App = keyof typeof APPS;

/** One configuration run on both sides. */
interface Case {
  app: App;
  variant: string;
  size: string;
  np: number;
  threads: number;
  args: string[];
  /** Run it again with one busy process per core. */
  underLoad?: boolean;
  /** Native side without mpirun (a build without MPI). */
  noMpi?: boolean;
}

function cases(): Case[] {
  const all: Case[] = [];
  const lulesh = { small: ['-s', '16', '-i', '50'], medium: ['-s', '30', '-i', '100'] } as Record<string, string[]>;
  // LULESH -s is per rank: 8 ranks get half the edge, so the 8-rank job solves the same global mesh.
  const lulesh8 = { small: ['-s', '8', '-i', '50'], medium: ['-s', '15', '-i', '100'] } as Record<string, string[]>;
  const hpcg = { small: '16', medium: '32' } as Record<string, string>;
  const comd = { small: ['-x', '10', '-y', '10', '-z', '10', '-N', '100', '-n', '10'], medium: ['-x', '20', '-y', '20', '-z', '20', '-N', '100', '-n', '20'] } as Record<string, string[]>;
  for (const size of SIZES) {
    const small = size === 'small';
    all.push(
      { app: 'lulesh', variant: 'omp', size, np: 1, threads: 1, args: lulesh[size], noMpi: true },
      { app: 'lulesh', variant: 'omp', size, np: 1, threads: 2, args: lulesh[size], noMpi: true, underLoad: small },
      { app: 'lulesh', variant: 'mpi', size, np: 1, threads: 1, args: lulesh[size] },
      { app: 'lulesh', variant: 'mpi', size, np: 8, threads: 1, args: lulesh8[size], underLoad: small },
      { app: 'lulesh', variant: 'hybrid', size, np: 1, threads: 2, args: lulesh[size] },
    );
    const hpcgArgs = [`--nx=${hpcg[size]}`, `--ny=${hpcg[size]}`, `--nz=${hpcg[size]}`, '--rt=1'];
    for (const np of [1, 2, 4]) all.push({ app: 'hpcg', variant: 'mpi', size, np, threads: 1, args: hpcgArgs, underLoad: small && np === 2 });
    for (const threads of [1, 2]) all.push({ app: 'hpcg', variant: 'mpi-omp', size, np: 1, threads, args: hpcgArgs });
    all.push(
      { app: 'comd', variant: 'mpi', size, np: 1, threads: 1, args: [...comd[size], '-i', '1'] },
      { app: 'comd', variant: 'mpi', size, np: 2, threads: 1, args: [...comd[size], '-i', '2'], underLoad: small },
      { app: 'comd', variant: 'openmp', size, np: 1, threads: 1, args: comd[size], noMpi: true },
      { app: 'comd', variant: 'openmp', size, np: 1, threads: 2, args: comd[size], noMpi: true, underLoad: small },
    );
  }
  return all.filter((c) => !ONLY || ONLY.includes(c.app));
}

const describe = (c: Case) =>
  `${c.app} ${c.variant}, ${c.np > 1 || !c.noMpi ? `${c.np} rank${c.np > 1 ? 's' : ''}, ` : ''}${c.threads} thread${c.threads > 1 ? 's' : ''}, ${c.size} (${c.args.filter((a) => !a.startsWith('--rt')).join(' ')})`;

/** Builds every app with its script; returns per "<app> <variant>-<side>" the binary, or the first error line. */
function buildApps(notes: string[]): Map<string, { binary?: string; error?: string }> {
  const builds = new Map<string, { binary?: string; error?: string }>();
  for (const [app, dir] of Object.entries(APPS)) {
    if (ONLY && !ONLY.includes(app)) continue;
    if (process.env.APPS_SKIP_BUILD !== '1') {
      const source = existsSync(join(SOURCES, dir)) ? join(SOURCES, dir) : '--clone';
      try {
        execFileSync('bash', [join(repoRoot, `experiments/apps/${app}.sh`), source], { stdio: 'inherit', env: { ...process.env, APPS_WORKDIR: WORK } });
      } catch (e) {
        notes.push(`${app}: experiments/apps/${app}.sh failed: ${errorText(e)}`);
      }
    }
    const appWork = join(WORK, app);
    if (!existsSync(appWork)) continue;
    for (const c of cases().filter((x) => x.app === app)) {
      for (const side of ['wasm', 'native']) {
        const key = `${app} ${c.variant}-${side}`;
        if (builds.has(key)) continue;
        const statusFile = join(appWork, `${c.variant}-${side}.status`);
        const status = existsSync(statusFile) ? readFileSync(statusFile, 'utf8').trim() : 'failed no build status (not built)';
        builds.set(key, status.startsWith('ok ') ? { binary: status.slice(3) } : { error: status.replace(/^failed /, '') });
      }
    }
  }
  return builds;
}

interface Timed { stdout: string; seconds: number }

function runOnce(label: string, cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Timed {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error || r.status !== 0) {
    const why = r.error ? String(r.error.message) : `exit status ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}`;
    const tail = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.trim().split('\n').slice(-8).join(' | ');
    throw new Error(`${label}: ${why}${tail ? `: ${tail}` : ''}`);
  }
  return { stdout: r.stdout, seconds };
}

/** Runs one side of a case REPEATS times, each in a fresh directory; the run with the median app time. */
function measureSide(c: Case, side: 'wasm' | 'native', binary: string): AppRun & { wall: number } {
  const env = { ...process.env, OMP_NUM_THREADS: String(c.threads) };
  const runs: (AppRun & { wall: number })[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const dir = mkdtempSync(join(WORK, 'run', `${c.app}-`));
    let cmd: string, args: string[];
    if (side === 'wasm') [cmd, args] = [faasmpirun, ['--wdir', dir, '--stdin', 'none', '-np', String(c.np), binary, ...c.args]];
    else if (c.noMpi) [cmd, args] = [binary, c.args];
    else [cmd, args] = ['mpirun', ['--allow-run-as-root', ...(c.np > CORES ? ['--oversubscribe'] : []), '-x', 'OMP_NUM_THREADS', '-np', String(c.np), binary, ...c.args]];
    const label = `${side === 'wasm' ? 'faasmpi' : 'native'} ${describe(c)}`;
    const out = runOnce(label, cmd, args, dir, env);
    const parsed = c.app === 'lulesh' ? parseLulesh(out.stdout) : c.app === 'comd' ? parseComd(out.stdout) : parseHpcg(dir);
    rmSync(dir, { recursive: true, force: true });
    if (!parsed) throw new Error(`${label}: finished but printed no result to check: ${out.stdout.trim().split('\n').slice(-5).join(' | ')}`);
    runs.push({ ...parsed, wall: out.seconds });
    console.log(`  ${label} run ${i + 1}/${REPEATS}: ${parsed.seconds.toFixed(3)} s (wall ${out.seconds.toFixed(2)} s)`);
  }
  const mid = median(runs.map((r) => r.seconds));
  return runs.find((r) => r.seconds === mid)!;
}

/** One `node -e 'for(;;){}'` per core while fn runs: the competing CPU load. */
function withLoad<T>(fn: () => T): T {
  const busy = Array.from({ length: CORES }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  try {
    return fn();
  } finally {
    for (const b of busy) b.kill('SIGKILL');
  }
}

export async function run(): Promise<BenchmarkResult> {
  const result: BenchmarkResult = {
    name: 'apps',
    title: 'Real applications (LULESH 2.0, HPCG 3.1, CoMD), unmodified: app time, faasmpi vs native',
    rows: [],
    notes: [
      `Sources: upstream LLNL/LULESH, hpcg-benchmark/hpcg, ECP-copa/CoMD, unmodified, built by experiments/apps/{lulesh,hpcg,comd}.sh with each app's own Makefile/configure, driven only through its variables (CXX=faasmpicxx ...); native: clang-19 with libomp-19, Open MPI 4.1 wrappers over clang-19 (OMPI_CC/OMPI_CXX). Builds and runs in ${WORK}.`,
      `Times are each app's own timer (LULESH: elapsed from its FOM line; CoMD: rank 0's "loop" timer; HPCG: 1 / its GFLOP/s rating, in s/GFLOP, because HPCG runs more CG sets the faster it is), the median of ${REPEATS} run(s); ours/native above 1 means slower than native. Start-up and set-up are excluded from those and measured separately (start-up rows). Native MPI runs use mpirun (with --oversubscribe past ${CORES} cores); native OpenMP-only builds run directly.`,
      `Check column: the app's own verification values compared with the native run of the same configuration, as printed (LULESH: final origin energy and symmetry differences; CoMD: initial/final energy, eFinal/eInitial, atoms lost; HPCG: VALID and each of its "::Result=PASSED" verdicts; the scaled residual, round-off, is shown).`,
      `"under load": the same run with one busy \`node -e 'for(;;){}'\` process per core (${CORES}) competing on both sides.`,
      `The machine has ${CORES} cores. Compare the load averages below with that: figures taken while other work used the cores are noisy. Single runs of short inputs (small) include each side's warm-up.`,
    ],
  };
  mkdirSync(join(WORK, 'run'), { recursive: true });
  const builds = buildApps(result.notes);
  for (const [key, b] of builds) if (b.error) result.notes.unshift(`BUILD FAILED ${key}: ${b.error}`);

  const failures = new Map<string, string[]>();
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  for (const c of cases()) {
    const wasm = builds.get(`${c.app} ${c.variant}-wasm`)?.binary, native = builds.get(`${c.app} ${c.variant}-native`)?.binary;
    if (!wasm || !native) continue; // reported with the build failures
    for (const loaded of c.underLoad && LOADED ? [false, true] : [false]) {
      const metric = `${describe(c)}${loaded ? ', under load' : ''}`;
      const measureBoth = () => {
        let theirs: AppRun;
        try {
          theirs = measureSide(c, 'native', native);
        } catch (e) {
          result.notes.push(`native ${metric} failed: ${errorText(e)}`);
          return;
        }
        try {
          const ours = measureSide(c, 'wasm', wasm);
          const cmp = compareChecks(ours, theirs);
          const extra = ours.extra && theirs.extra ? `; ${ours.extra} vs native ${theirs.extra}` : '';
          result.rows.push({ metric, unit: c.app === 'hpcg' ? 's/GFLOP' : 's', ours: ours.seconds, native: theirs.seconds, note: `${cmp.text}${extra}` });
        } catch (e) {
          const text = errorText(e).replace(/^faasmpi [^:]*: /, '');
          const key = text.slice(0, 300);
          failures.set(key, [...(failures.get(key) ?? []), metric]);
        }
      };
      if (loaded) withLoad(measureBoth); else measureBoth();
    }
  }
  for (const [text, where] of failures) result.notes.unshift(`faasmpi run FAILED (${where.join('; ')}): ${text}`);
  // Start-up rows (experiments/start-up.ts): hello at 1, 2, 8 ranks and LULESH at 1, 8, interleaved with mpirun.
  const startUp = await startUpRows(5, { wasm: builds.get('lulesh mpi-wasm')?.binary, native: builds.get('lulesh mpi-native')?.binary });
  result.rows.push(...startUp.rows);
  result.notes.push(...startUp.notes);
  result.notes.push(`Load average (1, 5, 15 min) before the app runs: ${loadBefore}; after: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}.`);
  return result;
}
