// The cluster's trust model under attack, with real `faasmpi host` processes (run as nobody when the tests run as
// root) sharing a real Redis. Each test performs an attack and fails if it works: another user's launcher trying
// to stop, take over or feed records into a running job (which must still finish with the right output); a host
// certificate of a host outside the job sending it records; a launcher pointing a host at an impostor peer; a
// job asking for /, a directory outside the allow-list or another user's directory; and a job in an admitted
// root-owned directory trying to write there.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { JobPart } from '../cluster/job-part.js';
import { control, type ControlKind, type PrepareRequest } from '../cluster/job-protocol.js';
import { redisState } from '../cluster/state/cluster-state.js';
import type { Control } from '../cluster/wire/codec.js';
import { connectLink, type HostLink } from '../cluster/wire/link.js';
import { startHost, TestCA, until, type TestHost } from './cluster-hosts.js';
import { launch } from './cluster-hosts.js';
import { build, describeRun, faasmpiRun, SelfChecking, tempDir } from './helpers.js';
import { startRedis, type RedisServer } from './redis-server.js';

const programs = new SelfChecking('faasmpi-trust-');
const cluster = 'trust-test';


/** Sends a control over a raw link and waits for the first reply of one of `kinds`. */
function ask(link: HostLink, c: { control: Control }, kinds: ControlKind[], ms = 20_000): Promise<Control> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${kinds.join('/')} reply to '${c.control.kind}'`)), ms);
    link.on('message', (e) => {
      if ('control' in e && kinds.includes(e.control.kind as ControlKind)) {
        clearTimeout(timer);
        resolve(e.control);
      }
    });
    link.send(c);
  });
}

const record = (group: string, src: number, dst: number) => ({
  mpi: { group, src, dst, tag: 5, context: 0, seq: 1, kind: 1, total: 8, payload: new Uint8Array(8).fill(0x41), a: 0, b: 0, c: 0 },
});

describe('tenants, hosts and working directories under attack', () => {
  const ca = new TestCA();
  const as = (user: string) => ({ ...process.env, FAASMPI_CREDENTIALS: ca.user(user) });
  let redis: RedisServer;
  const hosts = new Map<string, TestHost>();
  // An admitted shared directory, owned by root and not writable by others (0755), holding an input file.
  const shared = tempDir('faasmpi-shared-');
  writeFileSync(join(shared, 'input.txt'), 'hello from the shared filesystem\n');
  chmodSync(shared, 0o755);
  const via = (ids: string[]) => ['--cluster', cluster, '--hosts', ids.map((id) => hosts.get(id)!.address.replace(/:(\d+)$/, '@$1')).join(',')];
  const log = (id: string) => hosts.get(id)!.stderr();

  before(async () => {
    redis = await startRedis();
    await Promise.all(['h1', 'h2', 'h3'].map(async (id) => {
      hosts.set(id, await startHost({ id, cluster, ca, redis: redis.url, extra: ['--slots', '3', '--cores', '1', '--allow-wdir', shared] }));
    }));
  });
  after(async () => {
    for (const h of hosts.values()) h.child.kill('SIGKILL');
    await redis?.stop();
  });

  test("another user cannot stop, take over or feed records into a running job; it finishes with the right output", { timeout: 120_000 }, async () => {
    const victim = launch([...via(['h1', 'h2']), '--redis', redis.url, '--policy', 'spread', '-np', '4', programs.wasm('ring_loop'), '4'], as('alice'));
    const state = await redisState(redis.url, cluster);
    let job = '';
    try {
      for (const t0 = Date.now(); job === '' && Date.now() - t0 < 30_000; await new Promise((r) => setTimeout(r, 50))) {
        const [j] = await state.forUser('alice').jobs();
        if (j?.state === 'running') job = j.id;
      }
      assert.notEqual(job, '', 'alice\'s job was never recorded as running');
    } finally {
      await state.close();
    }
    const bob = await connectLink(hosts.get('h1')!.address, ca.userCredentials('bob'));
    // Bob's own name on the job: not his job.
    bob.send(control('stop', job, 'bob', { reason: 'bob says stop' }));
    await until('h1 logs bob\'s stop', () => new RegExp(`refused a 'stop' for job ${job}, which is not its own from user bob`).test(log('h1')));
    // Alice's name with Bob's certificate.
    const claimed = await ask(bob, control('stop', job, 'alice', { reason: 'alice says stop (not)' }), ['refused']);
    assert.match(JSON.parse(claimed.json).message, /your certificate is user bob's; it cannot act for user "alice"/);
    // Preparing a part under the same job id, to receive its records.
    const group = { id: job, size: 4, hostTable: ['h1', 'h1', 'h2', 'h2'] };
    const spec = { argv0: 'x.wasm', args: [], np: 4, env: [], sandboxRoot: '', tagOutput: false, useSnapshots: false, deadlockTimeoutMs: 5000 };
    const hijack = await ask(bob, control('prepare', job, 'bob', { group, addresses: {}, spec } as PrepareRequest, new Uint8Array(8)), ['refused', 'ready']);
    assert.equal(hijack.kind, 'refused');
    assert.match(JSON.parse(hijack.json).message, /already known/);
    // MPI records from a user certificate: refused, and the link is closed.
    const closed = new Promise<string>((resolve) => bob.once('close', resolve));
    bob.send(record(job, 2, 0));
    await closed;
    await until('h1 logs the records', () => /refused MPI records \(only hosts carry them\) from user bob/.test(log('h1')));
    // A genuine host outside the job's host table (h3's certificate) sending it records.
    const outsider = await connectLink(hosts.get('h1')!.address, ca.hostCredentials('h3'));
    outsider.send(record(job, 2, 0));
    outsider.send(record(job, 0, 1));
    await until('h1 logs the outsider', () => new RegExp(`refused an MPI record of job ${job}: host h3 is not in its host table from host h3`).test(log('h1')));
    outsider.close();
    const r = await victim;
    assert.equal(r.status, 0, describeRun(r));
    assert.doesNotMatch(r.stdout, /FAIL/, describeRun(r));
    assert.equal(r.stdout.match(/^OK ring_loop rank \d rounds \d+$/gm)?.length, 4, describeRun(r));
  });

  test('a record whose source rank lives on another host than the sending one is refused', () => {
    const part = new JobPart({ job: 'g', user: 'u', localRanks: [2, 3], request: { group: { id: 'g', size: 4, hostTable: ['h1', 'h1', 'h2', 'h2'] } } } as never);
    assert.equal(part.refusesRecordFrom('h2', 2), undefined);
    assert.match(part.refusesRecordFrom('h2', 0)!, /source rank 0 runs on host h1, not on host h2/);
    assert.match(part.refusesRecordFrom('h2', 4)!, /source rank 4 is not in the job/);
    assert.match(part.refusesRecordFrom('h2', -1)!, /not in the job/);
    assert.match(part.refusesRecordFrom('h3', 2)!, /host h3 is not in its host table/);
  });

  test('a host never links to an address whose certificate names another host than the job\'s host table', { timeout: 60_000 }, async () => {
    const mallory = await connectLink(hosts.get('h1')!.address, ca.userCredentials('mallory'));
    const job = `g-mallory-${Date.now()}`;
    const group = { id: job, size: 2, hostTable: ['h1', 'h3'] };
    const spec = { argv0: 'ring_loop.wasm', args: [], np: 2, env: [], sandboxRoot: '', tagOutput: false, useSnapshots: false, deadlockTimeoutMs: 5000 };
    // h3's address is really h2's: h1 (the smaller id) dials it expecting host h3.
    const addresses = { h1: hosts.get('h1')!.address, h3: hosts.get('h2')!.address };
    const program = readFileSync(programs.wasm('ring_loop'));
    const linksOfH2 = () => log('h2').match(/linked with host h1/g)?.length ?? 0;
    const linkedBefore = linksOfH2();
    const answer = await ask(mallory, control('prepare', job, 'mallory', { group, addresses, spec } as PrepareRequest, program), ['refused', 'ready']);
    assert.equal(answer.kind, 'refused');
    assert.match(JSON.parse(answer.json).message, /is host h2, not host h3/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(linksOfH2(), linkedBefore, 'h1 made no link to h2 (as h3)');
    mallory.close();
  });

  test('--wdir /, a directory outside the allow-list, or another user\'s directory is refused with a clear message', { timeout: 60_000 }, async () => {
    const outside = tempDir('faasmpi-not-admitted-');
    mkdirSync(join(hosts.get('h1')!.dataDir, 'users', 'alice'), { recursive: true });
    for (const [wdir, user] of [['/', 'bob'], ['/proc/self', 'bob'], [outside, 'bob'], [join(hosts.get('h1')!.dataDir, 'users', 'alice'), 'bob']]) {
      const r = faasmpiRun([...via(['h1']), '--wdir', wdir, '-np', '1', programs.wasm('p2p_attr')], { env: as(user), timeoutMs: 30_000 });
      assert.equal(r.status, 1, describeRun(r));
      assert.match(r.stderr, new RegExp(`^faasmpirun: host h1: working directory ${wdir.replace(/[/.]/g, '\\$&')} is not allowed on this host: a job may run in its user's directory or under a directory the operator admitted`, 'm'), describeRun(r));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    await until('h1 logs the refusal', () => /refused job \S+: working directory \/ is not allowed on this host.* from user bob/.test(log('h1')));
    assert.match(log('h1'), /refused job \S+: working directory \/ is not allowed on this host.* from user bob/);
  });

  test('a job in an admitted root-owned directory reads it but cannot write there (the host runs as nobody)', { timeout: 60_000, skip: process.getuid!() !== 0 ? 'needs root' : false }, () => {
    const files = build('files.c', tempDir('faasmpi-trust-files-'));
    const r = faasmpiRun([...via(['h2']), '--wdir', shared, '-np', '1', files], { env: as('alice'), timeoutMs: 30_000 });
    assert.match(r.stdout, /^read: hello from the shared filesystem$/m, describeRun(r));
    assert.match(r.stderr, /mkdir: Permission denied/, describeRun(r));
    assert.equal(r.status, 3, describeRun(r));
  });

  test('a job without --wdir runs in its user\'s directory on each host', { timeout: 60_000 }, () => {
    programs.runsClean('p2p_basic', 2, 30_000, [...via(['h2', 'h3']), '--policy', 'spread'], as('carol'));
    for (const id of ['h2', 'h3']) assert.ok(statSync(join(hosts.get(id)!.dataDir, 'users', 'carol')).isDirectory(), `carol's directory on ${id}`);
  });
});
