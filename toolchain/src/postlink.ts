// Post-link step run on every module the wrappers link (binaryen):
//  - moves the __kmpc_*/omp_* imports that wasm-ld put under "env" (it has no way
//    to name another module for undefined symbols) to module "faasmpi_omp";
//  - exports every mutable global under its own name, so the runtime can give each
//    thread instance its own __stack_pointer/__tls_base and snapshot them;
//  - optimises only when asked (FAASMPI_POSTLINK_OPT): clang has optimised already;
//  - replaces wasm-ld's trapping stubs for calls through unprototyped declarations with adapters when the
//    call is well defined in practice, and refuses the module otherwise (signature-mismatch.ts);
//  - records the ABI in a "faasmpi" custom section;
//  - keeps the name section (function names in wasm stack traces).
import fs from 'node:fs';
import { ABI_VERSION, OMP_IMPORT_MODULE, OMP_IMPORTS_FILE } from './config.js';
import { MIGRATION_POINT_MODULE, MIGRATION_POINTS } from '../../migration/points.js';
import {
  mismatchError, STUB_PREFIX, whyNotAdaptable, type LinkerReport, type Signature,
} from './signature-mismatch.js';

export interface PostlinkOptions {
  /** -fopenmp build (shared-memory threads, TLS exports). */
  threads: boolean;
  /** Main stack size in bytes, as passed to wasm-ld. */
  stackSize: number;
  /** binaryen levels, or null to skip optimisation (-O0, -Og). */
  optimize: { level: number; shrink: number } | null;
  /** Instrument with Asyncify so that a rank can be captured at its migration points (migration/). */
  asyncify: boolean;
  /** Import names to move from "env" to "faasmpi_omp"; read from OMP_IMPORTS_FILE by default. */
  ompImports?: ReadonlySet<string>;
  /** From faasmpi-ld: signature-mismatch warnings (to name files in errors), exports to remove. */
  linkerReport?: LinkerReport;
  /** Maps a linker input to the name the user knows it by. */
  displayName?: (file: string) => string;
}

/** Contents of the "faasmpi" custom section (UTF-8 JSON). */
export interface FaasmpiSection {
  abi: number;
  threads: boolean;
  mutableGlobals: string[];
  stackSize: number;
  asyncify: boolean;
  /** With asyncify: whether calls through function pointers were left un-instrumented (see asyncify()). */
  asyncifyIgnoresIndirect?: boolean;
}

export const SECTION_NAME = 'faasmpi';

export function readOmpImportList(file = OMP_IMPORTS_FILE): Set<string> {
  const names = new Set<string>();
  if (!fs.existsSync(file)) return names;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const t = line.trim();
    if (t && !t.startsWith('#')) names.add(t);
  }
  return names;
}

/** Maps a -O level (without "-O") to binaryen levels; null means do not optimise. */
export function optimizeLevelsFor(optLevel: string): PostlinkOptions['optimize'] {
  switch (optLevel) {
    case '0': case 'g': return null;
    case '1': return { level: 1, shrink: 0 };
    case 's': return { level: 2, shrink: 1 };
    case 'z': return { level: 2, shrink: 2 };
    default: return { level: 2, shrink: 0 }; // -O, -O2, -O3, -O4, -Ofast
  }
}

export async function postlink(input: Uint8Array, opts: PostlinkOptions): Promise<{ bytes: Uint8Array; section: FaasmpiSection }> {
  // Loading binaryen costs ~0.5 s, so only link steps pay for it.
  const { default: binaryen } = await import('binaryen');
  binaryen.setDebugInfo(true); // keep the name section
  const module = binaryen.readBinary(input);
  try {
    // readBinary applies the target_features section. Shared memory needs the
    // threads feature even when the code itself was compiled without atomics.
    // Never enable Features.All: binaryen could then emit encodings Node 20 lacks.
    const F = binaryen.Features;
    module.setFeatures(module.getFeatures() | F.Atomics | F.BulkMemory | F.MutableGlobals);

    moveOmpImports(binaryen, module, opts.ompImports ?? readOmpImportList());
    const mutableGlobals = exportMutableGlobals(binaryen, module);
    adaptSignatureMismatches(binaryen, module, opts);
    // After exporting the mutable globals: Asyncify's own state globals must stay per instance, never snapshotted.
    const ignoresIndirect = opts.asyncify ? asyncify(binaryen, module) : undefined;

    if (opts.optimize) {
      binaryen.setOptimizeLevel(opts.optimize.level);
      binaryen.setShrinkLevel(opts.optimize.shrink);
      module.optimize();
    }

    const section: FaasmpiSection = {
      abi: ABI_VERSION,
      threads: opts.threads,
      mutableGlobals,
      stackSize: opts.stackSize,
      asyncify: opts.asyncify,
      ...(ignoresIndirect === undefined ? {} : { asyncifyIgnoresIndirect: ignoresIndirect }),
    };
    module.addCustomSection(SECTION_NAME, new TextEncoder().encode(JSON.stringify(section)));
    if (!module.validate()) throw new Error('faasmpi postlink: binaryen validation failed');
    return { bytes: module.emitBinary(), section };
  } finally {
    module.dispose();
  }
}

type Binaryen = typeof import('binaryen').default;
type BModule = InstanceType<Binaryen['Module']>;

function moveOmpImports(binaryen: Binaryen, module: BModule, names: ReadonlySet<string>): void {
  const moves: { name: string; base: string; params: number; results: number }[] = [];
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (info.module === 'env' && info.base !== null && names.has(info.base)) {
      moves.push({ name: info.name, base: info.base, params: info.params, results: info.results });
    }
  }
  // Calls refer to the internal name, which stays the same.
  for (const m of moves) {
    module.removeFunction(m.name);
    module.addFunctionImport(m.name, OMP_IMPORT_MODULE, m.base, m.params, m.results);
  }
}

function signatureOf(binaryen: Binaryen, info: { params: number; results: number }): Signature {
  const names = (t: number) => binaryen.expandType(t).map((x) => {
    const name = ({ [binaryen.i32]: 'i32', [binaryen.i64]: 'i64', [binaryen.f32]: 'f32', [binaryen.f64]: 'f64' } as Record<number, string>)[x];
    return name ?? `type${x}`;
  });
  return { params: names(info.params), results: names(info.results) };
}

/**
 * Each `signature_mismatch:NAME` stub traps; it becomes a call of NAME that passes the definition's
 * parameters (extra arguments dropped) and drops the result when the caller wants none. Throws, naming
 * both declarations, when some call is not adaptable (whyNotAdaptable).
 */
function adaptSignatureMismatches(binaryen: Binaryen, module: BModule, opts: PostlinkOptions): void {
  const errors: string[] = [];
  const stubs: string[] = [];
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (info.name.startsWith(STUB_PREFIX) && !info.module) stubs.push(info.name);
  }
  for (const stubName of stubs) {
    const stub = binaryen.getFunctionInfo(module.getFunction(stubName));
    // Names are unique in binaryen: a second stub for the same function comes out as NAME_7 or the like.
    const raw = stubName.slice(STUB_PREFIX.length);
    const target = [raw, raw.replace(/[._]\d+$/, '')].find((n) => module.getFunction(n)) ?? raw;
    const targetRef = module.getFunction(target);
    if (!targetRef) { errors.push(`function '${target}' is called with a signature that matches no definition`); continue; }
    const def = binaryen.getFunctionInfo(targetRef);
    const call = signatureOf(binaryen, stub), definition = signatureOf(binaryen, def);
    const reason = whyNotAdaptable(call, definition);
    if (reason) {
      errors.push(mismatchError(target, call, definition, reason, opts.linkerReport?.warnings ?? [], opts.displayName));
      continue;
    }
    const args = definition.params.map((_, i) => module.local.get(i, binaryen.expandType(stub.params)[i]));
    let body = module.call(target, args, def.results);
    if (call.results.length === 0 && definition.results.length > 0) body = module.drop(body);
    module.removeFunction(stubName);
    module.addFunction(stubName, stub.params, stub.results, [], body);
  }
  if (errors.length) throw new Error(errors.join('\n'));
  for (const name of opts.linkerReport?.addedExports ?? []) {
    if (module.getExport(name)) module.removeExport(name);
  }
}

/**
 * Asyncify instrumentation limited to what can reach a migration point: only the imports in MIGRATION_POINTS
 * may unwind. Indirect calls are left un-instrumented (code size +6% instead of +31%) only when that is sound:
 * when no function that can be called through the table reaches a migration point by direct calls. Returns
 * whether indirect calls were ignored.
 */
function asyncify(binaryen: Binaryen, module: BModule): boolean {
  const points = MIGRATION_POINTS.map((name) => `${MIGRATION_POINT_MODULE}.${name}`);
  const ignoreIndirect = !tableReachesPoints(binaryen, module);
  binaryen.setPassArgument('asyncify-imports', points.join(','));
  if (ignoreIndirect) binaryen.setPassArgument('asyncify-ignore-indirect', 'true'); // an empty value would unset it
  try {
    module.runPasses(['asyncify']);
  } finally {
    binaryen.clearPassArguments();
  }
  return ignoreIndirect;
}

/** Whether some function in a table can reach a migration-point import by direct calls. */
function tableReachesPoints(binaryen: Binaryen, module: BModule): boolean {
  const imported = new Set<string>();
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (info.module === MIGRATION_POINT_MODULE && MIGRATION_POINTS.includes(info.base ?? '')) imported.add(info.name);
  }
  if (imported.size === 0) return false;
  // Callers by callee, from binaryen's call graph printout (its only public call-graph view).
  const callers = new Map<string, string[]>();
  for (const line of printedBy(() => module.runPasses(['print-call-graph'])).split('\n')) {
    const m = /^\s*"([^"]+)" -> "([^"]+)"; \/\/ call/.exec(line);
    if (!m) continue;
    const list = callers.get(m[2]) ?? [];
    list.push(m[1]);
    callers.set(m[2], list);
  }
  const reaching = new Set<string>(imported);
  const todo = [...imported];
  while (todo.length) {
    for (const caller of callers.get(todo.pop()!) ?? []) {
      if (!reaching.has(caller)) { reaching.add(caller); todo.push(caller); }
    }
  }
  for (let i = 0; i < module.getNumElementSegments(); i++) {
    const seg = binaryen.getElementSegmentInfo(module.getElementSegmentByIndex(i));
    if (seg.data.some((f: string) => reaching.has(f))) return true;
  }
  return false;
}

/** What binaryen prints on stdout while `run` runs (it writes through a console.log bound at load time). */
function printedBy(run: () => void): string {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => { chunks.push(String(chunk)); return true; }) as typeof write;
  try {
    run();
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

function exportMutableGlobals(binaryen: Binaryen, module: BModule): string[] {
  const exported = new Map<string, string>(); // internal global name -> export name
  for (let i = 0; i < module.getNumExports(); i++) {
    const e = binaryen.getExportInfo(module.getExportByIndex(i));
    if (e.kind === binaryen.ExternalGlobal) exported.set(e.value, e.name);
  }
  const names: string[] = [];
  for (let i = 0; i < module.getNumGlobals(); i++) {
    const g = binaryen.getGlobalInfo(module.getGlobalByIndex(i));
    if (!g.mutable || g.module) continue;
    if (!exported.has(g.name)) {
      if (module.getExport(g.name)) throw new Error(`faasmpi postlink: export name ${g.name} already taken`);
      module.addGlobalExport(g.name, g.name);
    }
    names.push(exported.get(g.name) ?? g.name);
  }
  return names;
}

/** Rewrites a linked module file in place. Returns the section written. */
export async function postlinkFile(file: string, opts: PostlinkOptions): Promise<FaasmpiSection> {
  const { bytes, section } = await postlink(fs.readFileSync(file), opts);
  fs.writeFileSync(file, bytes);
  return section;
}
