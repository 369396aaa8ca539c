// Attacks on the guest filesystem sandbox, run as real guest programs (test/programs/sandbox_*.c, fs_*.c) with
// faasmpirun. Each test gives the job a working directory next to an "outside" directory holding a marker file and
// asserts the marker is neither read nor changed and nothing new appears outside.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const MARKER = 'OUTSIDE marker: must never be read by a guest\n';

/** base/work (the job's --wdir) and base/outside/marker.txt. */
function layout(prefix: string) {
  const base = tempDir(prefix);
  const work = join(base, 'work');
  const outside = join(base, 'outside');
  mkdirSync(work);
  mkdirSync(outside);
  writeFileSync(join(outside, 'marker.txt'), MARKER);
  return { base, work, outside };
}

function assertOutsideUntouched(outside: string, detail: string): void {
  assert.deepEqual(readdirSync(outside), ['marker.txt'], `nothing may be created outside\n${detail}`);
  assert.equal(readFileSync(join(outside, 'marker.txt'), 'utf8'), MARKER, detail);
}

const wasmDir = tempDir('faasmpi-sandbox-build-');
const built = new Map<string, string>();
function wasm(source: string): string {
  if (!built.has(source)) built.set(source, build(source, wasmDir));
  return built.get(source)!;
}

test('rename + held dirfd escape (issue 10): neither written nor read outside; moved dir fds keep working', () => {
  const { work, outside } = layout('faasmpi-escape-');
  const deep = join(work, ...Array(16).fill('a'));
  mkdirSync(deep, { recursive: true });
  // The probe's link: 16 "../" lead from DEEP to the working directory (legal where made); moved to the working
  // directory, the same text climbs to the host's "/" and down to `outside`. Guests may no longer create it, so the
  // test leaves it there as a link made before (or by a host tool).
  const outward = '../'.repeat(16) + outside.slice(1);
  symlinkSync(outward, join(deep, 'L'));
  const r = faasmpiRun(['--wdir', work, wasm('sandbox_rename_escape.c'), outward], { timeoutMs: 60_000 });
  const detail = describeRun(r);
  assert.equal(r.status, 0, detail);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    'symlink with ..: Capabilities insufficient',
    'symlink absolute: Capabilities insufficient',
    'symlink inside: DONE',
    'openat write: DONE',
    'd.old/out.txt exists: yes',
    'openat marker: refused: No such file or directory',
    'openat ../d/marker: refused: Capabilities insufficient',
    'open d/marker: refused: Capabilities insufficient',
    'open d/out2 write: Capabilities insufficient',
    'mkdir d/sub: Capabilities insufficient',
    'openat after move: DONE',
    'y/moved.txt exists: yes',
    'after chdir: DONE',
    'back: yes',
  ], detail);
  assertOutsideUntouched(outside, detail);
  assert.equal(readFileSync(join(work, 'd.old', 'out.txt'), 'utf8'), 'written\n');
  assert.equal(existsSync(join(deep, 'L2')), false);
});

test('racy swap of a directory and an outward link (issue 10): 2 s of attempts, zero outside reads', () => {
  const { work, outside } = layout('faasmpi-race-');
  mkdirSync(join(work, 'd'));
  writeFileSync(join(work, 'd', 'f'), 'inside\n');
  writeFileSync(join(outside, 'f'), MARKER);
  symlinkSync('../outside', join(work, 'evil'));
  const r = faasmpiRun(['--wdir', work, '-np', '2', wasm('sandbox_swap_race.c'), '2'], { timeoutMs: 60_000 });
  const detail = describeRun(r);
  assert.equal(r.status, 0, detail);
  assert.match(r.stdout, /OK sandbox_swap_race rank 0/, detail);
  assert.match(r.stdout, /OK sandbox_swap_race rank 1/, detail);
  const swaps = Number(/rank 0 swaps (\d+)/.exec(r.stdout)?.[1]);
  const m = /rank 1 swaps \d+ inside (\d+) created (\d+) escapes (\d+)/.exec(r.stdout);
  assert.ok(m, detail);
  assert.equal(Number(m[3]), 0, `outside reads\n${detail}`);
  // The race really ran: the directory was swapped many times and reads went through while it was in place.
  assert.ok(swaps > 50, `swaps ${swaps}\n${detail}`);
  assert.ok(Number(m[1]) > 0, `inside reads\n${detail}`);
  assert.deepEqual(readdirSync(outside).sort(), ['f', 'marker.txt'], detail);
  assert.equal(readFileSync(join(outside, 'f'), 'utf8'), MARKER);
});

test('device files (issue 15): /dev/null, zero, urandom, stdout, stderr are virtual; dev/null on disk untouched', () => {
  const { work, outside } = layout('faasmpi-dev-');
  mkdirSync(join(work, 'dev'));
  writeFileSync(join(work, 'dev', 'null'), 'HOSTFILE\n');
  const r = faasmpiRun(['--wdir', work, wasm('fs_devices.c')], { timeoutMs: 60_000 });
  const detail = describeRun(r);
  assert.equal(r.status, 0, detail);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    'null w: opened',
    'null fprintf: 27',
    'null fclose: 0',
    'null r: opened',
    'null getc is EOF: yes',
    'null isatty: 0',
    'null fstat chr: yes',
    'null stat chr: yes',
    'zero: 64 bytes, all zero yes',
    'urandom: 64 bytes, varied yes',
    'via /dev/stdout',
    'stdout still open: yes',
    'dev/nope: No such file or directory',
    'excl: File exists',
  ], detail);
  assert.equal(r.stderr, 'via /dev/stderr\n', detail);
  assert.equal(readFileSync(join(work, 'dev', 'null'), 'utf8'), 'HOSTFILE\n');
  assert.deepEqual(readdirSync(join(work, 'dev')), ['null']);
  assertOutsideUntouched(outside, detail);
});
