// Reading what LULESH, CoMD and HPCG print: each app's own verification and its own timer. A parser returns
// undefined when the output lacks what a finished run prints, so a crashed or truncated run is never measured.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AppRun {
  /** The app's own timer for the measured part (seconds; HPCG: seconds per GFLOP). */
  seconds: number;
  /** The app's verification values, as printed; compared with native value by value. */
  check: Record<string, string>;
  /** Extra figures worth a note (e.g. GFLOP/s). */
  extra?: string;
}

const field = (text: string, re: RegExp): string | undefined => re.exec(text)?.[1];

/**
 * LULESH 2.0: "Final Origin Energy" and the symmetry check (MaxRelDiff) are the verification. Time from the
 * FOM line, which has more digits than "Elapsed time" (%.2f): FOM = 1000 / grind, grind = elapsed 1e6 / (cycles
 * zones), zones = size^3 * ranks.
 */
export function parseLulesh(stdout: string): AppRun | undefined {
  const energy = field(stdout, /Final Origin Energy\s*=\s*(\S+)/);
  const size = Number(field(stdout, /Problem size\s*=\s*(\d+)/));
  const ranks = Number(field(stdout, /MPI tasks\s*=\s*(\d+)/));
  const cycles = Number(field(stdout, /Iteration count\s*=\s*(\d+)/));
  const fom = Number(field(stdout, /^FOM\s*=\s*([0-9.eE+-]+)/m));
  if (!energy || !(size > 0 && ranks > 0 && cycles > 0 && fom > 0)) return undefined;
  // The symmetry differences are round-off and change with evaluation order; LULESH's README asks only that
  // they be small, so they are checked against a bound and shown, not compared digit by digit.
  const maxRel = field(stdout, /MaxRelDiff\s*=\s*(\S+)/);
  const check: Record<string, string> = {
    'final origin energy': energy,
    'iterations': String(cycles),
    'symmetry MaxRelDiff < 1e-8': maxRel === undefined ? 'not printed' : String(Number(maxRel) < 1e-8),
  };
  return { seconds: ((1000 / fom) * cycles * size ** 3 * ranks) / 1e6, check, extra: `FOM ${fom} z/s, MaxRelDiff ${maxRel}` };
}

/** CoMD: the "Simulation Validation" block (energy conservation, atoms lost); time is rank 0's "loop" timer. */
export function parseComd(stdout: string): AppRun | undefined {
  const initial = field(stdout, /Initial energy\s*:\s*(\S+)/);
  const final = field(stdout, /Final energy\s*:\s*(\S+)/);
  const ratio = field(stdout, /eFinal\/eInitial\s*:\s*(\S+)/);
  const atoms = field(stdout, /Final atom count\s*:\s*(.+)$/m);
  const loop = Number(field(stdout, /^loop\s+\d+\s+[0-9.]+\s+([0-9.]+)/m));
  if (!initial || !final || !ratio || !atoms || !(loop > 0)) return undefined;
  const rate = field(stdout, /Average all atom update rate:\s*(\S+)/);
  return { seconds: loop, check: { 'initial energy': initial, 'final energy': final, 'eFinal/eInitial': ratio, 'final atom count': atoms.trim() }, extra: rate ? `${rate} us/atom` : undefined };
}

/**
 * HPCG writes its report to HPCG-Benchmark_<version>_<date>.txt in the working directory. Its own verdicts (every
 * "...::Result=PASSED" line and "HPCG result is VALID") are the check; the scaled residual is round-off (1e-30 and
 * below, it changes with evaluation order), shown, not compared. HPCG repeats CG sets until --rt seconds have
 * passed, so its total time grows with speed: the measure is its GFLOP/s rating, reported as seconds per GFLOP
 * so that ours/native keeps the meaning of a time ratio.
 */
export function parseHpcg(runDir: string): AppRun | undefined {
  const file = readdirSync(runDir).find((f) => /^HPCG-Benchmark_.*\.txt$/.test(f));
  if (!file) return undefined;
  const text = readFileSync(join(runDir, file), 'utf8');
  const valid = /HPCG result is (VALID|INVALID)/.exec(text)?.[1];
  const gflops = Number(field(text, /GFLOP\/s rating of=(\S+)/));
  if (!valid || !(gflops > 0)) return undefined;
  const check: Record<string, string> = { result: valid };
  for (const m of text.matchAll(/^([^=\n]*?)(?:\s*\|[^\n]*?)?::Result=(\S+)$/gm)) check[m[1].trim()] = m[2];
  const residual = field(text, /Scaled residual mean=(\S+)/);
  return { seconds: 1 / gflops, check, extra: `${gflops} GFLOP/s, scaled residual ${residual}` };
}

/** "matches native" or the values that differ. */
export function compareChecks(ours: AppRun, native: AppRun): { same: boolean; text: string } {
  const diffs = Object.entries(native.check)
    .filter(([k, v]) => ours.check[k] !== v)
    .map(([k, v]) => `${k} ${ours.check[k] ?? '(missing)'} vs native ${v}`);
  if (diffs.length === 0) return { same: true, text: `${Object.keys(native.check).join(', ')} identical to native` };
  return { same: false, text: `DIFFERS from native: ${diffs.join('; ')}` };
}
