// The launcher's stdin reaches ranks that run on other hosts, as mpirun forwards it: the whole input, exactly,
// to the rank --stdin names (or to every rank), streamed with back-pressure (a rank that does not read keeps the
// launcher from reading ahead without bound), a job that ends while our stdin stays open ends all the same, and
// a launcher sending more than the hosts credited ends its own job with the reason.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { control, type PrepareRequest } from '../cluster/job-protocol.js';
import { STDIN_CHUNK, STDIN_WINDOW } from '../cluster/stdin-relay.js';
import type { Control } from '../cluster/wire/codec.js';
import { STDIN_PIPE_CAPACITY } from '../host-interface/wasi/stdin-pipe.js';
import { connectLink } from '../cluster/wire/link.js';
import { startHost, TestCA, type TestHost } from './cluster-hosts.js';
import { build, describeRun, faasmpiRun, faasmpirun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-stdin-');
let wasm = '';
before(() => { wasm = build('stdin_ranks.c', dir); });

/** FNV-1a, as the program prints it. */
function fnv(bytes: Uint8Array): string {
  let h = 2166136261;
  for (const b of bytes) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h.toString(16).padStart(8, '0');
}

describe('stdin of ranks on other hosts (--local-hosts)', () => {
  const input = randomBytes(3_000_000); // larger than the window and the pipe: back-pressure is exercised
  const whole = `read ${input.length} bytes hash ${fnv(input)}`;
  const empty = `read 0 bytes hash ${fnv(new Uint8Array(0))}`;

  test('--stdin 3 gives a rank on the second host the whole input, the others none', { timeout: 90_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-np', '4', '--display-map', '--stdin', '3', wasm], { timeoutMs: 60_000, input: input as unknown as string });
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stderr, /map: ranks 2-3 on host \S+-h1 /, describeRun(r));
    assert.match(r.stdout, new RegExp(`^rank 3 ${whole}$`, 'm'), describeRun(r));
    for (const rank of [0, 1, 2]) assert.match(r.stdout, new RegExp(`^rank ${rank} ${empty}$`, 'm'), describeRun(r));
  });

  test('--stdin all gives every rank on both hosts its own whole copy', { timeout: 90_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-np', '4', '--stdin', 'all', wasm], { timeoutMs: 60_000, input: input as unknown as string });
    assert.equal(r.status, 0, describeRun(r));
    for (const rank of [0, 1, 2, 3]) assert.match(r.stdout, new RegExp(`^rank ${rank} ${whole}$`, 'm'), describeRun(r));
  });

  test('a job that reads one line ends while our stdin stays open', { timeout: 90_000 }, async () => {
    const child = spawn(faasmpirun, ['--local-hosts', '2', '-np', '2', wasm, 'line'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdin.write('first line\n');
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); resolve(null); }, 60_000);
      child.on('exit', (c) => { clearTimeout(timer); resolve(c); });
    });
    child.stdin.destroy();
    assert.equal(code, 0, `status ${code}\n${stdout}\n${stderr}`);
    assert.match(stdout, /^rank 0 line: first line$/m);
  });

  test('a rank that does not read holds the launcher back: it reads only about a window ahead', { timeout: 90_000 }, async () => {
    const child = spawn(faasmpirun, ['--local-hosts', '2', '-np', '2', '--stdin', '1', wasm, 'ignore'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stdout += d));
    let written = 0;
    let exited = false;
    const piece = Buffer.alloc(1 << 16, 7);
    child.stdin.on('error', () => {}); // the launcher ends without reading the rest
    const pump = () => {
      while (!exited && child.stdin.writable && child.stdin.writableLength === 0) {
        written += piece.length;
        if (!child.stdin.write(piece)) break;
      }
    };
    child.stdin.on('drain', pump);
    pump();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => { exited = true; resolve(c); }));
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^rank 1 ignored stdin$/m);
    // The window, the rank's pipe, one chunk pending, and the OS's pipe buffers; never the 3 s of input a
    // launcher reading freely would take (hundreds of MiB).
    assert.ok(written < STDIN_WINDOW + 8 * (1 << 20), `the launcher took ${written} bytes of stdin that nobody read`);
  });
});

describe('a launcher breaking the stdin protocol ends its own job', () => {
  const ca = new TestCA();
  let host: TestHost;
  before(async () => { host = await startHost({ id: 'in1', cluster: 'stdin-test', ca, extra: ['--slots', '2', '--cores', '1'] }); });
  after(() => host.child.kill('SIGKILL'));

  test('stdin beyond the credited window: the part ends, naming it', { timeout: 60_000 }, async () => {
    const link = await connectLink(host.address, ca.userCredentials('alice'));
    const job = `g-stdin-${createHash('sha256').update(String(Date.now())).digest('hex').slice(0, 12)}`;
    const group = { id: job, size: 1, hostTable: ['in1'] };
    const spec = { argv0: 'stdin_ranks.wasm', args: ['ignore'], np: 1, env: [], sandboxRoot: '', tagOutput: false, useSnapshots: false, deadlockTimeoutMs: 5000 };
    const seen: Control[] = [];
    const ended = new Promise<Control>((resolve) => link.on('message', (e) => {
      if (!('control' in e)) return;
      seen.push(e.control);
      if (e.control.kind === 'part-end') resolve(e.control);
    }));
    link.send(control('prepare', job, 'alice', { group, addresses: { in1: host.address }, spec, stdin: 0 } as PrepareRequest, readFileSync(wasm)));
    const until = Date.now() + 20_000;
    while (!seen.some((c) => c.kind === 'ready' || c.kind === 'refused') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(seen.find((c) => c.kind === 'ready' || c.kind === 'refused')?.kind, 'ready');
    link.send(control('start', job, 'alice', {}));
    // The rank reads nothing: once its pipe is full no credit comes, and a window more breaks the protocol.
    const chunk = new Uint8Array(STDIN_CHUNK);
    for (let sent = 0; sent <= STDIN_PIPE_CAPACITY + STDIN_WINDOW; sent += chunk.length) link.send(control('stdin', job, 'alice', {}, chunk));
    const end = JSON.parse((await ended).json);
    link.close();
    assert.match(end.failure ?? '', /the launcher sent more stdin than the 1048576 bytes it may send ahead/);
  });
});
