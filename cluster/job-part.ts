// One host's part of a job spread over hosts: the ranks the planner put here, run by the host's LocalHost with
// their inboxes bridged to the other hosts (bridge.ts), their output relayed to the launcher, their deadlock
// view reported to it, the launcher's stdin fed to the ranks that read it (stdin-relay.ts), and their ends
// reported when the part is over. It ends early when the launcher says stop,
// when the launcher or a peer host goes away, or when a local rank fails (LocalHost ends the local ranks, and
// the launcher then stops the other parts).
import { statSync } from 'node:fs';
import type { QuietReport } from '../host/deadlock-watch.js';
import type { LoadedModule } from '../faaslet/module-loader.js';
import type { OutputChunk } from '../faaslet/output.js';
import type { LocalHost } from '../host/local-host.js';
import type { JobResult } from '../host/job.js';
import type { StdinSource } from '../host-interface/wasi/fd-table.js';
import { JobBridge } from './bridge.js';
import { control, type ControlKinds, type PrepareRequest } from './job-protocol.js';
import { StdinRelay } from './stdin-relay.js';
import { TeamRelay } from './team-relay.js';
import type { MpiMessage, TeamEnvelope } from './wire/codec.js';
import type { HostLink } from './wire/link.js';

/** After its ranks end, a part waits at most this long for the last of their relayed output. */
const OUTPUT_DRAIN_MS = 2000;

export interface JobPartOptions {
  job: string;
  user: string;
  launcher: HostLink;
  request: PrepareRequest;
  localRanks: number[];
  host: LocalHost;
  linkTo: (hostId: string) => HostLink | undefined;
  log: (line: string) => void;
  /** Called once when the part is over (its slots go back). */
  ended: () => void;
}

export class JobPart {
  readonly job: string;
  readonly user: string;
  readonly launcher: HostLink;
  /** The job's program, or each of its programs (MPMD), compiled. */
  private module: LoadedModule | LoadedModule[] | undefined;
  private apps: { argv0: string; args: string[]; np: number; program: string }[] | undefined;
  private readonly abort = new AbortController();
  private bridge: JobBridge | undefined;
  private failure: string | undefined;
  private state: 'prepared' | 'running' | 'over' = 'prepared';
  private readonly hosts: Set<string>;
  private readonly stdin: StdinRelay;

  constructor(private readonly o: JobPartOptions) {
    this.job = o.job;
    this.user = o.user;
    this.launcher = o.launcher;
    this.hosts = new Set([...o.request.group.hostTable, ...(o.request.ompSpread?.hosts ?? [])]);
    const readers = o.request.stdin === 'all' ? o.localRanks : o.localRanks.filter((r) => r === o.request.stdin);
    this.stdin = new StdinRelay(readers, (bytes) => this.send('stdin-credit', { bytes }));
  }

  /** A piece of the launcher's stdin for the ranks here that read it; breaking the protocol ends the part. */
  feedStdin(bytes: Uint8Array, end: boolean): void {
    const problem = this.stdin.push(bytes, end);
    if (problem) this.stop(`the launcher sent ${problem}`, true);
  }

  hasHost(hostId: string): boolean {
    return this.hosts.has(hostId);
  }

  /** Why a record said to come from rank `src` may not arrive over the link from host `hostId`, if so. */
  refusesRecordFrom(hostId: string, src: number): string | undefined {
    const table = this.o.request.group.hostTable;
    if (!this.hosts.has(hostId)) return `host ${hostId} is not in its host table`;
    if (!Number.isInteger(src) || src < 0 || src >= table.length) return `source rank ${src} is not in the job`;
    if (table[src] !== hostId) return `source rank ${src} runs on host ${table[src]}, not on host ${hostId}`;
    return undefined;
  }

  /** Compiles the program (cached by content) and checks the job's working directory exists here. */
  async load(program: Uint8Array, apps?: { bytes: Uint8Array; argv0: string; args: string[]; np: number }[]): Promise<void> {
    const dir = this.o.request.spec.sandboxRoot;
    let isDir = false;
    try { isDir = statSync(dir).isDirectory(); } catch { /* reported below */ }
    if (!isDir) throw new Error(`working directory ${dir} does not exist on this host (the hosts of a job need the same files: a shared filesystem)`);
    if (apps) {
      this.module = await Promise.all(apps.map((a) => this.o.host.modules.loadBytes(a.bytes, a.argv0)));
      this.apps = apps.map(({ argv0, args, np }) => ({ argv0, args, np, program: argv0 }));
    } else this.module = await this.o.host.modules.loadBytes(program, this.o.request.spec.argv0);
  }

  /** Preparation failed: nothing runs. */
  abandon(): void {
    this.finish();
  }

  start(): void {
    if (this.state !== 'prepared' || !this.module) return;
    this.state = 'running';
    void this.run(this.module);
  }

  /** Ends the part early; `failed`: something outside the ranks ended it (reported as the part's failure). */
  stop(reason: string, failed = false): void {
    if (failed && this.failure === undefined) this.failure = reason;
    if (this.state === 'prepared') {
      this.finish();
      return;
    }
    this.abort.abort();
  }

  /** Records that came before this host's ranks were connected (peers may start sooner), kept in order. */
  private early: [MpiMessage, Uint8Array | undefined][] | undefined = [];

  deliver(m: MpiMessage, raw: Uint8Array | undefined): void {
    if (this.bridge) this.bridge.deliver(m, raw);
    else this.early?.push([m, raw]);
  }

  /** Team messages that came before this part started (the rank's host may start first), kept in order. */
  private earlyTeam: [string, TeamEnvelope][] | undefined = [];
  private relay: TeamRelay | undefined;

  /** A spread OpenMP team's message from another host of the job. */
  deliverTeam(from: string, m: TeamEnvelope): void {
    if (this.relay) this.relay.deliver(from, m);
    else if (this.earlyTeam && this.earlyTeam.length < 1024) this.earlyTeam.push([from, m]);
    else this.stop(`host ${from} sent OpenMP team messages before the job started`, true);
  }

  /** --omp-spread: carries the job's team messages; replicas of ranks of other hosts run here on demand. */
  private startRelay(module: LoadedModule | LoadedModule[]): TeamRelay | undefined {
    const { group, spec, ompSpread } = this.o.request;
    if (!ompSpread) return undefined;
    const moduleOf = (rank: number) => {
      if (!Array.isArray(module)) return { module, args: spec.args, argv0: spec.argv0 };
      let first = 0;
      for (let i = 0; i < module.length; i++) {
        const app = this.apps![i];
        if (rank < first + app.np) return { module: module[i], args: app.args, argv0: app.argv0 };
        first += app.np;
      }
      throw new Error(`rank ${rank} has no program`);
    };
    const relay = new TeamRelay({
      group, me: this.o.host.hostId, spreadHosts: ompSpread.hosts, verbose: ompSpread.verbose, host: this.o.host,
      linkTo: this.o.linkTo, signal: this.abort.signal,
      fail: (problem) => this.stop(problem, true),
      replicaOf: (rank) => {
        const { module: m, args, argv0 } = moduleOf(rank);
        const channel = `faasmpi-out:${this.job}:${rank}`;
        return { module: m, spec: { env: spec.env, args, argv0, sandboxRoot: spec.sandboxRoot, np: spec.np }, stdout: { fd: 1, channel }, stderr: { fd: 2, channel } };
      },
    });
    this.relay = relay;
    for (const [from, m] of this.earlyTeam ?? []) relay.deliver(from, m);
    this.earlyTeam = undefined;
    return relay;
  }

  private async run(module: LoadedModule | LoadedModule[]): Promise<void> {
    const { group, spec } = this.o.request;
    const output = this.relayOutput();
    const relay = this.startRelay(module);
    let result: JobResult;
    if (this.o.localRanks.length === 0) {
      // A host taking part only with OpenMP threads: its replicas run until the launcher stops the part.
      await new Promise<void>((resolve) => { if (this.abort.signal.aborted) resolve(); else this.abort.signal.addEventListener('abort', () => resolve(), { once: true }); });
      relay?.close();
      await output.drained([]);
      this.send('part-end', { result: { exitCode: this.failure ? 1 : 0, ranks: [], snapshot: { used: false, note: '' } }, crossHostRecords: { sent: 0, received: 0 }, failure: this.failure });
      this.finish();
      return;
    }
    try {
      // Output fds are the launcher's own business: a launcher's numbers must never name this host's fds.
      const stdin = Array.from({ length: spec.np }, (_, r): StdinSource => {
        const buffer = this.stdin.bufferOf(r);
        return buffer ? { kind: 'pipe', buffer } : { kind: 'null' };
      });
      result = await this.o.host.runPart({ ...spec, stdin, outputFds: undefined, apps: this.apps, program: spec.argv0 }, module, {
        group,
        localRanks: this.o.localRanks,
        signal: this.abort.signal,
        outputChannel: output.channelName,
        outputGate: this.launcher,
        bridge: (channels) => {
          const bridge = new JobBridge(group.id, channels, group.hostTable, this.o.host.hostId, this.o.linkTo, (problem) => this.stop(problem, true));
          this.bridge = bridge;
          bridge.start();
          for (const [m, raw] of this.early ?? []) bridge.deliver(m, raw);
          this.early = undefined;
          return () => bridge.end();
        },
        onQuiet: (report: QuietReport) => this.send('quiet', report),
        ompSpread: relay && ((rank, maxMemoryBytes) => relay.mainLink(rank, maxMemoryBytes)),
      });
    } catch (e) {
      result = { exitCode: 1, ranks: [], hostFailure: { code: 1, message: `host ${this.o.host.hostId}: ${(e as Error).message}` }, snapshot: { used: false, note: '' } };
    }
    relay?.close();
    // Ranks that were stopped (their worker terminated) never say their output is complete.
    await output.drained(this.o.localRanks.filter((r) => result.ranks[r] && result.ranks[r].kind !== 'stopped'));
    this.send('part-end', {
      result,
      crossHostRecords: { sent: this.bridge?.sent ?? 0, received: this.bridge?.received ?? 0 },
      failure: this.failure,
    });
    this.finish();
  }

  /** Listens on each local rank's output channel and forwards what arrives to the launcher. */
  private relayOutput() {
    const name = (rank: number) => `faasmpi-out:${this.job}:${rank}`;
    const open = new Map<number, { channel: BroadcastChannel; done: Promise<void> }>();
    // A part with spread teams also relays what replicas of other hosts' ranks print here.
    const relayed = this.o.request.ompSpread ? this.o.request.group.hostTable.map((_, r) => r) : this.o.localRanks;
    for (const rank of relayed) {
      const channel = new BroadcastChannel(name(rank));
      let ended!: () => void;
      const done = new Promise<void>((r) => (ended = r));
      channel.onmessage = (ev) => {
        const chunk = (ev as MessageEvent<OutputChunk>).data;
        if ('end' in chunk) ended();
        else this.send('output', { rank, fd: chunk.fd }, chunk.bytes);
      };
      open.set(rank, { channel, done });
    }
    return {
      channelName: name,
      drained: async (ranks: number[]) => {
        const cap = new Promise<void>((r) => setTimeout(r, OUTPUT_DRAIN_MS).unref());
        await Promise.race([Promise.all(ranks.map((r) => open.get(r)!.done)), cap]);
        for (const o of open.values()) o.channel.close();
      },
    };
  }

  private send<K extends 'quiet' | 'part-end' | 'output' | 'stdin-credit'>(kind: K, args: ControlKinds[K], blob?: Uint8Array): void {
    if (this.launcher.open) this.launcher.send(control(kind, this.job, this.user, args, blob));
  }

  private finish(): void {
    if (this.state === 'over') return;
    this.state = 'over';
    this.stdin.close();
    this.o.ended();
  }
}
