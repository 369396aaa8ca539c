// A host runtime: one per machine. It listens for links from other hosts and from launchers, registers itself
// in the shared state and renews that with heartbeats (registering again if it expired), runs the parts of jobs
// that launchers hand it (cluster/job-part.ts), and routes MPI records arriving from other hosts to the part
// they belong to. Its main thread only does networking and control; Faaslets run in its worker pool.
// Who may do what is decided by the certificate on each link (trust/identity.ts): users (launchers) prepare,
// start and stop their own jobs only; hosts carry MPI records only for jobs whose host table holds both hosts,
// and only from ranks placed on the sending host. A job's working directory is placed by the host (workdirs.ts).
import { setTimeout as delay } from 'node:timers/promises';
import { LocalHost, type LocalHostOptions } from '../host/local-host.js';
import { argsOf, control, type ControlKind, type PrepareRequest } from './job-protocol.js';
import { JobPart } from './job-part.js';
import { splitPrograms, unpackBlob, writePreloaded } from './preload.js';
import type { ClusterState } from './state/types.js';
import type { Credentials } from './trust/credentials.js';
import { describeIdentity } from './trust/identity.js';
import type { Workdirs } from './workdirs.js';
import type { Control, Envelope } from './wire/codec.js';
import { connectLink, LinkServer, type HostLink } from './wire/link.js';

export interface HostRuntimeOptions {
  /** This host's certificate (its id is the certificate's) and the cluster CA. */
  credentials: Credentials;
  /** Where jobs may run (users' directories and the operator's allow-list). */
  workdirs: Workdirs;
  /** Port to listen on (0: any free one) and interface to bind. */
  port: number;
  bind: string;
  /** host:port other hosts and launchers use; default bind:port. */
  advertise?: string;
  slots: number;
  /** Cores this host's Faaslets may use (they spin while waiting only when there is a core to spare). */
  cores?: number;
  state: ClusterState;
  heartbeatMs: number;
  /** A host missing heartbeats this long is dead (its slots are released). */
  ttlMs: number;
  log: (line: string) => void;
  /** The operator's limits on jobs here (memory caps, initialisation time). */
  limits?: Pick<LocalHostOptions, 'maxJobMemoryBytes' | 'maxHostMemoryBytes' | 'maxInitTimeoutMs'>;
}

/** How long a host waits for a peer's link (the peer with the smaller id dials). */
const PEER_LINK_MS = 15_000;

export class HostRuntime {
  private server: LinkServer | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Links to other hosts, by host id (one per pair). */
  private readonly peers = new Map<string, HostLink>();
  private readonly dialling = new Map<string, Promise<HostLink>>();
  /** Every open link, to hosts and from launchers. */
  private readonly links = new Set<HostLink>();
  /** Job parts by FGroup id. */
  private readonly parts = new Map<string, JobPart>();
  readonly host: LocalHost;
  /** Slots taken by parts prepared or running here. */
  private used = 0;
  address = '';

  private readonly hostId: string;

  constructor(private readonly opts: HostRuntimeOptions) {
    this.hostId = opts.credentials.identity.name;
    this.host = new LocalHost({ hostId: this.hostId, cores: opts.cores, ...opts.limits });
  }

  /** Listens and registers. */
  async start(): Promise<void> {
    await this.listen();
    await this.join();
  }

  /** Binds the port (before a host started as root gives up its privileges). */
  async listen(): Promise<void> {
    const o = this.opts;
    this.server = new LinkServer({ credentials: o.credentials, port: o.port, host: o.bind, log: o.log });
    const port = await this.server.ready;
    this.address = o.advertise ?? `${o.bind}:${port}`;
    this.server.on('link', (link) => this.accept(link));
  }

  /** Registers in the cluster state and keeps the registration alive. */
  async join(): Promise<void> {
    await this.register();
    this.timer = setInterval(() => void this.beat(), this.opts.heartbeatMs);
  }

  /** One line per refused request, naming the peer by its certificate. */
  private refused(link: HostLink, what: string): void {
    this.opts.log(`faasmpi host ${this.hostId}: refused ${what} from ${describeIdentity(link.identity)}`);
  }

  /**
   * New credentials (the CA's revocation list changed): new handshakes check them, and the links already open
   * with a peer whose certificate is now revoked close (the jobs they served end, naming why).
   */
  useCredentials(c: Credentials): void {
    this.opts.credentials = c;
    this.server?.useCredentials(c);
    for (const link of this.links) {
      if (!c.revoked?.serials.has(link.peerSerial)) continue;
      this.opts.log(`faasmpi host ${this.hostId}: closing the link with ${describeIdentity(link.identity)}: its certificate was revoked`);
      link.close('its certificate was revoked');
    }
  }

  private accept(link: HostLink): void {
    this.links.add(link);
    link.on('message', (e, raw) => this.onMessage(link, e, raw));
    link.on('close', (why) => this.linkClosed(link, why));
    // A host certificate makes a peer link; a user certificate a launcher's link (it speaks first).
    if (link.identity.role !== 'host') return;
    if (link.peer === this.hostId) {
      this.refused(link, 'a link claiming to be this host itself');
      link.close('a host does not link to itself');
      return;
    }
    const old = this.peers.get(link.peer);
    if (old && old !== link) old.close('replaced by a new link');
    this.peers.set(link.peer, link);
    this.opts.log(`faasmpi host ${this.hostId}: linked with host ${link.peer}`);
  }

  private onMessage(link: HostLink, e: Envelope, raw: Uint8Array | undefined): void {
    if ('mpi' in e) {
      if (link.identity.role !== 'host') {
        this.refused(link, 'MPI records (only hosts carry them)');
        link.close('only hosts carry MPI records');
        return;
      }
      const part = this.parts.get(e.mpi.group);
      if (!part) return; // records of a part that has ended (or of no job this host runs) are dropped
      const why = part.refusesRecordFrom(link.peer, e.mpi.src);
      if (why) this.refused(link, `an MPI record of job ${e.mpi.group}: ${why}`);
      else part.deliver(e.mpi, raw);
      return;
    }
    if ('team' in e) {
      // OpenMP teams spread over hosts: only between hosts of the job (the part checks who may say what).
      if (link.identity.role !== 'host') {
        this.refused(link, 'OpenMP team messages (only hosts carry them)');
        link.close('only hosts carry OpenMP team messages');
        return;
      }
      const part = this.parts.get(e.team.group);
      if (!part) return;
      if (!part.hasHost(link.peer)) this.refused(link, `an OpenMP team message of job ${e.team.group}, which it does not take part in`);
      else part.deliverTeam(link.peer, e.team);
      return;
    }
    if (link.identity.role === 'host' && (e.control.kind === 'migrate-drained' || e.control.kind === 'migrate-capture')) {
      this.onPeerMigration(link, e.control);
      return;
    }
    if (link.identity.role !== 'user') {
      this.refused(link, `a '${e.control.kind}' control (only launchers send them)`);
      return;
    }
    if (e.control.user !== link.peer) {
      this.refused(link, `a '${e.control.kind}' for user ${JSON.stringify(e.control.user)}`);
      if (link.open) link.send(control('refused', e.control.job, link.peer, { message: `your certificate is user ${link.peer}'s; it cannot act for user ${JSON.stringify(e.control.user)}` }));
      return;
    }
    void this.onControl(link, e.control).catch((err) => this.opts.log(`faasmpi host ${this.hostId}: ${(err as Error).message}`));
  }

  private async onControl(link: HostLink, c: Control): Promise<void> {
    switch (c.kind as ControlKind) {
      case 'hello':
        if (link.open) link.send(control('hello-reply', c.job, c.user, { id: this.hostId, slots: this.opts.slots, free: this.opts.slots - this.used }));
        return;
      case 'prepare':
        await this.prepare(link, c);
        return;
      case 'start':
        this.partOf(link, c)?.start();
        return;
      case 'stop':
        this.partOf(link, c)?.stop(argsOf(c, 'stop').reason);
        return;
      case 'stdin':
        this.partOf(link, c)?.feedStdin(c.blob ?? new Uint8Array(0), argsOf(c, 'stdin').end === true);
        return;
      case 'migrate-request':
        this.requestMove(link, c);
        return;
      case 'migrate-decision':
      case 'migrate-resume':
        this.partOf(link, c)?.onLauncherMigration(c);
        return;
      default:
        this.refused(link, `an unexpected '${c.kind}'`);
    }
  }

  /**
   * A peer host's part of a move between hosts: only a host given part of that job may speak of it (a capture
   * is further checked against the job's host table and bounded in size by the part: part-migration.ts).
   */
  private onPeerMigration(link: HostLink, c: Control): void {
    const part = this.parts.get(c.job);
    if (!part) return; // the job has ended here
    if (!part.isJobHost(link.peer)) {
      this.refused(link, `a '${c.kind}' for job ${c.job}, which it has no part of`);
      return;
    }
    part.onPeerMigration(link.peer, c);
  }

  /**
   * An operator's move request (faasmpi migrate) from any link with a user certificate: only the job's owner
   * may ask; a request that names no rank of the job, or no host of it, or a job that does not move, is refused.
   */
  private requestMove(link: HostLink, c: Control): void {
    const refuse = (message: string) => link.open && link.send(control('refused', c.job, c.user, { message: `host ${this.hostId}: ${message}` }));
    const part = this.parts.get(c.job);
    if (!part) return void refuse(`runs no job ${c.job}`);
    if (part.user !== link.peer) {
      this.refused(link, `a move of job ${c.job}, which is not its own`);
      return void refuse(`job ${c.job} is not yours`);
    }
    const why = part.requestMove(argsOf(c, 'migrate-request'));
    if (why) return void refuse(why);
    if (link.open) link.send(control('migrate-accepted', c.job, c.user, {}));
  }

  /** The part a launcher's control names: only the launcher that submitted it (and its user) may touch it. */
  private partOf(link: HostLink, c: Control): JobPart | undefined {
    const part = this.parts.get(c.job);
    if (part && part.launcher === link && part.user === link.peer) return part;
    if (part) this.refused(link, `a '${c.kind}' for job ${c.job}, which is not its own`);
    return undefined;
  }

  private async prepare(link: HostLink, c: Control): Promise<void> {
    const req = argsOf(c, 'prepare');
    const refuse = (message: string) => link.open && link.send(control('refused', c.job, c.user, { message }));
    const user = link.peer;
    const shape = checkPrepare(req, c.job);
    if (shape) return void refuse(`host ${this.hostId}: ${shape}`);
    if (this.parts.has(c.job)) return void refuse(`job ${c.job} is already known to host ${this.hostId}`);
    let workDir: string;
    try {
      workDir = this.opts.workdirs.place(user, req.spec.sandboxRoot);
    } catch (e) {
      this.refused(link, `job ${c.job}: ${(e as Error).message}`);
      return void refuse(`host ${this.hostId}: ${(e as Error).message}`);
    }
    req.spec = { ...req.spec, sandboxRoot: workDir };
    const local = req.group.hostTable.flatMap((h, i) => (h === this.hostId ? [i] : []));
    // --omp-spread: a host may take part only with OpenMP threads of ranks that run elsewhere.
    const spreadOnly = local.length === 0 && req.ompSpread?.hosts.includes(this.hostId) === true;
    if (local.length === 0 && !spreadOnly) return void refuse(`host ${this.hostId} runs no rank of job ${c.job}`);
    const free = this.opts.slots - this.used;
    if (local.length > free) return void refuse(`host ${this.hostId} has ${free} free slot(s); the job needs ${local.length} there`);
    let program: Uint8Array;
    let apps: ReturnType<typeof splitPrograms> | undefined;
    try {
      // Preloaded input files go into the directory this host chose for the job, nowhere else.
      const unpacked = unpackBlob(c.blob ?? new Uint8Array(0), req.files);
      apps = req.apps === undefined ? undefined : splitPrograms(unpacked.program, req.apps, req.spec.np);
      writePreloaded(workDir, unpacked.files);
      program = unpacked.program;
    } catch (e) {
      this.refused(link, `job ${c.job}: ${(e as Error).message}`);
      return void refuse(`host ${this.hostId}: ${(e as Error).message}`);
    }
    this.used += local.length;
    /** Slots the job holds here (a move between hosts changes it). */
    let holding = local.length;
    await this.opts.state.reserveSlots(this.hostId, local.length, Number.MAX_SAFE_INTEGER).catch(() => false);
    const part = new JobPart({
      job: c.job, user, launcher: link, request: req, localRanks: local, host: this.host,
      linkTo: (id) => this.peers.get(id),
      log: this.opts.log,
      ended: () => {
        this.parts.delete(c.job);
        this.used -= holding;
        if (holding > 0) void this.opts.state.releaseSlots(this.hostId, holding).catch(() => {});
      },
      slotsChanged: (delta) => {
        holding += delta;
        this.used += delta;
        if (delta > 0) void this.opts.state.reserveSlots(this.hostId, delta, Number.MAX_SAFE_INTEGER).catch(() => false);
        else if (delta < 0) void this.opts.state.releaseSlots(this.hostId, -delta).catch(() => {});
      },
    });
    this.parts.set(c.job, part);
    try {
      await Promise.all([part.load(program, apps), this.linkPeers([...req.group.hostTable, ...(req.ompSpread?.hosts ?? [])], req.addresses)]);
    } catch (e) {
      part.abandon();
      return void refuse(`host ${this.hostId}: ${(e as Error).message}`);
    }
    if (link.open) link.send(control('ready', c.job, c.user, {}));
  }

  /** Links to every other host of a job: the host with the smaller id dials, the other waits for it. */
  private async linkPeers(hostTable: string[], addresses: Record<string, string>): Promise<void> {
    const me = this.hostId;
    const others = [...new Set(hostTable)].filter((h) => h !== me);
    await Promise.all(others.map(async (id) => {
      if (this.peers.get(id)?.open) return;
      if (me < id) {
        let dial = this.dialling.get(id);
        if (!dial) {
          const address = addresses[id];
          if (!address) throw new Error(`no address for host ${id}`);
          // Only a peer whose certificate names host `id` gets past the handshake.
          dial = connectLink(address, this.opts.credentials, id);
          this.dialling.set(id, dial);
          void dial.then((l) => this.accept(l), () => {}).finally(() => this.dialling.delete(id));
        }
        await dial;
        return;
      }
      const until = Date.now() + PEER_LINK_MS;
      while (!this.peers.get(id)?.open) {
        if (Date.now() > until) throw new Error(`host ${id} did not link within ${PEER_LINK_MS / 1000} s`);
        await delay(5);
      }
    }));
  }

  private linkClosed(link: HostLink, why: string): void {
    this.links.delete(link);
    if (this.peers.get(link.peer) === link) {
      this.peers.delete(link.peer);
      this.opts.log(`faasmpi host ${this.hostId}: link with host ${link.peer} closed: ${why}`);
      for (const part of this.parts.values()) if (part.hasHost(link.peer)) part.stop(`host ${link.peer} left the job (${why})`, true);
      return;
    }
    // A launcher went away: its jobs end (nobody is left to see their output or outcome).
    for (const part of this.parts.values()) if (part.launcher === link) part.stop(`its launcher disconnected (${why})`, true);
  }

  private register(): Promise<void> {
    const o = this.opts;
    return o.state.registerHost({ id: this.hostId, address: this.address, slots: o.slots, startedAt: Date.now() }, o.ttlMs);
  }

  private async beat(): Promise<void> {
    try {
      if (!(await this.opts.state.heartbeat(this.hostId, this.opts.ttlMs))) {
        this.opts.log(`faasmpi host ${this.hostId}: registration had expired; registering again`);
        await this.register();
      }
    } catch (e) {
      this.opts.log(`faasmpi host ${this.hostId}: heartbeat failed: ${(e as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const part of this.parts.values()) part.stop('the host is stopping', true);
    for (const l of this.peers.values()) l.close('host stopping');
    await this.server?.close();
    await this.host.close();
    await this.opts.state.removeHost(this.hostId).catch(() => {});
    await this.opts.state.close();
  }
}

/** Why a prepare request is malformed (it comes from a launcher: checked before use), or undefined. */
function checkPrepare(req: PrepareRequest, job: string): string | undefined {
  const g = req?.group;
  if (!g || g.id !== job) return 'the job\'s group does not match its id';
  if (!Array.isArray(g.hostTable) || g.hostTable.length !== g.size || !g.hostTable.every((h) => typeof h === 'string')) return 'the job\'s host table is malformed';
  if (!Number.isInteger(g.size) || g.size < 1 || req.spec?.np !== g.size) return 'the job\'s size is malformed';
  if (typeof req.addresses !== 'object' || req.addresses === null) return 'the job\'s host addresses are malformed';
  if (typeof req.spec.sandboxRoot !== 'string') return 'the job\'s working directory is malformed';
  const sp = req.ompSpread;
  if (sp !== undefined && (typeof sp !== 'object' || sp === null || !Array.isArray(sp.hosts) || !sp.hosts.every((h) => typeof h === 'string') || typeof sp.verbose !== 'boolean')) return 'the job\'s OpenMP spread hosts are malformed';
  if (req.stdin !== undefined && req.stdin !== 'all' && !(Number.isInteger(req.stdin) && req.stdin >= 0 && req.stdin < g.size)) return 'the job\'s stdin rank is malformed';
  return undefined;
}
