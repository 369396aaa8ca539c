// The SIMD diff kernel ships assembled (simd-kernel-wasm.ts) so Faaslet workers never load binaryen: the shipped
// bytes must be exactly what its source assembles to, and the runtime's kernel module must come from them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assembleKernel } from '../fdiffs/simd-kernel-source.js';
import { KERNEL_WASM_BASE64 } from '../fdiffs/simd-kernel-wasm.js';
import { simdKernelModule } from '../fdiffs/simd-kernel.js';

test('the shipped SIMD kernel bytes are the assembly of its source (else run: node dist/fdiffs/simd-kernel-source.js)', () => {
  assert.equal(KERNEL_WASM_BASE64, Buffer.from(assembleKernel()).toString('base64'));
  const exports = WebAssembly.Module.exports(simdKernelModule()).map((e) => e.name).sort();
  assert.deepEqual(exports, ['dataUsed', 'memory', 'scan']);
});
