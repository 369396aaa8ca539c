// MPI collective latency, OSU style: MPI_Allreduce, MPI_Bcast, MPI_Alltoall and MPI_Barrier at 2 and 4 ranks,
// 8 B .. 1 MiB. One C source (experiments/programs/osu_coll.c) is built natively with Open MPI's mpicc and run
// with `mpirun -np N`, and built with faasmpicc and run with `faasmpirun -np N`, in the same run.
// Open MPI comes from experiments/setup.sh (Debian openmpi-bin, libopenmpi-dev), which this calls.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildDir, buildWasm, programs, repoRoot } from './build.js';
import type { BenchmarkResult, Row } from './result.js';

/** Runs of each (collective, ranks) per side; each size reports the median over them. */
const REPEATS = Number(process.env.OSU_COLL_REPEATS ?? 3);
const TIMEOUT_MS = 10 * 60_000;
const COLLECTIVES = ['allreduce', 'bcast', 'alltoall', 'barrier'] as const;
const RANKS = [2, 4];

type Series = Map<number, number>;

function sizeLabel(bytes: number): string {
  if (bytes >= 1 << 20) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} B`;
}

function parse(stdout: string): Series {
  const out: Series = new Map();
  for (const line of stdout.split('\n')) {
    const m = /^(\d+)\s+([0-9.eE+-]+)$/.exec(line.trim());
    if (m) out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(label: string, cmd: string, args: string[]): Series {
  const runs: Series[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const r = spawnSync(cmd, args, { cwd: buildDir, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 16 << 20 });
    const series = parse(r.stdout ?? '');
    if (r.error || r.status !== 0 || series.size === 0) {
      const why = r.error ? String(r.error.message) : `exit status ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}`;
      const tail = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').slice(-12).join(' | ');
      throw new Error(`${label}: ${why}${tail ? `: ${tail}` : ''}`);
    }
    runs.push(series);
    console.log(`  ${label} run ${i + 1}/${REPEATS}: ${series.size} sizes`);
  }
  const out: Series = new Map();
  for (const size of runs[0].keys()) {
    const values = runs.map((s) => s.get(size)).filter((v): v is number => v !== undefined);
    if (values.length === runs.length) out.set(size, median(values));
  }
  return out;
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 1500);
}

export async function run(): Promise<BenchmarkResult> {
  const result: BenchmarkResult = {
    name: 'osu-coll',
    title: 'MPI collectives: latency of Allreduce, Bcast, Alltoall, Barrier at 2 and 4 ranks (OSU style)',
    rows: [],
    notes: [
      'Program: experiments/programs/osu_coll.c (after 0.5 s of 8-byte calls as warm-up; per size 2000/200/50 timed calls up to 16 KiB / 256 KiB / above, after 10% warm-up; latency = mean time per call, averaged over the ranks). Allreduce: MPI_FLOAT, MPI_SUM; Bcast: root 0; Alltoall: the size is per peer; Barrier: one row.',
      `Native: Open MPI built with mpicc -O2, run with mpirun --oversubscribe -np N on this machine (${cpus().length} cores). Ours: faasmpicc -O2, faasmpirun -np N. Each size is the median of ${REPEATS} runs per side.`,
      'ours/native below 1 means faster than native.',
      'Goals: small sizes (<= 1 KiB) at most 2x native; 1 MiB Allreduce no slower than native.',
    ],
  };
  try {
    execFileSync('bash', [join(repoRoot, 'experiments/setup.sh')], { stdio: 'inherit' });
  } catch (e) {
    result.notes.unshift(`NOT MEASURED: Open MPI is missing and experiments/setup.sh could not install it (${errorText(e)}); run \`bash experiments/setup.sh\` as root.`);
    return result;
  }
  const native = join(buildDir, 'osu_coll.mpi.native');
  execFileSync('mpicc', ['-O2', join(programs, 'osu_coll.c'), '-o', native], { stdio: 'inherit' });
  let wasm: string | undefined;
  try {
    wasm = buildWasm('osu_coll.c');
  } catch (e) {
    result.notes.unshift(`NOT MEASURED for faasmpi: the build failed: ${errorText(e)}`);
  }
  const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');
  const small: number[] = [];
  for (const coll of COLLECTIVES) {
    for (const np of RANKS) {
      const nat = measure(`native ${coll} -np ${np}`, 'mpirun', ['--allow-run-as-root', '--oversubscribe', '-np', String(np), native, coll]);
      let ours: Series | undefined;
      try {
        if (wasm) ours = measure(`faasmpi ${coll} -np ${np}`, faasmpirun, ['-np', String(np), wasm, coll]);
      } catch (e) {
        result.notes.push(`NOT MEASURED for faasmpi ${coll} -np ${np}: ${errorText(e)}`);
      }
      for (const [n, v] of nat) {
        const o = ours?.get(n);
        if (o === undefined) continue;
        const metric = coll === 'barrier' ? `MPI_Barrier, ${np} ranks` : `MPI_${coll[0].toUpperCase()}${coll.slice(1)}, ${np} ranks, ${sizeLabel(n)}`;
        const row: Row = { metric, unit: 'us', ours: o, native: v };
        result.rows.push(row);
        if (n <= 1024) small.push(o / v);
        if (coll === 'allreduce' && n === 1 << 20) {
          result.notes.push(`1 MiB Allreduce at ${np} ranks: ${o.toPrecision(3)} us vs ${v.toPrecision(3)} us native = ${(o / v).toFixed(2)}x (goal <= 1): ${o <= v ? 'met' : 'NOT met'}.`);
        }
      }
    }
  }
  if (small.length > 0) {
    const worst = Math.max(...small), med = median(small);
    result.notes.push(`Sizes <= 1 KiB (and Barrier): median ours/native ${med.toFixed(2)}, worst ${worst.toFixed(2)} (goal <= 2): ${worst <= 2 ? 'met' : 'NOT met'}.`);
  }
  return result;
}
