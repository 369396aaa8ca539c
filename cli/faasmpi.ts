// faasmpi: cluster commands. `faasmpi host` runs this machine's host runtime in a cluster; `faasmpi hosts`
// lists the live hosts of a cluster; `faasmpi jobs` its queue (and a user's jobs); `faasmpi certs` makes the cluster's CA and its hosts' and users' certificates.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseSize } from './args.js';
// The host runtime (with its WebSocket and protobuf clients) and the cluster state (ioredis) are imported by the
// subcommands that use them: `faasmpi certs` and `faasmpi hosts` start without them.
import { StateError, checkName } from '../cluster/state/types.js';
import { CertError, initCa, issueHost, issueUser, revoke } from '../cluster/trust/certs.js';
import { serialOfPem, watchRevocationList } from '../cluster/trust/revocation.js';
import { credentialFilesIn, CredentialsError, loadCredentials } from '../cluster/trust/credentials.js';
import { PrivilegeError, runAs } from '../cluster/trust/privileges.js';
import { Workdirs, WorkdirError } from '../cluster/workdirs.js';

export const USAGE = `usage:
  faasmpi host  --tls-dir DIR [--crl FILE] [--data-dir DIR] [--allow-wdir PREFIX]... [--run-as USER] [--redis URL]
                [--cluster NAME] [--port P] [--bind ADDR] [--advertise HOST:PORT] [--slots N] [--id ID]
                [--cores N] [--heartbeat-ms MS] [--ttl-ms MS] [--max-job-memory SIZE] [--max-host-memory SIZE]
                [--max-init-time S]
      run this machine's host runtime
  faasmpi hosts [--redis URL] [--cluster NAME]
      list the live hosts of a cluster and their slots
  faasmpi jobs  [--redis URL] [--cluster NAME] [--user USER]
      the jobs waiting in the cluster's queue, first in line first; with --user, that user's jobs too, and
      where each rank of theirs runs now
  faasmpi migrate JOB (--rank R --to HOST | --pack) (--redis URL [--cluster NAME] | --hosts ADDR[,ADDR]...)
                [--credentials DIR]
      ask that a running job (yours: your user certificate, --credentials or FAASMPI_CREDENTIALS) move rank R to
      host HOST, or onto as few hosts as possible, at its next migration point (faasmpicc -fmigrate programs)
  faasmpi certs init --dir DIR                    make the cluster's CA (DIR/ca.pem, DIR/ca-key.pem)
  faasmpi certs host --dir DIR --id ID [--addr A]...   a host's credentials in DIR/hosts/ID/
  faasmpi certs user --dir DIR --name USER        a user's credentials in DIR/users/USER/
  faasmpi certs revoke --dir DIR (--host ID | --user NAME | --cert FILE)   revoke a certificate: signs a new
                   DIR/crl.pem, to be copied to each host's --crl file (hosts reload it within seconds)

  --tls-dir DIR    this host's credentials: ca.pem (the cluster CA), cert.pem and key.pem (its own); its id is
                   its certificate's (--id, if given, must match)
  --crl FILE       the CA's revocation list (default: crl.pem in --tls-dir, if there): peers with a revoked
                   certificate are refused, and links already open with them close when the file changes
  --data-dir DIR   where each user's working directory is kept, DIR/users/USER (default /var/lib/faasmpi as
                   root, ~/.local/share/faasmpi otherwise)
  --allow-wdir P   also let jobs run in directories under P (a shared filesystem); repeatable
  --run-as USER    the account a host started as root runs jobs as (default nobody)
  --redis URL      the cluster's shared state (redis://host:port); without it the state is this process's own
  --cluster NAME   the cluster's name: its keys in Redis are faasmpi:NAME:... (default: default)
  --slots N        ranks this host runs at once (default: its cores)
  --cores N        cores its Faaslets may use (default: all; less when hosts share a machine)
  --max-job-memory SIZE   most wasm memory one job's ranks here may hold together (e.g. 2G): the cap of a job that
                   sets none, and the most a job may ask for with --max-memory
  --max-host-memory SIZE  most wasm memory all jobs here may hold at once: each job's cap is set aside while it runs,
                   and a job that does not fit is refused
  --max-init-time S   the longest a program's initialisation may run, whatever a job asks (default 600)`;

class UsageError extends Error {}

function int(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} ${v}: expected a non-negative integer`);
  return n;
}

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} ${v}: expected a positive number`);
  return n;
}

function size(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  try {
    return parseSize(flag, v);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function openState(redis: string | undefined, cluster: string) {
  const { embeddedState, redisState } = await import('../cluster/state/cluster-state.js');
  return redis ? redisState(redis, cluster) : embeddedState(cluster);
}

async function host(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      redis: { type: 'string' }, cluster: { type: 'string' }, port: { type: 'string' }, bind: { type: 'string' },
      advertise: { type: 'string' }, slots: { type: 'string' }, id: { type: 'string' },
      'heartbeat-ms': { type: 'string' }, 'ttl-ms': { type: 'string' }, cores: { type: 'string' },
      'tls-dir': { type: 'string' }, 'data-dir': { type: 'string' }, 'allow-wdir': { type: 'string', multiple: true },
      'run-as': { type: 'string' }, 'max-job-memory': { type: 'string' }, 'max-host-memory': { type: 'string' },
      'max-init-time': { type: 'string' }, crl: { type: 'string' },
    },
  });
  if (!values['tls-dir']) throw new UsageError('--tls-dir DIR is required: the host\'s certificate, key and the cluster CA (faasmpi certs host)');
  // Credentials come from files only, read while we may still be root.
  const files = credentialFilesIn(resolve(values['tls-dir']));
  // A list that does not exist yet is read when it appears (nothing revoked until then).
  if (values.crl !== undefined) files.crl = existsSync(values.crl) ? resolve(values.crl) : undefined;
  const crlPath = values.crl !== undefined ? resolve(values.crl) : join(resolve(values['tls-dir']), 'crl.pem');
  const credentials = loadCredentials(files, 'host');
  const hostId = credentials.identity.name;
  if (values.id !== undefined && values.id !== hostId) throw new UsageError(`--id ${values.id}: this host's certificate names host ${hostId}`);
  const cluster = checkName('cluster', values.cluster ?? 'default');
  const port = int('port', values.port, 7650);
  const heartbeatMs = int('heartbeat-ms', values['heartbeat-ms'], 1000);
  const dataDir = resolve(values['data-dir'] ?? (process.getuid!() === 0 ? '/var/lib/faasmpi' : join(homedir(), '.local/share/faasmpi')));
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const workdirs = new Workdirs(dataDir, values['allow-wdir'] ?? []);
  const { HostRuntime } = await import('../cluster/host-runtime.js');
  const runtime = new HostRuntime({
    credentials, workdirs, port, bind: values.bind ?? '127.0.0.1', advertise: values.advertise,
    slots: int('slots', values.slots, availableParallelism()),
    cores: int('cores', values.cores, availableParallelism()),
    state: await openState(values.redis, cluster),
    heartbeatMs, ttlMs: int('ttl-ms', values['ttl-ms'], 5 * heartbeatMs),
    log: (line) => process.stderr.write(`${line}\n`),
    limits: {
      maxJobMemoryBytes: size('--max-job-memory', values['max-job-memory']),
      maxHostMemoryBytes: size('--max-host-memory', values['max-host-memory']),
      maxInitTimeoutMs: values['max-init-time'] === undefined ? undefined : 1000 * positive('max-init-time', values['max-init-time']),
    },
  });
  await runtime.listen();
  let account: string;
  try {
    account = runAs(values['run-as'], dataDir);
  } catch (e) {
    await runtime.stop(); // the port is bound: close it, or the refused host would linger
    throw e;
  }
  await runtime.join();
  process.stdout.write(`faasmpi host ${runtime.address} ready (cluster ${cluster}, host ${hostId}, running jobs as ${account})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    const log = (line: string) => process.stderr.write(`faasmpi host ${hostId}: ${line}\n`);
    try {
      statSync(crlPath);
    } catch (e) {
      // A host started as root has given up its privileges: its credentials directory is usually out of reach.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log(`warning: cannot watch the revocation list ${crlPath} as ${account} (${(e as NodeJS.ErrnoException).code}): give it a readable place with --crl FILE`);
    }
    const ownSerial = serialOfPem(credentials.cert);
    watchRevocationList(crlPath, credentials.ca, (revoked) => {
      if (revoked.serials.has(ownSerial)) {
        log(`this host's certificate is revoked by ${crlPath}: stopping`);
        return resolve();
      }
      log(`revocation list ${crlPath} read: ${revoked.serials.size} certificate(s) revoked`);
      runtime.useCredentials({ ...credentials, revoked });
    }, log);
  });
  await runtime.stop();
  return 0;
}

function certs(argv: string[]): number {
  const [what, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      dir: { type: 'string' }, id: { type: 'string' }, name: { type: 'string' }, addr: { type: 'string', multiple: true },
      host: { type: 'string' }, user: { type: 'string' }, cert: { type: 'string' },
    },
  });
  if (!values.dir) throw new UsageError('faasmpi certs: --dir DIR is required (where the CA is kept)');
  const dir = resolve(values.dir);
  if (what === 'init') {
    initCa(dir);
    process.stdout.write(`made the cluster CA in ${dir}: keep ca-key.pem private; ca.pem goes to every host and user\n`);
  } else if (what === 'host') {
    if (!values.id) throw new UsageError('faasmpi certs host: --id ID is required');
    const issued = issueHost(dir, values.id, values.addr ?? []);
    process.stdout.write(`host ${values.id}: ${issued.dir} (copy it to the host; faasmpi host --tls-dir DIR)\n`);
  } else if (what === 'user') {
    if (!values.name) throw new UsageError('faasmpi certs user: --name USER is required');
    const issued = issueUser(dir, values.name);
    process.stdout.write(`user ${values.name}: ${issued.dir} (give it to the user only; faasmpirun --credentials DIR)\n`);
  } else if (what === 'revoke') {
    const given = [values.host && { host: values.host }, values.user && { user: values.user }, values.cert && { cert: resolve(values.cert) }].filter((t) => t);
    if (given.length !== 1) throw new UsageError('faasmpi certs revoke: give exactly one of --host ID, --user NAME, --cert FILE');
    const r = revoke(dir, given[0] as Parameters<typeof revoke>[1]);
    process.stdout.write(`${r.already ? 'already revoked' : 'revoked'}: ${r.who}; copy ${r.crl} to every host's --crl file (default: crl.pem in its --tls-dir)\n`);
  } else {
    throw new UsageError(`faasmpi certs: expected init, host, user or revoke, got '${what ?? ''}'`);
  }
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

async function jobs(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { redis: { type: 'string' }, cluster: { type: 'string' }, user: { type: 'string' } } });
  const cluster = checkName('cluster', values.cluster ?? 'default');
  if (!values.redis) throw new UsageError('faasmpi jobs: --redis URL is required (launchers share their queue and job records through the cluster\'s Redis)');
  const state = await openState(values.redis, cluster);
  try {
    const queue = await state.queue();
    const now = Date.now();
    process.stdout.write(queue.length === 0 ? `no job waits in cluster ${cluster}'s queue\n` : '');
    queue.forEach((e, i) => {
      process.stdout.write(`queued ${i + 1} ${e.id} user ${e.user} np ${e.np} waiting ${Math.max(0, Math.round((now - e.since) / 1000))} s\n`);
    });
    if (values.user !== undefined) {
      for (const j of await state.forUser(checkName('user', values.user)).jobs()) {
        const end = j.exitCode === undefined ? '' : ` exit ${j.exitCode}`;
        process.stdout.write(`job ${j.id} ${j.state} np ${j.np}${j.hosts.length ? ` hosts ${[...new Set(j.hosts)].join(',')} ranks ${placement(j.hosts)}` : ''}${end}\n`);
      }
    }
    return 0;
  } finally {
    await state.close();
  }
}

/** Where each rank runs, as "0-1@h1,2-3@h2" (consecutive ranks on one host together). */
function placement(table: string[]): string {
  const out: string[] = [];
  for (let r = 0; r < table.length; ) {
    let last = r;
    while (last + 1 < table.length && table[last + 1] === table[r]) last++;
    out.push(`${last === r ? r : `${r}-${last}`}@${table[r]}`);
    r = last + 1;
  }
  return out.join(',');
}

async function migrate(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: {
    rank: { type: 'string' }, to: { type: 'string' }, pack: { type: 'boolean' }, redis: { type: 'string' }, cluster: { type: 'string' },
    hosts: { type: 'string' }, credentials: { type: 'string' },
  } });
  if (positionals.length !== 1) throw new UsageError('faasmpi migrate: name one job (its id, from faasmpi jobs --user)');
  const job = positionals[0];
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(job)) throw new UsageError(`faasmpi migrate: '${job}' is not a job id`);
  let request: { rank?: number; to?: string; pack?: boolean };
  if (values.pack) {
    if (values.rank !== undefined || values.to !== undefined) throw new UsageError('faasmpi migrate: --pack moves the whole job; it takes no --rank or --to');
    request = { pack: true };
  } else {
    if (values.rank === undefined || values.to === undefined) throw new UsageError('faasmpi migrate: give --rank R --to HOST, or --pack');
    if (!/^\d+$/.test(values.rank)) throw new UsageError(`faasmpi migrate: --rank needs a rank number, got '${values.rank}'`);
    request = { rank: Number(values.rank), to: values.to };
  }
  const dir = values.credentials ?? process.env.FAASMPI_CREDENTIALS;
  if (!dir) throw new UsageError('faasmpi migrate: only the job\'s owner may ask: --credentials DIR (from \'faasmpi certs user\') or FAASMPI_CREDENTIALS');
  const credentials = loadCredentials(credentialFilesIn(dir), 'user');
  let addresses: string[];
  if (values.hosts) addresses = values.hosts.split(',').filter(Boolean).map((a) => a.replace(/@(\d+)$/, ':$1'));
  else if (values.redis) {
    const cluster = checkName('cluster', values.cluster ?? 'default');
    const state = await openState(values.redis, cluster);
    try {
      const record = await state.forUser(credentials.identity.name).getJob(job);
      if (!record) throw new UsageError(`faasmpi migrate: you have no job ${job} in cluster ${cluster}`);
      if (record.state !== 'running') throw new UsageError(`faasmpi migrate: job ${job} is ${record.state}, not running`);
      const live = await state.liveHosts();
      addresses = [...new Set(record.hosts)].flatMap((id) => live.filter((h) => h.id === id).map((h) => h.address));
    } finally {
      await state.close();
    }
  } else throw new UsageError('faasmpi migrate: --redis URL or --hosts ADDR to find the job\'s hosts');
  const { requestMove } = await import('../cluster/migrate-request.js');
  try {
    process.stdout.write(`${await requestMove(job, request, addresses, credentials)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`faasmpi migrate: ${(e as Error).message}\n`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'host') return await host(rest);
    if (command === 'hosts') return await hosts(rest);
    if (command === 'jobs') return await jobs(rest);
    if (command === 'migrate') return await migrate(rest);
    if (command === 'certs') return certs(rest);
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === '-h' || command === '--help' ? 0 : 2;
  } catch (e) {
    if (e instanceof UsageError || e instanceof StateError || e instanceof CredentialsError || e instanceof CertError
      || e instanceof WorkdirError || e instanceof PrivilegeError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`faasmpi: ${(e as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`faasmpi: ${(e as Error).message}\n`);
    return 1;
  }
}
