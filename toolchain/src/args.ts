// Command-line parsing for faasmpicc/faasmpicxx: expands @response files, decides
// which phase clang will stop at, finds the output name, -O level, -fopenmp and
// stack size, and silently drops flags that make no sense for wasm32-wasi but that
// real build systems pass. Everything else goes to clang untouched, so clang stays
// the judge of what is valid (and reports errors in its own words).
import fs from 'node:fs';

export type Phase = 'preprocess' | 'syntax' | 'assemble' | 'compile' | 'link' | 'query';
export type ShowMode = 'none' | 'full' | 'compile' | 'link' | 'incdirs' | 'libdirs' | 'libs' | 'version' | 'help';

export interface ParsedArgs {
  /** User arguments to hand to clang, minus the dropped ones (response files expanded). */
  clangArgs: string[];
  /** What was dropped, for -v diagnostics and tests. */
  dropped: string[];
  inputs: string[];
  /** True when some input is compiled (not only objects/archives being linked). */
  hasSourceInput: boolean;
  phase: Phase;
  /** -o value, or undefined (clang then writes a.out when linking). */
  output: string | undefined;
  /** Last -O level without the "-O" ('' for plain -O); '0' when none was given. */
  optLevel: string;
  openmp: boolean;
  /** -fmigrate: instrument the linked module with Asyncify so its ranks can be migrated (migration/). */
  migrate: boolean;
  /** Stack size the user asked for with -z stack-size=N, if any. */
  userStackSize: number | undefined;
  show: ShowMode;
  verbose: boolean;
}

/** Driver options whose value is the next argument when written alone. */
const SEPARATE_VALUE = new Set([
  '-o', '-I', '-D', '-U', '-include', '-imacros', '-isystem', '-idirafter', '-iquote', '-isysroot',
  '-iprefix', '-iwithprefix', '-iwithprefixbefore', '-isystem-after', '-ivfsoverlay', '-include-pch',
  '-MF', '-MT', '-MQ', '-MJ', '-x', '-Xclang', '-Xpreprocessor', '-Xassembler', '-Xopenmp-target',
  '-L', '-l', '-u', '-e', '-T', '-arch', '-target', '-mllvm', '-B', '-F', '-dependency-file',
  '-working-directory', '-serialize-diagnostics', '-resource-dir', '--sysroot', '--output',
  '--include-directory', '--library-directory', '--define-macro', '--undefine-macro',
]);

/** Libraries that libc already contains, that are empty, or that we provide ourselves. */
const DROPPED_LIBS = new Set([
  'm', 'pthread', 'dl', 'rt', // in wasi-libc's libc.a (or empty stubs)
  'atomic', 'gcc', 'gcc_s', 'stdc++', // compiler-rt/libc++ take their place
  'mpi', 'mpich', 'mpicxx', 'mpi_cxx', 'mpichcxx', 'pmpi', 'omp', 'gomp', 'iomp5', // host-provided
]);

/**
 * Driver flags dropped because they mean nothing (or something harmful) on wasm:
 * -pthread (would switch clang to its own wasm threads ABI; -fopenmp selects ours),
 * -fPIC/-fpie/-pie (PIC wasm needs a dynamic linker), x86 -m flags and -march/-mtune,
 * -rdynamic (would export every symbol), hardening flags without a wasm meaning,
 * -s (we keep the name section), -static-lib* and -fuse-ld (we always use wasm-ld).
 */
function isDroppedDriverFlag(a: string): boolean {
  if (['-pthread', '-pthreads', '-fPIC', '-fpic', '-fPIE', '-fpie', '-pie', '-no-pie', '-rdynamic',
    '-s', '-static-libgcc', '-static-libstdc++', '-fno-plt', '-fsplit-stack', '-m32', '-m64',
    '-Wa,--noexecstack', '-fstack-clash-protection'].includes(a)) return true;
  if (/^-(march|mtune|mcpu|mfpmath|mindirect-branch|mfunction-return|mprefer-vector-width)=/.test(a)) return true;
  if (/^-m(no-)?(sse|avx|fma|bmi|popcnt|lzcnt|f16c|aes|pclmul|mmx|3dnow|cx16|red-zone|x87|80387|abm|tbm|xop|movbe|rdrnd|rdseed|adx|sha|vzeroupper|align-double|stackrealign|retpoline|omit-leaf-frame-pointer)/.test(a)) return true;
  if (/^-f(no-)?stack-protector/.test(a) || /^-fcf-protection/.test(a) || /^-fuse-ld=/.test(a)) return true;
  return false;
}

/** State carried across -Wl,… / -Xlinker pieces, which may split "-rpath <dir>" in two. */
interface LinkerState { skipNext: boolean; zPending: boolean; stackSize: number | undefined }

/** Linker options with a separate value that are dropped together with it. */
const LINKER_DROP_WITH_VALUE = new Set([
  '-rpath', '-rpath-link', '--rpath', '-R', '-soname', '-h', '--version-script', '--dynamic-list',
  '-dynamic-linker', '--dynamic-linker', '--exclude-libs', '--hash-style',
]);
/** ELF-only linker options wasm-ld rejects or that change our exports; dropped. */
const LINKER_DROP = new Set([
  '--as-needed', '--no-as-needed', '-E', '--export-dynamic', '--enable-new-dtags', '--disable-new-dtags',
  '--no-undefined', '--start-group', '--end-group', '-(', '-)', '-s', '--strip-all', '--eh-frame-hdr',
  '--warn-common', '--sort-common', '--allow-shlib-undefined', '--no-allow-shlib-undefined',
  '--copy-dt-needed-entries', '--no-copy-dt-needed-entries', '--push-state', '--pop-state', '-Bsymbolic',
  '--build-id', '--no-keep-memory', '--relax', '--no-relax',
]);

function parseStackSize(v: string, st: LinkerState): void {
  const n = Number(v);
  if (Number.isFinite(n) && n > 0) st.stackSize = n;
}

/** Returns the linker arguments to keep from one -Wl,/-Xlinker group. */
function filterLinkerArgs(parts: string[], st: LinkerState): string[] {
  const kept: string[] = [];
  for (const p of parts) {
    if (st.skipNext) { st.skipNext = false; continue; }
    if (st.zPending) {
      st.zPending = false;
      if (p.startsWith('stack-size=')) { parseStackSize(p.slice(11), st); kept.push('-z', p); }
      continue; // -z relro, -z now, -z noexecstack ...: ELF-only
    }
    if (p === '-z') { st.zPending = true; continue; }
    if (p.startsWith('-z')) { // joined -zstack-size=N / -znow
      if (p.startsWith('-zstack-size=')) { parseStackSize(p.slice(13), st); kept.push(p); }
      continue;
    }
    if (LINKER_DROP_WITH_VALUE.has(p)) { st.skipNext = true; continue; }
    if (LINKER_DROP.has(p)) continue;
    if (/^(--?rpath|-rpath-link|-soname|--version-script|--dynamic-list|--hash-style|--build-id|--exclude-libs|--?dynamic-linker|--icf)=/.test(p)) continue;
    if (p.startsWith('-Bsymbolic')) continue;
    kept.push(p);
  }
  return kept;
}

/** Splits a response file like GCC/clang do: whitespace separated, quotes and backslashes. */
export function splitResponseFile(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") { quote = c; inToken = true; }
    else if (c === '\\' && i + 1 < text.length) { cur += text[++i]; inToken = true; }
    else if (/\s/.test(c)) { if (inToken) out.push(cur); cur = ''; inToken = false; }
    else { cur += c; inToken = true; }
  }
  if (inToken) out.push(cur);
  return out;
}

/** Expands @file arguments recursively; a missing file stays a literal argument (as in GCC). */
export function expandResponseFiles(argv: string[], depth = 0): string[] {
  const out: string[] = [];
  for (const a of argv) {
    if (a.length > 1 && a.startsWith('@') && depth < 16) {
      let text: string | undefined;
      try { text = fs.readFileSync(a.slice(1), 'utf8'); } catch { text = undefined; }
      if (text !== undefined) { out.push(...expandResponseFiles(splitResponseFile(text), depth + 1)); continue; }
    }
    out.push(a);
  }
  return out;
}

const OBJECT_EXT = /\.(o|obj|a|lo|so|wasm)$/i;
const PHASE_ORDER: Phase[] = ['query', 'preprocess', 'syntax', 'assemble', 'compile', 'link'];

const SHOW_FLAGS: Record<string, ShowMode> = {
  '-show': 'full', '--show': 'full', '-showme': 'full', '--showme': 'full',
  '-compile-info': 'compile', '-link-info': 'link',
};

export function parseArgs(rawArgv: string[]): ParsedArgs {
  const argv = expandResponseFiles(rawArgv);
  const clangArgs: string[] = [];
  const dropped: string[] = [];
  const inputs: string[] = [];
  const ls: LinkerState = { skipNext: false, zPending: false, stackSize: undefined };
  let hasSourceInput = false;
  let phase: Phase = 'link';
  let output: string | undefined;
  let optLevel = '0';
  let openmp = false;
  let migrate = false;
  let show: ShowMode = 'none';
  let verbose = false;
  let language = 'none';
  let sawQueryFlag = false;
  const stopAt = (p: Phase) => { if (PHASE_ORDER.indexOf(p) < PHASE_ORDER.indexOf(phase)) phase = p; };
  let pendingXlinker: string[] = [];
  const flushXlinker = () => {
    if (pendingXlinker.length === 0) return;
    for (const k of filterLinkerArgs(pendingXlinker, ls)) clangArgs.push('-Xlinker', k);
    pendingXlinker = [];
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-Xlinker' && i + 1 < argv.length) { pendingXlinker.push(argv[++i]); continue; }
    flushXlinker();

    // Open MPI / MPICH style introspection.
    if (a in SHOW_FLAGS) { show = SHOW_FLAGS[a]; continue; }
    const sm = /^--?showme:(\w+)$/.exec(a);
    if (sm) { show = (['compile', 'link', 'incdirs', 'libdirs', 'libs', 'version', 'help'].includes(sm[1]) ? sm[1] : 'help') as ShowMode; continue; }

    if (a.startsWith('-Wl,')) {
      const kept = filterLinkerArgs(a.slice(4).split(','), ls);
      if (kept.length) clangArgs.push('-Wl,' + kept.join(','));
      if (kept.length !== a.slice(4).split(',').length) dropped.push(a);
      continue;
    }
    if (a === '-l' && i + 1 < argv.length && DROPPED_LIBS.has(argv[i + 1])) { dropped.push(a, argv[++i]); continue; }
    if (a.startsWith('-l') && a.length > 2 && DROPPED_LIBS.has(a.slice(2))) { dropped.push(a); continue; }
    if (isDroppedDriverFlag(a)) { dropped.push(a); continue; }
    if (a === '-fopenmp' || a.startsWith('-fopenmp=')) { openmp = true; continue; } // re-added by the driver
    if (a === '-fno-openmp') { openmp = false; continue; }
    if (a === '-fmigrate') { migrate = true; continue; } // ours: clang never sees it
    if (a === '-fno-migrate') { migrate = false; continue; }

    if (SEPARATE_VALUE.has(a) && i + 1 < argv.length) {
      const v = argv[++i];
      if (a === '-o' || a === '--output') output = v;
      if (a === '-x') language = v;
      clangArgs.push(a, v);
      continue;
    }
    clangArgs.push(a);
    if (a === '-' || !a.startsWith('-')) { // an input file
      inputs.push(a);
      if (language !== 'none' || !OBJECT_EXT.test(a)) hasSourceInput = true;
      continue;
    }
    if (a.startsWith('-o') && a.length > 2) output = a.slice(2);
    else if (a.startsWith('--output=')) output = a.slice(9);
    else if (a.startsWith('-x') && a.length > 2) language = a.slice(2);
    else if (a === '-c') stopAt('compile');
    else if (a === '-S') stopAt('assemble');
    else if (a === '-E' || a === '-M' || a === '-MM') stopAt('preprocess');
    else if (a === '-fsyntax-only') stopAt('syntax');
    else if (a === '-###') sawQueryFlag = true;
    else if (a === '-v') verbose = true;
    else if (/^-O/.test(a)) optLevel = a.slice(2);
    else if (/^(--version|--help|-dumpversion|-dumpmachine|-print-.*|--print-.*)$/.test(a)) sawQueryFlag = true;
  }
  flushXlinker();
  if (ls.zPending) dropped.push('-z');
  // No inputs: clang only answers queries (--version, -v, -print-*) or reports "no input files".
  if (sawQueryFlag || inputs.length === 0) phase = 'query';
  return {
    clangArgs, dropped, inputs, hasSourceInput, phase, output, optLevel, openmp, migrate,
    userStackSize: ls.stackSize, show, verbose,
  };
}
