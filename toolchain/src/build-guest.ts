// Builds the guest runtime library linked into every module by the wrappers:
//   lib/libfaasmpi.a          plain builds
//   lib/libfaasmpi-threads.a  -fopenmp builds (allocator/stdio locks, errno shim)
//   lib/faasmpi_omp.imports   names allowed to stay undefined in -fopenmp links
// Run at setup (npm run build); does nothing when the outputs are newer than the sources.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CLANG, CLANGXX, ERRNO_SHIM_HEADER, WASM_EXCEPTIONS_FLAG, GUEST_DIR, GUEST_LIB_NAME, INCLUDE_DIR, LIB_DIR, LLVM_AR, OMP_IMPORTS_FILE,
  TARGET, TOOLCHAIN_ROOT, type Variant,
} from './config.js';

interface GuestObject {
  source: string;
  variants: Variant[];
  /** Thread-side code built with atomics; the errno shim must be built without. */
  atomics: boolean;
  /** Built with -fwasm-exceptions (C++ only); other C++ is built with -fno-exceptions. */
  exceptions?: boolean;
}

const OBJECTS: GuestObject[] = [
  { source: 'main.c', variants: ['plain', 'threads'], atomics: false },
  { source: 'mpi_attr.c', variants: ['plain', 'threads'], atomics: false },
  { source: 'mpi_guest.c', variants: ['plain', 'threads'], atomics: false },
  { source: 'no_processes.c', variants: ['plain', 'threads'], atomics: false },
  // Per-thread catch state (TLS) in thread builds; C++ exceptions on wasm exception handling.
  { source: 'cxa_exception.cpp', variants: ['plain', 'threads'], atomics: true, exceptions: true },
  { source: 'fstream.cpp', variants: ['plain', 'threads'], atomics: false },
  { source: 'stdio_nolock.c', variants: ['plain'], atomics: false },
  { source: 'errno_shim.c', variants: ['threads'], atomics: false },
  { source: 'malloc_lock.c', variants: ['threads'], atomics: true },
  { source: 'stdio_lock.c', variants: ['threads'], atomics: true },
  { source: 'omp_support.c', variants: ['threads'], atomics: true },
  { source: 'omp_locks.c', variants: ['threads'], atomics: true },
  { source: 'thread_atexit.c', variants: ['plain', 'threads'], atomics: true },
];

const archivePath = (v: Variant) => path.join(LIB_DIR, `lib${GUEST_LIB_NAME[v]}.a`);

function mtime(file: string): number {
  try { return fs.statSync(file).mtimeMs; } catch { return -1; }
}

function inputs(): string[] {
  // The .ts sources, not dist/*.js: tsc rewrites those on every build.
  const src = path.join(TOOLCHAIN_ROOT, 'src');
  return [
    ...fs.readdirSync(GUEST_DIR).map((f) => path.join(GUEST_DIR, f)),
    path.join(INCLUDE_DIR, 'omp.h'), path.join(INCLUDE_DIR, 'mpi.h'), path.join(INCLUDE_DIR, 'stdio.h'), path.join(INCLUDE_DIR, 'unistd.h'), path.join(INCLUDE_DIR, 'fstream'),
    path.join(INCLUDE_DIR, 'filesystem'), ERRNO_SHIM_HEADER,
    path.join(src, 'build-guest.ts'), path.join(src, 'config.ts'),
  ];
}

function outputs(): string[] {
  return [archivePath('plain'), archivePath('threads'), OMP_IMPORTS_FILE];
}

export function upToDate(): boolean {
  const newestInput = Math.max(...inputs().map(mtime));
  return outputs().every((o) => mtime(o) > newestInput);
}

function exec(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} failed (status ${r.status}): ${args.join(' ')}`);
}

function compile(obj: GuestObject, variant: Variant, outDir: string): string {
  const cxx = obj.source.endsWith('.cpp');
  const out = path.join(outDir, obj.source.replace(/\.(c|cpp)$/, '.o'));
  const args = [`--target=${TARGET}`, '-O2', '-Wall', '-Wextra', '-Werror', '-mbulk-memory', '-isystem', INCLUDE_DIR];
  if (cxx) args.push('-std=c++17', obj.exceptions ? WASM_EXCEPTIONS_FLAG : '-fno-exceptions');
  else args.push('-std=c11');
  if (obj.atomics && variant === 'threads') args.push('-matomics', '-include', ERRNO_SHIM_HEADER);
  args.push('-c', path.join(GUEST_DIR, obj.source), '-o', out);
  exec(cxx ? CLANGXX : CLANG, args);
  return out;
}

/** The --allow-undefined-file list: kmpc.imports plus every import_name in omp.h. */
function writeOmpImports(): void {
  const kmpc = fs.readFileSync(path.join(GUEST_DIR, 'kmpc.imports'), 'utf8')
    .split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const ompH = fs.readFileSync(path.join(INCLUDE_DIR, 'omp.h'), 'utf8');
  const omp = [...ompH.matchAll(/FAASMPI_OMP_FN\([^,]+,\s*(omp_\w+)/g)].map((m) => m[1]);
  if (omp.length < 50) throw new Error(`omp.h: only ${omp.length} omp_* functions found`);
  fs.writeFileSync(OMP_IMPORTS_FILE, [...new Set([...kmpc, ...omp])].join('\n') + '\n');
}

export function buildGuest(force = false): boolean {
  if (!force && upToDate()) return false;
  for (const variant of ['plain', 'threads'] as Variant[]) {
    const objDir = path.join(LIB_DIR, 'obj', variant);
    fs.mkdirSync(objDir, { recursive: true });
    const objs = OBJECTS.filter((o) => o.variants.includes(variant)).map((o) => compile(o, variant, objDir));
    fs.rmSync(archivePath(variant), { force: true });
    exec(LLVM_AR, ['rcs', archivePath(variant), ...objs]);
  }
  writeOmpImports();
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const built = buildGuest(process.argv.includes('--force'));
    console.log(built ? `faasmpi: built guest libraries in ${LIB_DIR}` : 'faasmpi: guest libraries up to date');
  } catch (e) {
    console.error(`faasmpi build-guest: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
