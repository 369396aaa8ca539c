// Writes the kustomize base (deploy/kubernetes/base/) from manifests.ts, the one place its names and ports are
// set. `node dist/deploy/render.js` rewrites the files; `--check` only says whether they are up to date.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { kustomization, manifests } from './manifests.js';

export const baseDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../deploy/kubernetes/base');

const HEADER = '# Rendered from deploy/manifests.ts by `node dist/deploy/render.js`: edit that file, not this one.\n';

/** The base's files and their contents. */
export function renderBase(): Map<string, string> {
  const files = new Map<string, string>();
  const yaml = (doc: object) => HEADER + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
  for (const [file, doc] of Object.entries(manifests())) files.set(file, yaml(doc));
  files.set('kustomization.yaml', yaml(kustomization()));
  return files;
}

/** Files of the base that are missing or differ from what manifests.ts renders. */
export function staleFiles(dir = baseDir): string[] {
  const stale: string[] = [];
  for (const [file, text] of renderBase()) {
    let had: string | undefined;
    try {
      had = readFileSync(join(dir, file), 'utf8');
    } catch { /* missing: stale */ }
    if (had !== text) stale.push(file);
  }
  return stale;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const stale = staleFiles();
    if (stale.length > 0) {
      process.stderr.write(`deploy/kubernetes/base is out of date (${stale.join(', ')}): run node dist/deploy/render.js\n`);
      process.exitCode = 1;
    }
  } else {
    for (const [file, text] of renderBase()) writeFileSync(join(baseDir, file), text);
    process.stdout.write(`wrote ${renderBase().size} files in ${baseDir}\n`);
  }
}
