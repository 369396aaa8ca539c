// mpirun's host syntax against real host runtimes (`faasmpi host` processes on loopback, no Redis): slots given
// with -H and in a hostfile cap what is placed on each host, and the port comes after '@'; and a hostile
// launcher cannot point a host's ranks at the host's own file descriptors (--output-filename is the launcher's).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { control, type ControlKind, type PrepareRequest } from '../cluster/job-protocol.js';
import type { Control } from '../cluster/wire/codec.js';
import { connectLink } from '../cluster/wire/link.js';
import { startHost, TestCA, type TestHost } from './cluster-hosts.js';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const cluster = 'habits-test';

describe('-H and hostfile slots on real host runtimes', () => {
  const ca = new TestCA();
  const env = { ...process.env, FAASMPI_CREDENTIALS: ca.user('alice') };
  const hosts = new Map<string, TestHost>();
  const dir = tempDir('faasmpi-habits-hosts-');
  let wasm = '';
  const at = (id: string, slots?: number) => hosts.get(id)!.address.replace(/:(\d+)$/, `${slots === undefined ? '' : `:${slots}`}@$1`);

  before(async () => {
    wasm = build('args_env.c', dir);
    for (const id of ['s1', 's2']) hosts.set(id, await startHost({ id, cluster, ca, extra: ['--slots', '3', '--cores', '1'] }));
  });
  after(() => { for (const h of hosts.values()) h.child.kill('SIGKILL'); });

  test('-H s1:1@P,s2:3@P places one rank on s1 (which has 3 free) and three on s2', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['--cluster', cluster, '-H', `${at('s1', 1)},${at('s2', 3)}`, '-np', '4', '--display-map', wasm], { env, timeoutMs: 40_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stderr, /map: rank 0 on host s1 /, describeRun(r));
    assert.match(r.stderr, /map: ranks 1-3 on host s2 /, describeRun(r));
  });

  test('a job larger than the slots given is refused, naming what the hosts were given', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['--cluster', cluster, '-H', `${at('s1', 1)},${at('s2', 1)}`, '-np', '3', wasm], { env, timeoutMs: 40_000 });
    assert.equal(r.status, 1, describeRun(r));
    assert.match(r.stderr, /^faasmpirun: the job needs 3 slots; the cluster has 2 free slots on 2 live host\(s\): s1 1, s2 1/m, describeRun(r));
  });

  test('a hostfile with Open MPI and Hydra lines, max_slots and comments', { timeout: 60_000 }, () => {
    const file = join(dir, 'hosts');
    const [h1, p1] = hosts.get('s1')!.address.split(':');
    writeFileSync(file, `# two hosts\n\n${h1} max_slots=2 port=${p1}   # capped at 2 of its 3\n${at('s2', 2)}\n`);
    const r = faasmpiRun(['--cluster', cluster, '--hostfile', file, '-np', '4', '--display-map', wasm], { env, timeoutMs: 40_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stderr, /map: ranks 0-1 on host s1 /, describeRun(r));
    assert.match(r.stderr, /map: ranks 2-3 on host s2 /, describeRun(r));
    writeFileSync(file, `${h1} max_slots=1 port=${p1}\n${at('s2', 1)}\n`);
    const over = faasmpiRun(['--cluster', cluster, '--hostfile', file, '-np', '3', wasm], { env, timeoutMs: 40_000 });
    assert.equal(over.status, 1, describeRun(over));
    assert.match(over.stderr, /the job needs 3 slots; the cluster has 2 free slots/, describeRun(over));
  });

  test('a launcher\'s output fds in a prepare are ignored: the ranks\' output still comes back as relayed output', { timeout: 60_000 }, async () => {
    const link = await connectLink(hosts.get('s1')!.address, ca.userCredentials('alice'));
    const job = `g-fds-${Date.now()}`;
    const group = { id: job, size: 1, hostTable: ['s1'] };
    // Numbers of the host's own fds: a launcher must not be able to direct its ranks' output at any of them.
    const spec = { argv0: 'args_env.wasm', args: ['hostile'], np: 1, env: [], sandboxRoot: '', tagOutput: false, useSnapshots: false, deadlockTimeoutMs: 5000, outputFds: [{ stdout: 7, stderr: 7 }] };
    const seen: Control[] = [];
    const ended = new Promise<void>((resolve) => link.on('message', (e) => {
      if (!('control' in e)) return;
      seen.push(e.control);
      if (e.control.kind === 'part-end') resolve();
    }));
    link.send(control('prepare', job, 'alice', { group, addresses: { s1: hosts.get('s1')!.address }, spec } as PrepareRequest, readFileSync(wasm)));
    const until = Date.now() + 20_000;
    while (!seen.some((c) => c.kind === 'ready' || c.kind === 'refused') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(seen.find((c) => c.kind === 'ready' || c.kind === 'refused')?.kind, 'ready' as ControlKind);
    link.send(control('start', job, 'alice', {}));
    await ended;
    link.close();
    const outputs = seen.filter((c) => c.kind === 'output');
    assert.deepEqual([...new Set(outputs.map((c) => JSON.parse(c.json).fd))], [1], 'the rank printed to its stdout, as the host\'s fd 1 sink, not fd 7');
    assert.match(outputs.map((c) => Buffer.from(c.blob ?? []).toString()).join(''), /argv\[1\]=hostile/);
    assert.doesNotMatch(hosts.get('s1')!.stderr(), /argv\[1\]=hostile/, 'nothing of the rank reached the host\'s own fd 2');
  });
});
