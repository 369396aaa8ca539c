// One job part's side of OpenMP teams spread over hosts (faasmpirun --omp-spread): carries the team messages
// (openmp/spread/team-wire.ts) between the Faaslets on this host and the job's other hosts. A rank running here
// gets a link to them (its main thread forks the teams); a rank running elsewhere gets, at the first message
// from its host, a replica Faaslet here that runs this host's members of its teams (LocalHost.runOmpReplica).
// The messages are checked by the Faaslets; here only who may send what: a replica is only ever fed by the
// rank's own host, and a rank here only hears from the job's spread hosts.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { FGroup } from '../fgroups/fgroup.js';
import type { LoadedModule } from '../faaslet/module-loader.js';
import type { SinkSpec } from '../faaslet/output.js';
import type { LocalHost, OmpReplicaPlacement } from '../host/local-host.js';
import type { SpreadConfig } from '../openmp/module.js';
import { BELL_WORDS, closeForThread, postToThread, type TeamPost } from '../openmp/spread/port-link.js';
import type { TeamEnvelope } from './wire/codec.js';
import type { HostLink } from './wire/link.js';

interface Endpoint {
  port: MessagePort;
  bell: SharedArrayBuffer;
}

export interface TeamRelayOptions {
  group: FGroup;
  me: string;
  /** Hosts the job's teams may use, in order (each rank's own host goes first for its teams). */
  spreadHosts: string[];
  verbose: boolean;
  host: LocalHost;
  linkTo: (hostId: string) => HostLink | undefined;
  /** What a replica here runs: the rank's program and the job's settings. */
  replicaOf: (rank: number) => Pick<OmpReplicaPlacement, 'module' | 'spec' | 'stdout' | 'stderr'>;
  signal: AbortSignal;
  /** A problem that ends the part (a peer broke the rules, a replica failed). */
  fail: (problem: string) => void;
}

export class TeamRelay {
  private readonly mains = new Map<number, Endpoint>();
  private readonly replicas = new Map<number, Endpoint>();
  private closed = false;

  constructor(private readonly o: TeamRelayOptions) {}

  /** The link a rank here gets for its teams. */
  mainLink(rank: number, maxMemoryBytes: number): Extract<SpreadConfig, { role: 'main' }> {
    const ep = this.endpoint(rank, (to, bytes) => {
      if (!this.o.spreadHosts.includes(to) || to === this.o.me) return this.o.fail(`rank ${rank} sent a team message to host ${to}, which is not one of the job's other hosts`);
      this.send(to, rank, bytes);
    });
    this.mains.set(rank, ep);
    const hosts = [this.o.me, ...this.o.spreadHosts.filter((h) => h !== this.o.me)];
    return { role: 'main', link: { port: ep.far, bell: ep.bell }, hosts, maxMemoryBytes, verbose: this.o.verbose };
  }

  /** A team message from host `from`. */
  deliver(from: string, m: TeamEnvelope): void {
    if (this.closed) return;
    const { rank } = m;
    const table = this.o.group.hostTable;
    if (!Number.isInteger(rank) || rank < 0 || rank >= table.length) return this.o.fail(`host ${from} sent a team message for rank ${rank}, which is not in the job`);
    if (!this.o.spreadHosts.includes(from)) return this.o.fail(`host ${from} sent a team message but does not take part in the job's teams`);
    const post: TeamPost = { host: from, bytes: m.payload };
    if (table[rank] === this.o.me) {
      const main = this.mains.get(rank);
      if (!main) return this.o.fail(`host ${from} sent a team message for rank ${rank}, whose teams do not spread`);
      postToThread(main.port, main.bell, post);
      return;
    }
    if (table[rank] !== from) return this.o.fail(`host ${from} sent a team message for rank ${rank}, which runs on host ${table[rank]}`);
    let replica = this.replicas.get(rank);
    if (!replica) replica = this.startReplica(rank, from);
    postToThread(replica.port, replica.bell, post);
  }

  private startReplica(rank: number, main: string): Endpoint {
    const ep = this.endpoint(rank, (to, bytes) => {
      if (to !== main) return this.o.fail(`the replica of rank ${rank} sent a team message to host ${to}, not to the rank's host ${main}`);
      this.send(to, rank, bytes);
    });
    this.replicas.set(rank, ep);
    const what = this.o.replicaOf(rank);
    void this.o.host.runOmpReplica({ ...what, group: this.o.group, rank, link: { port: ep.far, bell: ep.bell }, main, signal: this.o.signal })
      .then((end) => {
        if (end.kind === 'done' || end.kind === 'exit') return;
        const why = end.kind === 'trap' ? `trap: ${end.trap}` : 'message' in end ? end.message : end.kind;
        this.o.fail(`OpenMP threads of rank ${rank} on host ${this.o.me}: ${why}`);
      }, (e: Error) => {
        if (!this.o.signal.aborted) this.o.fail(`OpenMP threads of rank ${rank} on host ${this.o.me}: ${e.message}`);
      });
    return ep;
  }

  private endpoint(rank: number, onSend: (to: string, bytes: Uint8Array) => void): Endpoint & { far: MessagePort } {
    const channel = new MessageChannel();
    const bell = new SharedArrayBuffer(BELL_WORDS * 4);
    channel.port1.on('message', (p: TeamPost) => {
      if (this.closed) return;
      if (typeof p?.host !== 'string' || !(p.bytes instanceof Uint8Array)) return this.o.fail(`rank ${rank}'s team link posted a malformed message`);
      onSend(p.host, p.bytes);
    });
    channel.port1.unref();
    return { port: channel.port1, bell, far: channel.port2 };
  }

  private send(to: string, rank: number, payload: Uint8Array): void {
    const link = this.o.linkTo(to);
    if (!link?.open) return this.o.fail(`cannot reach host ${to} for rank ${rank}'s OpenMP team: its link is closed`);
    link.send({ team: { group: this.o.group.id, rank, payload } });
  }

  /** The job is over here: every thread waiting for a team message stops. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ep of [...this.mains.values(), ...this.replicas.values()]) {
      closeForThread(ep.bell);
      ep.port.close();
    }
  }
}
