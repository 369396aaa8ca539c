// Builds vectorise like the native side does (SSE2 there, simd128 here): faasmpicc compiles with -msimd128, with
// or without -fopenmp, unless the user says -mno-simd128, and the vector code runs and gives the scalar code's answer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeRun, faasmpicc, faasmpiRun, repoRoot, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-omp-simd-');
const source = join(dir, 'saxpy.c');
writeFileSync(source, `#include <stdio.h>
#define N 4096
static float x[N], y[N];
int main(void) {
  for (int i = 0; i < N; i++) { x[i] = i * 0.5f; y[i] = 1.0f; }
  for (int r = 0; r < 100; r++) {
#pragma omp parallel for
    for (int i = 0; i < N; i++) y[i] = 0.5f * x[i] + y[i];
  }
  double s = 0;
  for (int i = 0; i < N; i++) s += y[i];
  printf("sum=%.1f\\n", s);
  return 0;
}
`);

/** Builds saxpy.c with extra flags; whether the module has any v128 instruction (0xfd prefix opcodes are SIMD). */
function buildAndRun(name: string, flags: string[]): { vector: boolean; stdout: string } {
  const out = join(dir, `${name}.wasm`);
  const b = spawnSync(faasmpicc, ['-O2', ...flags, source, '-o', out], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const text = spawnSync(join(repoRoot, 'node_modules/.bin/wasm-dis'), [out], { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(text.status, 0, text.stderr);
  const r = faasmpiRun(['-np', '1', out], { env: { ...process.env, OMP_NUM_THREADS: '2' } });
  assert.equal(r.status, 0, describeRun(r));
  return { vector: /\bv128\b|f32x4/.test(text.stdout), stdout: r.stdout };
}

test('faasmpicc emits simd128 by default, with and without -fopenmp; -mno-simd128 turns it off; all give the same answer', { timeout: 120_000 }, () => {
  for (const mode of [[], ['-fopenmp']]) {
    const show = spawnSync(faasmpicc, ['--showme:compile', ...mode], { encoding: 'utf8' });
    assert.ok(show.stdout.includes('-msimd128'), show.stdout);
  }
  const plain = buildAndRun('plain', []);
  const vec = buildAndRun('vector', ['-fopenmp']);
  const scalar = buildAndRun('scalar', ['-fopenmp', '-mno-simd128']);
  assert.ok(plain.vector, 'no vector instruction in the default plain build');
  assert.ok(vec.vector, 'no vector instruction in the default OpenMP build');
  assert.ok(!scalar.vector, 'vector instructions although -mno-simd128 was given');
  assert.equal(vec.stdout, scalar.stdout);
  assert.equal(plain.stdout, scalar.stdout);
  assert.match(vec.stdout, /^sum=\d+/);
});
