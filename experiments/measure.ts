// What the OSU-style benchmarks share: running a program several times, reading its "size value" lines, and
// keeping the median per size.
import { spawnSync } from 'node:child_process';
import { buildDir } from './build.js';

const TIMEOUT_MS = 10 * 60_000;

export type Series = Map<number, number>;

export function sizeLabel(bytes: number): string {
  if (bytes >= 1 << 20) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1 << 10) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} B`;
}

/** "size value" lines (comments start with '#'). */
export function parseSeries(stdout: string): Series {
  const out: Series = new Map();
  for (const line of stdout.split('\n')) {
    const m = /^(\d+)\s+([0-9.eE+-]+)$/.exec(line.trim());
    if (m) out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 1500);
}

/** Runs cmd `repeats` times; per size, the median. Throws with the command's output if a run fails. */
export function measureSeries(label: string, cmd: string, args: string[], repeats: number): Series {
  const runs: Series[] = [];
  for (let i = 0; i < repeats; i++) {
    const r = spawnSync(cmd, args, { cwd: buildDir, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 16 << 20 });
    const series = parseSeries(r.stdout ?? '');
    if (r.error || r.status !== 0 || series.size === 0) {
      const why = r.error ? String(r.error.message) : `exit status ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}`;
      const tail = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').slice(-12).join(' | ');
      throw new Error(`${label}: ${why}${tail ? `: ${tail}` : ''}`);
    }
    runs.push(series);
    console.log(`  ${label} run ${i + 1}/${repeats}: ${series.size} sizes`);
  }
  const out: Series = new Map();
  for (const size of runs[0].keys()) {
    const values = runs.map((s) => s.get(size)).filter((v): v is number => v !== undefined);
    if (values.length === runs.length) out.set(size, median(values));
  }
  return out;
}
