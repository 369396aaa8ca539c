// faasmpirun: run N ranks of a wasm program on this machine's host runtime, like mpirun.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { availableParallelism, constants as osConstants, userInfo } from 'node:os';
// Cluster modules (Redis, WebSocket, protobuf clients) are imported only by runClustered: a single-host run
// never loads them, which is most of a launch's start-up otherwise. The host runtime (with the whole MPI and
// OpenMP implementation) is imported once the worker pool is started, so the workers boot while it loads.
import type { ClusterTarget } from '../cluster/launcher.js';
import type { ClusterState } from '../cluster/state/types.js';
import type { Credentials } from '../cluster/trust/credentials.js';
import { slurmAllocation, type SlurmAllocation } from '../cluster/slurm.js';
import { FaasletPool } from '../host/faaslet-pool.js';
import { describeEnd, type JobResult, type JobSpec } from '../host/job.js';
import { parseRunArgs, rankEnvironment, UsageError, USAGE, version, type RunOptions } from './args.js';
import { slotLimit } from './host-spec.js';
import { openRankOutput, rankStdin, type RankOutput } from './rank-io.js';

function fail(message: string, code: number): number {
  process.stderr.write(`faasmpirun: ${message}\n`);
  return code;
}

export interface MainOptions {
  /**
   * The caller exits the process as soon as main returns (cli/bin/faasmpirun): the workers then end with it,
   * which is quicker than shutting the pool down in order (tens of ms at 8 ranks).
   */
  exitsNext?: boolean;
}

export async function main(argv: string[], { exitsNext = false }: MainOptions = {}): Promise<number> {
  let options;
  try {
    options = parseRunArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) process.stderr.write(`faasmpirun: ${e.message}\n`);
      process.stderr.write(`${USAGE}\n`);
      return e.message ? 2 : 0;
    }
    throw e;
  }
  if (options.showVersion) {
    process.stdout.write(`faasmpirun (faasmpi) ${version()}\n`);
    return 0;
  }
  const c0 = options.cluster;
  if (c0.preload.length > 0 && c0.localHosts === 0 && c0.hosts.length === 0 && c0.redis === undefined) {
    options.notes.push('--preload does nothing on one host: the job reads the files where they are');
  }
  for (const note of options.notes) process.stderr.write(`faasmpirun: ${note}\n`);
  try {
    if (!statSync(options.workDir).isDirectory()) return fail(`--wdir ${options.workDir} is not a directory`, 2);
  } catch {
    return fail(`--wdir ${options.workDir}: no such directory`, 2);
  }
  let output: RankOutput;
  try {
    output = openRankOutput(options.np, options.outputDir, options.mergeStderr);
  } catch (e) {
    return fail((e as Error).message, 2);
  }
  const c = options.cluster;
  let onCluster = c.localHosts > 0 || c.hosts.length > 0 || c.redis !== undefined;
  // ---- Slurm: inside an allocation, with no hosts named, the job runs on the allocation's nodes.
  let slurm: SlurmAllocation | undefined;
  try {
    slurm = onCluster ? undefined : slurmAllocation();
  } catch (e) {
    output.close();
    return fail((e as Error).message, 2);
  }
  onCluster ||= slurm !== undefined;
  // ---- end of Slurm
  // On hosts, our stdin streams to the hosts of the ranks that read it (runClustered); here ranks read it.
  const stdin = rankStdin(options.np, onCluster ? 'none' : options.stdin);
  const spec: JobSpec = {
    program: resolve(options.program),
    argv0: options.program,
    args: options.programArgs,
    np: options.np,
    env: rankEnvironment(options.exports),
    sandboxRoot: options.workDir,
    tagOutput: options.tagOutput,
    useSnapshots: options.useSnapshots,
    stdin: stdin.sources,
    outputFds: output.fds,
    timeoutMs: options.timeoutMs,
    apps: options.apps?.map((a) => ({ program: resolve(a.program), argv0: a.program, args: a.programArgs, np: a.np })),
    deadlockTimeoutMs: options.deadlockTimeoutMs,
    initTimeoutMs: options.initTimeoutMs,
    maxMemoryBytes: options.maxMemoryBytes,
    migration: migrationOf(options),
  };
  // A worker per rank up to one per core, started now, while nothing else needs the other cores; more would
  // only take CPU from this thread's way to the job's first task (their ranks start them when queued).
  const pool = onCluster ? undefined : new FaasletPool({ warm: Math.min(spec.np, availableParallelism()) });
  const [{ LocalHost }, { ModuleLoadError }, { PrepareTimeout }] = await Promise.all([
    import('../host/local-host.js'), import('../faaslet/module-loader.js'), import('../host/snapshot-cache.js'),
  ]);
  const host = pool && new LocalHost({ pool });
  try {
    if (host && options.displayMap) process.stderr.write(`faasmpirun: map: ${spec.np === 1 ? 'rank 0' : `ranks 0-${spec.np - 1}`} on this host (${host.hostId})\n`);
    const result = host ? await host.runJob(spec) : await runClustered(spec, options, output, slurm);
    if (options.verbose) process.stderr.write(`faasmpirun: ${result.snapshot.note}\n`);
    if (options.verbose && result.migrationNote) process.stderr.write(`faasmpirun: ${result.migrationNote}\n`);
    if (result.hostFailure) process.stderr.write(`faasmpirun: ${result.hostFailure.message}\n`);
    else if (result.culprit !== undefined) {
      const end = result.ranks[result.culprit];
      const stopped = result.ranks.filter((r) => r.kind === 'stopped').length;
      // A plain non-zero exit of a single rank needs no banner; anything else is explained.
      if (end.kind !== 'exit' || stopped > 0) {
        process.stderr.write(`faasmpirun: ${describeEnd(result.culprit, end)}\n`);
        if (stopped > 0) process.stderr.write(`faasmpirun: the job was ended; ${stopped} other rank(s) were stopped\n`);
      }
    }
    if (result.memoryNote) process.stderr.write(`faasmpirun: ${result.memoryNote}\n`);
    return result.exitCode;
  } catch (e) {
    if (e instanceof ModuleLoadError) return fail(e.message, 1);
    if (e instanceof PrepareTimeout) return fail(`${e.message} (--init-timeout S sets the limit)`, 1);
    // Known by name, so that this path needs no cluster module loaded.
    if ((e as Error).name === 'PreloadError') return fail((e as Error).message, 2);
    if ((e as Error).name === 'QueueWithdrawn') return fail(`${(e as Error).message}: it never started`, 130);
    return fail((e as Error).message, 1);
  } finally {
    if (exitsNext) await host?.pool.settled();
    else await host?.close();
    output.close();
    stdin.close();
  }
}

/** Runs the job on host runtimes: ones started here (--local-hosts, or srun in a Slurm allocation), listed (--hosts), or registered in Redis. */
async function runClustered(spec: JobSpec, options: RunOptions, output: RankOutput, slurm: SlurmAllocation | undefined): Promise<JobResult> {
  const [{ runOnCluster }, { LocalCluster }, { SlurmHosts }, { waitForHosts }, { readPreload }, { embeddedState, redisState }, { checkName }] = await Promise.all([
    import('../cluster/launcher.js'), import('../cluster/local-cluster.js'), import('../cluster/slurm-hosts.js'), import('../cluster/wait-hosts.js'),
    import('../cluster/preload.js'), import('../cluster/state/cluster-state.js'), import('../cluster/state/types.js'),
  ]);
  const c = options.cluster;
  const local = c.localHosts > 0 ? new LocalCluster(checkName('user', c.user ?? loginName()))
    : slurm ? new SlurmHosts(slurm, checkName('user', c.user ?? loginName())) : undefined;
  // Interrupted while the job waits in the queue, we take it out of the line and say so; once it runs, we end
  // at once (its hosts end its parts when our links close), taking the hosts we started with us (they also
  // watch us, for when we are killed outright).
  const waiting = new AbortController();
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!started && !local) return waiting.abort();
    local?.stopNow();
    process.exit(128 + (osConstants.signals[signal] ?? 15));
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.once(s, onSignal);
  let state: ClusterState | undefined;
  let queueState: ClusterState | undefined;
  try {
    let target: ClusterTarget;
    if (local instanceof SlurmHosts) {
      // The nodes share the job's working directory (a shared filesystem, as Slurm sites have).
      await local.start(spec.np, spec.sandboxRoot, c.waitTimeoutMs ?? 60_000);
      if (options.verbose) process.stderr.write(`faasmpirun: Slurm job ${slurm!.jobId}: hosts ${local.addresses.join(' ')}\n`);
      target = { credentials: local.credentials, addresses: local.addresses, policy: c.policy ?? 'pack', hosts: c.nhosts };
    } else if (local) {
      // Enough slots that -np N always fits, spread evenly unless asked otherwise. The hosts admit the job's
      // working directory: they are this account's own processes.
      // A job that may move between them (--pack-at-barrier) needs room for all its ranks on one host.
      const slots = Math.max(availableParallelism(), Math.ceil(spec.np / c.localHosts), spec.migration && !spec.migration.onRequest ? spec.np : 0);
      await local.start(c.localHosts, slots, spec.sandboxRoot);
      target = {
        credentials: local.credentials, addresses: local.addresses, policy: c.policy ?? 'spread', hosts: c.nhosts,
        slotLimits: local.addresses.map(() => c.perNode),
      };
    } else {
      const credentials = await launcherCredentials(c);
      const user = credentials.identity.name;
      if (c.user !== undefined && c.user !== user) throw new Error(`--user ${c.user}: your certificate is user ${user}'s; a job runs for the user its certificate names`);
      // The hosts place the job: in the user's directory there unless --wdir asks for one they admit.
      if (!options.workDirGiven) spec.sandboxRoot = '';
      const cluster = checkName('cluster', c.name);
      state = c.redis ? await redisState(c.redis, cluster) : undefined;
      const live = () => c.waitHosts !== undefined ? waitForHosts(state!, c.waitHosts, c.waitTimeoutMs ?? 60_000, `cluster ${cluster} at ${c.redis}`) : state!.liveHosts();
      const named = c.hosts.length > 0 ? c.hosts : (await live()).map((h) => ({ address: h.address }));
      if (named.length === 0) throw new Error(`no live hosts are registered in cluster ${cluster} at ${c.redis}`);
      target = {
        credentials, addresses: named.map((h) => h.address), slotLimits: named.map((h) => slotLimit(h, c.perNode)),
        policy: c.policy ?? 'pack', hosts: c.nhosts, tenant: state?.forUser(user),
      };
    }
    target.outputFd = output.route;
    // Hosts started here share this machine's files (and run in this directory): nothing to send.
    if (c.preload.length > 0 && local) process.stderr.write('faasmpirun: --preload does nothing here: the hosts started for this job share its files\n');
    else if (c.preload.length > 0) target.preload = readPreload(c.preload);
    target.onStart = () => { started = true; };
    if (options.stdin !== 'none') target.stdin = { input: process.stdin, readers: options.stdin };
    if (!local && !c.noQueue) {
      // Launchers sharing a Redis share the queue; without one, this launcher just waits its turn.
      target.queue = {
        state: state ?? (queueState = embeddedState(checkName('cluster', c.name))), tenant: target.tenant, signal: waiting.signal,
        tell: (line) => process.stderr.write(`faasmpirun: ${line} (Ctrl-C withdraws it; --no-queue fails at once instead)\n`),
      };
    }
    target.displayMap = options.displayMap ? (line) => process.stderr.write(`faasmpirun: ${line}\n`) : undefined;
    if (c.ompSpread) target.ompSpread = { verbose: options.verbose };
    const result = await runOnCluster(spec, target);
    if (options.verbose) process.stderr.write(`faasmpirun: ranks on hosts ${result.hostTable.join(' ')}\n`);
    return result;
  } finally {
    for (const s of signals) process.off(s, onSignal);
    await local?.stop();
    await state?.close();
    await queueState?.close();
  }
}

/** The user certificate the launcher proves itself with: --cert/--key/--ca, --credentials or FAASMPI_CREDENTIALS. */
async function launcherCredentials(c: RunOptions['cluster']): Promise<Credentials> {
  const { credentialFilesIn, loadCredentials } = await import('../cluster/trust/credentials.js');
  if (c.cert || c.key || c.ca) {
    if (!c.cert || !c.key || !c.ca) throw new Error('--cert, --key and --ca go together');
    return loadCredentials({ cert: c.cert, key: c.key, ca: c.ca }, 'user');
  }
  const dir = c.credentials ?? process.env.FAASMPI_CREDENTIALS;
  if (!dir) throw new Error('running on hosts needs your user certificate: --credentials DIR (from \'faasmpi certs user\') or FAASMPI_CREDENTIALS');
  return loadCredentials(credentialFilesIn(dir), 'user');
}

/** Every how many all-rank barriers a job on several hosts checks for an operator's move request (faasmpi migrate). */
const REQUEST_CHECK_EVERY = Number(process.env.FAASMPI_MIGRATE_CHECK_EVERY) > 0 ? Number(process.env.FAASMPI_MIGRATE_CHECK_EVERY) : 16;

/** --pack-at-barrier K: move at K; otherwise a job may be moved on request unless it opts out (--no-migrate). */
function migrationOf(o: { packAtBarrier?: number; noMigrate?: boolean; verbose: boolean }): JobSpec['migration'] {
  if (o.packAtBarrier !== undefined) return { fromBarrier: o.packAtBarrier, every: 1, verbose: o.verbose };
  if (o.noMigrate) return undefined;
  return { fromBarrier: REQUEST_CHECK_EVERY, every: REQUEST_CHECK_EVERY, onRequest: true, verbose: o.verbose };
}

function loginName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'user';
  }
}
