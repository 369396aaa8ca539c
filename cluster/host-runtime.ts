// A host runtime's membership of its cluster: it listens for links from other hosts, registers itself in the
// shared state, renews its registration with heartbeats (registering again if it expired, e.g. after a pause),
// and leaves the registry when it stops. Running assigned Faaslets over these links is the next step (issue 5).
import type { ClusterState } from './state/types.js';
import { LinkServer, type HostLink } from './wire/link.js';

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
  state: ClusterState;
  heartbeatMs: number;
  /** A host missing heartbeats this long is dead (its slots are released). */
  ttlMs: number;
  log: (line: string) => void;
}

export class HostRuntime {
  private server: LinkServer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly links = new Set<HostLink>();
  address = '';

  constructor(private readonly opts: HostRuntimeOptions) {}

  async start(): Promise<void> {
    const o = this.opts;
    this.server = new LinkServer({ cluster: o.cluster, hostId: o.hostId, secret: o.secret, port: o.port, host: o.bind, log: o.log });
    const port = await this.server.ready;
    this.address = o.advertise ?? `${o.bind}:${port}`;
    this.server.on('link', (link) => {
      this.links.add(link);
      o.log(`faasmpi host ${o.hostId}: linked with ${link.peer}`);
      link.on('close', (why) => {
        this.links.delete(link);
        o.log(`faasmpi host ${o.hostId}: link with ${link.peer} closed: ${why}`);
      });
    });
    await this.register();
    this.timer = setInterval(() => void this.beat(), o.heartbeatMs);
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
    for (const l of this.links) l.close('host stopping');
    await this.server?.close();
    await this.opts.state.removeHost(this.opts.hostId).catch(() => {});
    await this.opts.state.close();
  }
}
