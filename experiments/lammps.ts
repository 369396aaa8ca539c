// LAMMPS (Debian's 20220106 source package, unmodified) built with our CMake toolchain file and run with
// faasmpirun, against Debian's native `lmp` (Open MPI) run with mpirun, in the same run: bench/in.lj, in.eam and
// in.chain at 1, 2 and 4 ranks. Reports LAMMPS' own "Loop time" (median of LAMMPS_REPEATS runs) and whether the
// last thermo line matches native to the printed precision.
// Sources and builds live outside the repository (experiments/lammps/fetch-and-build.sh, LAMMPS_WORKDIR,
// default /work/lammps-build). Opt-in: `npm run experiments -- lammps` (several minutes).
// Env: LAMMPS_WORKDIR, LAMMPS_REPEATS (default 3), LAMMPS_RANKS (default "1,2,4"), LAMMPS_INPUTS (default
// "lj,eam,chain"), LAMMPS_SKIP_BUILD=1 (use the existing build as is).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './build.js';
import { errorText, median } from './measure.js';
import type { BenchmarkResult, Row } from './result.js';
import { hostSpecs } from '../host-interface/index.js';

const WORK = process.env.LAMMPS_WORKDIR ?? '/work/lammps-build';
const REPEATS = Number(process.env.LAMMPS_REPEATS ?? 3);
const RANKS = (process.env.LAMMPS_RANKS ?? '1,2,4').split(',').map(Number);
const TIMEOUT_MS = 10 * 60_000;

/** bench/ inputs and the files each reads relative to its working directory. */
const ALL_INPUTS: Record<string, string[]> = {
  lj: ['in.lj'],
  eam: ['in.eam', 'Cu_u3.eam'],
  chain: ['in.chain', 'data.chain'],
};
const INPUTS = (process.env.LAMMPS_INPUTS ?? 'lj,eam,chain').split(',').filter((i) => ALL_INPUTS[i]);

export interface LammpsRun {
  loopTime: number;
  procs: number;
  steps: number;
  atoms: number;
  /** Column names of the last thermo block ("Step Temp E_pair ..."). */
  thermoHeader: string[];
  /** The last thermo line, as printed (tokens). */
  thermoLast: string[];
}

/** Parses LAMMPS screen output: the last "Loop time of ..." line and the thermo line just before it. */
export function parseLammps(stdout: string): LammpsRun | undefined {
  const lines = stdout.split('\n');
  let loopIdx = -1;
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i].startsWith('Loop time of ')) { loopIdx = i; break; }
  if (loopIdx < 0) return undefined;
  const m = /^Loop time of ([0-9.eE+-]+) on (\d+) procs for (\d+) steps with (\d+) atoms/.exec(lines[loopIdx]);
  if (!m) return undefined;
  let thermoLast: string[] = [], thermoHeader: string[] = [];
  for (let i = loopIdx - 1; i >= 0; i--) {
    const t = lines[i].trim();
    if (thermoLast.length === 0 && /^\d+(\s+[-+0-9.eE]+|\s+-?nan|\s+-?inf)+$/i.test(t)) thermoLast = t.split(/\s+/);
    else if (thermoLast.length > 0 && /^Step\s/.test(t)) { thermoHeader = t.split(/\s+/); break; }
  }
  return { loopTime: Number(m[1]), procs: Number(m[2]), steps: Number(m[3]), atoms: Number(m[4]), thermoHeader, thermoLast };
}

/** "matches" or a description of the largest difference between two printed thermo lines. */
export function compareThermo(ours: LammpsRun, native: LammpsRun): { same: boolean; text: string } {
  if (ours.thermoLast.length === 0 || native.thermoLast.length === 0) return { same: false, text: 'no thermo line to compare' };
  if (ours.thermoLast.join(' ') === native.thermoLast.join(' ')) return { same: true, text: `thermo step ${native.thermoLast[0]} matches native to the printed digits` };
  let worst = { col: '?', rel: -1, o: '', n: '' };
  native.thermoLast.forEach((n, i) => {
    const o = ours.thermoLast[i] ?? '';
    if (o === n) return;
    const rel = Math.abs(Number(o) - Number(n)) / Math.max(Math.abs(Number(n)), 1e-300);
    if (!(rel <= worst.rel)) worst = { col: native.thermoHeader[i] ?? `col ${i}`, rel, o, n };
  });
  return { same: false, text: `thermo step ${native.thermoLast[0]} DIFFERS: ${worst.col} ${worst.o} vs native ${worst.n} (rel ${worst.rel.toExponential(1)})` };
}

/** Runs cmd REPEATS times in dir; the run with the median loop time. Throws with the output's tail on failure. */
function measure(label: string, cmd: string, args: string[], dir: string, env?: NodeJS.ProcessEnv): LammpsRun {
  const runs: LammpsRun[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const r = spawnSync(cmd, args, { cwd: dir, env: env ?? process.env, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 64 << 20 });
    const parsed = parseLammps(r.stdout ?? '');
    if (r.error || r.status !== 0 || !parsed) {
      const why = r.error ? String(r.error.message) : `exit status ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}`;
      const tail = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.trim().split('\n').slice(-15).join(' | ');
      throw new Error(`${label}: ${why}${tail ? `: ${tail}` : ''}`);
    }
    runs.push(parsed);
    console.log(`  ${label} run ${i + 1}/${REPEATS}: loop time ${parsed.loopTime} s`);
  }
  const mid = median(runs.map((r) => r.loopTime));
  return runs.find((r) => r.loopTime === mid)!;
}

/** MPI (and other) imports of the module that no host module provides. */
export function missingImports(wasmFile: string): string[] {
  const provided = new Map(hostSpecs.map((s) => [s.name, new Set(s.functionNames)]));
  const mod = new WebAssembly.Module(readFileSync(wasmFile));
  return WebAssembly.Module.imports(mod)
    .filter((i) => i.kind === 'function' && !provided.get(i.module)?.has(i.name))
    .map((i) => `${i.module}.${i.name}`);
}

export async function run(): Promise<BenchmarkResult> {
  const result: BenchmarkResult = {
    name: 'lammps',
    title: 'LAMMPS bench inputs (in.lj, in.eam, in.chain): loop time, faasmpi vs native Open MPI',
    rows: [],
    notes: [
      `LAMMPS 29Sep2021 update 2 (Debian source package lammps 20220106; packages MANYBODY, MOLECULE; two small portability patches in experiments/lammps/patches, see experiments/lammps/NOTES.md) built with toolchain/cmake/faasmpi.cmake (CMAKE_BUILD_TYPE=Release: -O3) by experiments/lammps/fetch-and-build.sh in ${WORK}; run with faasmpirun --wdir <run dir> -np N lmp -in in.X.`,
      `Native: Debian's lmp (same LAMMPS version, Open MPI 4.1), mpirun -x OMP_NUM_THREADS=1 -np N lmp -in in.X (with --oversubscribe only when N exceeds the ${cpus().length} cores: it makes Open MPI yield while polling). Times are LAMMPS' "Loop time" (100 steps; setup and start-up excluded), the median of ${REPEATS} runs per side; ours/native below 1 means faster than native. With ${cpus().length} cores, more ranks than cores are oversubscribed on both sides. Loop times are sensitive to other load on the machine: run it on a quiet machine.`,
      'Thermo check: the last thermo line (step 100) of our run compared with the native run at the same rank count, token by token as printed.',
    ],
  };

  if (process.env.LAMMPS_SKIP_BUILD !== '1') {
    try {
      execFileSync('bash', [join(repoRoot, 'experiments/lammps/fetch-and-build.sh'), WORK], { stdio: 'inherit' });
    } catch (e) {
      result.notes.unshift(`NOT MEASURED: experiments/lammps/fetch-and-build.sh failed (see its output; experiments/lammps/NOTES.md lists known toolchain problems): ${errorText(e)}`);
      return result;
    }
  }
  const lmpWasm = join(WORK, 'build-wasm/lmp');
  const bench = join(WORK, 'src/bench');
  if (!existsSync(lmpWasm) || !existsSync(bench)) {
    result.notes.unshift(`NOT MEASURED: ${lmpWasm} or ${bench} is missing (run experiments/lammps/fetch-and-build.sh).`);
    return result;
  }

  // One run directory per input, outside the repository; LAMMPS reads its files relative to the cwd.
  const runRoot = join(WORK, 'run');
  for (const input of INPUTS) {
    const dir = join(runRoot, input);
    mkdirSync(dir, { recursive: true });
    for (const f of ALL_INPUTS[input]) copyFileSync(join(bench, f), join(dir, f));
  }

  let missing: string[] = [];
  try {
    missing = missingImports(lmpWasm);
  } catch (e) {
    result.notes.unshift(`NOT MEASURED for faasmpi: ${lmpWasm} is not a loadable module: ${errorText(e)}`);
    missing = ['(module not loadable)'];
  }
  if (missing.length > 0 && !missing[0].startsWith('(')) {
    result.notes.unshift(`NOT MEASURED for faasmpi: lmp imports ${missing.length} function(s) our runtime does not provide yet: ${missing.join(', ')}. Native numbers below.`);
  }

  const lmpArgs = (input: string) => ['-in', `in.${input}`, '-log', 'none', '-nocite'];
  const nativeEnv = { ...process.env, OMP_NUM_THREADS: '1' };
  const faasmpirun = join(repoRoot, 'cli/bin/faasmpirun');
  const failures = new Map<string, string[]>();
  const nativeOnly: string[] = [];
  for (const input of INPUTS) {
    const dir = join(runRoot, input);
    for (const np of RANKS) {
      let native: LammpsRun;
      try {
        native = measure(`native in.${input} -np ${np}`, 'mpirun',
          ['--allow-run-as-root', ...(np > cpus().length ? ['--oversubscribe'] : []), '-x', 'OMP_NUM_THREADS=1', '-np', String(np), 'lmp', ...lmpArgs(input)], dir, nativeEnv);
      } catch (e) {
        result.notes.push(`native in.${input} at ${np} ranks failed: ${errorText(e)}`);
        continue;
      }
      if (missing.length > 0) {
        nativeOnly.push(`in.${input} ${np} rank(s) ${native.loopTime} s`);
        continue;
      }
      try {
        const ours = measure(`faasmpi in.${input} -np ${np}`, faasmpirun,
          ['--wdir', dir, '--stdin', 'none', '-np', String(np), lmpWasm, ...lmpArgs(input)], dir);
        const cmp = compareThermo(ours, native);
        const procsNote = ours.procs !== np ? ` (LAMMPS saw ${ours.procs} procs!)` : '';
        result.rows.push({ metric: `in.${input}, ${np} rank${np > 1 ? 's' : ''} (${native.atoms} atoms, ${native.steps} steps)`, unit: 's', ours: ours.loopTime, native: native.loopTime, note: cmp.text + procsNote });
      } catch (e) {
        // Group identical failures (the same missing function or trap at every size) into one note.
        const text = errorText(e).replace(/^faasmpi in\.\w+ -np \d+: /, '');
        const key = text.slice(0, 300);
        failures.set(key, [...(failures.get(key) ?? []), `in.${input} -np ${np}`]);
        nativeOnly.push(`in.${input} ${np} rank(s) ${native.loopTime} s`);
      }
    }
  }
  for (const [text, where] of failures) result.notes.unshift(`faasmpi run FAILED (${where.join(', ')}): ${text}`);
  if (nativeOnly.length > 0) result.notes.push(`Native loop times without a faasmpi counterpart: ${nativeOnly.join('; ')}.`);
  return result;
}
