// One `faasmpi host` per node of the Slurm allocation faasmpirun runs in, started as one job step (srun, one task
// per node, --overlap so it shares the allocation's CPUs with the step faasmpirun may itself run in). Like
// --local-hosts it makes a throwaway CA for the job, in a private temporary directory (0700) deleted once issued,
// with a certificate per node (its id is the Slurm node name, so a rank's MPI_Get_processor_name is the node it
// runs on) and one for the launcher's user. The hosts' keys reach them on the step's stdin (--input=all), never
// through a shared filesystem; each host keeps only its own (cluster/slurm-host.ts). The step's stdin also tells
// the hosts that we are alive: when it closes, however we ended, they stop and the step ends.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { slotsOf, SlurmError, type SlurmAllocation, type SlurmHostBundle } from './slurm.js';
import { caFiles, initCa, issueHost, issueUser } from './trust/certs.js';
import { credentialFilesIn, loadCredentials, type Credentials } from './trust/credentials.js';

/** The per-task entry point srun runs on every node (this module runs from dist/cluster). */
const HOST_ENTRY = fileURLToPath(new URL('./slurm-host.js', import.meta.url));
const READY = /^faasmpi host (\S+) ready \(cluster (\S+), host ([^,)]+)/;
/** How long the step may take to end after its stdin closed, before srun is told to cancel it. */
const STOP_GRACE_MS = 10_000;

export class SlurmHosts {
  readonly cluster: string;
  /** host:port of each node's host runtime, in the allocation's node order. */
  readonly addresses: string[] = [];
  /** What srun and the hosts wrote to stderr (shown when the hosts fail to start, or with -v). */
  readonly log: string[] = [];
  readonly credentials: Credentials;
  private readonly dir = mkdtempSync(join(tmpdir(), 'faasmpi-slurm-'));
  private step: ChildProcess | undefined;

  constructor(private readonly allocation: SlurmAllocation, user: string) {
    this.cluster = `slurm-${allocation.jobId}-${randomBytes(3).toString('hex')}`;
    try {
      initCa(this.dir, `faasmpi Slurm job ${allocation.jobId}`);
      this.credentials = loadCredentials(credentialFilesIn(issueUser(this.dir, user).dir), 'user');
    } catch (e) {
      rmSync(this.dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Starts the step and resolves once every node's host has joined; ranks may use `workDir` (shared by the nodes). */
  async start(np: number, workDir: string, timeoutMs: number): Promise<void> {
    const a = this.allocation;
    const nodeAddresses = addressesOf(a.nodes);
    const slots = slotsOf(a);
    const total = slots.reduce((s, n) => s + n, 0);
    // More ranks than CPUs: each node takes an even share on top (Faaslets are threads; they time-share).
    const extra = np > total ? Math.ceil((np - total) / a.nodes.length) : 0;
    const bundle: SlurmHostBundle = { cluster: this.cluster, workDir, runAs: userInfo().username, ca: readFileSync(caFiles(this.dir).cert, 'utf8'), hosts: {} };
    a.nodes.forEach((node, i) => {
      const issued = issueHost(this.dir, node, [nodeAddresses[i]]);
      bundle.hosts[node] = { bind: nodeAddresses[i], slots: slots[i] + extra, cores: a.cpus[i], cert: readFileSync(issued.cert, 'utf8'), key: readFileSync(issued.key, 'utf8') };
    });
    // Everything is issued and held in memory: the CA's key and ours leave the disk before anything can go wrong.
    rmSync(this.dir, { recursive: true, force: true });
    const n = String(a.nodes.length);
    const step = spawn('srun', ['--overlap', `--nodes=${n}`, `--ntasks=${n}`, '--ntasks-per-node=1', `--nodelist=${a.nodes.join(',')}`,
      `--cpus-per-task=${Math.min(...a.cpus)}`, '--cpu-bind=none', '--input=all', '--kill-on-bad-exit=1', '--job-name=faasmpi-hosts',
      process.execPath, HOST_ENTRY], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.step = step;
    step.stdin!.on('error', () => {}); // the step is gone already
    step.stdin!.write(`${JSON.stringify(bundle)}\n`); // then kept open: its end stops the hosts
    step.stderr!.setEncoding('utf8').on('data', (d: string) => this.log.push(...d.split('\n').filter(Boolean)));
    const ready = new Map<string, string>();
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        this.stopNow();
        reject(new SlurmError(`${why}${this.log.length ? `:\n${this.log.slice(-20).join('\n')}` : ''}`));
      };
      const timer = setTimeout(() => {
        const missing = a.nodes.filter((node) => !ready.has(node));
        fail(`the hosts on node(s) ${missing.join(', ')} did not start within ${timeoutMs / 1000} s (--wait-timeout S sets the limit)`);
      }, timeoutMs);
      let out = '';
      step.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        let nl: number;
        while ((nl = out.indexOf('\n')) >= 0) {
          const line = out.slice(0, nl);
          out = out.slice(nl + 1);
          const m = READY.exec(line);
          if (!m || m[2] !== this.cluster || !(m[3] in bundle.hosts) || ready.has(m[3])) continue;
          ready.set(m[3], m[1]);
          if (ready.size === a.nodes.length) {
            clearTimeout(timer);
            step.removeAllListeners('exit');
            resolve();
          }
        }
      });
      step.once('exit', (code, signal) => fail(`the host step (srun) ended while the hosts were starting (${signal ?? `status ${code}`})`));
      step.once('error', (e) => fail(`cannot run srun: ${e.message}`));
    });
    this.addresses.push(...a.nodes.map((node) => ready.get(node)!));
  }

  /** Ends the step without waiting (we are being ended by a signal) and deletes the credentials. */
  stopNow(): void {
    const step = this.step;
    if (step && step.exitCode === null && step.signalCode === null) {
      step.stdin!.end();
      step.kill('SIGTERM');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Ends the step: its stdin closes, so each host stops; srun cancels it if that takes too long. */
  async stop(): Promise<void> {
    const step = this.step;
    if (step && step.exitCode === null && step.signalCode === null) {
      await new Promise<void>((resolve) => {
        const cancel = setTimeout(() => step.kill('SIGTERM'), STOP_GRACE_MS);
        const kill = setTimeout(() => step.kill('SIGKILL'), 2 * STOP_GRACE_MS);
        step.once('exit', () => { clearTimeout(cancel); clearTimeout(kill); resolve(); });
        step.stdin!.end();
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Each node's address (NodeAddr) as the controller knows it: where its host listens and is reached. */
function addressesOf(nodes: string[]): string[] {
  const r = spawnSync('scontrol', ['show', 'node', '--oneliner', nodes.join(',')], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw new SlurmError(`cannot run scontrol (is Slurm installed here?): ${r.error.message}`);
  if (r.status !== 0) throw new SlurmError(`scontrol show node failed: ${r.stderr.trim().split('\n')[0]}`);
  const found = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const name = /(?:^|\s)NodeName=(\S+)/.exec(line)?.[1], addr = /(?:^|\s)NodeAddr=(\S+)/.exec(line)?.[1];
    if (name && addr) found.set(name, addr);
  }
  return nodes.map((node) => {
    const addr = found.get(node);
    if (!addr) throw new SlurmError(`scontrol does not know the address of node ${node}`);
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(addr)) throw new SlurmError(`node ${node}: address '${addr}' is not a host name or IPv4 address`);
    return addr;
  });
}
