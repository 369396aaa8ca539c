// OpenMP teams spread over host runtimes (faasmpirun --omp-spread, openmp/spread/): the tiled DGEMM of the
// openmp experiment (omp_dgemm.c, n=1536 by default) natively at 1 and 2 threads, ours on one host at 1 and 2
// threads, and ours over 2 host runtimes on this machine (--local-hosts 2) with 1 and with 2 threads each.
// Configurations alternate within each repeat (A B C ... then again), each figure is the median of the repeats,
// and the load average at the start and end of the run is noted. Spread runs add, from -v, the bytes of FDiffs
// the main host received and of updates it sent per parallel region, and the time per synchronisation point
// (barrier or join; the part waiting for the other host is shown apart). The DGEMM checksum must equal native's.
// Env: OMP_HOSTS_REPEATS (default 3), OMP_HOSTS_DGEMM_N (default 1536), OMP_HOSTS_TIMEOUT_S (one run, default 300).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir, buildNative, buildWasm, repoRoot } from './build.js';
import { errorText, median } from './measure.js';
import type { BenchmarkResult } from './result.js';

const REPEATS = Number(process.env.OMP_HOSTS_REPEATS ?? 3);
const N = Number(process.env.OMP_HOSTS_DGEMM_N ?? 1536);
const TIMEOUT_MS = Number(process.env.OMP_HOSTS_TIMEOUT_S ?? 300) * 1000;

interface Config {
  label: string;
  native: boolean;
  threads: number;
  /** Host runtimes (0: ours on this process's own host, no cluster). */
  hosts: number;
}

const CONFIGS: Config[] = [
  { label: 'native, 1 thread', native: true, threads: 1, hosts: 0 },
  { label: 'native, 2 threads', native: true, threads: 2, hosts: 0 },
  { label: 'ours, one host, 1 thread', native: false, threads: 1, hosts: 0 },
  { label: 'ours, one host, 2 threads', native: false, threads: 2, hosts: 0 },
  { label: 'ours, 2 hosts x 1 thread', native: false, threads: 2, hosts: 2 },
  { label: 'ours, 2 hosts x 2 threads', native: false, threads: 4, hosts: 2 },
];

interface Sample {
  gflops: number;
  seconds: number;
  check: string;
  regions?: number;
  syncs?: number;
  syncMs?: number;
  waitMs?: number;
  diffBytes?: number;
  updateBytes?: number;
}

function runOnce(c: Config, cmd: string, args: string[]): Sample {
  const r = spawnSync(cmd, args, { cwd: buildDir, env: { ...process.env, OMP_NUM_THREADS: String(c.threads) }, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 16 << 20 });
  const line = /gflops=(\S+)/.test(r.stdout ?? '') ? r.stdout : '';
  const num = (re: RegExp, s: string) => Number(re.exec(s)?.[1]);
  if (r.status !== 0 || !line) throw new Error(`${c.label}: ${r.error?.message ?? `exit status ${r.status}`}: ${`${r.stderr}\n${r.stdout}`.trim().split('\n').slice(-6).join(' | ')}`);
  const s: Sample = { gflops: num(/gflops=(\S+)/, line), seconds: num(/seconds=(\S+)/, line), check: `${/checksum=(\S+)/.exec(line)?.[1]} ${/check=(\S+)/.exec(line)?.[1]}` };
  const stats = /(\d+) region\(s\) spread over hosts, (\d+) synchronisation\(s\) of (\S+) ms each \((\S+) ms of it waiting for the other hosts\), (\d+) bytes of FDiffs received, (\d+) bytes of updates sent/.exec(r.stderr ?? '');
  if (stats) {
    [s.regions, s.syncs, s.syncMs, s.waitMs, s.diffBytes, s.updateBytes] = stats.slice(1).map(Number);
  } else if (c.hosts > 0) {
    throw new Error(`${c.label}: no spread figures in -v output (did the team spread?): ${(r.stderr ?? '').trim().split('\n').slice(-4).join(' | ')}`);
  }
  return s;
}

export async function run(): Promise<BenchmarkResult> {
  const result: BenchmarkResult = { name: 'openmp-hosts', title: `OpenMP teams over host runtimes (--omp-spread): DGEMM n=${N}`, rows: [], notes: [] };
  const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');
  let native: string | undefined, wasm: string | undefined;
  try { native = buildNative('omp_dgemm.c', ['-O3', '-fopenmp']); } catch (e) { result.notes.push(`ERROR: native build failed: ${errorText(e)}`); }
  try { wasm = buildWasm('omp_dgemm.c', ['-O3', '-fopenmp', '-msimd128']); } catch (e) { result.notes.push(`ERROR: faasmpicc build failed: ${errorText(e)}`); }
  const command = (c: Config): [string, string[]] | undefined => {
    if (c.native) return native ? [native, [String(N)]] : undefined;
    if (!wasm) return undefined;
    const spread = c.hosts > 0 ? ['--local-hosts', String(c.hosts), '--omp-spread', '-v'] : [];
    return [faasmpirun, [...spread, '-np', '1', wasm, String(N)]];
  };
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loadBefore = load();
  const samples = new Map<Config, Sample[]>();
  const failures = new Map<Config, string>();
  for (let rep = 0; rep < REPEATS; rep++) {
    const order = rep % 2 === 0 ? CONFIGS : [...CONFIGS].reverse();
    for (const c of order) {
      const cmd = command(c);
      if (!cmd || failures.has(c)) continue;
      try {
        const t0 = Date.now();
        const s = runOnce(c, cmd[0], cmd[1]);
        samples.set(c, [...(samples.get(c) ?? []), s]);
        console.log(`  ${c.label} run ${rep + 1}/${REPEATS}: ${s.gflops} GFLOP/s (${((Date.now() - t0) / 1000).toFixed(1)} s with start-up)`);
      } catch (e) {
        console.log(`  ${c.label} FAILED`);
        failures.set(c, errorText(e));
      }
    }
  }
  const med = (c: Config, f: (s: Sample) => number | undefined) => {
    const xs = (samples.get(c) ?? []).map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
    return xs.length > 0 ? median(xs) : undefined;
  };
  const nativeAt = (threads: number) => med(CONFIGS.find((c) => c.native && c.threads === threads)!, (s) => s.gflops);
  const nativeChecks = new Set((samples.get(CONFIGS[0]) ?? []).map((s) => s.check));
  for (const c of CONFIGS.filter((x) => !x.native)) {
    const g = med(c, (s) => s.gflops);
    if (g === undefined) continue;
    const checks = new Set((samples.get(c) ?? []).map((s) => s.check));
    const mismatch = nativeChecks.size > 0 && [...checks].some((k) => !nativeChecks.has(k));
    if (mismatch) result.notes.unshift(`ERROR: CHECKSUM MISMATCH for ${c.label}: ${[...checks].join(' / ')} vs native ${[...nativeChecks].join(' / ')}.`);
    const perHost = c.hosts > 0 ? c.threads / c.hosts : c.threads;
    result.rows.push({ metric: `DGEMM n=${N}, ${c.label}`, unit: 'GFLOP/s', ours: g, native: nativeAt(Math.min(2, c.threads)), note: `higher is better${mismatch ? '; CHECKSUM MISMATCH' : ''}${c.hosts > 0 ? `; native column: ${Math.min(2, c.threads)} thread(s)` : ''}` });
    if (c.hosts > 0) {
      const regions = med(c, (s) => s.regions) ?? 1;
      result.rows.push({ metric: `DGEMM n=${N}, ${c.label}: FDiffs received per region`, unit: 'MB', ours: (med(c, (s) => s.diffBytes) ?? NaN) / regions / 1e6 });
      result.rows.push({ metric: `DGEMM n=${N}, ${c.label}: updates sent per region (first one: the image)`, unit: 'MB', ours: (med(c, (s) => s.updateBytes) ?? NaN) / regions / 1e6 });
      result.rows.push({ metric: `DGEMM n=${N}, ${c.label}: time per synchronisation point`, unit: 'ms', ours: med(c, (s) => s.syncMs) ?? NaN, note: `of which waiting for the other host ${med(c, (s) => s.waitMs)?.toFixed(1)} ms (its compute, diff and the transfer)` });
      const oneHostHalf = med(CONFIGS.find((x) => !x.native && x.hosts === 0 && x.threads === Math.max(1, perHost))!, (s) => s.gflops);
      if (oneHostHalf) result.notes.push(`${c.label}: ${(g / oneHostHalf).toFixed(2)}x ours on one host with ${perHost} thread(s) (goal: 1.6x).`);
    }
  }
  for (const [c, e] of failures) result.notes.unshift(`${c.label} FAILED: ${e}`);
  result.notes.push(`Load average (1, 5, 15 min) at the start: ${loadBefore}; at the end: ${load()}. Medians of ${REPEATS} runs, configurations alternating.`);
  return result;
}
