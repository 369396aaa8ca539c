// A host runtime: one per machine. It listens for links from other hosts and from launchers, registers itself
// in the shared state and renews that with heartbeats (registering again if it expired), runs the parts of jobs
// that launchers hand it (cluster/job-part.ts), and routes MPI records arriving from other hosts to the part
// they belong to. Its main thread only does networking and control; Faaslets run in its worker pool.
import { setTimeout as delay } from 'node:timers/promises';
import { LocalHost } from '../host/local-host.js';
import { argsOf, control, type ControlKind } from './job-protocol.js';
import { JobPart } from './job-part.js';
import type { ClusterState } from './state/types.js';
import type { Control, Envelope } from './wire/codec.js';
import { connectLink, LinkServer, type HostLink } from './wire/link.js';

export interface HostRuntimeOptions {
  cluster: string;
  hostId: string;
  secret: string;
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
}

/** How long a host waits for a peer's link (the peer with the smaller id dials). */
const PEER_LINK_MS = 15_000;

export class HostRuntime {
  private server: LinkServer | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Links to other hosts, by host id (one per pair). */
  private readonly peers = new Map<string, HostLink>();
  private readonly dialling = new Map<string, Promise<HostLink>>();
  /** Job parts by FGroup id. */
  private readonly parts = new Map<string, JobPart>();
  readonly host: LocalHost;
  /** Slots taken by parts prepared or running here. */
  private used = 0;
  address = '';

  constructor(private readonly opts: HostRuntimeOptions) {
    this.host = new LocalHost({ hostId: opts.hostId, cores: opts.cores });
  }

  async start(): Promise<void> {
    const o = this.opts;
    this.server = new LinkServer({ cluster: o.cluster, hostId: o.hostId, secret: o.secret, port: o.port, host: o.bind, log: o.log });
    const port = await this.server.ready;
    this.address = o.advertise ?? `${o.bind}:${port}`;
    this.server.on('link', (link) => this.accept(link));
    await this.register();
    this.timer = setInterval(() => void this.beat(), o.heartbeatMs);
  }

  private accept(link: HostLink): void {
    link.on('message', (e, raw) => this.onMessage(link, e, raw));
    link.on('close', (why) => this.linkClosed(link, why));
    // A link from another host is a peer link; anything else that links is a launcher (it speaks first).
    if (link.peer.startsWith('launcher.')) return;
    const old = this.peers.get(link.peer);
    if (old && old !== link) old.close('replaced by a new link');
    this.peers.set(link.peer, link);
    this.opts.log(`faasmpi host ${this.opts.hostId}: linked with host ${link.peer}`);
  }

  private onMessage(link: HostLink, e: Envelope, raw: Uint8Array | undefined): void {
    if ('mpi' in e) {
      const part = this.parts.get(e.mpi.group);
      if (part && part.hasHost(link.peer)) part.deliver(e.mpi, raw);
      return; // records of a part that has ended (or of no job this host runs) are dropped
    }
    void this.onControl(link, e.control).catch((err) => this.opts.log(`faasmpi host ${this.opts.hostId}: ${(err as Error).message}`));
  }

  private async onControl(link: HostLink, c: Control): Promise<void> {
    switch (c.kind as ControlKind) {
      case 'hello':
        if (link.open) link.send(control('hello-reply', c.job, c.user, { id: this.opts.hostId, slots: this.opts.slots, free: this.opts.slots - this.used }));
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
      default:
        this.opts.log(`faasmpi host ${this.opts.hostId}: ignored an unexpected '${c.kind}' from ${link.peer}`);
    }
  }

  /** The part a launcher's control names: only the launcher that submitted it (and its user) may touch it. */
  private partOf(link: HostLink, c: Control): JobPart | undefined {
    const part = this.parts.get(c.job);
    return part && part.launcher === link && part.user === c.user ? part : undefined;
  }

  private async prepare(link: HostLink, c: Control): Promise<void> {
    const req = argsOf(c, 'prepare');
    const refuse = (message: string) => link.open && link.send(control('refused', c.job, c.user, { message }));
    if (this.parts.has(c.job) || req.group.id !== c.job) return void refuse(`job ${c.job} is already known to host ${this.opts.hostId}`);
    const local = req.group.hostTable.flatMap((h, i) => (h === this.opts.hostId ? [i] : []));
    if (local.length === 0) return void refuse(`host ${this.opts.hostId} runs no rank of job ${c.job}`);
    const free = this.opts.slots - this.used;
    if (local.length > free) return void refuse(`host ${this.opts.hostId} has ${free} free slot(s); the job needs ${local.length} there`);
    this.used += local.length;
    await this.opts.state.reserveSlots(this.opts.hostId, local.length, Number.MAX_SAFE_INTEGER).catch(() => false);
    const part = new JobPart({
      job: c.job, user: c.user, launcher: link, request: req, localRanks: local, host: this.host,
      linkTo: (id) => this.peers.get(id),
      log: this.opts.log,
      ended: () => {
        this.parts.delete(c.job);
        this.used -= local.length;
        void this.opts.state.releaseSlots(this.opts.hostId, local.length).catch(() => {});
      },
    });
    this.parts.set(c.job, part);
    try {
      await Promise.all([part.load(c.blob ?? new Uint8Array(0)), this.linkPeers(req.group.hostTable, req.addresses)]);
    } catch (e) {
      part.abandon();
      return void refuse(`host ${this.opts.hostId}: ${(e as Error).message}`);
    }
    if (link.open) link.send(control('ready', c.job, c.user, {}));
  }

  /** Links to every other host of a job: the host with the smaller id dials, the other waits for it. */
  private async linkPeers(hostTable: string[], addresses: Record<string, string>): Promise<void> {
    const me = this.opts.hostId;
    const others = [...new Set(hostTable)].filter((h) => h !== me);
    await Promise.all(others.map(async (id) => {
      if (this.peers.get(id)?.open) return;
      if (me < id) {
        let dial = this.dialling.get(id);
        if (!dial) {
          const address = addresses[id];
          if (!address) throw new Error(`no address for host ${id}`);
          dial = connectLink(address, { cluster: this.opts.cluster, hostId: me, secret: this.opts.secret }, id);
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
    if (this.peers.get(link.peer) === link) {
      this.peers.delete(link.peer);
      this.opts.log(`faasmpi host ${this.opts.hostId}: link with host ${link.peer} closed: ${why}`);
      for (const part of this.parts.values()) if (part.hasHost(link.peer)) part.stop(`host ${link.peer} left the job (${why})`, true);
      return;
    }
    // A launcher went away: its jobs end (nobody is left to see their output or outcome).
    for (const part of this.parts.values()) if (part.launcher === link) part.stop(`its launcher disconnected (${why})`, true);
  }

  private register(): Promise<void> {
    const o = this.opts;
    return o.state.registerHost({ id: o.hostId, address: this.address, slots: o.slots, startedAt: Date.now() }, o.ttlMs);
  }

  private async beat(): Promise<void> {
    try {
      if (!(await this.opts.state.heartbeat(this.opts.hostId, this.opts.ttlMs))) {
        this.opts.log(`faasmpi host ${this.opts.hostId}: registration had expired; registering again`);
        await this.register();
      }
    } catch (e) {
      this.opts.log(`faasmpi host ${this.opts.hostId}: heartbeat failed: ${(e as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const part of this.parts.values()) part.stop('the host is stopping', true);
    for (const l of this.peers.values()) l.close('host stopping');
    await this.server?.close();
    await this.host.close();
    await this.opts.state.removeHost(this.opts.hostId).catch(() => {});
    await this.opts.state.close();
  }
}
