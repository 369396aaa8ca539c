// Bad pointer and size arguments of MPI calls (issue 10, item 5), end to end: test/programs/mpi_args.c built with
// faasmpicc and run with faasmpirun. Under MPI_ERRORS_RETURN every bad argument gets its error class and nothing
// moves (valid messages around the refused calls arrive intact); under the default handler the job ends at
// once with a message naming the rank, the call and the argument, without a JS stack.
//
// Also clear refusals of modules whose imports or exports do not fit the runtime (issue 10, item 12): a C program
// declaring host functions with wrong types, and small modules written byte by byte.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { mpiSpec } from '../mpi/module.js';
import { MPI_SIGNATURES } from '../mpi/signatures.js';
import { build, describeRun, faasmpiRun, repoRoot, tempDir } from './helpers.js';

const dir = tempDir();
let wasm = '';
let badImports = '';
before(() => {
  wasm = build('mpi_args.c', dir);
  badImports = build('mpi_args_bad_import.c', dir);
});

describe('MPI argument checks', () => {
  test('MPI_ERRORS_RETURN: bad buffers, sizes, status/request/index/output pointers are refused; no stale or lost data', () => {
    for (const np of [2, 3]) {
      const r = faasmpiRun(['-np', String(np), wasm], { timeoutMs: 60_000 });
      assert.doesNotMatch(r.stdout, /FAIL/, describeRun(r));
      assert.equal(r.status, 0, describeRun(r));
      for (let i = 0; i < np; i++) assert.match(r.stdout, new RegExp(`^OK mpi_args rank ${i}$`, 'm'), describeRun(r));
    }
  });

  /** Runs a fatal mode on 3 ranks (rank 1 makes the bad call) and returns stderr after the common checks. */
  const fatal = (mode: string): string => {
    const r = faasmpiRun(['-np', '3', wasm, mode], { timeoutMs: 30_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.ok(r.ms < 20_000, `the job must end at the error, not hang (${Math.round(r.ms)} ms)`);
    assert.doesNotMatch(r.stdout, /rank 1: survived/, describeRun(r));
    assert.doesNotMatch(r.stderr, /\n\s+at |internal error|RangeError|TypeError/, `no JS stack or internal error:\n${r.stderr}`);
    return r.stderr;
  };

  test('send from 0xFFFFFFF0 (rendezvous size) ends the job naming the call, rank and buffer', () => {
    assert.match(fatal('send-fatal'),
      /rank 1: MPI_Send: send buffer at address 0xfffffff0 \(262144 x MPI_BYTE\) covers bytes \[4294967280, 4295229424\), outside the rank's memory of \d+ bytes \(MPI_ERR_BUFFER\)/);
  });

  test('receive into 0xFFFFFFF0 ends the job', () => {
    assert.match(fatal('recv-fatal'), /rank 1: MPI_Recv: receive buffer at address 0xfffffff0 .*\(MPI_ERR_BUFFER\)/);
  });

  test('a bad status pointer ends the job with a clear message (was a RangeError with a JS stack)', () => {
    assert.match(fatal('status-fatal'), /rank 1: MPI_Recv: status at address 0xfffffff0 \(20 bytes\) lies outside the memory of \d+ bytes \(MPI_ERR_ARG\)/);
  });

  test('a bad request array ends the job', () => {
    assert.match(fatal('waitall-fatal'), /rank 1: MPI_Waitall: array_of_requests at address 0xfffffff0 \(12 bytes\) .*\(MPI_ERR_ARG\)/);
  });

  test('count x size past 2^32 is refused, not truncated', () => {
    assert.match(fatal('count-fatal'), /rank 1: MPI_Send: message of 1073741824 x MPI_DOUBLE is 8589934592 bytes, more than the largest message \(2147483647 bytes\) \(MPI_ERR_COUNT\)/);
  });

  test('a bad string pointer ends the job', () => {
    assert.match(fatal('name-fatal'), /rank 1: MPI_Comm_set_name: comm_name at address 0xfffffff0 .*\(MPI_ERR_ARG\)/);
  });

  test('a collective with a bad buffer at one rank ends the whole job fast', () => {
    const r = faasmpiRun(['-np', '3', wasm, 'bcast-fatal'], { timeoutMs: 30_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.ok(r.ms < 20_000, `no hang (${Math.round(r.ms)} ms)`);
    assert.match(r.stderr, /rank 1: MPI_Bcast: buffer at address 0xfffffff0 \(100 x MPI_INT\) .*\(MPI_ERR_BUFFER\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

// ---- wasm modules built byte by byte ----

const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
const name = (s: string): number[] => [...leb(s.length), ...new TextEncoder().encode(s)];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const I32 = 0x7f, I64 = 0x7e;
const funcType = (params: number[], results: number[]) => [0x60, ...vec(params.map((p) => [p])), ...vec(results.map((r) => [r]))];
const EMPTY_BODY = [...leb(2), 0x00, 0x0b]; // no locals, end

function module(sections: number[][]): Uint8Array {
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);
}

/** Runs a hand-made module and returns stderr after the checks every refusal shares. */
function refused(file: string, bytes: Uint8Array): string {
  const path = join(dir, file);
  writeFileSync(path, bytes);
  const r = faasmpiRun([path], { timeoutMs: 30_000 });
  assert.notEqual(r.status, 0, describeRun(r));
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error|TypeError|RangeError/, `no JS stack:\n${r.stderr}`);
  return r.stderr;
}

describe('module checks at load time', () => {
  test('the MPI signature table is what mpi.h declares, for every MPI host function', () => {
    const header = readFileSync(join(repoRoot, 'toolchain/include/mpi.h'), 'utf8');
    const letter = (cType: string) => (/[*[]/.test(cType) ? 'i' : /\b(MPI_Count|MPI_Offset|int64_t|long long)\b/.test(cType) ? 'I' : /\bdouble\b/.test(cType) ? 'F' : 'i');
    const declared = new Map<string, string>();
    for (const m of header.matchAll(/^FAASMPI_MPI_FN\(\s*([^,]+?)\s*,\s*(\w+)\s*,\s*\(([^)]*)\)\s*\)/gm)) {
      const args = m[3].replace(/\s+/g, ' ').trim();
      const params = args === 'void' || args === '' ? '' : args.split(',').map(letter).join('');
      declared.set(`MPI_${m[2]}`, `${params}:${m[1].trim() === 'void' ? '' : letter(m[1])}`);
    }
    assert.ok(declared.size > 150, `parsed ${declared.size} declarations`);
    for (const [fn, sig] of declared) assert.equal(MPI_SIGNATURES[fn], sig, fn);
    for (const fn of mpiSpec.functionNames) assert.ok(MPI_SIGNATURES[fn] !== undefined, `${fn} has no signature`);
  });

  test('every MPI signature names a function the runtime provides (mpi.h declares nothing that is missing)', () => {
    const provided = new Set(mpiSpec.functionNames);
    const stale = Object.keys(MPI_SIGNATURES).filter((fn) => !provided.has(fn));
    assert.deepEqual(stale, [], 'signatures (and so mpi.h declarations) without a host function');
  });

  test('every function mpi.h declares outside FAASMPI_MPI_FN is defined by the guest library', () => {
    const header = readFileSync(join(repoRoot, 'toolchain/include/mpi.h'), 'utf8');
    const guestFns = [...header.matchAll(/^(?:int|double) (P?MPI_\w+)\(/gm)].map((m) => m[1]);
    assert.ok(guestFns.includes('MPI_Alloc_mem') && guestFns.includes('PMPI_Attr_get'), guestFns.join(' '));
    const dir = tempDir('faasmpi-guest-fns-');
    const src = join(dir, 'guest_fns.c');
    writeFileSync(src, `#include <mpi.h>\n#include <stdio.h>\nvoid *fns[] = {${guestFns.map((f) => `(void *)${f}`).join(', ')}};\n` +
      'int main(void) { int n = 0; for (unsigned i = 0; i < sizeof fns / sizeof fns[0]; i++) n += fns[i] != 0; printf("%d\\n", n); return 0; }\n');
    const out = join(dir, 'guest_fns.wasm');
    const cc = spawnSync(join(repoRoot, 'toolchain/bin/faasmpicc'), [src, '-o', out], { encoding: 'utf8' });
    assert.equal(cc.status, 0, `linking every guest-defined MPI function failed:\n${cc.stderr}`);
    const r = faasmpiRun([out], { timeoutMs: 30_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.equal(r.stdout.trim(), String(guestFns.length));
  });

  test('host functions imported with the wrong types are refused naming both signatures', () => {
    const r = faasmpiRun(['-np', '2', badImports], { timeoutMs: 30_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.equal(r.stdout, '', 'the module must not run');
    assert.match(r.stderr, /mpi_args_bad_import\.wasm: .*import wasi_snapshot_preview1\.fd_write has type \(i32,i64\)->i32, expected \(i32,i32,i32,i32\)->i32/);
    assert.match(r.stderr, /import faasmpi_mpi\.MPI_Comm_rank has type \(i32,i32,i32\)->i32, expected \(i32,i32\)->i32/);
    assert.doesNotMatch(r.stderr, /\n\s+at |BigInt|TypeError/);
  });

  test('a hand-made module importing proc_exit with a result is refused', () => {
    const bytes = module([
      section(1, vec([funcType([I32], [I64]), funcType([], [])])),
      section(2, vec([[...name('wasi_snapshot_preview1'), ...name('proc_exit'), 0x00, ...leb(0)]])),
      section(3, vec([leb(1)])),
      section(7, vec([[...name('_start'), 0x00, ...leb(1)]])),
      section(10, vec([EMPTY_BODY])),
    ]);
    assert.match(refused('proc_exit.wasm', bytes), /proc_exit\.wasm: import wasi_snapshot_preview1\.proc_exit has type \(i32\)->i64, expected \(i32\)->\(\)/);
  });

  test('_start exported as a global is refused', () => {
    const bytes = module([
      section(6, vec([[I32, 0x00, 0x41, 0x00, 0x0b]])), // immutable i32 = 0
      section(7, vec([[...name('_start'), 0x03, ...leb(0)]])),
    ]);
    assert.match(refused('start_global.wasm', bytes), /start_global\.wasm: exports _start as a global, expected a function \(\)->\(\)/);
  });

  test('_start with parameters or results is refused', () => {
    const bytes = module([
      section(1, vec([funcType([I32], [I32])])),
      section(3, vec([leb(0)])),
      section(7, vec([[...name('_start'), 0x00, ...leb(0)]])),
      section(10, vec([[...leb(4), 0x00, 0x41, 0x00, 0x0b]])), // i32.const 0
    ]);
    assert.match(refused('start_params.wasm', bytes), /start_params\.wasm: export _start has type \(i32\)->i32, expected \(\)->\(\)/);
  });

  test('a module without an entry point is refused', () => {
    assert.match(refused('no_entry.wasm', module([])), /no_entry\.wasm: no entry point \(exports neither faasmpi_main nor _start\)/);
  });

  test('unknown imports are refused by name', () => {
    const bytes = module([
      section(1, vec([funcType([], [])])),
      section(2, vec([[...name('mystery'), ...name('thing'), 0x00, ...leb(0)]])),
      section(3, vec([leb(0)])),
      section(7, vec([[...name('_start'), 0x00, ...leb(1)]])),
      section(10, vec([EMPTY_BODY])),
    ]);
    assert.match(refused('unknown.wasm', bytes), /unknown\.wasm: imports that this runtime does not provide: mystery\.thing/);
  });
});
