// Structure of the MPI runtime (issue 16): no import cycles in mpi/ and collectives/, counting type-only imports
// (a module a rank's state is built from must not import the rank back).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './helpers.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('mpi/ and collectives/ have no import cycles (type imports included)', () => {
  const files = ['mpi', 'collectives'].flatMap((d) => sources(join(repoRoot, d)));
  const deps = new Map<string, string[]>();
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    const out = [...src.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gm)].map((m) => normalize(join(dirname(f), m[1].replace(/\.js$/, '.ts'))));
    deps.set(f, out);
  }
  assert.ok(deps.size > 30, `found ${deps.size} modules`);
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (f: string, path: string[]): void => {
    state.set(f, 'open');
    for (const d of deps.get(f) ?? []) {
      if (state.get(d) === 'open') cycles.push([...path.slice(path.indexOf(d)), d].map((p) => relative(repoRoot, p)).join(' -> '));
      else if (!state.has(d) && deps.has(d)) visit(d, [...path, d]);
    }
    state.set(f, 'done');
  };
  for (const f of deps.keys()) if (!state.has(f)) visit(f, [f]);
  assert.deepEqual(cycles, []);
});
