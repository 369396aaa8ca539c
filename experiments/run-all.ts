// One command for every benchmark: `npm run experiments` (or name some: `npm run experiments -- cold-start`).
// Writes experiments/results/{results.json,REPORT.md,*.svg}.
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './build.js';
import { writeReport } from './report.js';
import type { BenchmarkResult } from './result.js';
import * as coldStart from './cold-start.js';
import * as sharedMemory from './shared-memory.js';
import * as osuP2p from './osu-p2p.js';
import * as osuColl from './osu-coll.js';
import * as lammps from './lammps.js';
import * as openmp from './openmp.js';
import * as cluster from './cluster.js';
import * as apps from './apps.js';
import * as fdiffs from './fdiffs.js';
import * as migration from './migration.js';
import * as openmpHosts from './openmp-hosts.js';

const benchmarks: Record<string, { run(): Promise<BenchmarkResult> }> = {
  'cold-start': coldStart,
  'shared-memory': sharedMemory,
  'osu-p2p': osuP2p,
  'osu-coll': osuColl,
  openmp,
  cluster,
  fdiffs,
  migration, // opt-in (several minutes): npm run experiments -- migration
  'openmp-hosts': openmpHosts, // opt-in (minutes): npm run experiments -- openmp-hosts
  lammps, // opt-in (several minutes, builds LAMMPS): npm run experiments -- lammps
  apps, // opt-in (builds LULESH, HPCG, CoMD; tens of minutes): npm run experiments -- apps
};
/** Run only when named on the command line. */
const optIn = new Set(['lammps', 'apps', 'migration', 'openmp-hosts']);

const wanted = process.argv.slice(2);
for (const w of wanted) if (!benchmarks[w]) throw new Error(`unknown benchmark '${w}' (have: ${Object.keys(benchmarks).join(', ')})`);
// Results of benchmarks not run this time are kept from the last run.
const resultsFile = join(repoRoot, 'experiments/results/results.json');
const previous: BenchmarkResult[] = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')).results : [];
const results: BenchmarkResult[] = [];
for (const [name, bench] of Object.entries(benchmarks)) {
  if (wanted.length > 0 ? !wanted.includes(name) : optIn.has(name)) continue;
  console.log(`== ${name}`);
  results.push(await bench.run());
}
for (const old of previous) if (!results.some((r) => r.name === old.name)) results.push(old);
results.sort((a, b) => Object.keys(benchmarks).indexOf(a.name) - Object.keys(benchmarks).indexOf(b.name));
const machine = { cpu: `${cpus().length} x ${cpus()[0].model}`, memory: `${Math.round(totalmem() / 2 ** 30)} GiB`, node: process.version, date: new Date().toISOString().slice(0, 10) };
writeReport(join(repoRoot, 'experiments/results'), results, machine);
console.log('wrote experiments/results/REPORT.md');
