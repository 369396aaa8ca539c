// `faasmpi host` processes for tests: started on free loopback ports, each reporting its address and stderr, with
// credentials made by our own `faasmpi certs` commands.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadCredentials, credentialFilesIn, type Credentials } from '../cluster/trust/credentials.js';
import { faasmpirun, repoRoot, tempDir, type Run } from './helpers.js';

export const faasmpi = join(repoRoot, 'cli/bin/faasmpi');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TestHost {
  id: string;
  child: ChildProcess;
  address: string;
  stderr: () => string;
  dataDir: string;
}

/** A cluster CA in a temp directory, issuing with `faasmpi certs`. */
export class TestCA {
  readonly dir = tempDir('faasmpi-ca-');
  constructor() {
    certs(['init', '--dir', this.dir]);
  }
  /** A host's credentials directory (made once per id). */
  host(id: string): string {
    const dir = join(this.dir, 'hosts', id);
    certs(['host', '--dir', this.dir, '--id', id, '--addr', '127.0.0.1']);
    return dir;
  }
  user(name: string): string {
    certs(['user', '--dir', this.dir, '--name', name]);
    return join(this.dir, 'users', name);
  }
  hostCredentials(id: string): Credentials {
    return loadCredentials(credentialFilesIn(this.host(id)), 'host');
  }
  userCredentials(name: string): Credentials {
    return loadCredentials(credentialFilesIn(this.user(name)), 'user');
  }
}

function certs(args: string[]): void {
  const r = spawnSync(faasmpi, ['certs', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `faasmpi certs ${args.join(' ')}: ${r.stderr}`);
}

export interface HostOptions {
  id: string;
  cluster: string;
  ca: TestCA;
  /** Default: a fresh temporary directory. */
  dataDir?: string;
  redis?: string;
  /** Default: any free port. */
  port?: number;
  extra?: string[];
}

export function startHost(o: HostOptions): Promise<TestHost> {
  const dataDir = o.dataDir ?? tempDir('faasmpi-host-data-');
  mkdirSync(dataDir, { recursive: true });
  const args = ['host', '--cluster', o.cluster, '--port', String(o.port ?? 0), '--tls-dir', o.ca.host(o.id), '--data-dir', dataDir,
    ...(o.redis ? ['--redis', o.redis] : []), ...(o.extra ?? [])];
  const child = spawn(faasmpi, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /faasmpi host (\S+) ready/.exec(out);
      if (m) resolve({ id: o.id, child, address: m[1], stderr: () => err, dataDir });
    });
    child.once('exit', (code) => reject(new Error(`host ${o.id} exited with ${code}: ${err}`)));
  });
}

export function listHosts(redis: string, cluster: string): string[] {
  const r = spawnSync(faasmpi, ['hosts', '--redis', redis, '--cluster', cluster], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split(' ')[0]);
}

export async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(50)) if (check()) return;
  assert.fail(`timed out waiting until ${what}`);
}

/** Starts faasmpirun without waiting for it. */
export function launch(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const t0 = performance.now();
  const child = spawn(faasmpirun, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => child.once('exit', (status) => resolve({ status, stdout, stderr, ms: performance.now() - t0 })));
}
