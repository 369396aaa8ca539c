// Runs in each task of the host step faasmpirun starts inside a Slurm allocation (cluster/slurm-hosts.ts): reads
// the job's bundle from stdin (one JSON line), keeps only this node's certificate and key, in a private
// temporary directory (0700; the key is removed once read, the rest when the host ends), and runs `faasmpi host`
// with them. When stdin closes
// (the launcher ended, however), the host stops as on SIGTERM, and for certain shortly after.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/faasmpi.js';
import type { SlurmHostBundle } from './slurm.js';

const MAX_BUNDLE = 64 * 1024 * 1024;
const GRACE_MS = 5000;

function die(message: string): never {
  process.stderr.write(`faasmpi host (Slurm node ${process.env.SLURMD_NODENAME ?? '?'}): ${message}\n`);
  process.exit(1);
}

/** The first line of stdin; afterwards stdin only tells us when the launcher has gone. */
function firstLine(): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    let done = false;
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => {
      if (done) return;
      text += d;
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        done = true;
        resolve(text.slice(0, nl));
      } else if (text.length > MAX_BUNDLE) die('the launcher\'s bundle is too large');
    });
    const gone = () => {
      if (!done) die('the launcher ended before it sent the job\'s credentials');
      process.kill(process.pid, 'SIGTERM');
    };
    process.stdin.on('end', gone);
    process.stdin.on('error', gone);
  });
}

function parse(line: string, node: string): { bundle: SlurmHostBundle; own: SlurmHostBundle['hosts'][string] } {
  let bundle: SlurmHostBundle;
  try {
    bundle = JSON.parse(line) as SlurmHostBundle;
  } catch {
    die('the launcher\'s bundle is not JSON');
  }
  const text = (v: unknown) => typeof v === 'string' && v.length > 0;
  if (!bundle || !text(bundle.cluster) || !text(bundle.workDir) || !text(bundle.runAs) || !text(bundle.ca) || typeof bundle.hosts !== 'object' || bundle.hosts === null) {
    die('the launcher\'s bundle is malformed');
  }
  const own = Object.hasOwn(bundle.hosts, node) ? bundle.hosts[node] : undefined;
  if (!own) die(`the launcher's bundle has no credentials for node ${node}`);
  const count = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (!text(own.bind) || !text(own.cert) || !text(own.key) || !count(own.slots) || !count(own.cores)) die(`the launcher's bundle for node ${node} is malformed`);
  return { bundle, own };
}

const node = process.env.SLURMD_NODENAME;
if (!node) die('SLURMD_NODENAME is not set: this runs only as a task of the host step that faasmpirun starts with srun');
const { bundle, own } = parse(await firstLine(), node);
const dir = mkdtempSync(join(tmpdir(), 'faasmpi-slurm-host-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
// Slurm's SIGTERM (scancel, a time limit) and our stdin's end often come together: the first stops the host,
// a second must not kill it before it has removed its key, and a host that does not stop in time exits anyway.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => setTimeout(() => process.exit(1), GRACE_MS).unref());
}
const tls = join(dir, 'tls'), data = join(dir, 'data');
mkdirSync(tls, { mode: 0o700 });
mkdirSync(data, { mode: 0o700 });
writeFileSync(join(tls, 'ca.pem'), bundle.ca);
writeFileSync(join(tls, 'cert.pem'), own.cert);
writeFileSync(join(tls, 'key.pem'), own.key, { mode: 0o600 });
// Several nodes may share a machine (as in tests): never claim more cores than it has.
const cores = Math.min(own.cores, availableParallelism());
const host = main(['host', '--port', '0', '--bind', own.bind, '--cluster', bundle.cluster, '--tls-dir', tls, '--data-dir', data,
  '--run-as', bundle.runAs, '--allow-wdir', bundle.workDir, '--slots', String(own.slots), '--cores', String(cores), '--id', node]);
// `faasmpi host` has read its credentials before its first wait: the key leaves the disk now, so not even a
// SIGKILL (scancel of the step) leaves it behind. (Were they read later, the host would fail to start, loudly.)
rmSync(tls, { recursive: true, force: true });
process.exit(await host);
