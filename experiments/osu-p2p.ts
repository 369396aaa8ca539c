// MPI point-to-point performance, OSU style: ping-pong latency and windowed bandwidth between two ranks.
// The same C sources (experiments/programs/osu_latency.c, osu_bw.c) are built natively with Open MPI's mpicc
// and run with `mpirun -np 2`, and built with faasmpicc and run with `faasmpirun -np 2`, in the same run.
// Open MPI comes from experiments/setup.sh (Debian openmpi-bin, libopenmpi-dev), which this calls.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildDir, buildWasm, programs, repoRoot } from './build.js';
import type { BenchmarkResult, Row } from './result.js';

/** Runs of each program per side; each size reports the median over them. */
const REPEATS = 3;
const TIMEOUT_MS = 10 * 60_000;

type Series = Map<number, number>;

function sizeLabel(bytes: number): string {
  if (bytes >= 1 << 20) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} B`;
}

/** "size value" lines (comments start with '#'). */
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

/** Runs cmd REPEATS times; per size, the median. Throws with the command's output if a run fails. */
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

function buildNativeMpi(source: string): string {
  const target = join(buildDir, source.replace(/\.c$/, '.mpi.native'));
  execFileSync('mpicc', ['-O2', join(programs, source), '-o', target], { stdio: 'inherit' });
  return target;
}

function mpirunArgs(program: string): string[] {
  // On a machine with a single core two ranks need --oversubscribe (which makes Open MPI yield while polling).
  return ['--allow-run-as-root', ...(cpus().length < 2 ? ['--oversubscribe'] : []), '-np', '2', program];
}

function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 1500);
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
    latency: measure('native osu_latency', 'mpirun', mpirunArgs(nativeLat)),
    bandwidth: measure('native osu_bw', 'mpirun', mpirunArgs(nativeBw)),
  };

  let ours: { latency: Series; bandwidth: Series };
  try {
    const wasmLat = buildWasm('osu_latency.c');
    const wasmBw = buildWasm('osu_bw.c');
    const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');
    ours = {
      latency: measure('faasmpi osu_latency', faasmpirun, ['-np', '2', wasmLat]),
      bandwidth: measure('faasmpi osu_bw', faasmpirun, ['-np', '2', wasmBw]),
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
