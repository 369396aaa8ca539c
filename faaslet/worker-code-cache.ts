// Entry of a bundled pool worker (dist/bundle/faaslet-worker-entry.cjs, built by cli/build-bundles.ts): runs the
// Faaslet worker's bundle (faaslet-worker.cjs beside it) through V8's code cache. Node 20 compiles every ES module
// from source in every thread, ~20-30 ms of CPU per worker for ours; compiled with cached data it takes a
// fraction of that, and a launch starts a worker per rank. The cache is written beside the bundle by a thread
// that found it missing or stale (V8 checks it against the source, its own version and its flags, and rejects
// one that does not fit); a cache that cannot be read or written only costs the compile.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { threadId } from 'node:worker_threads';

// (In the bundles, import.meta.url names this module's place in tsc's output: see cli/build-bundles.ts.)
const bundle = fileURLToPath(new URL('../bundle/faaslet-worker.cjs', import.meta.url));
const cacheFile = `${bundle}.v8-cache`;

function readCache(): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

/** Written whole or not at all: threads starting together may all write it, and others read it meanwhile. */
function writeCache(data: Buffer): void {
  const partial = `${cacheFile}.${process.pid}-${threadId}`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, cacheFile);
  } catch {
    rmSync(partial, { force: true });
  }
}

const cached = readCache();
// The CommonJS wrapper on the source's first line keeps line numbers in stack traces right.
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`, {
  filename: pathToFileURL(bundle).href,
  cachedData: cached,
});
const loaded = { exports: {} as { default?: unknown } };
script.runInThisContext()(loaded.exports, createRequire(bundle), loaded, bundle, dirname(bundle));
// After running its top level, so the functions that compiled meanwhile are in the cache too.
if (!cached || script.cachedDataRejected) writeCache(script.createCachedData());

export default loaded.exports.default;
