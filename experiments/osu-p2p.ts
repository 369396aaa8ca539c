// MPI point-to-point performance, OSU style: ping-pong latency and windowed bandwidth between two ranks.
// The same C sources (experiments/programs/osu_latency.c, osu_bw.c) are built natively with Open MPI's mpicc
// and run with `mpirun -np 2`, and built with faasmpicc and run with `faasmpirun -np 2`, in the same run.
// Open MPI comes from experiments/setup.sh (Debian openmpi-bin, libopenmpi-dev), which this calls.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildDir, buildWasm, programs, repoRoot } from './build.js';
import { errorText, measureSeries, sizeLabel, type Series } from './measure.js';
import type { BenchmarkResult, Row } from './result.js';

/** Runs of each program per side; each size reports the median over them. */
const REPEATS = 3;
/** Runs per side of the fresh-job rows (they vary more than the warm ones). */
const FRESH_REPEATS = 5;

function medianOf(values: (number | undefined)[]): number | undefined {
  const v = values.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  return v.length === values.length && v.length > 0 ? v[v.length >> 1] : undefined;
}

function buildNativeMpi(source: string): string {
  const target = join(buildDir, source.replace(/\.c$/, '.mpi.native'));
  execFileSync('mpicc', ['-O2', join(programs, source), '-o', target], { stdio: 'inherit' });
  return target;
}

function mpirunArgs(program: string): string[] {
  // On a machine with a single core two ranks need --oversubscribe (which makes Open MPI yield while polling).
  return ['--allow-run-as-root', ...(cpus().length < 2 ? ['--oversubscribe'] : []), '-np', '2', program];
}

function seriesText(s: Series, unit: string): string {
  return [...s].map(([n, v]) => `${sizeLabel(n)} ${v.toPrecision(3)}`).join(', ') + ` (${unit})`;
}

export async function run(): Promise<BenchmarkResult> {
  const result: BenchmarkResult = {
    name: 'osu-p2p',
    title: 'MPI point-to-point: ping-pong latency and windowed bandwidth, 2 ranks (OSU style)',
    rows: [],
    notes: [
      'Programs: experiments/programs/osu_latency.c (after 0.5 s of 8-byte warm-up traffic so the first size is not a JIT/start-up artefact; ping-pong; one-way latency = round trip / 2; 10000/1000/100 timed round trips for sizes up to 8 KiB / 256 KiB / above, after 10% warm-up) and osu_bw.c (same 0.5 s warm-up; rank 0 posts a window of 64 MPI_Isend + MPI_Waitall, rank 1 64 MPI_Irecv into separate buffers + MPI_Waitall and a 4-byte ack; the window shrinks above 1 MiB to keep the receive buffers within 64 MiB; MB = 10^6 bytes).',
      `Native: Open MPI built with mpicc -O2, run with mpirun -np 2 on this machine (shared-memory transport). Ours: faasmpicc -O2, faasmpirun -np 2. Each size is the median of ${REPEATS} runs per side.`,
      'ours/native: for latency (us) below 1 means faster than native; for bandwidth (MB/s) it is the other way round: above 1 means faster than native.',
      'Goals: 8-byte latency at most 2x native; bandwidth at 1 MiB and above at least native (ours/native >= 1).',
    ],
  };

  try {
    execFileSync('bash', [join(repoRoot, 'experiments/setup.sh')], { stdio: 'inherit' });
  } catch (e) {
    result.notes.unshift(`NOT MEASURED: Open MPI is missing and experiments/setup.sh could not install it (${errorText(e)}); run \`bash experiments/setup.sh\` as root.`);
    return result;
  }

  const nativeLat = buildNativeMpi('osu_latency.c');
  const nativeBw = buildNativeMpi('osu_bw.c');
  const native = {
    latency: measureSeries('native osu_latency', 'mpirun', mpirunArgs(nativeLat), REPEATS),
    bandwidth: measureSeries('native osu_bw', 'mpirun', mpirunArgs(nativeBw), REPEATS),
  };

  let ours: { latency: Series; bandwidth: Series };
  try {
    const wasmLat = buildWasm('osu_latency.c');
    const wasmBw = buildWasm('osu_bw.c');
    const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');
    ours = {
      latency: measureSeries('faasmpi osu_latency', faasmpirun, ['-np', '2', wasmLat], REPEATS),
      bandwidth: measureSeries('faasmpi osu_bw', faasmpirun, ['-np', '2', wasmBw], REPEATS),
    };
  } catch (e) {
    // Our side failed (e.g. MPI messaging not there yet): report it and the native numbers, keep the run going.
    result.notes.unshift(`NOT MEASURED for faasmpi: the faasmpi build or run failed: ${errorText(e)}`);
    result.notes.push(`Native latency: ${seriesText(native.latency, 'us')}.`, `Native bandwidth: ${seriesText(native.bandwidth, 'MB/s')}.`);
    return result;
  }

  const rows: Row[] = [];
  for (const [n, nat] of native.latency) {
    const o = ours.latency.get(n);
    if (o !== undefined) rows.push({ metric: `ping-pong latency, ${sizeLabel(n)}`, unit: 'us', ours: o, native: nat });
  }
  for (const [n, nat] of native.bandwidth) {
    const o = ours.bandwidth.get(n);
    if (o !== undefined) rows.push({ metric: `windowed bandwidth, ${sizeLabel(n)}`, unit: 'MB/s', ours: o, native: nat, note: 'higher is better' });
  }
  result.rows = rows;

  // A fresh job's first ping-pongs (issue 14 item 5): no warm-up in the program, ours and native interleaved.
  try {
    const wasmLat = buildWasm('osu_latency.c');
    const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');
    const nat: Series[] = [], our: Series[] = [];
    for (let i = 0; i < FRESH_REPEATS; i++) {
      nat.push(measureSeries(`native osu_latency fresh (${i + 1}/${FRESH_REPEATS}, load ${loadavg()[0].toFixed(2)})`, 'mpirun', [...mpirunArgs(nativeLat), 'fresh'], 1));
      our.push(measureSeries(`faasmpi osu_latency fresh (${i + 1}/${FRESH_REPEATS})`, faasmpirun, ['-np', '2', wasmLat, 'fresh'], 1));
    }
    let first = 1;
    for (const last of nat[0].keys()) {
      const n = medianOf(nat.map((r) => r.get(last))), o = medianOf(our.map((r) => r.get(last)));
      if (n !== undefined && o !== undefined) rows.push({ metric: `ping-pong 8 B, fresh job: round trips ${first === last ? first : `${first}-${last}`}`, unit: 'us', ours: o, native: n });
      first = last + 1;
    }
    result.notes.push(`Fresh-job rows: \`osu_latency fresh\`, 8-byte ping-pongs from the job's first call (no warm-up), one-way latency averaged over each range of round trips; median of ${FRESH_REPEATS} runs per side, interleaved.`);
  } catch (e) {
    result.notes.push(`NOT MEASURED: fresh-job ping-pong: ${errorText(e)}`);
  }

  const lat8 = ours.latency.get(8), nat8 = native.latency.get(8);
  if (lat8 !== undefined && nat8 !== undefined) {
    const q = lat8 / nat8;
    result.notes.push(`8-byte latency: ${lat8.toPrecision(3)} us vs ${nat8.toPrecision(3)} us native = ${q.toFixed(2)}x (goal <= 2x): ${q <= 2 ? 'met' : 'NOT met'}.`);
  }
  const big = [...native.bandwidth.keys()].filter((n) => n >= 1 << 20 && ours.bandwidth.has(n));
  if (big.length > 0) {
    const worst = Math.min(...big.map((n) => ours.bandwidth.get(n)! / native.bandwidth.get(n)!));
    result.notes.push(`Bandwidth at >= 1 MiB: lowest ours/native ${worst.toFixed(2)} (goal >= 1): ${worst >= 1 ? 'met' : 'NOT met'}.`);
  }
  return result;
}
