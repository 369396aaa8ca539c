// faasmpi: cluster commands. `faasmpi host` runs this machine's host runtime in a cluster; `faasmpi hosts`
// lists the live hosts of a cluster.
import { availableParallelism, hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { HostRuntime } from '../cluster/host-runtime.js';
import { embeddedState, redisState } from '../cluster/state/cluster-state.js';
import { StateError, checkName } from '../cluster/state/types.js';

export const USAGE = `usage:
  faasmpi host  [--redis URL] [--cluster NAME] [--port P] [--bind ADDR] [--advertise HOST:PORT] [--slots N] [--id ID]
                [--cores N] [--heartbeat-ms MS] [--ttl-ms MS]
      run this machine's host runtime; the cluster secret comes from FAASMPI_CLUSTER_SECRET
  faasmpi hosts [--redis URL] [--cluster NAME]
      list the live hosts of a cluster and their slots

  --redis URL      the cluster's shared state (redis://host:port); without it the state is this process's own
  --cluster NAME   the cluster's name: its keys in Redis are faasmpi:NAME:... (default: default)
  --slots N        ranks this host runs at once (default: its cores)
  --cores N        cores its Faaslets may use (default: all; less when hosts share a machine)`;

class UsageError extends Error {}

function int(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} ${v}: expected a non-negative integer`);
  return n;
}

async function openState(redis: string | undefined, cluster: string) {
  return redis ? redisState(redis, cluster) : embeddedState(cluster);
}

async function host(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      redis: { type: 'string' }, cluster: { type: 'string' }, port: { type: 'string' }, bind: { type: 'string' },
      advertise: { type: 'string' }, slots: { type: 'string' }, id: { type: 'string' },
      'heartbeat-ms': { type: 'string' }, 'ttl-ms': { type: 'string' }, cores: { type: 'string' },
    },
  });
  const secret = process.env.FAASMPI_CLUSTER_SECRET;
  if (!secret) throw new UsageError('set FAASMPI_CLUSTER_SECRET: hosts of a cluster prove it to each other');
  const cluster = checkName('cluster', values.cluster ?? 'default');
  const port = int('port', values.port, 7650);
  const heartbeatMs = int('heartbeat-ms', values['heartbeat-ms'], 1000);
  const hostId = checkName('host id', values.id ?? `${hostname()}-${port}`);
  if (hostId.startsWith('launcher.')) throw new UsageError(`--id ${hostId}: ids starting with 'launcher.' name launchers`);
  const runtime = new HostRuntime({
    cluster, secret, port, bind: values.bind ?? '127.0.0.1', advertise: values.advertise,
    hostId,
    slots: int('slots', values.slots, availableParallelism()),
    cores: int('cores', values.cores, availableParallelism()),
    state: await openState(values.redis, cluster),
    heartbeatMs, ttlMs: int('ttl-ms', values['ttl-ms'], 5 * heartbeatMs),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  await runtime.start();
  process.stdout.write(`faasmpi host ${runtime.address} ready (cluster ${cluster})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await runtime.stop();
  return 0;
}

async function hosts(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { redis: { type: 'string' }, cluster: { type: 'string' } } });
  const state = await openState(values.redis, checkName('cluster', values.cluster ?? 'default'));
  try {
    for (const h of await state.liveHosts()) {
      process.stdout.write(`${h.id} ${h.address} slots ${await state.usedSlots(h.id)}/${h.slots}\n`);
    }
    return 0;
  } finally {
    await state.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'host') return await host(rest);
    if (command === 'hosts') return await hosts(rest);
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === '-h' || command === '--help' ? 0 : 2;
  } catch (e) {
    if (e instanceof UsageError || e instanceof StateError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`faasmpi: ${(e as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`faasmpi: ${(e as Error).message}\n`);
    return 1;
  }
}
