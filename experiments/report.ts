// Writes the harness output: results.json (machine-readable), REPORT.md, and an SVG bar chart per benchmark.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ratio, type BenchmarkResult, type Row } from './result.js';

const fmt = (x: number | undefined) => (x === undefined ? '' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

function table(rows: Row[]): string {
  const lines = ['| metric | unit | ours | native | ours/native | published reference | note |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const q = ratio(r);
    lines.push(`| ${r.metric} | ${r.unit} | ${fmt(r.ours)} | ${fmt(r.native)} | ${q === undefined ? '' : q.toFixed(2) + 'x'} | ${fmt(r.reference)} | ${r.note ?? ''} |`);
  }
  return lines.join('\n');
}

/** Horizontal bars per row: ours, and native / reference when present; one scale per unit. */
function chart(result: BenchmarkResult): string {
  const rows = result.rows.filter((r) => r.native !== undefined || r.reference !== undefined);
  const bar = 14, gap = 30, left = 420, width = 360;
  const height = 40 + rows.length * (3 * bar + gap);
  const max = new Map<string, number>();
  for (const r of rows) max.set(r.unit, Math.max(max.get(r.unit) ?? 0, r.ours, r.native ?? 0, r.reference ?? 0));
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 80}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<text x="10" y="20" font-size="14">${result.title}</text>`];
  rows.forEach((r, i) => {
    const y0 = 40 + i * (3 * bar + gap);
    parts.push(`<text x="10" y="${y0 + bar}">${r.metric.replace(/&/g, '&amp;').replace(/</g, '&lt;')} (${r.unit})</text>`);
    const series: [string, number | undefined, string][] = [['ours', r.ours, '#2b6cb0'], ['native', r.native, '#718096'], ['reference', r.reference, '#dd6b20']];
    series.filter(([, v]) => v !== undefined).forEach(([name, v], k) => {
      const w = Math.max(1, (v! / max.get(r.unit)!) * width);
      const y = y0 + k * bar;
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${series.find((s) => s[0] === name)![2]}"/>`,
        `<text x="${left + w + 4}" y="${y + bar - 4}">${name} ${fmt(v)}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function writeReport(dir: string, results: BenchmarkResult[], machine: Record<string, string>): void {
  writeFileSync(join(dir, 'results.json'), JSON.stringify({ machine, results }, null, 2) + '\n');
  const md = ['# faasmpi experiments', '', `Machine: ${Object.entries(machine).map(([k, v]) => `${k} ${v}`).join(', ')}.`, ''];
  for (const r of results) {
    md.push(`## ${r.title}`, '', table(r.rows), '');
    if (r.rows.some((x) => x.native !== undefined || x.reference !== undefined)) {
      writeFileSync(join(dir, `${r.name}.svg`), chart(r));
      md.push(`![${r.title}](${r.name}.svg)`, '');
    }
    for (const n of r.notes) md.push(`- ${n}`);
    md.push('');
  }
  writeFileSync(join(dir, 'REPORT.md'), md.join('\n'));
}
