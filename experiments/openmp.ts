// OpenMP on faasmpi against native libomp: EPCC-style construct overheads (omp_epcc.c), a tiled DGEMM
// (omp_dgemm.c), a 2-D Jacobi stencil (omp_jacobi.c) and a LULESH-shaped hydro proxy (omp_lulesh_proxy.c).
// Each program is built natively with clang-19 -O3 -fopenmp (Debian's libomp, from experiments/setup.sh) and
// with faasmpicc -O3 -fopenmp -msimd128, and run at 1 and 2 threads (OMP_NUM_THREADS; faasmpirun -np 1 forwards
// it), native and ours alternating, OPENMP_REPEATS times; each figure is the median. The DGEMM, Jacobi and
// proxy checksums must be the same on both sides (a mismatch is reported as an error).
// Env: OPENMP_REPEATS (default 3: about 2 minutes on this 2-core machine), OPENMP_THREADS (default "1,2"),
// OPENMP_TIMEOUT_S (one run, default 60).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildDir, buildNative, buildWasm, repoRoot } from './build.js';
import { errorText, median } from './measure.js';
import type { BenchmarkResult, Row } from './result.js';

const REPEATS = Number(process.env.OPENMP_REPEATS ?? 3);
const THREADS = (process.env.OPENMP_THREADS ?? '1,2').split(',').map(Number);
const TIMEOUT_MS = Number(process.env.OPENMP_TIMEOUT_S ?? 60) * 1000;
const NATIVE_FLAGS = ['-O3', '-fopenmp'];
// -msimd128: serial builds (no -fopenmp) under faasmpirun ran faster with it: DGEMM 1.3-1.8x, the proxy 1.45x,
// Jacobi 1.05x. -march=native stays off natively, so both sides vectorise at 128 bits (SSE2 / simd128).
const WASM_FLAGS = ['-O3', '-fopenmp', '-msimd128'];

type Side = 'native' | 'ours';

/** What one run printed: figures by metric key, and the values that must agree between runs and sides. */
interface Output {
  values: Record<string, number>;
  checks: Record<string, string>;
}

interface Metric {
  key: string;
  label: string;
  unit: string;
  /** Printed value times scale = value in unit. */
  scale?: number;
  higherIsBetter?: boolean;
}

interface Program {
  source: string;
  args: string[];
  metrics: Metric[];
  parse(records: Record<string, string>[]): Output;
}

const CONSTRUCTS = ['parallel', 'for', 'parallel_for', 'barrier', 'single', 'critical', 'lock', 'atomic', 'reduction', 'dynamic_1'];
const DGEMM_N = 1536;
const JACOBI = { n: 1024, iters: 400 };
const PROXY = { edge: 30, steps: 200 };

/** A program printing one "key=value ..." result line: value keys become metrics, check keys must agree. */
function oneLine(valueKeys: string[], checkKeys: string[]): Program['parse'] {
  return (records) => {
    const r = records.find((x) => valueKeys.every((k) => k in x)) ?? {};
    return {
      values: Object.fromEntries(valueKeys.map((k) => [k, Number(r[k])])),
      checks: Object.fromEntries(checkKeys.map((k) => [k, r[k] ?? '(missing)'])),
    };
  };
}

const PROGRAMS: Program[] = [
  {
    source: 'omp_epcc.c',
    args: ['15', '1000', '100'], // outer reps, target us per test, delay ns
    metrics: CONSTRUCTS.map((c) => ({ key: c, label: `EPCC ${c === 'dynamic_1' ? 'schedule(dynamic,1), per iteration' : c.replace('_', ' ')}`, unit: 'us' })),
    parse: (records) => ({
      values: Object.fromEntries(records.filter((r) => r.construct).map((r) => [r.construct, Number(r.overhead_us)])),
      checks: {},
    }),
  },
  {
    source: 'omp_dgemm.c',
    args: [String(DGEMM_N)],
    metrics: [{ key: 'gflops', label: `DGEMM n=${DGEMM_N}`, unit: 'GFLOP/s', higherIsBetter: true }],
    parse: oneLine(['gflops'], ['checksum', 'check']),
  },
  {
    source: 'omp_jacobi.c',
    args: [String(JACOBI.n), String(JACOBI.iters)],
    metrics: [{ key: 'seconds', label: `Jacobi ${JACOBI.n}x${JACOBI.n}, ${JACOBI.iters} sweeps`, unit: 's' }],
    parse: oneLine(['seconds'], ['iterations', 'residual', 'checksum']),
  },
  {
    source: 'omp_lulesh_proxy.c',
    args: [String(PROXY.edge), String(PROXY.steps)],
    metrics: [{ key: 'us_per_step', label: `LULESH proxy ${PROXY.edge}^3 elements, time per step`, unit: 'ms', scale: 1e-3 }],
    parse: oneLine(['us_per_step'], ['energy', 'checksum']),
  },
];

/** The "key=value" tokens of each output line that is not a '#' comment. */
function records(stdout: string): Record<string, string>[] {
  return stdout.split('\n').filter((l) => l.includes('=') && !l.startsWith('#'))
    .map((l) => Object.fromEntries(l.trim().split(/\s+/).map((t) => t.split('=', 2)).filter((kv) => kv.length === 2)));
}

/** One run; throws with the command's exit status and output tail if it fails or prints no figures. */
function runOnce(label: string, program: Program, cmd: string, args: string[], threads: number): Output {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
  const r = spawnSync(cmd, args, { cwd: buildDir, env, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 16 << 20 });
  const out = r.status === 0 && !r.error ? program.parse(records(r.stdout ?? '')) : undefined;
  const missing = out ? program.metrics.filter((m) => !Number.isFinite(out.values[m.key])).map((m) => m.key) : [];
  if (!out || missing.length > 0) {
    const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
    const why = timedOut ? `timed out after ${TIMEOUT_MS / 1000} s` : r.error ? String(r.error.message) : r.status !== 0 ? `exit status ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}` : `no figure for ${missing.join(', ')}`;
    const tail = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.trim().split('\n').slice(-12).join(' | ');
    throw new Error(`${label}: ${why}${tail ? `: ${tail}` : ''}`);
  }
  return out;
}

/** Everything measured, keyed by side, program and thread count. */
class Samples {
  readonly values = new Map<string, number[]>();
  readonly checks = new Map<string, string[]>();
  readonly failures = new Map<string, string>();

  static key(side: Side, p: Program, threads: number): string {
    return `${side} ${p.source} ${threads}`;
  }
  add(side: Side, p: Program, threads: number, out: Output): void {
    const k = Samples.key(side, p, threads);
    for (const m of p.metrics) this.values.set(`${k} ${m.key}`, [...(this.values.get(`${k} ${m.key}`) ?? []), out.values[m.key] * (m.scale ?? 1)]);
    this.checks.set(k, [...(this.checks.get(k) ?? []), Object.entries(out.checks).map(([n, v]) => `${n}=${v}`).join(' ')]);
  }
  median(side: Side, p: Program, threads: number, m: Metric): number | undefined {
    const xs = this.values.get(`${Samples.key(side, p, threads)} ${m.key}`);
    return xs && xs.length > 0 ? median(xs) : undefined;
  }
  /** The check values all runs printed, or undefined if none succeeded. */
  distinctChecks(side: Side, p: Program, threads: number): string[] | undefined {
    const xs = this.checks.get(Samples.key(side, p, threads));
    return xs ? [...new Set(xs)] : undefined;
  }
}

function measureAll(commands: Map<string, Record<Side, [string, string[]] | undefined>>): Samples {
  const s = new Samples();
  for (let rep = 0; rep < REPEATS; rep++) {
    // Alternate which side goes first, so slow drifts in machine load do not favour one side.
    const order: Side[] = rep % 2 === 0 ? ['native', 'ours'] : ['ours', 'native'];
    for (const p of PROGRAMS) {
      for (const threads of THREADS) {
        for (const side of order) {
          const cmd = commands.get(p.source)![side];
          const k = Samples.key(side, p, threads);
          if (!cmd || s.failures.has(k)) continue; // a failed configuration is not retried (it may hang every time)
          const label = `${side} ${p.source} OMP_NUM_THREADS=${threads}`;
          try {
            const t0 = Date.now();
            s.add(side, p, threads, runOnce(label, p, cmd[0], [...cmd[1], ...p.args], threads));
            console.log(`  ${label} run ${rep + 1}/${REPEATS}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          } catch (e) {
            console.log(`  ${label} FAILED`);
            s.failures.set(k, errorText(e));
          }
        }
      }
    }
  }
  return s;
}

/** Checksum verdict for one program and thread count: '' when it has none, else a row note. */
function checkVerdict(s: Samples, p: Program, threads: number, errors: string[]): string {
  const nat = s.distinctChecks('native', p, threads), ours = s.distinctChecks('ours', p, threads);
  if (!nat || nat[0] === '') return '';
  const where = `${p.source} at ${threads} thread(s)`;
  if (nat.length > 1) errors.push(`ERROR: native ${where} printed different checks in different runs: ${nat.join(' / ')}.`);
  if (!ours) return '';
  if (ours.length > 1) errors.push(`ERROR: ours ${where} printed different checks in different runs: ${ours.join(' / ')}.`);
  if (ours.some((o) => !nat.includes(o))) {
    errors.push(`ERROR: CHECKSUM MISMATCH for ${where}: ours ${ours.join(' / ')} vs native ${nat.join(' / ')}.`);
    return 'CHECKSUM MISMATCH';
  }
  return 'checksum matches native';
}

/** ours/native speed-up from 1 to 2 threads, per side, as a note. */
function speedupNote(s: Samples, p: Program): string | undefined {
  if (!THREADS.includes(1) || !THREADS.includes(2) || p.metrics.length !== 1) return undefined;
  const m = p.metrics[0];
  const parts: string[] = [];
  for (const side of ['native', 'ours'] as Side[]) {
    const one = s.median(side, p, 1, m), two = s.median(side, p, 2, m);
    if (one !== undefined && two !== undefined) parts.push(`${side} ${(m.higherIsBetter ? two / one : one / two).toFixed(2)}x`);
  }
  return parts.length > 0 ? `${m.label}: speed-up from 1 to 2 threads: ${parts.join(', ')}.` : undefined;
}

/** The faasmpi_omp imports (the OpenMP runtime entry points) of a module. */
function ompImports(wasm: string): string[] {
  const mod = new WebAssembly.Module(readFileSync(wasm));
  return WebAssembly.Module.imports(mod).filter((i) => i.module === 'faasmpi_omp').map((i) => i.name);
}

function build(result: BenchmarkResult): Map<string, Record<Side, [string, string[]] | undefined>> {
  const commands = new Map<string, Record<Side, [string, string[]] | undefined>>();
  const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');
  for (const p of PROGRAMS) {
    const c: Record<Side, [string, string[]] | undefined> = { native: undefined, ours: undefined };
    try {
      c.native = [buildNative(p.source, NATIVE_FLAGS), []];
    } catch (e) {
      result.notes.unshift(`ERROR: native build of ${p.source} failed: ${errorText(e)}`);
    }
    try {
      const wasm = buildWasm(p.source, WASM_FLAGS);
      c.ours = [faasmpirun, ['-np', '1', wasm]];
      result.notes.push(`${p.source} imports from faasmpi_omp: ${ompImports(wasm).join(' ')}.`);
    } catch (e) {
      result.notes.unshift(`NOT MEASURED for faasmpi: faasmpicc ${WASM_FLAGS.join(' ')} ${p.source} failed: ${errorText(e)}`);
    }
    commands.set(p.source, c);
  }
  return commands;
}

function report(result: BenchmarkResult, s: Samples): void {
  const errors: string[] = [];
  const nativeOnly: string[] = [];
  for (const p of PROGRAMS) {
    for (const threads of THREADS) {
      const verdict = checkVerdict(s, p, threads, errors);
      for (const m of p.metrics) {
        const nat = s.median('native', p, threads, m), ours = s.median('ours', p, threads, m);
        const metric = `${m.label}, ${threads} thread${threads > 1 ? 's' : ''}`;
        if (ours !== undefined) {
          const note = [m.higherIsBetter ? 'higher is better' : '', verdict].filter(Boolean).join('; ');
          result.rows.push({ metric, unit: m.unit, ours, native: nat, ...(note ? { note } : {}) } satisfies Row);
        } else if (nat !== undefined) {
          nativeOnly.push(`${metric} ${nat.toPrecision(3)} ${m.unit}`);
        }
      }
    }
    const speedup = speedupNote(s, p);
    if (speedup) result.notes.push(speedup);
  }
  const failed = [...s.failures].map(([k, e]) => `${k.startsWith('ours') ? 'faasmpi' : 'NATIVE'} run FAILED (${k.replace(/^\w+ /, '')} thread(s)): ${e}`);
  result.notes.unshift(...errors, ...failed);
  if (nativeOnly.length > 0) result.notes.push(`Native figures without a faasmpi counterpart: ${nativeOnly.join('; ')}.`);
  const checks = PROGRAMS.flatMap((p) => THREADS.map((t) => [p, t] as const))
    .map(([p, t]) => [`${p.source} (${t})`, s.distinctChecks('native', p, t)?.[0]] as const).filter(([, c]) => c);
  if (checks.length > 0) result.notes.push(`Native checks: ${checks.map(([w, c]) => `${w}: ${c}`).join('; ')}.`);
}

export async function run(): Promise<BenchmarkResult> {
  const result: BenchmarkResult = {
    name: 'openmp',
    title: 'OpenMP: EPCC-style construct overheads, DGEMM, Jacobi and a LULESH-shaped proxy at 1 and 2 threads',
    rows: [],
    notes: [
      `Programs (experiments/programs): omp_epcc.c (overhead per construct instance = (test - reference) / instances, EPCC style: a ~0.1 us volatile delay loop inside each construct, the reference being the same delays without it; inner reps grow until a test takes 1 ms, median of 15 outer reps; critical/lock: each thread does inner/threads sections; atomic: per update as one thread sees it; dynamic_1: schedule(dynamic,1) overhead per iteration, 128 iterations per thread per loop), omp_dgemm.c (n=${DGEMM_N}, 64x256x256 tiles over one collapse(2) parallel for, 8x4 register blocks; 64 sampled entries checked against a naive dot product), omp_jacobi.c (${JACOBI.n}^2 grid, ${JACOBI.iters} 5-point sweeps, parallel for over rows with a max reduction of the residual), omp_lulesh_proxy.c (${PROXY.edge}^3 hexahedra, Sedov blast, ${PROXY.steps} steps of 21 parallel for loops and 2 parallel min reductions for dt).`,
      `Native: clang-19 ${NATIVE_FLAGS.join(' ')} with Debian's libomp 19 (no -march=native: 128-bit SSE2 vectors, like wasm simd128). Ours: faasmpicc ${WASM_FLAGS.join(' ')}, faasmpirun -np 1. OMP_NUM_THREADS=${THREADS.join(' and ')}, native and ours alternating (order swapped every repetition), median of ${REPEATS} runs per side; each run of ours has ${TIMEOUT_MS / 1000} s, and a configuration that fails is not retried. ${cpus().length} cores on this machine: 2 threads only scale when nothing else runs.`,
      'ours/native: below 1 means faster than native for times and overheads (us, s, ms); above 1 for GFLOP/s. EPCC overheads of a few ns (atomic, 1-thread barrier) are within noise, so their ratios mean little.',
      "Native baseline: Debian's libomp 19.1.7 formats a debug-trace string (vsnprintf of \"__kmpc_for_static_init: T#%d sched=...\") in every __kmpc_for_static_init call (seen with perf and gdb), so a native omp for costs 0.3-0.5 us even at 1 thread; a libomp built without debug traces would be faster there.",
      'Warm-up: omp_epcc.c runs every construct for 500 ms before measuring, so its overheads are steady-state on both sides. The application timings (DGEMM, Jacobi, proxy) include faasmpi\'s one-time warm-up: the first region\'s threads start while main runs, and each thread runs the runtime\'s hot paths on private state before its first work (at least FAASMPI_OMP_WARMUP_MS, default 50 ms; V8 optimises the fork path after ~5,000 synthetic regions, 150-400 ms on a busy machine), so part of V8\'s optimising may still fall in the first regions.',
      'Checksums (DGEMM sum of C, Jacobi residual and weighted grid sum, proxy energy and weighted field sum, all printed to 17 digits) are bit-identical by construction on any thread count and target (exact max/min reductions, fixed summation order, no FMA, only correctly rounded operations); ours must match native.',
    ],
  };
  try {
    execFileSync('bash', [join(repoRoot, 'experiments/setup.sh')], { stdio: 'inherit' });
  } catch (e) {
    result.notes.unshift(`NOT MEASURED: libomp is missing and experiments/setup.sh could not install it (${errorText(e)}); run \`bash experiments/setup.sh\` as root.`);
    return result;
  }
  const commands = build(result);
  report(result, measureAll(commands));
  measureFreshJobs(result);
  return result;
}

// ---- A fresh job (issue 15): what the first regions of a job cost, before and after V8 has warmed up.
// omp_warmup.c, each run a new job at 2 threads: "forks" times 40,000 empty regions in buckets (first, 2-100,
// 101-2000, 2001-20000, steady = 20001-40000); "construct NAME" times the first 2,000 instances of one construct
// as the job's first OpenMP code (EPCC style, the enclosing region's fork included).
const FRESH_CONSTRUCTS = ['parallel', 'for', 'barrier', 'single', 'critical', 'lock', 'reduction'];
const FRESH_REPS = 2000;
const FRESH_THREADS = 2;
const FRESH_REPEATS = Number(process.env.OPENMP_FRESH_REPEATS ?? 5);

function measureFreshJobs(result: BenchmarkResult): void {
  let cmds: Record<Side, [string, string[]]>;
  try {
    cmds = {
      native: [buildNative('omp_warmup.c', NATIVE_FLAGS), []],
      ours: [join(repoRoot, 'cli/bin/faasmpirun'), ['-np', '1', buildWasm('omp_warmup.c', WASM_FLAGS)]],
    };
  } catch (e) {
    result.notes.push(`NOT MEASURED: fresh-job figures (omp_warmup.c did not build: ${errorText(e)}).`);
    return;
  }
  const runs: [string, string[]][] = [['forks', ['forks', '40000']], ...FRESH_CONSTRUCTS.map((c) => [c, ['construct', c, String(FRESH_REPS)]] as [string, string[]])];
  const samples = new Map<string, number[]>();
  const failures: string[] = [];
  for (let rep = 0; rep < FRESH_REPEATS; rep++) {
    const order: Side[] = rep % 2 === 0 ? ['native', 'ours'] : ['ours', 'native'];
    for (const [name, args] of runs) {
      for (const side of order) {
        const env = { ...process.env, OMP_NUM_THREADS: String(FRESH_THREADS) };
        const r = spawnSync(cmds[side][0], [...cmds[side][1], ...args], { cwd: buildDir, env, encoding: 'utf8', timeout: TIMEOUT_MS });
        if (r.status !== 0 || r.error) {
          failures.push(`${side} omp_warmup ${args.join(' ')}: ${r.error ? r.error.message : `exit status ${r.status}`}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
          continue;
        }
        for (const rec of records(r.stdout)) {
          const key = rec.bucket ? `fork ${rec.bucket}` : `construct ${rec.construct}`;
          const v = Number(rec.mean_us ?? rec.overhead_us);
          if (Number.isFinite(v)) samples.set(`${side} ${key}`, [...(samples.get(`${side} ${key}`) ?? []), v]);
        }
      }
    }
    console.log(`  fresh jobs: repetition ${rep + 1}/${FRESH_REPEATS} done`);
  }
  const med = (side: Side, key: string) => {
    const xs = samples.get(`${side} ${key}`);
    return xs && xs.length > 0 ? median(xs) : undefined;
  };
  const buckets: [string, string][] = [['first', 'the first region'], ['2-100', 'regions 2-100, mean'], ['101-2000', 'regions 101-2000, mean'], ['2001-20000', 'regions 2001-20000, mean'], ['steady', 'regions 20001-40000 (steady state), mean']];
  for (const [b, label] of buckets) {
    const ours = med('ours', `fork ${b}`);
    if (ours !== undefined) result.rows.push({ metric: `Fresh job, ${FRESH_THREADS} threads: empty parallel region, ${label}`, unit: 'us', ours, native: med('native', `fork ${b}`) });
  }
  for (const c of FRESH_CONSTRUCTS) {
    const ours = med('ours', `construct ${c}`);
    if (ours !== undefined) result.rows.push({ metric: `Fresh job, ${FRESH_THREADS} threads: ${c}, overhead per instance over the first ${FRESH_REPS}`, unit: 'us', ours, native: med('native', `construct ${c}`), note: 'goal: at most 3x native' });
  }
  result.notes.push(`Fresh-job rows (omp_warmup.c): every run is a new job at OMP_NUM_THREADS=${FRESH_THREADS} (native and ours alternating, median of ${FRESH_REPEATS}). "forks" times 40,000 empty regions in buckets; a construct row times the job's first ${FRESH_REPS} instances of that construct as its first OpenMP code, EPCC style ((test - the same delays alone) / ${FRESH_REPS}), the enclosing region's fork (thread start) included. faasmpi starts the first region's threads while main runs and warms each thread's runtime JS before its first work (FAASMPI_OMP_WARMUP_MS, default 50 ms at least), which these figures include only as far as it delays main.`);
  if (failures.length > 0) result.notes.unshift(...failures.slice(0, 5).map((f) => `fresh-job run FAILED: ${f}`));
}
