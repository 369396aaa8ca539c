// FaasMPI over several host runtimes: ping-pong latency and Allreduce with the ranks on 2 host runtimes over
// loopback (faasmpirun --local-hosts 2: separate processes, WebSocket links), against native Open MPI forced
// over TCP on loopback (mpirun --mca btl tcp,self), plus the same job on one host runtime; and how many
// collective messages cross between hosts at 4 ranks on 2 hosts, ours against the host-oblivious algorithm.
// All in one run. Open MPI comes from experiments/setup.sh.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildDir, buildWasm, programs, repoRoot } from './build.js';
import { errorText, measureSeries, sizeLabel, type Series } from './measure.js';
import type { BenchmarkResult } from './result.js';

const REPEATS = Number(process.env.CLUSTER_REPEATS ?? 3);
/** Cross-host runs do 1/DIVIDE of the OSU round trips (a cross-host round trip costs ~0.5 ms). */
const DIVIDE = 10;
const MAX_BYTES = 1 << 20;
const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');

/** Collective messages a host-oblivious (flat) run of the same algorithms sends between hosts, 4 ranks as
 * {0,1} {2,3}: Barrier = dissemination over 4 ranks (2 rounds: 2 + 4 crossing); Bcast = binomial tree from 0
 * (0->2 crosses); Allreduce = every rank sends its contribution to every other below 16 KiB (8 crossing), and
 * above a reduce-scatter plus allgather where every rank sends a segment to every other twice (16 crossing);
 * Gather = each remote rank to the root (2); Reduce = binomial tree to 0 (2->0 crosses). */
const FLAT: Record<string, number> = { barrier: 6, bcast: 1, bcast_1MiB: 1, allreduce: 8, allreduce_1MiB: 16, gather: 2, reduce: 1 };

function nativeBuild(source: string): string {
  const target = join(buildDir, source.replace(/\.c$/, '.mpi.native'));
  execFileSync('mpicc', ['-O2', join(programs, source), '-o', target], { stdio: 'inherit' });
  return target;
}

export async function run(): Promise<BenchmarkResult> {
  const result: BenchmarkResult = {
    name: 'cluster',
    title: 'FaasMPI on 2 host runtimes (loopback WebSocket links) vs Open MPI over TCP loopback',
    rows: [],
    notes: [
      `Ping-pong: experiments/programs/osu_latency.c, ranks 0 and 1. Allreduce: osu_coll.c allreduce (MPI_FLOAT, MPI_SUM) at 2 and 4 ranks. Cross-host runs do 1/${DIVIDE} of the usual round trips / calls (same warm-up); each size is the median of ${REPEATS} runs.`,
      'Native: Open MPI (mpicc -O2), mpirun --mca btl tcp,self (TCP over loopback, no shared memory). Ours "2 hosts": faasmpirun --local-hosts 2 --policy spread (two `faasmpi host` processes, ranks split evenly, each host given half of the cores). Ours "1 host": faasmpirun -np N (shared-memory inboxes).',
      'ours/native below 1 means faster than native.',
    ],
  };
  try {
    execFileSync('bash', [join(repoRoot, 'experiments/setup.sh')], { stdio: 'inherit' });
  } catch (e) {
    result.notes.unshift(`NOT MEASURED: Open MPI is missing and experiments/setup.sh could not install it (${errorText(e)})`);
    return result;
  }
  const tcp = (np: number, prog: string, args: string[]) => ['--allow-run-as-root', '--oversubscribe', '--mca', 'btl', 'tcp,self', '-np', String(np), prog, ...args];
  const twoHosts = (np: number, prog: string, args: string[]) => ['--local-hosts', '2', '--policy', 'spread', '-np', String(np), prog, ...args];
  const series: { what: string; np: number; native: Series; hosts2: Series; host1: Series }[] = [];
  try {
    const lat = { native: nativeBuild('osu_latency.c'), wasm: buildWasm('osu_latency.c') };
    const coll = { native: nativeBuild('osu_coll.c'), wasm: buildWasm('osu_coll.c') };
    const latArgs = [String(MAX_BYTES), String(DIVIDE)];
    series.push({
      what: 'ping-pong latency', np: 2,
      native: measureSeries('Open MPI tcp osu_latency', 'mpirun', tcp(2, lat.native, latArgs), REPEATS),
      hosts2: measureSeries('faasmpi 2 hosts osu_latency', faasmpirun, twoHosts(2, lat.wasm, latArgs), REPEATS),
      host1: measureSeries('faasmpi 1 host osu_latency', faasmpirun, ['-np', '2', lat.wasm, ...latArgs], REPEATS),
    });
    for (const np of [2, 4]) {
      const args = ['allreduce', String(MAX_BYTES), String(DIVIDE)];
      series.push({
        what: 'MPI_Allreduce', np,
        native: measureSeries(`Open MPI tcp allreduce -np ${np}`, 'mpirun', tcp(np, coll.native, args), REPEATS),
        hosts2: measureSeries(`faasmpi 2 hosts allreduce -np ${np}`, faasmpirun, twoHosts(np, coll.wasm, args), REPEATS),
        host1: measureSeries(`faasmpi 1 host allreduce -np ${np}`, faasmpirun, ['-np', String(np), coll.wasm, ...args], REPEATS),
      });
    }
  } catch (e) {
    result.notes.unshift(`NOT MEASURED (partly): ${errorText(e)}`);
  }
  for (const s of series) {
    for (const [n, native] of s.native) {
      const h2 = s.hosts2.get(n), h1 = s.host1.get(n);
      if (h2 === undefined || h1 === undefined) continue;
      const label = `${s.what}, ${s.np} ranks, ${sizeLabel(n)}`;
      result.rows.push({ metric: `${label}: ours on 2 hosts`, unit: 'us', ours: h2, native });
      result.rows.push({ metric: `${label}: ours on 1 host`, unit: 'us', ours: h1, native });
    }
  }
  // Cross-host collective messages, 4 ranks on 2 hosts.
  try {
    const wasm = join(buildDir, 'coll_cross_host.wasm');
    execFileSync(join(repoRoot, 'toolchain/bin/faasmpicc'), ['-O2', join(repoRoot, 'test/programs/coll_cross_host.c'), '-o', wasm], { stdio: 'inherit' });
    const r = spawnSync(faasmpirun, twoHosts(4, wasm, []), { cwd: buildDir, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`coll_cross_host failed (${r.status}): ${r.stderr}`);
    for (const m of r.stdout.matchAll(/^CROSS (\S+) (\d+)$/gm)) {
      result.rows.push({ metric: `cross-host messages, ${m[1]}, 4 ranks on 2 hosts`, unit: 'messages', ours: Number(m[2]), reference: FLAT[m[1]], note: 'reference: the same algorithms without host leaders (flat)' });
    }
  } catch (e) {
    result.notes.push(`NOT MEASURED: cross-host message counts: ${errorText(e)}`);
  }
  return result;
}
