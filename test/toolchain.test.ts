// Tests of the faasmpicc/faasmpicxx wrappers and the module ABI they produce.
// Assumes `npm run build` ran (tsc + build-guest); runs clang-19 and wasm-ld-19.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, splitResponseFile } from '../toolchain/src/args.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CC = path.join(REPO, 'toolchain', 'bin', 'faasmpicc');
const CXX = path.join(REPO, 'toolchain', 'bin', 'faasmpicxx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faasmpi-toolchain-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function sh(cmd: string, args: string[], cwd = tmp) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function ok(cmd: string, args: string[], cwd = tmp) {
  const r = sh(cmd, args, cwd);
  assert.equal(r.status, 0, `${path.basename(cmd)} ${args.join(' ')} failed:\n${r.stderr}`);
  return r;
}
function write(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
}

/** Memory imports with their limits, read from the import section (JS does not expose them). */
function memoryImports(bytes: Uint8Array): { module: string; name: string; shared: boolean; max?: number }[] {
  let p = 8;
  const leb = () => { let r = 0, s = 0, b; do { b = bytes[p++]; r += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return r; };
  const str = () => { const n = leb(); const s = new TextDecoder().decode(bytes.subarray(p, p + n)); p += n; return s; };
  const out: { module: string; name: string; shared: boolean; max?: number }[] = [];
  while (p < bytes.length) {
    const id = bytes[p++]; const size = leb(); const end = p + size;
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        const module = str(), name = str(), kind = bytes[p++];
        if (kind === 0) leb();
        else if (kind === 1) { p++; const f = bytes[p++]; leb(); if (f & 1) leb(); }
        else if (kind === 2) { const f = bytes[p++]; leb(); const max = f & 1 ? leb() : undefined; out.push({ module, name, shared: (f & 2) !== 0, max }); }
        else if (kind === 3) p += 2;
      }
    }
    p = end;
  }
  return out;
}

interface Abi {
  imports: WebAssembly.ModuleImportDescriptor[];
  exports: Map<string, string>;
  section: { abi: number; threads: boolean; mutableGlobals: string[]; stackSize: number; asyncify: boolean };
  names: string;
  memory: ReturnType<typeof memoryImports>;
  module: WebAssembly.Module;
}
function readAbi(file: string): Abi {
  const bytes = fs.readFileSync(file);
  const module = new WebAssembly.Module(bytes);
  const sections = WebAssembly.Module.customSections(module, 'faasmpi');
  assert.equal(sections.length, 1, 'one faasmpi custom section');
  const nameSections = WebAssembly.Module.customSections(module, 'name');
  assert.equal(nameSections.length, 1, 'name section kept');
  return {
    imports: WebAssembly.Module.imports(module),
    exports: new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind])),
    section: JSON.parse(new TextDecoder().decode(sections[0])),
    names: Buffer.from(nameSections[0]).toString('latin1'),
    memory: memoryImports(bytes),
    module,
  };
}

function assertCommonAbi(abi: Abi, threads: boolean): void {
  assert.deepEqual(abi.memory, [{ module: 'env', name: 'memory', shared: true, max: 65536 }]);
  assert.deepEqual(abi.imports.filter((i) => i.module === 'env').map((i) => i.name), ['memory']);
  for (const name of ['_initialize', 'faasmpi_main']) assert.equal(abi.exports.get(name), 'function', name);
  assert.equal(abi.exports.get('__indirect_function_table'), 'table');
  assert.equal(abi.exports.has('_start'), false);
  assert.equal(abi.section.abi, 1);
  assert.equal(abi.section.threads, threads);
  assert.equal(abi.section.asyncify, false);
  assert.equal(abi.section.stackSize, 8 * 1024 * 1024);
  assert.ok(abi.section.mutableGlobals.includes('__stack_pointer'));
  for (const g of abi.section.mutableGlobals) assert.equal(abi.exports.get(g), 'global', g);
  assert.deepEqual(Object.keys(abi.section).sort(), ['abi', 'asyncify', 'mutableGlobals', 'stackSize', 'threads']);
}

const MPI_HELLO = `#include <mpi.h>
#include <faasm.h>
#include <stdio.h>
int main(int argc, char **argv) {
  int rank, size;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  PMPI_Comm_size(MPI_COMM_WORLD, &size);
  printf("hello %d/%d of %d at %f\\n", rank, size, faasm_faaslet_count(), MPI_Wtime());
  return MPI_Finalize();
}
`;

test('parseArgs: phases, output, drops, response files', () => {
  const p = parseArgs(['-O2', '-c', 'a.c', '-o', 'a.o', '-fPIC', '-pthread', '-march=native', '-lm']);
  assert.equal(p.phase, 'compile');
  assert.equal(p.output, 'a.o');
  assert.equal(p.optLevel, '2');
  assert.deepEqual(p.dropped, ['-fPIC', '-pthread', '-march=native', '-lm']);
  assert.deepEqual(p.clangArgs, ['-O2', '-c', 'a.c', '-o', 'a.o']);
  const l = parseArgs(['x.o', 'lib.a', '-Wl,-rpath,/opt/lib,--gc-sections', '-Wl,-z,relro', '-Xlinker', '-z', '-Xlinker', 'stack-size=65536', '-fopenmp']);
  assert.equal(l.phase, 'link');
  assert.equal(l.hasSourceInput, false);
  assert.equal(l.openmp, true);
  assert.equal(l.userStackSize, 65536);
  assert.deepEqual(l.clangArgs, ['x.o', 'lib.a', '-Wl,--gc-sections', '-Xlinker', '-z', '-Xlinker', 'stack-size=65536']);
  assert.equal(parseArgs(['-E', 'a.c']).phase, 'preprocess');
  assert.equal(parseArgs(['-S', '-c', 'a.c']).phase, 'assemble');
  assert.equal(parseArgs(['--version']).phase, 'query');
  assert.equal(parseArgs(['--showme:link']).show, 'link');
  assert.deepEqual(splitResponseFile(`-DA="x y" 'b c'  d\\ e\n-O1`), ['-DA=x y', 'b c', 'd e', '-O1']);
  const rsp = write('args.rsp', '-c -DX=1\nin.c');
  assert.deepEqual(parseArgs([`@${rsp}`]).clangArgs, ['-c', '-DX=1', 'in.c']);
});

test('C compile and link in one step: module ABI', () => {
  write('hello.c', MPI_HELLO);
  ok(CC, ['-O1', 'hello.c', '-o', 'hello']);
  const abi = readAbi(path.join(tmp, 'hello'));
  assertCommonAbi(abi, false);
  const fns = abi.imports.filter((i) => i.kind === 'function');
  assert.ok(fns.some((i) => i.module === 'faasmpi_mpi' && i.name === 'MPI_Init'));
  // PMPI_Comm_size imports the same host function as MPI_Comm_size.
  assert.ok(fns.some((i) => i.module === 'faasmpi_mpi' && i.name === 'MPI_Comm_size'));
  assert.ok(!fns.some((i) => i.name.startsWith('PMPI_')));
  assert.ok(fns.some((i) => i.module === 'faasmpi_faasm' && i.name === 'faasm_faaslet_count'));
  for (const i of fns) assert.ok(['faasmpi_mpi', 'faasmpi_faasm', 'wasi_snapshot_preview1'].includes(i.module), i.module);
  for (const name of ['__wasm_init_tls', '__tls_size', '__tls_align']) assert.equal(abi.exports.has(name), false);
  assert.ok(abi.names.includes('faasmpi_main'), 'function names kept');
});

test('separate -c and link steps, default output a.out, objects and archives', () => {
  write('lib.c', 'int twice(int x) { return 2 * x; }\n');
  write('main.c', '#include <stdio.h>\nint twice(int);\nint main(void) { printf("%d\\n", twice(21)); return 0; }\n');
  ok(CC, ['-c', 'lib.c', 'main.c']);
  assert.ok(fs.existsSync(path.join(tmp, 'lib.o')) && fs.existsSync(path.join(tmp, 'main.o')));
  ok('llvm-ar-19', ['rcs', 'libtwice.a', 'lib.o']);
  ok(CC, ['main.o', '-L.', '-ltwice', '-lm']);
  assertCommonAbi(readAbi(path.join(tmp, 'a.out')), false);
});

test('-show prints the clang command without running it; --showme:compile/link', () => {
  const out = path.join(tmp, 'never');
  const r = ok(CC, ['-show', 'hello.c', '-o', out]);
  const line = r.stdout.trim();
  assert.equal(line.split('\n').length, 1);
  assert.match(line, /^clang-19 --target=wasm32-wasi /);
  assert.ok(line.includes('-Wl,--import-memory,--shared-memory,--max-memory=4294967296,--no-check-features'));
  assert.ok(line.includes('-mexec-model=reactor') && line.includes('-Wl,--export-table') && line.includes('-lfaasmpi'));
  assert.equal(fs.existsSync(out), false);
  const compile = ok(CXX, ['--showme:compile']).stdout;
  assert.ok(compile.includes('-mbulk-memory') && !compile.includes('-matomics'));
  assert.ok(ok(CC, ['--showme:compile', '-fopenmp']).stdout.includes('-matomics'));
  assert.ok(ok(CC, ['--showme:link']).stdout.includes('--shared-memory'));
});

test('-fopenmp builds the thread ABI', () => {
  write('omp.c', `#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
static _Thread_local int tl = 1;
int main(void) {
  double s = 0;
  #pragma omp parallel for reduction(+:s) schedule(dynamic)
  for (int i = 0; i < 100; i++) s += i;
  #pragma omp parallel
  { void *p = malloc(16); free(p); }
  errno = 0;
  printf("%f %d %d %d\\n", s, omp_get_max_threads(), tl, errno);
  return 0;
}
`);
  ok(CC, ['-fopenmp', '-O2', 'omp.c', '-o', 'omp']);
  const abi = readAbi(path.join(tmp, 'omp'));
  assertCommonAbi(abi, true);
  for (const name of ['__wasm_init_tls']) assert.equal(abi.exports.get(name), 'function');
  for (const name of ['__tls_size', '__tls_align', '__tls_base']) assert.equal(abi.exports.get(name), 'global', name);
  assert.ok(abi.section.mutableGlobals.includes('__tls_base'));
  const omp = abi.imports.filter((i) => i.module === 'faasmpi_omp').map((i) => i.name);
  for (const n of ['__kmpc_fork_call', '__kmpc_dispatch_init_4', '__kmpc_dispatch_next_4', 'omp_get_max_threads']) {
    assert.ok(omp.includes(n), n);
  }
  // malloc and stdio go through the lock wrappers (at -O0, so nothing is inlined).
  ok(CC, ['-fopenmp', '-O0', 'omp.c', '-o', 'omp0']);
  const names = readAbi(path.join(tmp, 'omp0')).names;
  for (const n of ['__wrap_malloc', '__wrap_free', '__wrap_vfprintf', '__faasmpi_errno_location']) assert.ok(names.includes(n), n);
});

test('an undefined symbol that is not an OpenMP entry point still fails to link', () => {
  write('undef.c', 'int nowhere(void);\nint main(void) { return nowhere(); }\n');
  const r = sh(CC, ['-fopenmp', 'undef.c', '-o', 'undef']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /undefined symbol: nowhere/);
});

test('a missing source file gives clang\'s error and a non-zero exit', () => {
  const r = sh(CC, ['does-not-exist.c', '-o', 'x']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /no such file or directory: 'does-not-exist.c'/);
});

test('an unusable temporary directory is named in one line, not a JavaScript stack', () => {
  write('tmpdir.c', 'int main(void) { return 0; }\n');
  const r = spawnSync(CC, ['tmpdir.c', '-o', 'tmpdir.wasm'], { cwd: tmp, encoding: 'utf8', env: { ...process.env, TMPDIR: path.join(tmp, 'no-such-dir') } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^faasmpi: error: ENOENT: no such file or directory, mkdtemp '.*no-such-dir\/faasmpi-cc-XXXXXX' \(set TMPDIR to a writable directory\)\n$/);
});

/** Runs a module with our launcher, one rank. */
function runModule(file: string): { stdout: string; stderr: string; status: number | null } {
  return sh(path.join(REPO, 'cli', 'bin', 'faasmpirun'), ['--stdin', 'none', file]);
}

test('C++ with throw/try, iostream and vector links; exceptions are caught, uncaught ones report and trap', () => {
  write('exc.cpp', `#include <iostream>
#include <vector>
#include <map>
#include <stdexcept>
#include <string>
int pick(int n) {
  if (n == 1) throw std::runtime_error("boom");
  if (n == 2) throw 7;
  return n;
}
int main(int argc, char **argv) {
  std::vector<int> v{1, 2, 3};
  std::map<std::string, int> m{{"k", 4}};
  std::cout << "v " << v.size() << " m " << m["k"] << std::endl;
  try { pick(MODE); } catch (const std::exception &e) { std::cerr << "caught " << e.what() << std::endl; }
  return 0;
}
`);
  ok(CXX, ['-O1', '-DMODE=1', 'exc.cpp', '-o', 'exc1']);
  assertCommonAbi(readAbi(path.join(tmp, 'exc1')), false);
  const r1 = runModule(path.join(tmp, 'exc1'));
  assert.deepEqual([r1.stdout, r1.stderr, r1.status], ['v 3 m 4\n', 'caught boom\n', 0]);
  ok(CXX, ['-DMODE=2', '-c', 'exc.cpp', '-o', 'exc2.o']);
  ok(CXX, ['exc2.o', '-o', 'exc2']);
  const r2 = runModule(path.join(tmp, 'exc2'));
  assert.ok(r2.stderr.startsWith("terminate called after throwing an instance of 'int'\nfaasmpirun: rank 0 trapped"), r2.stderr);
  assert.equal(r2.status, 134);
  ok(CXX, ['-DMODE=3', 'exc.cpp', '-o', 'exc3']);
  const r3 = runModule(path.join(tmp, 'exc3'));
  assert.deepEqual([r3.stdout, r3.stderr, r3.status], ['v 3 m 4\n', '', 0]);
});

test('CMake project with find_package(MPI) configures, builds, and its programs run', () => {
  const dir = path.join(tmp, 'cmake-project');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'hello.c'), MPI_HELLO);
  fs.writeFileSync(path.join(dir, 'hello.cpp'), '#include <mpi.h>\n#include <iostream>\nint main(int c, char **v) { MPI_Init(&c, &v); std::cout << "hi\\n"; return MPI_Finalize(); }\n');
  fs.writeFileSync(path.join(dir, 'CMakeLists.txt'), `cmake_minimum_required(VERSION 3.16)
project(hello C CXX)
find_package(MPI REQUIRED)
message(STATUS "FAASMPI-MPI C=\${MPI_C_FOUND} CXX=\${MPI_CXX_FOUND} CV=\${MPI_C_VERSION} CXXV=\${MPI_CXX_VERSION}")
add_executable(hello hello.c)
target_link_libraries(hello PRIVATE MPI::MPI_C)
add_executable(hellocxx hello.cpp)
target_link_libraries(hellocxx PRIVATE MPI::MPI_CXX)
`);
  const conf = ok('cmake', ['-S', dir, '-B', path.join(dir, 'build'),
    `-DCMAKE_TOOLCHAIN_FILE=${path.join(REPO, 'toolchain', 'cmake', 'faasmpi.cmake')}`]);
  assert.match(conf.stdout, /FAASMPI-MPI C=TRUE CXX=TRUE CV=3\.1 CXXV=3\.1/);
  ok('cmake', ['--build', path.join(dir, 'build')]);
  assertCommonAbi(readAbi(path.join(dir, 'build', 'hello')), false);
  assertCommonAbi(readAbi(path.join(dir, 'build', 'hellocxx')), false);
  const run = sh(path.join(REPO, 'cli', 'bin', 'faasmpirun'), ['-np', '2', path.join(dir, 'build', 'hellocxx')]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'hi\nhi\n');
});

test('a wasm-opt on PATH (as inside npm scripts) does not break linking', () => {
  const binDir = path.join(REPO, 'node_modules', '.bin');
  assert.ok(fs.existsSync(path.join(binDir, 'wasm-opt')), 'binaryen puts wasm-opt in node_modules/.bin');
  write('plain.c', 'int main(void) { return 0; }\n');
  const r = spawnSync(CC, ['-O2', 'plain.c', '-o', 'plain'], { cwd: tmp, encoding: 'utf8', env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` } });
  assert.equal(r.status, 0, r.stderr);
  assertCommonAbi(readAbi(path.join(tmp, 'plain')), false);
});

const PROGRAMS = path.join(REPO, 'test', 'programs');
const RUN = path.join(REPO, 'cli', 'bin', 'faasmpirun');

/** Our environment with OMP_NUM_THREADS=n and no other OMP_* variable. */
function ompThreads(n: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OMP_')) env[k] = v;
  return { ...env, OMP_NUM_THREADS: String(n) };
}

test('reductions and a named critical in two files link, and the files share one lock (issue 15)', () => {
  const dir = path.join(PROGRAMS, 'tc_critical');
  // Separate -c steps (objects patched by the compile step) and one-step builds (clang's temporary objects,
  // patched by faasmpi-ld) both link.
  ok(CC, ['-O2', '-fopenmp', '-c', path.join(dir, 'main.c'), '-o', 'crit_main.o']);
  ok(CC, ['-O2', '-fopenmp', '-c', path.join(dir, 'other.c')]);
  const nm = ok('llvm-nm-19', ['crit_main.o', 'other.o']).stdout;
  assert.match(nm, / W \.gomp_critical_user_tally\.var/);
  assert.match(nm, / W \.gomp_critical_user_\.reduction\.var/);
  ok(CC, ['-fopenmp', 'crit_main.o', 'other.o', '-o', 'crit_separate']);
  ok(CC, ['-O2', '-fopenmp', path.join(dir, 'main.c'), path.join(dir, 'other.c'), '-o', 'crit_onestep']);
  for (const [module, threads] of [['crit_separate', 4], ['crit_onestep', 2], ['crit_onestep', 4]] as const) {
    const r = spawnSync(RUN, ['--stdin', 'none', path.join(tmp, module)], { encoding: 'utf8', env: ompThreads(threads), timeout: 60_000 });
    assert.equal(r.stdout, `OK tc_critical threads=${threads}\n`, `${module}: ${r.stdout}${r.stderr}`);
    assert.equal(r.status, 0);
  }
});

test('weakenCriticalLocks: idempotent, leaves non-wasm input alone, refuses truncated objects', async () => {
  const { weakenCriticalLocks } = await import('../toolchain/src/critical-locks.js');
  write('one.c', 'int n;\nvoid f(void) {\n#pragma omp critical(solo)\nn++;\n}\n');
  ok(CC, ['-fopenmp', '-c', 'one.c']);
  const bytes = fs.readFileSync(path.join(tmp, 'one.o'));
  assert.deepEqual(weakenCriticalLocks(bytes), [], 'already weak: nothing left to patch');
  assert.deepEqual(weakenCriticalLocks(new TextEncoder().encode('not a wasm object')), []);
  assert.throws(() => weakenCriticalLocks(bytes.subarray(0, bytes.length - 9)), /truncated|malformed/);
  ok(CC, ['-c', 'one.c', '-o', 'one_noomp.o']); // without -fopenmp there is no lock at all
  assert.doesNotMatch(ok('llvm-nm-19', ['one_noomp.o']).stdout, /gomp_critical/);
});

test('calls through unprototyped declarations: adapted when well defined in practice (issue 15)', () => {
  const dir = path.join(PROGRAMS, 'tc_noproto');
  const build = ok(CC, ['-O2', '-Wno-deprecated-non-prototype', path.join(dir, 'main.c'), path.join(dir, 'defs.c'), path.join(dir, 'more.c'), '-o', 'noproto']);
  assert.doesNotMatch(build.stderr, /signature mismatch/);
  const r = runModule(path.join(tmp, 'noproto'));
  assert.deepEqual([r.stdout, r.stderr, r.status], ['OK tc_noproto\n', '', 0]);
  // The exports that kept the definitions alive through the link are gone again.
  const exports = readAbi(path.join(tmp, 'noproto')).exports;
  for (const name of ['record', 'first']) assert.equal(exports.has(name), false, name);
});

test('an unprototyped call that would read garbage fails the build naming both declarations (issue 15)', () => {
  const dir = path.join(PROGRAMS, 'tc_noproto');
  const expected = /^faasmpi: error: (\S+): function 'scale' is called as \(i32\) -> f64 in (\S+) but defined as \(f64\) -> f64 in (\S+): argument 1 is passed as i32 but the definition takes f64\. .*declare 'scale' with its parameter types\.$/m;
  // One step: clang's temporary objects are named by their sources.
  const one = sh(CC, ['-w', path.join(dir, 'bad_main.c'), path.join(dir, 'bad_defs.c'), '-o', 'bad1']);
  assert.equal(one.status, 1, one.stderr);
  assert.deepEqual(expected.exec(one.stderr)?.slice(1), ['bad1', path.join(dir, 'bad_main.c'), path.join(dir, 'bad_defs.c')], one.stderr);
  assert.equal(fs.existsSync(path.join(tmp, 'bad1')), false, 'no module that would trap is left behind');
  // Separate steps, definition first on the command line.
  ok(CC, ['-w', '-c', path.join(dir, 'bad_main.c'), path.join(dir, 'bad_defs.c')]);
  const two = sh(CC, ['bad_defs.o', 'bad_main.o', '-o', 'bad2']);
  assert.equal(two.status, 1, two.stderr);
  assert.deepEqual(expected.exec(two.stderr)?.slice(1), ['bad2', 'bad_main.o', 'bad_defs.o'], two.stderr);
  assert.doesNotMatch(two.stderr, /at |wasm-ld-19: warning/, 'one clear error, no stack trace or raw warning');
});

test('<fstream>: ifstream/ofstream/fstream write, read, append, seek, getline, >>, binary in the sandbox (issue 15)', () => {
  const source = path.join(PROGRAMS, 'tc_fstream.cpp');
  for (const flags of [[], ['-fopenmp']]) {
    const module = `fstream${flags.join('')}`;
    ok(CXX, ['-O2', ...flags, source, '-o', module]);
    const work = fs.mkdtempSync(path.join(tmp, 'fstream-wdir-'));
    const r = sh(RUN, ['--stdin', 'none', '--wdir', work, path.join(tmp, module)]);
    assert.deepEqual([r.stdout, r.status], ['OK tc_fstream\n', 0], `${flags}: ${r.stdout}${r.stderr}`);
    // What the program wrote is really in the files, seen from outside the sandbox.
    assert.equal(fs.readFileSync(path.join(work, 'text.txt'), 'utf8'), 'hpcg 104 104 104\n3.5 -42\nappended\n');
    const data = fs.readFileSync(path.join(work, 'data.bin'));
    assert.equal(data.length, 8000);
    for (let k = 0; k < 1000; k++) assert.equal(data.readDoubleLE(8 * k), k === 10 ? 1e300 : k * 0.25 - 7, `data.bin[${k}]`);
  }
});

test('every external command faasmpi or its tests run comes from a package setup.sh installs (issue 15)', async () => {
  const { invokedCommands, packageOf, setupPackages } = await import('./external-commands.js');
  const invoked = invokedCommands(REPO);
  // The scan must see what we know is there, or it proves nothing.
  for (const c of ['clang-19', 'clang++-19', 'wasm-ld-19', 'llvm-ar-19', 'llvm-ranlib-19', 'redis-server', 'cmake', 'make', 'dpkg-query']) {
    assert.ok(invoked.has(c), `scan finds ${c}`);
  }
  const listed = new Set(setupPackages(fs.readFileSync(path.join(REPO, 'setup.sh'), 'utf8')));
  // setup.sh checks for Node.js 20 itself and stops: Debian bookworm's nodejs is 18.
  const preconditions = new Set(['node', 'npm', 'npx']);
  const owners = new Map([...invoked.keys()].filter((c) => !preconditions.has(c)).map((c) => [c, packageOf(c)]));
  const problems = (packages: Set<string>) => [...owners].flatMap(([command, p]) => {
    const where = invoked.get(command)!;
    const from = [...where].join(', ');
    if (!p.path) return [`${command} (run from ${from}) is not on PATH`];
    if (!p.package) return [`${command} (${p.path}, run from ${from}) belongs to no Debian package`];
    if (p.alwaysInstalled || packages.has(p.package)) return [];
    return [`${command} (run from ${from}) needs Debian package ${p.package}, which setup.sh does not install`];
  });
  assert.deepEqual(problems(listed), []);
  // And the check would have caught the defect of issue 15.
  const withoutLlvm = new Set([...listed].filter((p) => p !== 'llvm-19'));
  assert.ok(problems(withoutLlvm).some((p) => p.startsWith('llvm-ar-19 ') && p.endsWith('needs Debian package llvm-19, which setup.sh does not install')),
    problems(withoutLlvm).join('\n'));
});

test('the command scan reads shell scripts: commands, not builtins, keywords, functions or assignments', async () => {
  const { commandsInShell } = await import('./external-commands.js');
  const script = `say() { echo "$*"; }
set -e
for p in a b; do dpkg-query -W "$p" 2>/dev/null | grep -q ok || missing+=("$p"); done
if [ -n "$x" ]; then X=1 apt-get install -y foo >/dev/null; fi
v=$(node -p 1) # comment mentioning rm
say "hello; rm -rf x"; openssl version && ! redis-cli ping
[ "$(readlink "$link" 2>/dev/null)" = "$t" ] || ln -sf "$t" "$link"
`;
  assert.deepEqual(commandsInShell(script).sort(), ['apt-get', 'dpkg-query', 'grep', 'ln', 'node', 'openssl', 'readlink', 'redis-cli']);
});

test('C++ exceptions are caught: across frames, by base, pointer, value, rethrow, RAII, exception_ptr, per OpenMP thread (issue 15)', () => {
  const source = path.join(PROGRAMS, 'tc_exceptions.cpp');
  ok(CXX, ['-O2', source, '-o', 'exceptions']);
  const r = runModule(path.join(tmp, 'exceptions'));
  assert.deepEqual([r.stdout, r.stderr, r.status], ['OK tc_exceptions\n', '', 0]);
  // Nobody catches it: the native message with type and what(), then the rank ends (abort).
  const u = sh(RUN, ['--stdin', 'none', path.join(tmp, 'exceptions'), 'uncaught']);
  assert.equal(u.stdout, 'before\n');
  assert.ok(u.stderr.startsWith("terminate called after throwing an instance of 'std::out_of_range'\n  what():  index 12\n"), u.stderr);
  assert.equal(u.status, 134);
  const n = sh(RUN, ['--stdin', 'none', path.join(tmp, 'exceptions'), 'noexcept']);
  assert.ok(n.stderr.startsWith("terminate called after throwing an instance of 'InputError'\nfaasmpirun: rank 0 trapped"), n.stderr);
  assert.equal(n.status, 134);
  // Thread builds keep the catch state per thread: four threads throw and catch at once.
  ok(CXX, ['-O2', '-fopenmp', source, '-o', 'exceptions_omp']);
  const t = spawnSync(RUN, ['--stdin', 'none', path.join(tmp, 'exceptions_omp')], { encoding: 'utf8', env: ompThreads(4), timeout: 60_000 });
  assert.deepEqual([t.stdout, t.stderr, t.status], ['OK tc_exceptions\n', '', 0]);
  // The user's -fno-exceptions still wins over ours.
  const off = sh(CXX, ['-fno-exceptions', '-c', source, '-o', 'noexc.o']);
  assert.notEqual(off.status, 0);
  assert.match(off.stderr, /cannot use 'throw' with exceptions disabled/);
});
