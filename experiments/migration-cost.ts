// What migration costs, in one command (`node dist/experiments/migration-cost.js [repeats]`):
//  1. Asyncify (faasmpicc -fmigrate): module size and run time with and without, interleaved A B A B, medians,
//     on OSU latency (8 B), DGEMM (OpenMP build, 1 thread) and a LAMMPS-like LJ kernel (md_lj.c, 2 ranks).
//  2. The pause per rank of a move against the memory it touched (1, 16, 64 MiB), from faasmpirun -v.
// Prints a table with the load average next to each figure (the machine is shared: read them with it).
import { execFileSync, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildDir, buildWasm, repoRoot } from './build.js';
import { median } from './measure.js';

const repeats = Number(process.argv[2] ?? 5);
const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');

interface Program {
  name: string;
  source: string;
  flags: string[];
  args: string[];
  /** The figure the program reports (smaller is better). */
  metric: (stdout: string) => number;
  unit: string;
}

const num = (re: RegExp) => (s: string) => {
  const m = re.exec(s);
  if (!m) throw new Error(`no figure in output: ${s.slice(0, 300)}`);
  return Number(m[1]);
};

const PROGRAMS: Program[] = [
  { name: 'OSU latency 8 B', source: 'osu_latency.c', flags: ['-O2'], args: ['-np', '2'], metric: num(/^8\s+([0-9.]+)$/m), unit: 'us' },
  { name: 'DGEMM n=384, 1 thread', source: 'omp_dgemm.c', flags: ['-O2', '-fopenmp'], args: ['-x', 'OMP_NUM_THREADS=1', '-np', '1'], metric: (s) => num(/seconds=([0-9.]+)/)(s) * 1e3, unit: 'ms' },
  { name: 'LJ kernel (md_lj), 2 ranks', source: 'md_lj.c', flags: ['-O2'], args: ['-np', '2'], metric: num(/md_ms ([0-9.]+)/), unit: 'ms' },
];
const programArgs: Record<string, string[]> = { 'osu_latency.c': ['4096'], 'omp_dgemm.c': ['384'], 'md_lj.c': ['7', '60'] };

function runOnce(wasm: string, p: Program): number {
  const r = spawnSync(faasmpirun, [...p.args, wasm, ...programArgs[p.source]], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${p.name}: exit ${r.status}\n${r.stderr}`);
  return p.metric(r.stdout);
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

console.log(`# Asyncify cost (faasmpicc -fmigrate), ${repeats} interleaved runs each, medians`);
console.log('| program | size without | size with | size + | time without | time with | time + | load (1 5 15 min) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const p of PROGRAMS) {
  const plain = buildWasm(p.source, p.flags, '.plain-mig.wasm');
  const migr = buildWasm(p.source, [...p.flags, '-fmigrate'], '.fmigrate.wasm');
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < repeats; i++) {
    a.push(runOnce(plain, p));
    b.push(runOnce(migr, p));
  }
  const sa = statSync(plain).size, sb = statSync(migr).size, ta = median(a), tb = median(b);
  const pct = (x: number, y: number) => `${(((y - x) / x) * 100).toFixed(1)}%`;
  console.log(`| ${p.name} | ${sa} | ${sb} | ${pct(sa, sb)} | ${ta.toFixed(2)} ${p.unit} | ${tb.toFixed(2)} ${p.unit} | ${pct(ta, tb)} | ${load()} |`);
}

console.log('\n# Migration pause per rank (2 ranks on one host, moved at barrier 1), medians of the ranks\' pauses');
console.log('| memory touched | memory diff | pause (unwind to rewound) | capture in the old Faaslet | load |');
console.log('|---|---|---|---|---|');
const state = join(buildDir, 'migrate_state.fmigrate.wasm');
execFileSync(join(repoRoot, 'toolchain/bin/faasmpicc'), ['-O2', '-fmigrate', join(repoRoot, 'test/programs/migrate_state.c'), '-o', state], { stdio: 'inherit' });
for (const mib of [1, 16, 64]) {
  const pauses: number[] = [], captures: number[] = [];
  let diff = '';
  for (let i = 0; i < repeats; i++) {
    const r = spawnSync(faasmpirun, ['-v', '--pack-at-barrier', '1', '-np', '2', state, '2', String(mib)], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0 || !/OK migrate_state rank 0/.test(r.stdout)) throw new Error(`pause run failed:\n${r.stdout}\n${r.stderr}`);
    for (const m of r.stderr.matchAll(/pause ([0-9.]+) ms \(capture ([0-9.]+) ms, memory diff ([0-9.]+) MiB\)/g)) {
      pauses.push(Number(m[1]));
      captures.push(Number(m[2]));
      diff = m[3];
    }
  }
  console.log(`| ${mib} MiB | ${diff} MiB | ${median(pauses).toFixed(1)} ms | ${median(captures).toFixed(1)} ms | ${load()} |`);
}

