// Turns a path into a compiled, checked module: everything that can be wrong with a program file is reported
// here, naming the file, before any Faaslet starts. Compiled modules are cached per host process.
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
/** The custom section faasmpicc's post-link step writes (toolchain/src/postlink.ts). */
const SECTION_NAME = 'faasmpi';
import { readFileSync, statSync } from 'node:fs';
import type { HostModuleSpec } from '../host-interface/types.js';
import {
  findCustomSection, findImportedMemory, formatFuncType, hasWasmMagic, readImportsAndExports,
  type ExportShape, type FuncType, type ImportShape, type ImportedMemory,
} from './wasm-binary.js';
import { expectedType } from './import-signatures.js';
import { MPI_MODULE_NAME } from '../mpi/module.js';

/** What our post-link step records in the `faasmpi` custom section. */
export interface FaasletMeta {
  abi: number;
  threads: boolean;
  mutableGlobals: string[];
  stackSize?: number;
  asyncify: boolean;
}

/** faasmpi_main: our reactor ABI (snapshots before main work). _start: any plain WASI command module. */
export type EntryPoint = 'faasmpi_main' | '_start';

export interface LoadedModule {
  /** sha256 of the bytes: names the module across hosts and binds snapshots to it. */
  id: string;
  path: string;
  module: WebAssembly.Module;
  /** Undefined when the module defines (exports) its own memory. */
  memory: ImportedMemory | undefined;
  meta: FaasletMeta | undefined;
  entry: EntryPoint;
}

export class ModuleLoadError extends Error {
  override name = 'ModuleLoadError';
}

const SUPPORTED_ABI = 1;

/** The faasmpi section, read straight from the bytes (before compiling: it decides how to compile). */
function readMeta(bytes: Uint8Array, path: string): FaasletMeta | undefined {
  let section: Uint8Array | undefined;
  try {
    section = findCustomSection(bytes, SECTION_NAME);
  } catch {
    return undefined; // a malformed binary: compiling it reports what is wrong
  }
  if (section === undefined) return undefined;
  let meta: FaasletMeta;
  try {
    meta = JSON.parse(new TextDecoder().decode(section));
  } catch {
    throw new ModuleLoadError(`${path}: the faasmpi section is not valid JSON (rebuild with faasmpicc)`);
  }
  if (meta.abi !== SUPPORTED_ABI) {
    throw new ModuleLoadError(`${path}: built for faasmpi ABI ${meta.abi}, this runtime supports ABI ${SUPPORTED_ABI}; rebuild with this faasmpicc`);
  }
  return meta;
}

function checkImports(module: WebAssembly.Module, path: string, specs: readonly HostModuleSpec[]): void {
  const provided = new Map(specs.map((s) => [s.name, new Set(s.functionNames)]));
  const unsupported = new Map(specs.map((s) => [s.name, s.unsupported ?? {}]));
  const missing: string[] = [];
  const constructs = new Set<string>();
  for (const imp of WebAssembly.Module.imports(module)) {
    const what = `${imp.module}.${imp.name}`;
    if (imp.kind === 'memory') {
      if (imp.module !== 'env' || imp.name !== 'memory') missing.push(`${what} (memory)`);
    } else if (imp.kind !== 'function') {
      missing.push(`${what} (${imp.kind})`);
    } else if (!provided.get(imp.module)?.has(imp.name)) {
      const construct = unsupported.get(imp.module)?.[imp.name];
      if (construct) constructs.add(`${construct} (${imp.name})`);
      else missing.push(what);
    }
  }
  if (constructs.size > 0) {
    throw new ModuleLoadError(`${path}: uses ${[...constructs].join(', ')}, which faasmpi's OpenMP runtime does not support`);
  }
  if (missing.length > 0) {
    const list = missing.slice(0, 20).join(', ') + (missing.length > 20 ? `, ... (${missing.length} in all)` : '');
    throw new ModuleLoadError(`${path}: imports that this runtime does not provide: ${list}`);
  }
}

const sameType = (a: FuncType, b: FuncType) =>
  a.params.length === b.params.length && a.results.length === b.results.length &&
  a.params.every((t, i) => t === b.params[i]) && a.results.every((t, i) => t === b.results[i]);

/** Function imports whose type differs from the host function's (which would fail or misbehave when called). */
function checkImportTypes(imports: readonly ImportShape[], path: string): void {
  const wrong: string[] = [];
  for (const imp of imports) {
    if (imp.kind !== 'function' || !imp.type) continue;
    const expected = expectedType(imp.module, imp.name);
    if (expected && !sameType(imp.type, expected)) {
      wrong.push(`import ${imp.module}.${imp.name} has type ${formatFuncType(imp.type)}, expected ${formatFuncType(expected)}`);
    }
  }
  if (wrong.length > 0) {
    const list = wrong.slice(0, 10).join('; ') + (wrong.length > 10 ? `; ... (${wrong.length} in all)` : '');
    throw new ModuleLoadError(`${path}: ${list}`);
  }
}

const NO_ARGS: FuncType = { params: [], results: [] };

/** An export the runtime calls must be a function of type ()->() (we pass nothing and expect nothing back). */
function checkCallable(e: ExportShape, path: string): void {
  if (e.kind !== 'function') {
    throw new ModuleLoadError(`${path}: exports ${e.name} as a ${e.kind}, expected a function ${formatFuncType(NO_ARGS)}`);
  }
  if (e.type && !sameType(e.type, NO_ARGS)) {
    throw new ModuleLoadError(`${path}: export ${e.name} has type ${formatFuncType(e.type)}, expected ${formatFuncType(NO_ARGS)}`);
  }
}

function entryPoint(exports: readonly ExportShape[], path: string): EntryPoint {
  const byName = new Map(exports.map((e) => [e.name, e]));
  const entry = byName.get('faasmpi_main') ?? byName.get('_start');
  if (!entry) throw new ModuleLoadError(`${path}: no entry point (exports neither faasmpi_main nor _start); build it with faasmpicc`);
  checkCallable(entry, path);
  const init = byName.get('_initialize');
  if (init) checkCallable(init, path);
  return entry.name as EntryPoint;
}

function readProgram(path: string): Buffer {
  try {
    if (statSync(path).isDirectory()) throw new ModuleLoadError(`${path}: is a directory, not a wasm module`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof ModuleLoadError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModuleLoadError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? e})`);
  }
}

/**
 * OpenMP modules skip V8's baseline tier: V8 otherwise starts every wasm function unoptimised and swaps in
 * optimised code only at a later call (wasm has no on-stack replacement), so an outlined region entered once and
 * running long - while every core is busy and background tier-up starves - could run unoptimised throughout.
 * Measured on omp_dgemm.c: 2 threads 4.6-5.1 GFLOP/s with tier-up, 12.1-12.4 without; 1 thread 3.1-5.3 vs
 * 6.2-9.5. Such a module is compiled whole and optimised up front (no lazy compilation: a function compiled
 * lazily later would get the baseline tier again), and the flags are put back once it is compiled, so the host
 * process, and every other tenant's modules, keep V8's defaults (a 7 MB LAMMPS starts faster with tier-up).
 * Flags are process-wide: a module compiling at the same moment is optimised up front too (slower to compile).
 */
let optimisingCompiles = 0;
async function compile(bytes: Uint8Array, meta: FaasletMeta | undefined): Promise<WebAssembly.Module> {
  if (!meta?.threads) return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  if (optimisingCompiles++ === 0) v8.setFlagsFromString('--no-liftoff --no-wasm-lazy-compilation');
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } finally {
    // --no-liftoff also switched dynamic tiering off (a V8 flag implication): it must be switched back on too.
    if (--optimisingCompiles === 0) v8.setFlagsFromString('--liftoff --wasm-lazy-compilation --wasm-dynamic-tiering');
  }
}

/** Compiles and checks one module; no caching. */
export async function compileModule(path: string, specs: readonly HostModuleSpec[]): Promise<LoadedModule> {
  return compileBytes(readProgram(path), path, specs);
}

/** Compiles and checks a module's bytes (`path` names it in errors: a launcher's file on a cluster host). */
export async function compileBytes(bytes: Uint8Array, path: string, specs: readonly HostModuleSpec[]): Promise<LoadedModule> {
  if (!hasWasmMagic(bytes)) throw new ModuleLoadError(`${path}: not a WebAssembly module (no \\0asm header)`);
  const meta = readMeta(bytes, path);
  let module: WebAssembly.Module;
  try {
    module = await compile(bytes, meta);
  } catch (e) {
    throw new ModuleLoadError(`${path}: invalid WebAssembly module: ${(e as Error).message}`);
  }
  checkImports(module, path, specs);
  let shape: ReturnType<typeof readImportsAndExports>;
  try {
    shape = readImportsAndExports(bytes);
  } catch (e) {
    throw new ModuleLoadError(`${path}: cannot read the module's imports and exports: ${(e as Error).message}`);
  }
  checkImportTypes(shape.imports, path);
  const memory = findImportedMemory(bytes);
  // MPI peers copy straight from each other's memories, which the host must therefore create and share.
  if (!memory?.shared && WebAssembly.Module.imports(module).some((i) => i.module === MPI_MODULE_NAME)) {
    throw new ModuleLoadError(`${path}: uses MPI but does not import a shared memory; build it with faasmpicc`);
  }
  return {
    id: createHash('sha256').update(bytes).digest('hex'),
    path,
    module,
    memory,
    meta,
    entry: entryPoint(shape.exports, path),
  };
}

/** Per-host cache: a program started many times is compiled once (keyed by path, size and mtime). */
/** How much a host keeps compiled: tenants send programs, and each distinct one would otherwise stay forever. */
export interface ModuleCacheLimits {
  /** Most modules kept (default 64). */
  maxModules?: number;
  /** Most wasm bytes kept, counted as sent (compiled code is a few times that; default 256 MiB). */
  maxBytes?: number;
}

/** Compiled modules by content or file version, least recently used dropped first (a job holds its own). */
export class ModuleCache {
  private readonly entries = new Map<string, { module: Promise<LoadedModule>; bytes: number }>();
  private bytes = 0;
  private readonly maxModules: number;
  private readonly maxBytes: number;

  constructor(private readonly specs: readonly HostModuleSpec[], limits: ModuleCacheLimits = {}) {
    this.maxModules = limits.maxModules ?? 64;
    this.maxBytes = limits.maxBytes ?? 256 << 20;
  }

  load(path: string): Promise<LoadedModule> {
    let key = path, size = 0;
    try {
      const st = statSync(path);
      key = `${path}:${st.size}:${st.mtimeMs}`;
      size = st.size;
    } catch {
      return compileModule(path, this.specs); // reports the error
    }
    return this.cached(key, size, () => compileModule(path, this.specs));
  }

  /** A module sent by a launcher: cached by its content. */
  loadBytes(bytes: Uint8Array, path: string): Promise<LoadedModule> {
    return this.cached(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, bytes.length, () => compileBytes(bytes, path, this.specs));
  }

  /** Modules kept now. */
  get size(): number {
    return this.entries.size;
  }

  private cached(key: string, bytes: number, compile: () => Promise<LoadedModule>): Promise<LoadedModule> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // re-inserted: most recently used last
      this.entries.set(key, hit);
      return hit.module;
    }
    const entry = { module: compile(), bytes };
    entry.module.catch(() => this.drop(key, entry));
    this.entries.set(key, entry);
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= 1 || (this.entries.size <= this.maxModules && this.bytes <= this.maxBytes)) break;
      this.drop(k, e);
    }
    return entry.module;
  }

  private drop(key: string, entry: { bytes: number }): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
