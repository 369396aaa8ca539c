// Output relayed from a cluster host to its launcher is bounded in the host's memory: a rank printing faster
// than its output can be relayed waits (as on a full pipe) instead of the host queueing it all.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { build, faasmpirun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-rt-relay-');

/** The resident set of a process, in MiB (0 once it is gone). */
function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function hostChildOf(ppid: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === ppid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('\0host\0')) return Number(name);
    } catch { /* gone */ }
  }
  return undefined;
}

test('512 MiB printed by a rank on a host runtime: the host stays far below that', { timeout: 180_000 }, async () => {
  const wasm = build('rt_long_line.c', dir);
  const launcher = spawn(faasmpirun, ['--local-hosts', '1', '-np', '1', wasm, '512'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  launcher.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', resolve));
  let host: number | undefined, peak = 0, done = false;
  void exited.then(() => (done = true));
  while (!done) {
    host ??= hostChildOf(launcher.pid!);
    if (host) {
      peak = Math.max(peak, rssMiB(host));
    }
    await delay(25);
  }
  assert.equal(await exited, 0, err);
  assert.ok(host, 'the host process was seen');
  console.log(`# host RSS peak ${Math.round(peak)} MiB while relaying 512 MiB`);
  // Queued without back-pressure, the host peaked at ~960 MiB; with it, ~240 MiB (most of it the idle host).
  assert.ok(peak < 450, `the host's RSS peaked at ${Math.round(peak)} MiB while relaying 512 MiB`);
});

test('a launcher that stops reading: the host holds its rank instead of queueing 512 MiB for the link', { timeout: 180_000 }, async () => {
  const wasm = build('rt_long_line.c', dir);
  const launcher = spawn(faasmpirun, ['--local-hosts', '1', '-np', '1', wasm, '512'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  launcher.stderr.setEncoding('utf8').on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', resolve));
  const closed = new Promise((r) => launcher.stdout.once('close', r));
  let over = false;
  void exited.then(() => (over = true));
  // Nobody reads the launcher's stdout for 12 s once its host is up: its pipe fills, it stops reading its link, and
  // the link backs up. (Ungated, the host had queued 700 MiB by then on a loaded machine.)
  launcher.stdout.pause();
  let host: number | undefined, peak = 0;
  for (let seen = Infinity; !over && Date.now() - seen < 12_000 && peak < 450; await delay(25)) {
    host ??= hostChildOf(launcher.pid!);
    if (host) {
      seen = Math.min(seen, Date.now());
      peak = Math.max(peak, rssMiB(host));
    }
  }
  let bytes = 0;
  launcher.stdout.on('data', (d: Buffer) => (bytes += d.length)).resume();
  assert.equal(await exited, 0, err);
  await closed;
  assert.ok(host, 'the host process was seen');
  console.log(`# host RSS peak ${Math.round(peak)} MiB while its launcher did not read`);
  assert.ok(peak < 450, `the host's RSS peaked at ${Math.round(peak)} MiB while its launcher did not read`);
  assert.equal(bytes, 512 << 20, 'every byte arrived once reading resumed');
});
