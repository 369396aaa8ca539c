// Streams of MPI messages between ranks on two host runtimes (faasmpirun --local-hosts 2): small, eager-sized and
// large messages interleaved on two communicators arrive in order and intact, also with a receiver that starts
// late while the receiving host may hold only 1 MiB (so it stops reading and the sender is held back); and a host
// that dies in the middle of a transfer ends the job promptly, naming the host, instead of leaving it hanging.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { describeRun, faasmpirun, faasmpiRun, SelfChecking, sortedLines, type Run } from './helpers.js';

const programs = new SelfChecking('faasmpi-net-');
const twoHosts = ['--local-hosts', '2', '--policy', 'spread', '-np', '2'];

/** Child processes of `pid` whose command line contains `needle`. */
function childrenOf(pid: number, needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) found.push(Number(entry));
    } catch { /* gone meanwhile */ }
  }
  return found;
}

describe('message streams between two hosts', () => {
  test('1,200 messages of 1 B to 300 KiB on two communicators, both ways: in order and intact', { timeout: 120_000 }, () => {
    const r = faasmpiRun([...twoHosts, programs.wasm('net_stream'), '600'], { timeoutMs: 90_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.deepEqual(sortedLines(r.stdout), ['OK net_stream rank 0', 'OK net_stream rank 1', 'STREAMING'], describeRun(r));
  });

  test('a receiver 2 s late with 1 MiB of holding room on its host: the sender is held back, nothing is lost or reordered', { timeout: 120_000 }, () => {
    const r = faasmpiRun([...twoHosts, programs.wasm('net_stream'), '600', '2000'], {
      timeoutMs: 90_000, env: { ...process.env, FAASMPI_NET_HELD_BYTES: String(1 << 20) },
    });
    assert.equal(r.status, 0, describeRun(r));
    assert.deepEqual(sortedLines(r.stdout), ['OK net_stream rank 0', 'OK net_stream rank 1', 'STREAMING'], describeRun(r));
  });

  test('the receiving host killed mid-transfer: the job ends within seconds, naming that host', { timeout: 120_000 }, async () => {
    const wasm = programs.wasm('net_stream');
    const t0 = performance.now();
    const child = spawn(faasmpirun, [...twoHosts, wasm, '300', '0', '1000000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const streaming = new Promise<void>((resolve) => child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('STREAMING')) resolve();
    }));
    const exited = new Promise<Run>((resolve) => child.once('exit', (status) => resolve({ status, stdout, stderr, ms: performance.now() - t0 })));
    const first = await Promise.race([streaming.then(() => undefined), exited]);
    assert.equal(first, undefined, first && describeRun(first));
    // Rank 1 runs on the second local host (h1); its process is a child of the launcher.
    const hosts = childrenOf(child.pid!, '-h1');
    assert.equal(hosts.length, 1, `host processes of h1: ${hosts.join(', ')}`);
    const killedAt = performance.now();
    process.kill(hosts[0], 'SIGKILL');
    const r = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(r, 30_000))]);
    if (!r) child.kill('SIGKILL');
    assert.ok(r, `the job still ran 30 s after host h1 was killed\n${stderr}`);
    assert.notEqual(r.status, 0, describeRun(r));
    assert.match(r.stderr, /h1\b/, describeRun(r));
    assert.doesNotMatch(r.stderr, /^\s+at /m, describeRun(r)); // no stack trace
    assert.ok(performance.now() - killedAt < 10_000, `the job ended ${Math.round(performance.now() - killedAt)} ms after the kill`);
  });
});
