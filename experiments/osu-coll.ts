// MPI collective latency, OSU style: Barrier, Bcast, Reduce, Allreduce, Allgather and Alltoall at 2, 4 and 8 ranks,
// 8 B .. 1 MiB. One C source (experiments/programs/osu_coll.c) is built natively with Open MPI's mpicc and run
// with `mpirun -np N`, and built with faasmpicc and run with `faasmpirun -np N`, in the same run, interleaved
// (native, ours, ours with messages only, native, ...) so load changes hit all three alike. "Messages only" is
// FAASMPI_COLL_SHARED=0: every collective on the point-to-point schedules, as before the shared-memory
// collectives (collectives/shared.ts). Open MPI comes from experiments/setup.sh (Debian openmpi-bin,
// libopenmpi-dev), which this calls. One command: `node dist/experiments/run-all.js osu-coll` (or import run()).
// OSU_COLL_REPEATS (default 3), OSU_COLL_RANKS (e.g. "2,4"), OSU_COLL_ONLY (e.g. "allreduce,barrier") narrow it.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildDir, buildWasm, programs, repoRoot } from './build.js';
import { errorText, measureSeries, median, sizeLabel, type Series } from './measure.js';
import type { BenchmarkResult, Row } from './result.js';

/** Runs of each (collective, ranks) per side; each size reports the median over them. */
const REPEATS = Number(process.env.OSU_COLL_REPEATS ?? 3);
const ALL = ['barrier', 'bcast', 'reduce', 'allreduce', 'allgather', 'alltoall'] as const;
const COLLECTIVES = process.env.OSU_COLL_ONLY ? ALL.filter((c) => process.env.OSU_COLL_ONLY!.split(',').includes(c)) : [...ALL];
const RANKS = (process.env.OSU_COLL_RANKS ?? '2,4,8').split(',').map(Number);

/** One run per side per repeat, interleaved; each side's per-size median. */
function interleaved(sides: { label: string; cmd: string; args: string[]; env?: NodeJS.ProcessEnv }[]): Series[] {
  const runs: Series[][] = sides.map(() => []);
  for (let i = 0; i < REPEATS; i++) {
    sides.forEach((side, k) => {
      const saved = { ...process.env };
      if (side.env) Object.assign(process.env, side.env);
      try {
        runs[k].push(measureSeries(`${side.label} (${i + 1}/${REPEATS}, load ${loadavg()[0].toFixed(2)})`, side.cmd, side.args, 1));
      } finally {
        for (const key of Object.keys(side.env ?? {})) if (saved[key] === undefined) delete process.env[key]; else process.env[key] = saved[key];
      }
    });
  }
  return runs.map((rs) => {
    const out: Series = new Map();
    for (const size of rs[0].keys()) {
      const values = rs.map((r) => r.get(size)).filter((v): v is number => v !== undefined);
      if (values.length === rs.length) out.set(size, median(values));
    }
    return out;
  });
}

export async function run(): Promise<BenchmarkResult> {
  const result: BenchmarkResult = {
    name: 'osu-coll',
    title: 'MPI collectives: latency of Barrier, Bcast, Reduce, Allreduce, Allgather, Alltoall at 2, 4 and 8 ranks (OSU style)',
    rows: [],
    notes: [
      'Program: experiments/programs/osu_coll.c (after 0.5 s of 8-byte calls as warm-up; per size 2000/200/50 timed calls up to 16 KiB / 256 KiB / above, after 10% warm-up; latency = mean time per call, averaged over the ranks). Allreduce, Reduce: MPI_FLOAT, MPI_SUM; Bcast, Reduce: root 0; Allgather, Alltoall: the size is per peer; Barrier: one row.',
      `Native: Open MPI built with mpicc -O2, run with mpirun --oversubscribe -np N on this machine (${cpus().length} cores). Ours: faasmpicc -O2, faasmpirun -np N. Each size is the median of ${REPEATS} runs per side, the sides interleaved (native, ours, ours messages-only, ...). Each row\'s note: ours with FAASMPI_COLL_SHARED=0 (every collective on messages, as before the shared-memory collectives).`,
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
  mkdirSync(buildDir, { recursive: true });
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
  const loads: number[] = [];
  for (const coll of COLLECTIVES) {
    for (const np of RANKS) {
      const launch = ['--allow-run-as-root', '--oversubscribe', '-np', String(np), native, coll];
      let nat: Series, ours: Series | undefined, before: Series | undefined;
      try {
        loads.push(loadavg()[0]);
        const sides = [{ label: `native ${coll} -np ${np}`, cmd: 'mpirun', args: launch }];
        if (wasm) {
          sides.push({ label: `faasmpi ${coll} -np ${np}`, cmd: faasmpirun, args: ['-np', String(np), wasm, coll] });
          sides.push({ label: `faasmpi messages-only ${coll} -np ${np}`, cmd: faasmpirun, args: ['-np', String(np), wasm, coll], env: { FAASMPI_COLL_SHARED: '0' } } as typeof sides[0]);
        }
        [nat, ours, before] = interleaved(sides);
      } catch (e) {
        result.notes.push(`NOT MEASURED: ${coll} -np ${np}: ${errorText(e)}`);
        continue;
      }
      for (const [n, v] of nat) {
        const o = ours?.get(n);
        if (o === undefined) continue;
        const metric = coll === 'barrier' ? `MPI_Barrier, ${np} ranks` : `MPI_${coll[0].toUpperCase()}${coll.slice(1)}, ${np} ranks, ${sizeLabel(n)}`;
        const b = before?.get(n);
        const row: Row = { metric, unit: 'us', ours: o, native: v, note: b === undefined ? undefined : `messages only (before): ${b.toPrecision(3)} us` };
        result.rows.push(row);
        if (n <= 1024) small.push(o / v);
        if (coll === 'allreduce' && n === 1 << 20) {
          result.notes.push(`1 MiB Allreduce at ${np} ranks: ${o.toPrecision(3)} us vs ${v.toPrecision(3)} us native = ${(o / v).toFixed(2)}x (goal <= 1): ${o <= v ? 'met' : 'NOT met'}.`);
        }
      }
    }
  }
  if (loads.length > 0) result.notes.push(`1-minute load average at the start of each (collective, ranks): median ${median(loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}.`);
  // A fresh job's first calls (issue 14): no warm-up in the program, the buckets as osu_coll.c prints them.
  for (const np of [2]) {
    try {
      const sides = [{ label: `native fresh -np ${np}`, cmd: 'mpirun', args: ['--allow-run-as-root', '--oversubscribe', '-np', String(np), native, 'fresh'] }];
      if (wasm) {
        sides.push({ label: `faasmpi fresh -np ${np}`, cmd: faasmpirun, args: ['-np', String(np), wasm, 'fresh'] });
        sides.push({ label: `faasmpi messages-only fresh -np ${np}`, cmd: faasmpirun, args: ['-np', String(np), wasm, 'fresh'], env: { FAASMPI_COLL_SHARED: '0' } } as typeof sides[0]);
      }
      const [nat, ours, before] = interleaved(sides);
      let first = 1;
      for (const [last, v] of nat) {
        const o = ours?.get(last), b = before?.get(last);
        if (o !== undefined) result.rows.push({ metric: `MPI_Allreduce, ${np} ranks, 8 B, fresh job: calls ${first === last ? first : `${first}-${last}`}`, unit: 'us', ours: o, native: v, note: b === undefined ? undefined : `messages only (before): ${b.toPrecision(3)} us` });
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
