// A real Slurm cluster for tests: one slurmctld and two slurmd (nodes n1 and n2) on loopback, each on its own free
// port, every file under one temporary directory, auth/none (only for a private cluster on one machine).
// Stopped after, also when a test fails: the daemons run in the foreground (-D) as our children.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, tempDir } from './helpers.js';

export interface SlurmCluster {
  dir: string;
  /** Our environment plus SLURM_CONF: give it to every Slurm command (and to what runs inside allocations). */
  env: NodeJS.ProcessEnv;
  /** The daemons' logs (for failure messages). */
  logs(): string;
  stop(): Promise<void>;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSlurm(): Promise<SlurmCluster> {
  const dir = tempDir('faasmpi-slurm-cluster-');
  for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d));
  const [ctld, slurmdDefault, p1, p2] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(conf, `ClusterName=faasmpitest
SlurmctldHost=localhost
SlurmctldPort=${ctld}
SlurmdPort=${slurmdDefault}
AuthType=auth/none
CredType=cred/none
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool/%n
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd-%n.pid
SlurmctldLogFile=${dir}/log/ctld.log
SlurmdLogFile=${dir}/log/d-%n.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=root
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
KillWait=30
NodeName=n1 NodeHostname=localhost NodeAddr=127.0.0.1 Port=${p1} CPUs=2 State=UNKNOWN
NodeName=n2 NodeHostname=localhost NodeAddr=127.0.0.1 Port=${p2} CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=n[1-2] Default=YES MaxTime=INFINITE State=UP
`);
  const env = { ...process.env, SLURM_CONF: conf };
  const daemons: ChildProcess[] = [];
  // Should the test process end without running its after() hooks, the daemons go with it.
  const killAll = () => { for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGKILL'); };
  process.once('exit', killAll);
  const daemon = (child: ChildProcess) => {
    child.on('error', () => {}); // reported below, as a cluster that does not come up
    daemons.push(child);
  };
  const logs = () => readdirSync(join(dir, 'log')).map((f) => `--- ${f}\n${readFileSync(join(dir, 'log', f), 'utf8').split('\n').slice(-15).join('\n')}`).join('\n');
  const stop = async () => {
    for (const d of daemons) if (d.exitCode === null && d.signalCode === null) d.kill('SIGTERM');
    const ended = daemons.map((d) => new Promise<void>((resolve) => {
      if (d.exitCode !== null || d.signalCode !== null) return resolve();
      const kill = setTimeout(() => d.kill('SIGKILL'), 5000);
      d.once('exit', () => { clearTimeout(kill); resolve(); });
    }));
    await Promise.all(ended);
    process.off('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
  };
  daemon(spawn('slurmctld', ['-D', '-f', conf], { env, stdio: 'ignore' }));
  daemon(spawn('slurmd', ['-D', '-f', conf, '-N', 'n1'], { env, stdio: 'ignore' }));
  daemon(spawn('slurmd', ['-D', '-f', conf, '-N', 'n2'], { env, stdio: 'ignore' }));
  const cluster = { dir, env, logs, stop };
  for (let i = 0; i < 100; i++) {
    const states = slurmRun('sinfo', ['-h', '-N', '-o', '%N %t'], cluster).trim().split('\n').filter(Boolean);
    if (states.length === 2 && states.every((l) => / idle$/.test(l))) return cluster;
    if (daemons.some((d) => d.exitCode !== null)) break;
    await sleep(200);
  }
  const why = logs();
  await stop();
  throw new Error(`the test's Slurm cluster did not come up:\n${why}`);
}

/** Runs a Slurm client command (sinfo, squeue, scancel) against the cluster and returns its stdout. */
export function slurmRun(cmd: string, args: string[], cluster: Pick<SlurmCluster, 'env'>): string {
  const r = spawnSync(cmd, args, { env: cluster.env, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw new Error(`cannot run ${cmd} (run setup.sh: it installs slurm-wlm): ${r.error.message}`);
  return r.stdout ?? '';
}
