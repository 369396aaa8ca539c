// End-to-end: programs built with faasmpicc/faasmpicxx, run with faasmpirun.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { build, faasmpiRun, programsDir, sortedLines, tempDir } from './helpers.js';

const dir = tempDir();
const wasm: Record<string, string> = {};
before(() => {
  for (const p of ['args_env.c', 'files.c', 'stl.cpp', 'throw.cpp', 'trap.c', 'mpi_env.c', 'unknown_import.c', 'ctor_output.c']) {
    wasm[p] = build(p, dir);
  }
});

describe('argv, environment, exit status', () => {
  test('each rank sees its argv, forwarded variables and its index', () => {
    const r = faasmpiRun(['-np', '3', '-x', 'GREETING=hi there', wasm['args_env.c'], 'a b', 'c'], {
      env: { ...process.env, OMP_NUM_THREADS: '3', HOME: '/root' },
    });
    assert.equal(r.status, 0, r.stderr);
    for (let i = 0; i < 3; i++) assert.match(r.stdout, new RegExp(`faaslet ${i} of 3 argc=3`));
    assert.equal(r.stdout.split('argv[1]=a b\n').length - 1, 3);
    assert.equal(r.stdout.split('GREETING=hi there\n').length - 1, 3);
    assert.equal(r.stdout.split('OMP_NUM_THREADS=3\n').length - 1, 3, 'OMP_* is forwarded by default');
    assert.equal(r.stdout.split('HOME=(unset)\n').length - 1, 3, 'other variables stay out unless -x names them');
  });

  test('-x VAR forwards our value', () => {
    const r = faasmpiRun(['-x', 'GREETING', wasm['args_env.c']], { env: { ...process.env, GREETING: 'from-env' } });
    assert.match(r.stdout, /GREETING=from-env/);
  });

  test('exit status is the failing rank status', () => {
    const r = faasmpiRun(['-np', '4', wasm['args_env.c'], '2:5']);
    assert.equal(r.status, 5);
    assert.equal(faasmpiRun(['-np', '1', wasm['args_env.c'], '0:3']).status, 3);
  });

  test('--tag-output prefixes every line with its rank', () => {
    const r = faasmpiRun(['-np', '2', '--tag-output', wasm['args_env.c'], 'x']);
    assert.equal(r.status, 0);
    const lines = sortedLines(r.stdout);
    assert.ok(lines.length >= 10);
    for (const l of lines) assert.match(l, /^\[[01]\] /);
    assert.ok(lines.includes('[1] faaslet 1 of 2 argc=2'));
  });
});

describe('files in the sandbox', () => {
  test('read, write, append, seek, readdir; hostile paths refused', () => {
    const root = tempDir('faasmpi-sandbox-');
    const work = join(root, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'input.txt'), 'hello from the host\n');
    writeFileSync(join(root, 'outside.txt'), 'secret\n');
    symlinkSync('/etc', join(work, 'escape-link'));
    symlinkSync('../outside.txt', join(work, 'outside-link'));
    const r = faasmpiRun(['--wdir', work, wasm['files.c']]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const expected = [
      'read: hello from the host',
      'size: 8899',
      'tail: appended',
      'entries in out: 1',
      'cwd: /',
      'open /etc/passwd: refused',
      'open ../outside.txt: refused',
      'open out/../../outside.txt: refused',
      'open escape-link/passwd: refused',
      'open outside-link: refused',
      'missing: No such file or directory',
      'unlink: 0',
      'rmdir: 0',
    ];
    assert.deepEqual(r.stdout.trim().split('\n'), expected);
    assert.equal(existsSync(join(work, 'out')), false);
  });

  test('the working directory defaults to where faasmpirun starts', () => {
    const work = tempDir('faasmpi-cwd-');
    writeFileSync(join(work, 'input.txt'), 'cwd default\n');
    const r = faasmpiRun([wasm['files.c']], { cwd: work });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^read: cwd default$/m);
  });
});

describe('C++', () => {
  test('STL, iostreams and static constructors', () => {
    const r = faasmpiRun(['-np', '2', wasm['stl.cpp']]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(sortedLines(r.stdout), sortedLines('sum=500500\nalpha:5\nbeta:4\ngamma:5\n'.repeat(2)));
    // std::cerr is unbuffered: the text and the newline are separate writes, which two ranks may interleave.
    assert.equal(r.stderr.replace(/\n/g, ''), 'to stderr'.repeat(2));
  });

  test('an uncaught exception names its type and what()', () => {
    const r = faasmpiRun([wasm['throw.cpp']]);
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /before throw/);
    assert.match(r.stderr, /terminate called after throwing an instance of 'std::runtime_error'/);
    assert.match(r.stderr, /what\(\): +boom at depth 3/);
    const thrownInt = faasmpiRun([wasm['throw.cpp'], 'int']);
    assert.match(thrownInt.stderr, /instance of 'int'/);
    assert.doesNotMatch(thrownInt.stderr, /what\(\)/);
  });
});

describe('failures end the job', () => {
  test('a trap in one rank ends all ranks quickly, naming rank, trap and wasm stack', () => {
    const r = faasmpiRun(['-np', '4', wasm['trap.c']], { timeoutMs: 20_000 });
    assert.equal(r.status, 139);
    assert.match(r.stderr, /rank 1 trapped: memory access out of bounds/);
    assert.match(r.stderr, /at read_outside \(wasm-function\[\d+\]:0x[0-9a-f]+\)/);
    assert.match(r.stderr, /3 other rank\(s\) were stopped/);
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
  });

  test('abort() traps with SIGABRT status', () => {
    const r = faasmpiRun(['-np', '2', wasm['trap.c'], 'abort'], { timeoutMs: 20_000 });
    assert.equal(r.status, 134);
    assert.match(r.stderr, /rank 1 trapped: unreachable/);
  });

  test('MPI_Abort ends every rank with its code', () => {
    const r = faasmpiRun(['-np', '3', wasm['mpi_env.c'], 'abort'], { timeoutMs: 20_000 });
    assert.equal(r.status, 7);
    assert.match(r.stderr, /rank 0: MPI_Abort called with error code 7/);
  });

  test('a missing file, a non-wasm file and an unknown import fail before running', () => {
    const missing = faasmpiRun([join(dir, 'nope.wasm')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\.wasm: no such file/);
    const text = join(dir, 'text.wasm');
    writeFileSync(text, 'this is not wasm at all\n');
    const notWasm = faasmpiRun([text]);
    assert.equal(notWasm.status, 1);
    assert.match(notWasm.stderr, /text\.wasm: not a WebAssembly module/);
    const broken = join(dir, 'broken.wasm');
    writeFileSync(broken, Buffer.concat([readFileSync(wasm['args_env.c']).subarray(0, 200)]));
    assert.match(faasmpiRun([broken]).stderr, /broken\.wasm: invalid WebAssembly module/);
    const unknown = faasmpiRun([wasm['unknown_import.c']]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown_import\.wasm: imports that this runtime does not provide: mystery_host\.summon/);
  });

  test('bad launcher arguments are named', () => {
    assert.match(faasmpiRun(['-np', 'zero', 'x.wasm']).stderr, /-np needs a positive whole number/);
    assert.match(faasmpiRun(['--frobnicate', 'x.wasm']).stderr, /unknown option '--frobnicate'/);
  });
});

describe('MPI environment', () => {
  test('Init, rank, size, version, processor name, timers, Finalize', () => {
    const r = faasmpiRun(['-np', '4', wasm['mpi_env.c']]);
    assert.equal(r.status, 0, r.stderr);
    for (let i = 0; i < 4; i++) {
      assert.match(r.stdout, new RegExp(`rank ${i}/4 self 0/1 version 3\\.1 provided 0 init 1 name_ok 1 wtick_ok 1 wtime_ok 1`));
    }
    assert.equal(r.stdout.split('initialized before: 0').length - 1, 4);
    assert.equal(r.stdout.split('finalized: 1').length - 1, 4);
  });

  test('an invalid communicator is a fatal error naming rank, function and problem', () => {
    const r = faasmpiRun(['-np', '2', wasm['mpi_env.c'], 'badcomm']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /rank \d: MPI_Comm_size: invalid communicator 0x3039 \(MPI_ERR_COMM\)/);
  });
});

describe('snapshots in the launcher', () => {
  test('a constructor with output runs in every rank (its snapshot is refused)', () => {
    const r = faasmpiRun(['-np', '3', '-v', wasm['ctor_output.c']]);
    assert.equal(r.status, 0);
    assert.deepEqual(sortedLines(r.stdout), sortedLines('constructor ran\nmain ran\n'.repeat(3)));
    assert.match(r.stderr, /fresh start: initialisation calls wasi_snapshot_preview1\.fd_write/);
  });
});

describe('plain WASI modules', () => {
  test('a wasm32-wasi command built without our wrappers runs too (no MPI, its own memory)', () => {
    const out = join(dir, 'plain.wasm');
    const cc = spawnSync('clang-19', ['--target=wasm32-wasi', '-O2', join(programsDir, 'plain_wasi.c'), '-o', out], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const r = faasmpiRun(['-np', '2', '-v', out, 'x']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'plain wasi argc=2 x\n'.repeat(2));
    assert.match(r.stderr, /module not built by faasmpicc/);
  });
});

describe('missing POSIX facilities', () => {
  test('popen, system, dup, dup2, pipe link and fail with ENOSYS', () => {
    const r = faasmpiRun([build('no_processes.cpp', dir)]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'popen=null errno_enosys=1\nsystem(NULL)=0 system(cmd)=-1\ndup=-1 dup2=-1 pipe=-1 pclose=-1\n');
  });
});

describe('a correct program prints nothing it did not print', () => {
  test('12 ranks, and a rank with a team of 12 OpenMP threads: stderr stays empty (no Node warnings)', { timeout: 120_000 }, () => {
    const dir = tempDir();
    const hello = join(dir, 'hello.wasm');
    const cc = spawnSync(join(programsDir, '../../toolchain/bin/faasmpicc'), ['-O2', join(programsDir, '../../examples/hello.c'), '-o', hello], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const mpi = faasmpiRun(['-np', '12', hello], { timeoutMs: 90_000 });
    assert.equal(mpi.status, 0, mpi.stderr);
    assert.equal(mpi.stderr, '');
    const omp = faasmpiRun(['-np', '1', build('omp_parallel.c', dir, ['-fopenmp'])], { timeoutMs: 90_000, env: { ...process.env, OMP_NUM_THREADS: '12' } });
    assert.equal(omp.status, 0, omp.stdout + omp.stderr);
    assert.equal(omp.stderr, '');
  });
});
