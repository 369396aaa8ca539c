// `faasmpi host` processes for tests: started on free loopback ports, each reporting its address and stderr.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './helpers.js';

export const faasmpi = join(repoRoot, 'cli/bin/faasmpi');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TestHost {
  id: string;
  child: ChildProcess;
  address: string;
  stderr: () => string;
}

export interface HostOptions {
  id: string;
  cluster: string;
  secret: string;
  redis?: string;
  /** Default: any free port. */
  port?: number;
  extra?: string[];
}

export function startHost(o: HostOptions): Promise<TestHost> {
  const args = ['host', '--cluster', o.cluster, '--port', String(o.port ?? 0), '--id', o.id, ...(o.redis ? ['--redis', o.redis] : []), ...(o.extra ?? [])];
  const child = spawn(faasmpi, args, { env: { ...process.env, FAASMPI_CLUSTER_SECRET: o.secret }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /faasmpi host (\S+) ready/.exec(out);
      if (m) resolve({ id: o.id, child, address: m[1], stderr: () => err });
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
