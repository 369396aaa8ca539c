// Which build a command runs: the bundle in dist/bundle (one file to load; made by `npm run build`), unless it is
// missing or older than tsc's last build of dist/ (a tsc-only rebuild), when tsc's output is the up-to-date one.
import { statSync } from 'node:fs';

const dist = new URL('../../dist/', import.meta.url);

function modified(path) {
  try {
    return statSync(new URL(path, dist)).mtimeMs;
  } catch {
    return -1;
  }
}

/** The module exporting `main` for a command whose source is cli/<name>.ts. */
export function commandModule(name) {
  const bundle = `bundle/${name}.js`;
  return new URL(modified(bundle) >= modified('.tsbuildinfo') ? bundle : `cli/${name}.js`, dist).href;
}
