// Job start-up, ours vs native mpirun (issue 15): launch -> main, launch -> end of MPI_Init, launch -> exit,
// for an MPI hello at 1, 2 and 8 ranks and for LULESH. Both sides run interleaved (ours, native, ours, ...)
// so a change in machine load hits both; each figure is the median of the runs, with the load average.
// One command: `node dist/experiments/start-up.js [runs]` (default 7), or part of the cold-start benchmark;
// START_UP_COMPARE=<another checkout>/cli/bin/faasmpirun adds that build to the interleaving (before/after).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './build.js';
import { median } from './measure.js';
import type { Row } from './result.js';

const CORES = cpus().length;
const TIMEOUT_MS = 120_000;
const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');
/** Another build's faasmpirun to run in the same interleaving (e.g. before a change): START_UP_COMPARE=path. */
const COMPARE = process.env.START_UP_COMPARE;
const faasmpicc = join(repoRoot, 'toolchain/bin/faasmpicc');
const LULESH_BUILDS = process.env.APPS_WORKDIR ?? '/work/apps-build';

/** Milliseconds from launch to each marker line (or -1 when it never came), and to exit. */
interface Times {
  marks: number[];
  exit: number;
}

/** Runs `cmd` once, timing the first stdout line matching each marker. */
function timeOnce(cmd: string, args: string[], cwd: string, markers: RegExp[]): Promise<Times> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    const marks = markers.map(() => -1);
    let pending = '', err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const now = ms();
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) markers.forEach((m, i) => { if (marks[i] < 0 && m.test(line)) marks[i] = now; });
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const missing = marks.findIndex((m) => m < 0);
      if (code !== 0 || missing >= 0) {
        reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}${missing >= 0 ? `, no line matching ${markers[missing]}` : ''}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
      } else resolve({ marks, exit: ms() });
    });
  });
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

interface Subject {
  name: string;
  wasm: string;
  native: string;
  args: string[];
  nps: number[];
  /** What each marker line means, and the line. */
  markers: [string, RegExp][];
}

function helloSubject(): Subject {
  const dir = join(tmpdir(), 'faasmpi-start-up');
  mkdirSync(dir, { recursive: true });
  const src = join(repoRoot, 'experiments/apps/mpi_hello.c');
  const wasm = join(dir, 'mpi_hello.wasm'), native = join(dir, 'mpi_hello');
  execFileSync(faasmpicc, ['-O2', src, '-o', wasm], { stdio: 'inherit' });
  execFileSync('mpicc', ['-O2', src, '-o', native], { stdio: 'inherit', env: { ...process.env, OMPI_CC: 'clang-19' } });
  return {
    name: 'hello (MPI)', wasm, native, args: [], nps: [1, 2, 8],
    markers: [['launch to main', /^main$/], ['launch to end of MPI_Init', /^initialised/]],
  };
}

/** LULESH from the apps experiment's builds (experiments/apps/lulesh.sh), if they are there. */
function luleshSubject(builds: { wasm?: string; native?: string }): Subject | undefined {
  const wasm = builds.wasm ?? join(LULESH_BUILDS, 'lulesh/mpi-wasm/lulesh2.0'), native = builds.native ?? join(LULESH_BUILDS, 'lulesh/mpi-native/lulesh2.0');
  if (!existsSync(wasm) || !existsSync(native)) return undefined;
  return {
    name: 'LULESH mpi -s 8 -i 1', wasm, native, args: ['-s', '8', '-i', '1'], nps: [1, 8],
    markers: [['launch to first line (after MPI_Init and mesh set-up)', /Running problem size/]],
  };
}

/** Interleaved runs of one subject at one size: the median of each figure, ours and native. */
async function measure(s: Subject, np: number, runs: number): Promise<Row[]> {
  const cwd = tmpdir();
  const markers = s.markers.map(([, re]) => re);
  const ours: Times[] = [], native: Times[] = [], other: Times[] = [];
  const oursArgs = ['--stdin', 'none', '-np', String(np), s.wasm, ...s.args];
  const mpirun = ['--allow-run-as-root', ...(np > CORES ? ['--oversubscribe'] : []), '-np', String(np), s.native, ...s.args];
  // One unmeasured run each: the page cache and any compile caches are then as warm as a user's second run.
  await timeOnce(faasmpirun, oursArgs, cwd, markers);
  await timeOnce('mpirun', mpirun, cwd, markers);
  if (COMPARE) await timeOnce(COMPARE, oursArgs, cwd, markers);
  const loads: string[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(await timeOnce(faasmpirun, oursArgs, cwd, markers));
    native.push(await timeOnce('mpirun', mpirun, cwd, markers));
    if (COMPARE) other.push(await timeOnce(COMPARE, oursArgs, cwd, markers));
    loads.push(loadAverage().split(' ')[0]);
  }
  const compared = (pick: (t: Times) => number) => (COMPARE ? `; ${COMPARE}: ${median(other.map(pick)).toFixed(0)} ms` : '');
  const note = `load average (1 min) during the runs: ${loads.join(' ')}`;
  const label = `start-up: ${s.name}, ${np} rank${np > 1 ? 's' : ''}`;
  const rows: Row[] = s.markers.map(([what], i) => ({
    metric: `${label}: ${what}`, unit: 'ms', ours: median(ours.map((t) => t.marks[i])), native: median(native.map((t) => t.marks[i])),
    note: note + compared((t) => t.marks[i]),
  }));
  rows.push({ metric: `${label}: launch to exit`, unit: 'ms', ours: median(ours.map((t) => t.exit)), native: median(native.map((t) => t.exit)), note: note + compared((t) => t.exit) });
  return rows;
}

/** The start-up rows; LULESH from `lulesh` (the apps experiment's builds) or APPS_WORKDIR's. */
export async function startUpRows(runs = 7, lulesh: { wasm?: string; native?: string } = {}): Promise<{ rows: Row[]; notes: string[] }> {
  const rows: Row[] = [], notes: string[] = [];
  let hello: Subject | undefined;
  try {
    hello = helloSubject();
  } catch (e) {
    notes.push(`start-up: building mpi_hello failed (the native side needs Open MPI's mpicc): ${(e as Error).message}`);
  }
  const subjects = [hello, luleshSubject(lulesh)];
  if (!subjects[1]) notes.push(`start-up: no LULESH builds in ${LULESH_BUILDS}/lulesh (npm run experiments -- apps builds them)`);
  for (const s of subjects) {
    if (!s) continue;
    for (const np of s.nps) {
      try {
        rows.push(...(await measure(s, np, runs)));
      } catch (e) {
        notes.push(`start-up ${s.name} at ${np} ranks failed: ${(e as Error).message}`);
      }
    }
  }
  notes.push(`Start-up: median of ${runs} interleaved runs each (ours, mpirun, ours, ...) after one unmeasured run of each; native is mpirun ${CORES < 8 ? '(--oversubscribe past ' + CORES + ' ranks)' : ''}.`);
  return { rows, notes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { rows, notes } = await startUpRows(Number(process.argv[2] ?? 7));
  for (const r of rows) console.log(`${r.metric}: ours ${r.ours.toFixed(0)} ms, native ${r.native!.toFixed(0)} ms  (${r.note})`);
  for (const n of notes) console.log(n);
}
