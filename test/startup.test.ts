// Job start-up (issue 15): what a launch loads. A single-host faasmpirun runs from the bundles in dist/bundle (one
// file per thread, not ~170 modules) and never loads the cluster's clients (Redis, WebSocket, protobuf); a
// command falls back to tsc's output when the bundle is older than it; the worker's V8 code cache survives
// being corrupted. (Start-up times are measured by
// experiments/start-up.ts, not here: they depend on the machine's load.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { build, faasmpirun, repoRoot, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-startup-');
let program = '';
before(() => {
  program = build('args_env.c', dir);
});

/** A preload for the launcher's process: the URL of every module it loads goes to FAASMPI_TEST_LOAD_LOG. */
function loadLogger(): string {
  const hooks = join(dir, 'load-log-hooks.mjs');
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.FAASMPI_TEST_LOAD_LOG, url + '\\n');
  return next(url, context);
}
`);
  // Node 20 applies registered hooks to the main thread only: in a worker, the files of the code that posts
  // to the parent (piscina's and the Faaslet worker's top level) are read from the stack instead.
  const preload = join(dir, 'load-log.mjs');
  writeFileSync(preload, `import { register } from 'node:module';
import { appendFileSync } from 'node:fs';
import { isMainThread, parentPort } from 'node:worker_threads';
if (isMainThread) register(${JSON.stringify(pathToFileURL(hooks).href)});
else {
  const post = parentPort.postMessage.bind(parentPort);
  parentPort.postMessage = (message, transfer) => {
    for (const url of new Error().stack.match(/file:[^\\s:)]+/g) ?? []) appendFileSync(process.env.FAASMPI_TEST_LOAD_LOG, url + '\\n');
    return post(message, transfer);
  };
}
`);
  return preload;
}

/** Runs a command (faasmpirun unless told) with the load hook; returns the URLs of the modules its threads loaded. */
function loadedBy(args: string[], command = faasmpirun): string[] {
  const log = join(dir, `loads-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, '');
  // On node's command line (not NODE_OPTIONS), so worker threads inherit it too.
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(loadLogger()).href, command, ...args], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, FAASMPI_TEST_LOAD_LOG: log },
  });
  assert.equal(r.status, 0, `status ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
  return readFileSync(log, 'utf8').split('\n').filter((u) => u.length > 0);
}

const CLUSTER_PACKAGES = ['ioredis', 'ws', 'protobufjs'];
const packagesIn = (urls: string[]) => new Set(urls.map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((p) => p !== undefined));

describe('what a launch loads', () => {
  test('a single-host run loads the bundles only, and none of the cluster clients', () => {
    assert.ok(existsSync(join(repoRoot, 'dist/bundle/faasmpirun.js')), 'dist/bundle is missing: npm run build makes it');
    const urls = loadedBy(['-np', '2', program]);
    const ours = urls.filter((u) => u.startsWith(pathToFileURL(join(repoRoot, 'dist')).href));
    assert.ok(ours.some((u) => u.endsWith('/dist/bundle/faasmpirun.js')), `the launcher did not run from its bundle (is dist/bundle older than tsc's build? npm run build):\n${ours.join('\n')}`);
    const unbundled = ours.filter((u) => !u.includes('/dist/bundle/'));
    assert.deepEqual(unbundled, [], 'modules loaded from tsc\'s output instead of the bundles');
    const clients = CLUSTER_PACKAGES.filter((p) => packagesIn(urls).has(p));
    assert.deepEqual(clients, [], 'a single-host run loaded cluster clients');
    // Few files: the launcher and worker bundles and their shared chunks.
    assert.ok(new Set(ours).size <= 16, `a single-host launch loaded ${new Set(ours).size} of our files:\n${ours.join('\n')}`);
  });

  test('the workers run the bundled Faaslet worker', () => {
    const urls = loadedBy(['-np', '2', program]);
    assert.ok(urls.some((u) => u.endsWith('/dist/bundle/faaslet-worker.cjs')), `no worker ran dist/bundle/faaslet-worker.cjs:\n${urls.join('\n')}`);
  });

  test('faasmpi certs loads neither the cluster clients nor the host runtime', () => {
    const urls = loadedBy(['certs', 'init', '--dir', join(dir, `ca-${Math.random().toString(36).slice(2)}`)], join(repoRoot, 'cli/bin/faasmpi'));
    assert.ok(urls.some((u) => u.endsWith('/dist/bundle/faasmpi.js')), `faasmpi did not run from its bundle:\n${urls.join('\n')}`);
    assert.deepEqual(CLUSTER_PACKAGES.filter((p) => packagesIn(urls).has(p)), [], 'faasmpi certs loaded cluster clients');
    assert.ok(!packagesIn(urls).has('piscina'), 'faasmpi certs loaded the worker pool');
  });

  test('a run on hosts does load the cluster clients (the check above can see them)', () => {
    const urls = loadedBy(['--local-hosts', '1', '-np', '1', program]);
    assert.ok(packagesIn(urls).has('ws'), `the launcher of a cluster run loaded no WebSocket client:\n${urls.join('\n')}`);
  });
});

describe('the bundled worker\'s code cache', () => {
  const cache = join(repoRoot, 'dist/bundle/faaslet-worker.cjs.v8-cache');

  test('is written by a launch, and a corrupt or cut-short one is refused and rewritten, the job unharmed', () => {
    const run = () => {
      const r = spawnSync(faasmpirun, ['-np', '2', program, '0:0'], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, `status ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout.split('faaslet ').length - 1, 2, r.stdout);
    };
    rmSync(cache, { force: true });
    run();
    assert.ok(existsSync(cache), 'a launch wrote no code cache');
    const good = readFileSync(cache);
    for (const bad of [Buffer.from('not a V8 code cache at all'.repeat(100)), good.subarray(0, good.length >> 1)]) {
      writeFileSync(cache, bad);
      run();
      assert.ok(!readFileSync(cache).equals(bad), 'the refused cache was not rewritten');
    }
  });
});

describe('which build a command runs', () => {
  /** A copy of cli/bin/entry.js in a scratch tree, with a bundle and a tsc build of the given ages (seconds). */
  async function pick(bundleAge: number | undefined, tscAge: number): Promise<string> {
    const root = tempDir('faasmpi-entry-');
    mkdirSync(join(root, 'cli/bin'), { recursive: true });
    mkdirSync(join(root, 'dist/bundle'), { recursive: true });
    copyFileSync(join(repoRoot, 'cli/bin/entry.js'), join(root, 'cli/bin/entry.js'));
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    const now = Date.now() / 1000;
    writeFileSync(join(root, 'dist/.tsbuildinfo'), '');
    utimesSync(join(root, 'dist/.tsbuildinfo'), now - tscAge, now - tscAge);
    if (bundleAge !== undefined) {
      writeFileSync(join(root, 'dist/bundle/faasmpirun.js'), '');
      utimesSync(join(root, 'dist/bundle/faasmpirun.js'), now - bundleAge, now - bundleAge);
    }
    const { commandModule } = await import(pathToFileURL(join(root, 'cli/bin/entry.js')).href);
    return (commandModule('faasmpirun') as string).slice(pathToFileURL(root).href.length);
  }

  test('the bundle when it is newer than tsc\'s build', async () => {
    assert.equal(await pick(10, 60), '/dist/bundle/faasmpirun.js');
  });

  test('tsc\'s output when the bundle is older (dist rebuilt by tsc alone) or missing', async () => {
    assert.equal(await pick(60, 10), '/dist/cli/faasmpirun.js');
    assert.equal(await pick(undefined, 10), '/dist/cli/faasmpirun.js');
  });
});
