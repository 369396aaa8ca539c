// Turns parsed wrapper arguments into the clang-19 command line (our ABI flags
// around the user's), runs it, and post-links the module when clang linked one.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import type { ParsedArgs } from './args.js';
import { mentionsCriticalLock, weakenCriticalLocks } from './critical-locks.js';
import type { LinkerReport } from './signature-mismatch.js';
import {
  CLANG, CLANGXX, DEFAULT_STACK_SIZE, ERRNO_SHIM_HEADER, GUEST_LIB_NAME, INCLUDE_DIR, LD_REPORT_ENV, LIB_DIR, LINKER_WRAPPER,
  MALLOC_WRAPS, MAX_MEMORY, WASM_EXCEPTIONS_FLAG, OMP_IMPORTS_FILE, OMP_SUPPORT_EXPORTS, STDIO_WRAPS, TARGET, TLS_EXPORTS, WASI_EMULATIONS,
} from './config.js';

export type Language = 'c' | 'c++';

/** Flags for every compilation (also -E/-M, so dependency scans see our headers). */
export function compileFlags(openmp: boolean, cxx = false): string[] {
  const flags = [
    `--target=${TARGET}`,
    // -isystem: our headers never trip users' -Werror; users' own -I dirs still win.
    '-isystem', INCLUDE_DIR,
    // Memory is shared (MPI peers copy from it): bulk memory ops, but no atomics in
    // plain builds so errno stays a plain global and malloc needs no lock.
    '-mbulk-memory',
    ...WASI_EMULATIONS.map((e) => `-D_WASI_EMULATED_${e.toUpperCase().replace('-', '_')}`),
  ];
  if (openmp) flags.push('-fopenmp', '-matomics', '-include', ERRNO_SHIM_HEADER);
  // 128-bit SIMD: the native side vectorises with SSE2 by default, and HPC codes are loop codes (CoMD's force
  // loop ran 1.45x faster with it). Every engine we run on has it; a later -mno-simd128 of the user wins.
  flags.push('-msimd128');
  // Catchable C++ exceptions; a later -fno-exceptions of the user still wins.
  if (cxx) flags.push(WASM_EXCEPTIONS_FLAG);
  return flags;
}

/** Flags for every link step. stackSize undefined: the user set it themselves. */
export function linkFlags(openmp: boolean, stackSize: number | undefined): string[] {
  const flags = [
    `--target=${TARGET}`,
    '-mexec-model=reactor', // _initialize runs constructors; faasmpi_main runs main
    `-Wl,--import-memory,--shared-memory,--max-memory=${MAX_MEMORY},--no-check-features`,
    '-Wl,--export-table',
    // Stack below the data: an overflow runs off address 0 and traps instead of
    // silently corrupting globals.
    '-Wl,--stack-first',
    // wasm-ld-19 behind our fixes: OpenMP critical locks shared across files, signature mismatches reported.
    `-fuse-ld=${LINKER_WRAPPER}`,
  ];
  if (stackSize !== undefined) flags.push(`-Wl,-z,stack-size=${stackSize}`);
  // faasmpi_main lives in the guest archive and nothing references it: pull it in.
  flags.push('-Wl,--undefined=faasmpi_main');
  if (openmp) {
    flags.push(
      '-fopenmp',
      `-Wl,${[...MALLOC_WRAPS, ...STDIO_WRAPS].map((s) => `--wrap=${s}`).join(',')}`,
      `-Wl,${[...TLS_EXPORTS, ...OMP_SUPPORT_EXPORTS].map((s) => `--export=${s}`).join(',')}`,
      // __kmpc_*/omp_* may stay undefined (the host provides them); anything else
      // undefined is still a link error. postlink moves them to module faasmpi_omp.
      `-Wl,--allow-undefined-file=${OMP_IMPORTS_FILE}`,
    );
  }
  flags.push(`-L${LIB_DIR}`, `-l${GUEST_LIB_NAME[openmp ? 'threads' : 'plain']}`);
  flags.push(...WASI_EMULATIONS.map((e) => `-lwasi-emulated-${e}`));
  return flags;
}

/** faasmpicxx, or faasmpicc given C++ sources (clang picks the language by extension, or -x c++). */
function compilesCxx(lang: Language, p: ParsedArgs): boolean {
  return lang === 'c++' || p.clangArgs.some((a, i) => /^-xc\+\+/.test(a) || (a === '-x' && p.clangArgs[i + 1]?.startsWith('c++')))
    || p.inputs.some((i) => /\.(cc|cp|cxx|cpp|CPP|c\+\+|C)$/.test(i));
}

export interface Invocation {
  compiler: string;
  args: string[];
  /** Set when the command links a module that must then be post-linked. */
  linkOutput: string | undefined;
  stackSize: number;
}

export function buildInvocation(lang: Language, p: ParsedArgs): Invocation {
  const compiler = lang === 'c' ? CLANG : CLANGXX;
  const links = p.phase === 'link';
  const args: string[] = [];
  // Compile flags are left out of link-only steps (objects only), where clang
  // would warn that e.g. -include is unused.
  if (!links || p.hasSourceInput || p.phase === 'query') args.push(...compileFlags(p.openmp, compilesCxx(lang, p)));
  else args.push(`--target=${TARGET}`);
  args.push(...p.clangArgs);
  const stackSize = p.userStackSize ?? DEFAULT_STACK_SIZE;
  if (links) {
    // linkFlags() starts with --target, already given above.
    args.push(...linkFlags(p.openmp, p.userStackSize === undefined ? DEFAULT_STACK_SIZE : undefined).slice(1));
  }
  return { compiler, args, linkOutput: links ? (p.output ?? 'a.out') : undefined, stackSize };
}

/** Quotes for a POSIX shell, only when needed, so -show output can be pasted. */
export function shellQuote(a: string): string {
  return /^[A-Za-z0-9_\-+=.,/:@%]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Answers -show/--showme[:what] like mpicc (MPICH) and Open MPI's wrappers. */
export function showText(lang: Language, p: ParsedArgs): string {
  const inv = buildInvocation(lang, p);
  switch (p.show) {
    case 'compile': return compileFlags(p.openmp, compilesCxx(lang, p)).map(shellQuote).join(' ');
    case 'link': return linkFlags(p.openmp, DEFAULT_STACK_SIZE).map(shellQuote).join(' ');
    case 'incdirs': return INCLUDE_DIR;
    case 'libdirs': return LIB_DIR;
    case 'libs': return GUEST_LIB_NAME[p.openmp ? 'threads' : 'plain'];
    case 'version': return `faasmpi ${lang === 'c' ? 'faasmpicc' : 'faasmpicxx'} (MPI 3.1 subset) using ${inv.compiler}`;
    case 'help': return '-show|--showme: print the clang command; --showme:compile|link|incdirs|libdirs|libs|version';
    default: return [inv.compiler, ...inv.args].map(shellQuote).join(' ');
  }
}

/** Runs the command; returns the exit status (clang's, or 1 if our own step after it failed). */
export async function run(lang: Language, p: ParsedArgs): Promise<number> {
  const inv = buildInvocation(lang, p);
  if (p.verbose && p.dropped.length) process.stderr.write(`faasmpi: dropped ${p.dropped.join(' ')}\n`);
  const scratch = inv.linkOutput ? fs.mkdtempSync(path.join(os.tmpdir(), 'faasmpi-cc-')) : undefined;
  try {
    const env = withoutWasmOpt(process.env);
    const ldReport = scratch ? path.join(scratch, 'ld-report.json') : undefined;
    if (ldReport) env[LD_REPORT_ENV] = ldReport;
    const r = spawnSync(findOnPath(inv.compiler, process.env.PATH), inv.args, { stdio: 'inherit', env });
    if (r.error) {
      process.stderr.write(`faasmpi: cannot run ${inv.compiler}: ${r.error.message}\n`);
      return 127;
    }
    const status = r.status ?? 128 + (r.signal ? 1 : 0);
    if (status !== 0) return status;
    if (p.phase === 'compile' && p.openmp) return weakenLocksInOutputs(p);
    if (!inv.linkOutput || !ldReport) return 0;
    const report: LinkerReport = fs.existsSync(ldReport)
      ? JSON.parse(fs.readFileSync(ldReport, 'utf8')) : { warnings: [], addedExports: [] };
    return await postlinkOutput(inv.linkOutput, inv.stackSize, p, report);
  } finally {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function postlinkOutput(output: string, stackSize: number, p: ParsedArgs, report: LinkerReport): Promise<number> {
  const { postlinkFile, optimizeLevelsFor } = await import('./postlink.js');
  try {
    const t0 = performance.now();
    await postlinkFile(path.resolve(output), {
      threads: p.openmp,
      stackSize,
      // clang has already optimised at the user's -O level; binaryen -O2 on top costs ~5 s per MB of wasm,
      // gave no measurable speed-up on our kernels and inlines away frames that trap reports show.
      // FAASMPI_POSTLINK_OPT=1|2|3|s|z asks for it.
      optimize: optimizeLevelsFor(process.env.FAASMPI_POSTLINK_OPT ?? '0'),
      asyncify: p.migrate,
      linkerReport: report,
      displayName: (file) => sourceNameOf(file, p.inputs),
    });
    if (p.verbose) process.stderr.write(`faasmpi: post-link ${(performance.now() - t0).toFixed(0)} ms\n`);
    return 0;
  } catch (e) {
    // A module that would trap where the native program runs is no module: make(1) must not see it as built.
    fs.rmSync(output, { force: true });
    process.stderr.write(`faasmpi: error: ${output}: ${(e as Error).message}\n`);
    return 1;
  }
}

/** clang's temporary object of a one-step build (/tmp/util-1a2b3c.o) named by its source (util.c). */
function sourceNameOf(file: string, inputs: string[]): string {
  const m = /^(.+)-[0-9a-f]{6}\.o$/.exec(path.basename(file));
  const source = m && inputs.find((i) => path.basename(i).replace(/\.[^.]+$/, '') === m[1]);
  return source ?? file;
}

/** -c -fopenmp: weakens the critical locks in the objects just written (see critical-locks.ts). */
function weakenLocksInOutputs(p: ParsedArgs): number {
  if (p.output === '-') return 0; // written to stdout: nothing on disk to patch
  const objects = p.output !== undefined ? [p.output]
    : p.inputs.filter((i) => i !== '-' && !/\.(o|obj|a|lo|so|wasm)$/i.test(i)).map((i) => path.basename(i).replace(/\.[^.]+$/, '') + '.o');
  for (const object of objects) {
    try {
      const bytes = fs.readFileSync(object);
      if (mentionsCriticalLock(bytes) && weakenCriticalLocks(bytes).length) fs.writeFileSync(object, bytes);
    } catch (e) {
      process.stderr.write(`faasmpi: error: ${object}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  return 0;
}

/**
 * clang's wasm driver runs any `wasm-opt` it finds on PATH after linking, without our feature flags, and that
 * rejects the shared memory (npm scripts put binaryen's wasm-opt on PATH; clang-19's --no-wasm-opt skips the
 * link step altogether). So clang runs with those directories left out of PATH: post-link is our own step.
 */
function withoutWasmOpt(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d && !fs.existsSync(path.join(d, 'wasm-opt')));
  return { ...env, PATH: dirs.join(path.delimiter) };
}

/** The absolute path of a command, looked up on the caller's PATH (before withoutWasmOpt trims it). */
function findOnPath(command: string, searchPath = ''): string {
  if (command.includes('/')) return command;
  for (const dir of searchPath.split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return command;
}
