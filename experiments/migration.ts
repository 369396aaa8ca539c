// Rank migration, in one run (`npm run experiments -- migration`):
//  1. The seeds' all-to-all experiment: 8 ranks of migrate_alltoall.c (compute, MPI_Alltoall of a few KiB per
//     pair, MPI_Barrier every iteration) split 4+4 over 2 host runtimes (faasmpirun --local-hosts 2: separate
//     processes, each with its share of the cores, TLS links over loopback), consolidated onto one host at 20,
//     40, 60 and 80% of the run (--pack-at-barrier), against never moving (--no-migrate) and against all 8 ranks
//     on one host runtime from the start. Configurations interleaved (A B C ... A B C ...), medians, load average
//     with each figure; speed-ups next to Granny's (NSDI'25) on the same experiment.
//  2. The existing migration-cost script (Asyncify size/time, pause per rank against memory touched), whose
//     table goes into the notes (MIGRATION_COST=0 skips it).
// MIGRATION_REPEATS (default 3) sets the rounds; MIGRATION_ITERS the kernel's iterations (default 400).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildWasm, repoRoot } from './build.js';
import { median } from './measure.js';
import type { BenchmarkResult, Row } from './result.js';

const REPEATS = Number(process.env.MIGRATION_REPEATS ?? 3);
const ITERS = Number(process.env.MIGRATION_ITERS ?? 400);
const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');

/** Granny's figures for this experiment (never migrating 38.6 s; speed-ups when migrating at x% of the run). */
const GRANNY = { neverS: 38.6, oneVmS: 5.0, speedup: { 20: 3.24, 40: 2.14, 60: 1.49, 80: 1.17 } as Record<number, number> };

interface Config {
  label: string;
  args: string[];
  /** Percent of the run at which the job is packed, if it is. */
  at?: number;
}

const loadNow = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

function runOnce(c: Config, wasm: string): { ms: number; check: string; pauses: number[] } {
  const r = spawnSync(faasmpirun, [...c.args, '-np', '8', wasm, String(ITERS), '4', '20000'], { encoding: 'utf8', timeout: 20 * 60_000 });
  const m = /alltoall_ms ([0-9.]+) iterations \d+ check (\S+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || !m) throw new Error(`${c.label}: exit ${r.status}\n${r.stderr}\n${r.stdout}`);
  if (c.at !== undefined && !/moving at MPI_Barrier/.test(r.stderr)) throw new Error(`${c.label}: the job did not move\n${r.stderr}`);
  const pauses = [...r.stderr.matchAll(/pause ([0-9.]+) ms/g)].map((x) => Number(x[1]));
  return { ms: Number(m[1]), check: m[2], pauses };
}

export async function run(): Promise<BenchmarkResult> {
  const wasm = buildWasm('migrate_alltoall.c', ['-O2', '-fmigrate'], '.fmigrate.wasm');
  const configs: Config[] = [
    { label: 'never (4+4 on 2 hosts)', args: ['--local-hosts', '2', '--no-migrate'] },
    ...[20, 40, 60, 80].map((at) => ({ label: `packed at ${at}%`, at, args: ['--local-hosts', '2', '-v', '--pack-at-barrier', String(Math.max(1, Math.round((ITERS * at) / 100)))] })),
    // The same two host runtimes (each with its share of the cores), all 8 ranks placed on one from the start.
    { label: 'one host from the start', args: ['--local-hosts', '2', '--policy', 'pack', '--no-migrate'] },
    // One host runtime given the whole machine: what the core share costs (not a migration figure).
    { label: 'one host runtime alone on the machine', args: ['--local-hosts', '1', '--no-migrate'] },
  ];
  const times = configs.map(() => [] as number[]), loads = configs.map(() => [] as number[]), pauses = configs.map(() => [] as number[]);
  const checks = new Set<string>();
  for (let round = 0; round < REPEATS; round++) {
    configs.forEach((c, i) => {
      loads[i].push(loadNow());
      const r = runOnce(c, wasm);
      times[i].push(r.ms);
      pauses[i].push(...r.pauses);
      checks.add(r.check);
      console.log(`  ${c.label} round ${round + 1}/${REPEATS}: ${r.ms.toFixed(0)} ms (load ${loads[i][loads[i].length - 1]})`);
    });
  }
  if (checks.size !== 1) throw new Error(`the kernel's checksum depends on where its ranks ran: ${[...checks].join(', ')}`);
  const med = times.map(median);
  const never = med[0];
  const rows: Row[] = [];
  configs.forEach((c, i) => {
    const load = `load ${median(loads[i]).toFixed(1)}`;
    const pause = pauses[i].length ? `, median pause per rank ${median(pauses[i]).toFixed(0)} ms` : '';
    const reference = i === 0 ? GRANNY.neverS * 1e3 : c.at !== undefined ? (GRANNY.neverS / GRANNY.speedup[c.at]) * 1e3 : i === configs.length - 2 ? GRANNY.oneVmS * 1e3 : undefined;
    rows.push({ metric: `all-to-all kernel, ${c.label}`, unit: 'ms', ours: med[i], reference, note: `${load}${pause}` });
    if (i > 0) {
      const grannyX = c.at !== undefined ? GRANNY.speedup[c.at] : i === configs.length - 2 ? GRANNY.neverS / GRANNY.oneVmS : undefined;
      rows.push({ metric: `speed-up over never, ${c.label}`, unit: 'x', ours: never / med[i], reference: grannyX, note: grannyX === undefined ? 'no published counterpart' : 'reference: Granny (NSDI\'25)' });
    }
  });
  const notes = [
    `8 ranks of experiments/programs/migrate_alltoall.c (${ITERS} iterations of compute + MPI_Alltoall 4 KiB per pair + MPI_Barrier), faasmpicc -fmigrate; ${REPEATS} interleaved rounds, medians.`,
    'Two host runtimes on one machine over loopback TLS links (--local-hosts 2), each with its share of the cores; the machine is shared (see the load with each figure).',
    'A host runtime\'s core share matters more than where the ranks are on a 2-core machine: --local-hosts 2 gives each host cores/2 - 1 = 0 spare cores, so its ranks never spin while waiting; all 8 ranks on one of them run about as slowly as 4+4 over the link, and one host runtime alone on the machine (1 spare core) about 2x faster. "one host from the start" is therefore measured on the same two-host cluster (--policy pack), like the packed runs.',
    'Granny migrates at __faasm_migrate_point and re-enters a driver function; we capture the unmodified program\'s wasm stack (Asyncify). Reference times: Granny\'s never 38.6 s, one VM 5.0 s, and 38.6 s / their speed-up at each point.',
    'Not done: the second setting (two hosts in separate network namespaces), LAMMPS in.lj migrated at 20% and 50%.',
  ];
  if (process.env.MIGRATION_COST !== '0') {
    const cost = spawnSync(process.execPath, [join(repoRoot, 'dist/experiments/migration-cost.js'), String(REPEATS)], { encoding: 'utf8', timeout: 60 * 60_000 });
    if (cost.status !== 0) throw new Error(`migration-cost failed:\n${cost.stderr}`);
    notes.push('Migration cost (node dist/experiments/migration-cost.js):', ...cost.stdout.split('\n').filter((l) => l.startsWith('|') || l.startsWith('#')));
  }
  return { name: 'migration', title: 'Rank migration: consolidating a job split over two hosts (all-to-all kernel), and what a move costs', rows, notes };
}
