// Bundles the commands and the Faaslet worker into dist/bundle (run by `npm run build`, after tsc): a launch then
// loads a few files per thread instead of ~170 small modules, which was most of a job's start-up (issue 15).
// tsc's dist/ tree stays as it is, for tests that import modules directly and as the commands' fallback.
// npm packages stay external (loaded from node_modules as usual); the cluster modules, imported dynamically,
// become chunks of their own that a single-host run never loads.
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = join(root, 'dist');
export const bundleDir = join(dist, 'bundle');

/**
 * Every bundled file keeps meaning by `import.meta.url` the place of its own tsc output (dist/<dir>/<name>.js), so
 * paths made relative to it (the wire protocol's .proto file, the faasmpi command, the parent watch) resolve
 * the same from a bundle as from dist/. Bundles and chunks all sit in one directory, which makes this a fixed
 * relative URL per source file.
 */
function tscLocationOfImportMeta(outDir: string, base: string): Plugin {
  return {
    name: 'tsc-location-of-import-meta',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const tscOutput = join(dist, relative(root, args.path)).replace(/\.ts$/, '.js');
        const fromBundle = relative(outDir, tscOutput).split('\\').join('/');
        const url = `new URL(${JSON.stringify(fromBundle)}, ${base}).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Node reads the maps only with --enable-source-maps (then stack traces name our .ts files); reading them
  // costs every thread ~14 ms, so they are not on by default.
  sourcemap: 'linked',
  logLevel: 'warning',
} as const;

/** Builds the bundles into a fresh directory, then swaps it in whole (a command running now keeps a whole set). */
export async function buildBundles(): Promise<void> {
  const staging = `${bundleDir}.new-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  // The commands: ES modules, the cluster's code in chunks of its own.
  await build({
    ...common,
    entryPoints: { faasmpirun: 'cli/faasmpirun.ts', faasmpi: 'cli/faasmpi.ts' },
    outdir: staging,
    splitting: true,
    format: 'esm',
    define: { FAASMPI_BUNDLED: 'true' },
    plugins: [tscLocationOfImportMeta(bundleDir, 'import.meta.url')],
  });
  // The pool worker: one CommonJS script, which (unlike an ES module in Node 20) can be compiled from V8's code
  // cache (faaslet/worker-code-cache.ts), and the small entry that does so.
  await build({
    ...common,
    entryPoints: { 'faaslet-worker': 'faaslet/faaslet-worker.ts', 'faaslet-worker-entry': 'faaslet/worker-code-cache.ts' },
    outdir: staging,
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    define: { FAASMPI_BUNDLED: 'true' },
    // ES modules are strict: the bundles stay so ("use strict" must come first).
    banner: { js: '"use strict";\nconst FAASMPI_BUNDLE_URL = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [tscLocationOfImportMeta(bundleDir, 'FAASMPI_BUNDLE_URL')],
  });
  const old = `${bundleDir}.old-${process.pid}`;
  try {
    renameSync(bundleDir, old);
  } catch {
    // first build
  }
  renameSync(staging, bundleDir);
  rmSync(old, { recursive: true, force: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  await buildBundles();
  console.log(`faasmpi: bundled the commands and the Faaslet worker into ${pathToFileURL(bundleDir).pathname} (${Math.round(performance.now() - t0)} ms)`);
}
