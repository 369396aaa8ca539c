// FaasMPI over several host runtimes: ping-pong latency (8 B .. 1 MiB), windowed bandwidth and Allreduce with the
// ranks on 2 host runtimes over loopback (faasmpirun --local-hosts 2: separate processes, mutual-TLS WebSocket
// links), against native Open MPI forced over TCP on loopback (mpirun --mca btl tcp,self), plus the same job on
// one host runtime; and how many collective messages cross between hosts at 4 ranks on 2 hosts, ours against the
// host-oblivious algorithm. All in one run: `node dist/experiments/run-all.js cluster`. The configurations are run
// interleaved (A B C A B C ...), each figure is the median over the runs, and the load average before each run is
// kept (the machine is shared). CLUSTER_BASELINE=<another checkout>/cli/bin/faasmpirun adds that build's 2-host
// figures as a "before" column in the same interleaving. Open MPI comes from experiments/setup.sh.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir, buildWasm, programs, repoRoot } from './build.js';
import { errorText, median, parseSeries, sizeLabel, type Series } from './measure.js';
import type { BenchmarkResult } from './result.js';

const REPEATS = Number(process.env.CLUSTER_REPEATS ?? 3);
/** Cross-host runs do 1/DIVIDE of the OSU round trips (a cross-host round trip costs ~0.5 ms). */
const DIVIDE = 10;
const MAX_BYTES = 1 << 20;
const BW_MAX_BYTES = 4 << 20;
/** Per run: a native TCP run on an overloaded machine can crawl (Open MPI yields while polling). */
const TIMEOUT_MS = Number(process.env.CLUSTER_RUN_TIMEOUT_MS ?? 5 * 60_000);
const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');
const baseline = process.env.CLUSTER_BASELINE;

/** Collective messages a host-oblivious (flat) run of the same algorithms sends between hosts, 4 ranks as
 * {0,1} {2,3}: Barrier = dissemination over 4 ranks (2 rounds: 2 + 4 crossing); Bcast = binomial tree from 0
 * (0->2 crosses); Allreduce = every rank sends its contribution to every other below 16 KiB (8 crossing), and
 * above a reduce-scatter plus allgather where every rank sends a segment to every other twice (16 crossing);
 * Gather = each remote rank to the root (2); Reduce = binomial tree to 0 (2->0 crosses). */
const FLAT: Record<string, number> = { barrier: 6, bcast: 1, bcast_1MiB: 1, allreduce: 8, allreduce_1MiB: 16, gather: 2, reduce: 1 };

function nativeBuild(source: string): string {
  mkdirSync(buildDir, { recursive: true });
  const target = join(buildDir, source.replace(/\.c$/, '.mpi.native'));
  execFileSync('mpicc', ['-O2', join(programs, source), '-o', target], { stdio: 'inherit' });
  return target;
}

interface Config {
  label: string;
  cmd: string;
  args: string[];
}

/** One run of each configuration per round, round after round; per size the median over the rounds. */
function interleaved(configs: Config[], loads: number[]): Series[] {
  const runs: Series[][] = configs.map(() => []);
  for (let round = 0; round < REPEATS; round++) {
    configs.forEach((c, i) => {
      loads.push(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
      const r = spawnSync(c.cmd, c.args, { cwd: buildDir, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 16 << 20 });
      const series = parseSeries(r.stdout ?? '');
      if (r.error || r.status !== 0 || series.size === 0) {
        const tail = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').slice(-8).join(' | ');
        throw new Error(`${c.label}: ${r.error?.message ?? `exit status ${r.status}`}: ${tail}`);
      }
      runs[i].push(series);
      console.log(`  ${c.label} round ${round + 1}/${REPEATS}: ${series.size} sizes`);
    });
  }
  return runs.map((list) => {
    const out: Series = new Map();
    for (const size of list[0].keys()) {
      const values = list.map((s) => s.get(size)).filter((v): v is number => v !== undefined);
      if (values.length === list.length) out.set(size, median(values));
    }
    return out;
  });
}

export async function run(): Promise<BenchmarkResult> {
  const result: BenchmarkResult = {
    name: 'cluster',
    title: 'FaasMPI on 2 host runtimes (loopback WebSocket links over mutual TLS) vs Open MPI over TCP loopback',
    rows: [],
    notes: [
      `Ping-pong: experiments/programs/osu_latency.c, ranks 0 and 1 (1/${DIVIDE} of the usual round trips, same warm-up). Bandwidth: osu_bw.c (window of 64 sends), 2 ranks. Allreduce: osu_coll.c allreduce (MPI_FLOAT, MPI_SUM), 1/${DIVIDE} of the calls, at 2 and 4 ranks.`,
      `Native: Open MPI (mpicc -O2), mpirun --mca btl tcp,self (TCP over loopback, no shared memory). Ours "2 hosts": faasmpirun --local-hosts 2 --policy spread (two \`faasmpi host\` processes, ranks split evenly). Ours "1 host": faasmpirun -np N (shared-memory inboxes).`,
      `Configurations run interleaved, ${REPEATS} rounds; each figure is the median. ours/native below 1 means faster than native (for bandwidth, above 1).`,
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
  const loads: number[] = [];
  type Kind = { what: string; np: number; unit: string; higherIsBetter?: boolean };
  const measured: { kind: Kind; native: Series; hosts2: Series; before?: Series; host1: Series }[] = [];
  try {
    const lat = { native: nativeBuild('osu_latency.c'), wasm: buildWasm('osu_latency.c') };
    const bw = { native: nativeBuild('osu_bw.c'), wasm: buildWasm('osu_bw.c') };
    const coll = { native: nativeBuild('osu_coll.c'), wasm: buildWasm('osu_coll.c') };
    const jobs: { kind: Kind; native: string; wasm: string; args: string[] }[] = [
      { kind: { what: 'ping-pong latency', np: 2, unit: 'us' }, ...lat, args: [String(MAX_BYTES), String(DIVIDE)] },
      { kind: { what: 'MPI_Allreduce', np: 4, unit: 'us' }, ...coll, args: ['allreduce', String(MAX_BYTES), String(DIVIDE)] },
      { kind: { what: 'MPI_Allreduce', np: 2, unit: 'us' }, ...coll, args: ['allreduce', String(MAX_BYTES), String(DIVIDE)] },
      { kind: { what: 'windowed bandwidth', np: 2, unit: 'MB/s', higherIsBetter: true }, ...bw, args: [String(BW_MAX_BYTES)] },
    ];
    for (const j of jobs) {
      const np = j.kind.np;
      const configs: Config[] = [
        { label: `Open MPI tcp ${j.kind.what} -np ${np}`, cmd: 'mpirun', args: tcp(np, j.native, j.args) },
        { label: `faasmpi 2 hosts ${j.kind.what} -np ${np}`, cmd: faasmpirun, args: twoHosts(np, j.wasm, j.args) },
        { label: `faasmpi 1 host ${j.kind.what} -np ${np}`, cmd: faasmpirun, args: ['-np', String(np), j.wasm, ...j.args] },
      ];
      if (baseline) configs.push({ label: `baseline 2 hosts ${j.kind.what} -np ${np}`, cmd: baseline, args: twoHosts(np, j.wasm, j.args) });
      try {
        const [native, hosts2, host1, before] = interleaved(configs, loads);
        measured.push({ kind: j.kind, native, hosts2, host1, before });
        // Printed at once: a long run that is cut short still leaves its figures.
        for (const [n, v] of native) console.log(`  ${j.kind.what} -np ${np} ${sizeLabel(n)}: native ${v} | 2 hosts ${hosts2.get(n)} | 1 host ${host1.get(n)}${before ? ` | baseline 2 hosts ${before.get(n)}` : ''} (${j.kind.unit})`);
      } catch (e) {
        result.notes.unshift(`NOT MEASURED: ${j.kind.what} -np ${np}: ${errorText(e)}`);
      }
    }
  } catch (e) {
    result.notes.unshift(`NOT MEASURED (partly): ${errorText(e)}`);
  }
  for (const m of measured) {
    for (const [n, native] of m.native) {
      const h2 = m.hosts2.get(n), h1 = m.host1.get(n);
      if (h2 === undefined || h1 === undefined) continue;
      const label = `${m.kind.what}, ${m.kind.np} ranks, ${sizeLabel(n)}`;
      const note = m.kind.higherIsBetter ? 'higher is better' : undefined;
      const before = m.before?.get(n);
      result.rows.push({ metric: `${label}: ours on 2 hosts`, unit: m.kind.unit, ours: h2, native, note: before === undefined ? note : `${note ? `${note}; ` : ''}baseline build: ${before.toPrecision(3)}` });
      result.rows.push({ metric: `${label}: ours on 1 host`, unit: m.kind.unit, ours: h1, native, note });
    }
  }
  if (loads.length > 0) {
    const sorted = [...loads].sort((a, b) => a - b);
    result.notes.push(`Load average (1 min) before the runs: median ${median(loads).toFixed(2)}, from ${sorted[0].toFixed(2)} to ${sorted[sorted.length - 1].toFixed(2)} (${loads.length} runs; 2 cores).`);
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
