// One tenant's module must not change the host for the next: loading an OpenMP module compiles that module
// optimised up front, and leaves V8's defaults (baseline tier, lazy compilation) for every other module.
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { test } from 'node:test';
import { compileModule } from '../faaslet/module-loader.js';
import { hostSpecs } from '../host-interface/index.js';
import { build, tempDir } from './helpers.js';

v8.setFlagsFromString('--allow-natives-syntax');
const isLiftoff = new Function('f', 'return %IsLiftoffFunction(f)') as (f: unknown) => boolean;

/** (func (export "g") (result i32) (i32.const K)): tiny, and distinct per K (V8 shares modules by bytes). */
function tinyModule(k: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 7, 5, 1, 1, 103, 0, 0, 10, 6, 1, 4, 0, 65, k, 11]);
}

/** Instantiates with stand-ins for every import (none is called). */
function instantiate(module: WebAssembly.Module, memory?: WebAssembly.Memory): WebAssembly.Instance {
  const imports: Record<string, Record<string, unknown>> = {};
  for (const i of WebAssembly.Module.imports(module)) {
    imports[i.module] ??= {};
    imports[i.module][i.name] = i.kind === 'memory' ? memory : () => { throw new Error(`stand-in ${i.module}.${i.name}`); };
  }
  return new WebAssembly.Instance(module, imports as WebAssembly.Imports);
}

/** Whether modules compiled now get the baseline tier: some of a few fresh ones run in Liftoff (V8 may tier a
 * tiny function up in the background at once, so one sample could say no; with --no-liftoff none ever does). */
async function baselineTierInUse(from: number): Promise<boolean> {
  for (let k = from; k < from + 5; k++) {
    const instance = instantiate(new WebAssembly.Module(tinyModule(k)));
    assert.equal((instance.exports.g as () => number)(), k);
    if (isLiftoff(instance.exports.g)) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

test('an OpenMP module runs optimised code from its first call; modules loaded after it keep the baseline tier', async () => {
  assert.equal(await baselineTierInUse(1), true, 'V8 starts wasm functions in Liftoff by default');

  const omp = await compileModule(build('omp_parallel.c', tempDir('faasmpi-rt-iso-'), ['-fopenmp']), hostSpecs);
  assert.equal(omp.meta?.threads, true);
  const m = omp.memory!;
  const instance = instantiate(omp.module, new WebAssembly.Memory({ initial: m.initialPages, maximum: m.maximumPages, shared: true } as WebAssembly.MemoryDescriptor));
  const initTls = instance.exports.__wasm_init_tls as (block: number) => void;
  initTls(1 << 16);
  assert.equal(isLiftoff(initTls), false, 'the OpenMP module was compiled optimised');

  assert.equal(await baselineTierInUse(10), true, 'modules loaded later still get the baseline tier (the flag was process-wide)');
});
