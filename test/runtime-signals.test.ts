// faasmpirun --local-hosts K owns its K host processes: however it ends (SIGTERM, SIGINT, even SIGKILL), they end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { build, faasmpirun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-rt-signals-');

/** Live (not zombie) processes whose parent is `ppid`, with their command lines. */
function childrenOf(ppid: number): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(parent) === ppid && state !== 'Z') out.push({ pid: Number(name), cmd: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch { /* gone meanwhile */ }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
  test(`${signal} to faasmpirun --local-hosts 2 leaves no host process running`, { timeout: 90_000 }, async () => {
    const wasm = build('rt_forever.c', dir);
    const launcher = spawn(faasmpirun, ['--local-hosts', '2', '-np', '2', wasm], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    launcher.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    launcher.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const until = Date.now() + 60_000;
    while (!(out.includes('running rank 0') && out.includes('running rank 1'))) {
      assert.ok(Date.now() < until && launcher.exitCode === null, `the job did not start:\n${out}\n${err}`);
      await delay(50);
    }
    const hosts = childrenOf(launcher.pid!).filter((c) => / host /.test(c.cmd));
    assert.equal(hosts.length, 2, JSON.stringify(childrenOf(launcher.pid!)));
    const exited = new Promise((resolve) => launcher.once('exit', resolve));
    launcher.kill(signal);
    await exited;
    const deadline = Date.now() + 15_000;
    while (hosts.some((h) => alive(h.pid)) && Date.now() < deadline) await delay(100);
    const left = hosts.filter((h) => alive(h.pid));
    for (const h of left) process.kill(h.pid, 'SIGKILL'); // leave the machine clean even when failing
    assert.deepEqual(left, [], `host processes outlived the launcher (${signal})`);
  });
}
