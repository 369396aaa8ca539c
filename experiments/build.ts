// Builds benchmark programs with our wrappers and natively, into experiments/results/tmp.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const programs = join(repoRoot, 'experiments/programs');
export const buildDir = join(repoRoot, 'experiments/results/tmp');

function out(source: string, suffix: string): string {
  mkdirSync(buildDir, { recursive: true });
  return join(buildDir, source.replace(/\.\w+$/, suffix));
}

export function buildWasm(source: string, flags: string[] = ['-O2'], suffix = '.wasm'): string {
  const cc = source.endsWith('.cpp') ? 'faasmpicxx' : 'faasmpicc';
  const target = out(source, suffix);
  execFileSync(join(repoRoot, 'toolchain/bin', cc), [...flags, join(programs, source), '-o', target], { stdio: 'inherit' });
  return target;
}

/** A plain wasm32-wasi command module (own, unshared memory): the baseline for the shared-memory decision. */
export function buildPlainWasm(source: string, flags: string[] = ['-O2']): string {
  const target = out(source, '.plain.wasm');
  const lang = source.endsWith('.cpp') ? ['clang++-19', ['-fno-exceptions']] as const : ['clang-19', []] as const;
  execFileSync(lang[0], ['--target=wasm32-wasi', ...lang[1], ...flags, join(programs, source), '-o', target], { stdio: 'inherit' });
  return target;
}

export function buildNative(source: string, flags: string[] = ['-O2']): string {
  const target = out(source, '.native');
  const cc = source.endsWith('.cpp') ? 'clang++-19' : 'clang-19';
  execFileSync(cc, [...flags, join(programs, source), '-o', target, '-lm'], { stdio: 'inherit' });
  return target;
}
