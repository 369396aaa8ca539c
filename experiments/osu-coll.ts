// MPI collective latency, OSU style: MPI_Allreduce, MPI_Bcast, MPI_Alltoall and MPI_Barrier at 2 and 4 ranks,
// 8 B .. 1 MiB. One C source (experiments/programs/osu_coll.c) is built natively with Open MPI's mpicc and run
// with `mpirun -np N`, and built with faasmpicc and run with `faasmpirun -np N`, in the same run.
// Open MPI comes from experiments/setup.sh (Debian openmpi-bin, libopenmpi-dev), which this calls.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildDir, buildWasm, programs, repoRoot } from './build.js';
import { errorText, measureSeries, median, sizeLabel, type Series } from './measure.js';
import type { BenchmarkResult, Row } from './result.js';

/** Runs of each (collective, ranks) per side; each size reports the median over them. */
const REPEATS = Number(process.env.OSU_COLL_REPEATS ?? 3);
const COLLECTIVES = ['allreduce', 'bcast', 'alltoall', 'barrier'] as const;
const RANKS = [2, 4];

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
      const nat = measureSeries(`native ${coll} -np ${np}`, 'mpirun', ['--allow-run-as-root', '--oversubscribe', '-np', String(np), native, coll], REPEATS);
      let ours: Series | undefined;
      try {
        if (wasm) ours = measureSeries(`faasmpi ${coll} -np ${np}`, faasmpirun, ['-np', String(np), wasm, coll], REPEATS);
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
  // A fresh job's first calls (issue 14): no warm-up in the program, the buckets as osu_coll.c prints them.
  for (const np of [2]) {
    try {
      const nat = measureSeries(`native fresh -np ${np}`, 'mpirun', ['--allow-run-as-root', '--oversubscribe', '-np', String(np), native, 'fresh'], REPEATS);
      const ours = wasm ? measureSeries(`faasmpi fresh -np ${np}`, faasmpirun, ['-np', String(np), wasm, 'fresh'], REPEATS) : undefined;
      let first = 1;
      for (const [last, v] of nat) {
        const o = ours?.get(last);
        if (o !== undefined) result.rows.push({ metric: `MPI_Allreduce, ${np} ranks, 8 B, fresh job: calls ${first === last ? first : `${first}-${last}`}`, unit: 'us', ours: o, native: v });
        first = last + 1;
      }
    } catch (e) {
      result.notes.push(`NOT MEASURED: fresh-job Allreduce at ${np} ranks: ${errorText(e)}`);
    }
  }
  result.notes.push('Fresh job rows: `osu_coll fresh`, 8-byte Allreduces from the first call of a new job (no warm-up in the program), rank 0\'s mean time per call over each range of calls.');
  if (small.length > 0) {
    const worst = Math.max(...small), med = median(small);
    result.notes.push(`Sizes <= 1 KiB (and Barrier): median ours/native ${med.toFixed(2)}, worst ${worst.toFixed(2)} (goal <= 2): ${worst <= 2 ? 'met' : 'NOT met'}.`);
  }
  return result;
}
