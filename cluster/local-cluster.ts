// K host runtimes on this machine, as separate `faasmpi host` processes on loopback: faasmpirun --local-hosts K,
// for trying and testing multi-host runs on one machine. It makes a throwaway cluster CA with a certificate for
// each host and one for the launcher's user, in a private temporary directory (0700) deleted at the end. The
// hosts run as the launching account (they are its own processes), each with its data directory there, and
// admit the job's working directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initCa, issueHost, issueUser } from './trust/certs.js';
import { credentialFilesIn, loadCredentials, type Credentials } from './trust/credentials.js';

// The command's script beside the sources (this module runs from dist/cluster).
const FAASMPI = fileURLToPath(new URL('../../cli/bin/faasmpi', import.meta.url));
/** Makes a host end when its launcher's end of the host's stdin closes (the launcher ended, however). */
const PARENT_WATCH = new URL('../host/parent-watch.js', import.meta.url).href;
const START_MS = 30_000;

export interface LocalHostProcess {
  id: string;
  address: string;
  child: ChildProcess;
}

export class LocalCluster {
  readonly cluster = `local-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly hosts: LocalHostProcess[] = [];
  /** What the hosts wrote to stderr (shown when one fails to start or with -v). */
  readonly log: string[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'faasmpi-local-cluster-'));
  /** Every host process started, ready or still starting. */
  private readonly children: ChildProcess[] = [];
  private k = 1;

  /** The launcher's credentials: a user certificate of this cluster's CA. */
  readonly credentials: Credentials;

  constructor(user: string) {
    initCa(this.dir, `faasmpi local cluster ${this.cluster}`);
    this.credentials = loadCredentials(credentialFilesIn(issueUser(this.dir, user).dir), 'user');
  }

  /** Starts k hosts with `slots` slots each (default: this machine's cores), admitting workDir. */
  async start(k: number, slots = availableParallelism(), workDir?: string): Promise<void> {
    this.k = k;
    await Promise.all(Array.from({ length: k }, (_, i) => this.startOne(`${this.cluster}-h${i}`, slots, workDir)));
    this.hosts.sort((a, b) => a.id.localeCompare(b.id));
  }

  private startOne(id: string, slots: number, workDir: string | undefined): Promise<void> {
    const tls = issueHost(this.dir, id, ['127.0.0.1']).dir;
    const data = join(this.dir, 'data', id);
    mkdirSync(data, { recursive: true, mode: 0o700 });
    // The hosts share this machine's cores.
    const cores = String(Math.max(0, Math.floor(availableParallelism() / this.k) - 1));
    const child = spawn(process.execPath, ['--import', PARENT_WATCH, FAASMPI, 'host', '--port', '0', '--cluster', this.cluster, '--tls-dir', tls, '--data-dir', data,
      '--run-as', userInfo().username, ...(workDir ? ['--allow-wdir', workDir] : []), '--slots', String(slots), '--cores', cores], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin!.on('error', () => {}); // the host is gone already
    this.children.push(child);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.log.push(...d.split('\n').filter(Boolean)));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(`host ${id} did not start within ${START_MS / 1000} s`), START_MS);
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`${why}${this.log.length ? `:\n${this.log.join('\n')}` : ''}`));
      };
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /faasmpi host (\S+) ready/.exec(out);
        if (m) {
          clearTimeout(timer);
          this.hosts.push({ id, address: m[1], child });
          resolve();
        }
      });
      child.once('exit', (code, signal) => fail(`host ${id} exited while starting (${signal ?? `status ${code}`})`));
      child.once('error', (e) => fail(`cannot start host ${id}: ${e.message}`));
    });
  }

  get addresses(): string[] {
    return this.hosts.map((h) => h.address);
  }

  /** Asks every host to stop now, without waiting (the launcher is being ended by a signal), and deletes the certificates. */
  stopNow(): void {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops every host (SIGTERM, then SIGKILL after a grace period) and deletes the certificates. */
  async stop(): Promise<void> {
    await Promise.all(this.hosts.map(({ child }) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => { clearTimeout(kill); resolve(); });
      child.kill('SIGTERM');
    })));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
