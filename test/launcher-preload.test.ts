// --preload without a shared filesystem, with real `faasmpi host` processes (no Redis): the launcher's input
// files reach every host of the job, in the directory the host keeps for the job's user, and nowhere else. A
// hostile launcher's file names, sizes and counts are refused with a message naming the problem, and a link
// planted where a file goes is not followed; nor are MPMD programs whose sizes or ranks do not add up.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { control, type PrepareRequest } from '../cluster/job-protocol.js';
import { MAX_PRELOAD_FILES, unpackBlob } from '../cluster/preload.js';
import type { Control } from '../cluster/wire/codec.js';
import { connectLink } from '../cluster/wire/link.js';
import { startHost, TestCA, until, type TestHost } from './cluster-hosts.js';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const cluster = 'preload-test';

describe('--preload sends input files to hosts without a shared filesystem', () => {
  const ca = new TestCA();
  const as = (user: string) => ({ ...process.env, FAASMPI_CREDENTIALS: ca.user(user) });
  const hosts = new Map<string, TestHost>();
  const dir = tempDir('faasmpi-preload-');
  let wasm = '';
  const via = () => ['--cluster', cluster, '-H', [...hosts.values()].map((h) => h.address.replace(/:(\d+)$/, ':1@$1')).join(',')];

  before(async () => {
    wasm = build('launcher_habits.c', dir);
    for (const id of ['p1', 'p2']) hosts.set(id, await startHost({ id, cluster, ca, extra: ['--slots', '2', '--cores', '1'] }));
  });
  after(() => { for (const h of hosts.values()) h.child.kill('SIGKILL'); });

  test('each host gets the file in the user\'s directory there; without --preload the ranks do not find it', { timeout: 90_000 }, () => {
    const input = join(dir, 'input.txt');
    writeFileSync(input, 'from the launcher\n');
    const r = faasmpiRun([...via(), '-np', '2', '--preload', input, wasm, 'cat', 'input.txt'], { env: as('alice'), timeoutMs: 60_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.match(r.stdout, /^rank 0 cat input.txt: from the launcher$/m, describeRun(r));
    assert.match(r.stdout, /^rank 1 cat input.txt: from the launcher$/m, describeRun(r));
    for (const h of hosts.values()) assert.equal(readFileSync(join(h.dataDir, 'users', 'alice', 'input.txt'), 'utf8'), 'from the launcher\n');
    const without = faasmpiRun([...via(), '-np', '2', wasm, 'cat', 'input.txt'], { env: as('bob'), timeoutMs: 60_000 });
    assert.equal(without.status, 0, describeRun(without));
    assert.match(without.stdout, /^rank 0 cat input.txt: missing$/m, 'bob\'s directory never got alice\'s file');
  });

  test('the launcher checks its files before sending: missing, not a file, the same name twice', { timeout: 30_000 }, () => {
    writeFileSync(join(dir, 'input.txt'), 'from the launcher\n');
    for (const [files, message] of [
      [join(dir, 'none.txt'), /--preload .*none.txt: no such file/],
      [dir, /--preload .*: not a regular file/],
      [`${join(dir, 'input.txt')},${join(dir, 'input.txt')}`, /another file is also called input.txt/],
    ] as const) {
      const r = faasmpiRun([...via(), '-np', '1', '--preload', files, wasm], { env: as('alice'), timeoutMs: 20_000 });
      assert.equal(r.status, 2, describeRun(r));
      assert.match(r.stderr, message, describeRun(r));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test('a hostile launcher: names that leave the directory, sizes that do not add up, too many files, a planted link', { timeout: 60_000 }, async () => {
    const host = hosts.get('p1')!;
    const link = await connectLink(host.address, ca.userCredentials('mallory'));
    const replies: Control[] = [];
    link.on('message', (e) => { if ('control' in e) replies.push(e.control); });
    const program = readFileSync(wasm);
    const outside = join(tempDir('faasmpi-outside-'), 'target.txt');
    writeFileSync(outside, 'untouched\n');
    const userDir = join(host.dataDir, 'users', 'mallory');
    mkdirSync(userDir, { recursive: true });
    symlinkSync(outside, join(userDir, 'planted'));
    const attempt = async (files: unknown, extra: Uint8Array, apps?: unknown): Promise<string> => {
      const job = `g-preload-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      const group = { id: job, size: 1, hostTable: ['p1'] };
      const spec = { argv0: 'h.wasm', args: [], np: 1, env: [], sandboxRoot: '', tagOutput: false, useSnapshots: false, deadlockTimeoutMs: 5000 };
      const blob = new Uint8Array(program.length + extra.length);
      blob.set(program);
      blob.set(extra, program.length);
      link.send(control('prepare', job, 'mallory', { group, addresses: { p1: host.address }, spec, files, apps } as unknown as PrepareRequest, blob));
      await until('the host answers', () => replies.some((c) => c.job === job), 20_000);
      const answer = replies.find((c) => c.job === job)!;
      assert.equal(answer.kind, 'refused');
      return (JSON.parse(answer.json) as { message: string }).message;
    };
    const four = new TextEncoder().encode('evil');
    assert.match(await attempt([{ name: '../escape', size: 4 }], four), /preloaded file name "\.\.\/escape" is not a plain file name/);
    assert.match(await attempt([{ name: '/etc/cron.d/x', size: 4 }], four), /is not a plain file name/);
    assert.match(await attempt([{ name: '..', size: 4 }], four), /is not a plain file name/);
    assert.match(await attempt([{ name: 'a', size: -1 }], four), /preloaded file a has no valid size/);
    assert.match(await attempt([{ name: 'a', size: 2 }, { name: 'a', size: 2 }], four), /preloaded file a is named twice/);
    assert.match(await attempt([{ name: 'a', size: program.length + 100 }], four), /sizes \(\d+ bytes\) are more than the \d+ bytes sent/);
    const many = Array.from({ length: MAX_PRELOAD_FILES + 1 }, (_, i) => ({ name: `f${i}`, size: 0 }));
    assert.match(await attempt(many, new Uint8Array(0)), new RegExp(`at most ${MAX_PRELOAD_FILES}`));
    assert.match(await attempt('not a list', four), /must be a list/);
    assert.match(await attempt([{ name: 'planted', size: 4 }], four), /cannot write preloaded file planted: a symbolic link is in its place/);
    assert.equal(readFileSync(outside, 'utf8'), 'untouched\n', 'the link was not followed');
    // MPMD programs must add up to the bytes sent and to the job's ranks.
    const app = (size: number, np = 1) => [{ argv0: 'h.wasm', args: [], np, size }];
    const none = new Uint8Array(0);
    assert.match(await attempt(undefined, none, app(program.length + 5)), /program 0 of the job has no valid size/);
    assert.match(await attempt(undefined, none, app(10)), new RegExp(`the job's programs take 10 of the ${program.length} bytes sent`));
    assert.match(await attempt(undefined, none, app(program.length, 2)), /the job's programs have 2 ranks, not its 1/);
    assert.match(await attempt(undefined, none, [{ argv0: 7, args: [], np: 1, size: program.length }]), /program 0 of the job has no valid argv/);
    assert.match(await attempt(undefined, none, {}), /must be a list of 1 to 16/);
    assert.equal(existsSync(join(host.dataDir, 'users', 'escape')), false);
    await until('the host logs a refusal', () => /refused job \S+: preloaded file name/.test(host.stderr()));
    link.close();
  });

  test('the program and the files come apart exactly as they were put together', () => {
    const blob = new Uint8Array([1, 2, 3, 4, 5, 6, 7]);
    const { program, files } = unpackBlob(blob, [{ name: 'a', size: 2 }, { name: 'b', size: 1 }]);
    assert.deepEqual([...program], [1, 2, 3, 4]);
    assert.deepEqual(files.map((f) => [f.name, [...f.bytes]]), [['a', [5, 6]], ['b', [7]]]);
    assert.deepEqual([...unpackBlob(blob, undefined).program], [...blob]);
  });
});
