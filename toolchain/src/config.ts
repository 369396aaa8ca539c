// Where the toolchain lives and the fixed parts of the faasmpi module ABI.
// Everything here is shared by the compiler wrappers, build-guest and the tests.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** toolchain/ in the repository (this file is compiled to dist/toolchain/src/). */
function findToolchainRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // dist/toolchain/src -> repo root is three levels up; sources run from toolchain/src.
  const fromDist = path.resolve(here, '..', '..', '..', 'toolchain');
  return here.includes(`${path.sep}dist${path.sep}`) ? fromDist : path.resolve(here, '..');
}

export const TOOLCHAIN_ROOT = findToolchainRoot();
export const INCLUDE_DIR = path.join(TOOLCHAIN_ROOT, 'include');
export const LIB_DIR = path.join(TOOLCHAIN_ROOT, 'lib');
export const GUEST_DIR = path.join(TOOLCHAIN_ROOT, 'guest');
export const ERRNO_SHIM_HEADER = path.join(INCLUDE_DIR, 'faasmpi_errno.h');
/** --allow-undefined-file list written by build-guest: __kmpc_* plus omp.h's omp_*. */
export const OMP_IMPORTS_FILE = path.join(LIB_DIR, 'faasmpi_omp.imports');

/** Debian's clang-19 finds /usr/bin/wasm-ld-19 by itself for --target=wasm32-wasi
 *  (checked with -###), so no -fuse-ld tweak is needed. FAASMPI_CLANG overrides. */
export const CLANG = process.env.FAASMPI_CLANG ?? 'clang-19';
export const CLANGXX = process.env.FAASMPI_CLANGXX ?? 'clang++-19';
export const LLVM_AR = process.env.FAASMPI_AR ?? 'llvm-ar-19';
export const WASM_LD = process.env.FAASMPI_WASM_LD ?? 'wasm-ld-19';
/** The linker clang is told to use (-fuse-ld=): wasm-ld-19 behind faasmpi's fixes (faasmpi-ld.ts). */
export const LINKER_WRAPPER = path.join(TOOLCHAIN_ROOT, 'bin', 'faasmpi-ld');
/** Environment variable through which the driver tells faasmpi-ld where to write its LinkerReport (JSON). */
export const LD_REPORT_ENV = 'FAASMPI_LD_REPORT';

export const TARGET = 'wasm32-wasi';
/** C++ exceptions as WebAssembly exception handling (V8 in Node 20 has it on by default); the runtime
 *  half (throw, personality, catch) is guest/cxa_exception.cpp. */
export const WASM_EXCEPTIONS_FLAG = '-fwasm-exceptions';
export const ABI_VERSION = 1;
/** Shared memory must declare a maximum; 4 GiB is the whole wasm32 address space. */
export const MAX_MEMORY = 4294967296;
/** Main-thread shadow stack (wasm-ld's default is only 64 KiB); like Linux's 8 MiB.
 *  Users can override it with -Wl,-z,stack-size=N. */
export const DEFAULT_STACK_SIZE = 8 * 1024 * 1024;

export const OMP_IMPORT_MODULE = 'faasmpi_omp';

/** Allocator entry points wrapped with a lock in thread builds (guest/malloc_lock.c). */
export const MALLOC_WRAPS = [
  'malloc', 'free', 'calloc', 'realloc', 'aligned_alloc', 'posix_memalign', 'malloc_usable_size',
  '__libc_malloc', '__libc_free', '__libc_calloc',
];
/** stdio functions wrapped with a lock in thread builds (guest/stdio_lock.c). */
export const STDIO_WRAPS = [
  'vfprintf', 'vfscanf', 'fputs', 'puts', 'fputc', 'putc', 'putchar', 'fwrite', 'fflush', 'perror',
  'fopen', 'freopen', 'fdopen', 'fclose', 'setvbuf', 'setbuf', 'fgets', 'fgetc', 'getc', 'getchar',
  'fread', 'ungetc', 'getline', 'getdelim', 'fseek', 'fseeko', 'ftell', 'ftello', 'rewind',
];
/** TLS symbols a thread build exports so the runtime can give each thread its own block. */
export const TLS_EXPORTS = ['__wasm_init_tls', '__tls_size', '__tls_align', '__tls_base'];
/** Guest functions the host OpenMP runtime calls (toolchain/guest/omp_support.c). */
export const OMP_SUPPORT_EXPORTS = ['faasmpi_omp_alloc', 'faasmpi_omp_free', 'faasmpi_omp_realloc'];

/** wasi-libc's emulation libraries: unmodified programs use signal(), clock(),
 *  getpid() and mmap(); members are only linked when referenced. */
export const WASI_EMULATIONS = ['signal', 'process-clocks', 'mman', 'getpid'];

export type Variant = 'plain' | 'threads';
export const GUEST_LIB_NAME: Record<Variant, string> = { plain: 'faasmpi', threads: 'faasmpi-threads' };
