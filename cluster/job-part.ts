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
import { argsOf, control, type ControlKinds, type PrepareRequest } from './job-protocol.js';
import { PartMigration } from './part-migration.js';
import type { HostTableEpoch } from '../fgroups/epochs.js';
import type { JobChannels } from '../mpi/transport/job-channels.js';
import type { Control } from './wire/codec.js';
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
  /** A move between hosts changed how many of the job's ranks run here by `delta`. */
  slotsChanged?: (delta: number) => void;
}

/** The most bytes a peer's capture of one rank may take (the link's own frame limit is 1 GiB). */
const MAX_CAPTURE_BYTES = (1 << 30) - (1 << 20);

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
  /** The job's host table now (epochs advance when ranks move between hosts). */
  private epoch: HostTableEpoch;
  private channels: JobChannels | undefined;
  private readonly migration: PartMigration | undefined;
  private output: ReturnType<JobPart['relayOutput']> | undefined;
  /** Faaslets each rank has run here (a rank that stays through a move runs two): their output ends to await. */
  private readonly faasletsHere = new Map<number, number>();

  constructor(private readonly o: JobPartOptions) {
    this.job = o.job;
    this.user = o.user;
    this.launcher = o.launcher;
    this.hosts = new Set([...o.request.group.hostTable, ...(o.request.ompSpread?.hosts ?? [])]);
    this.epoch = { epoch: 0, hostTable: [...o.request.group.hostTable] };
    for (const r of o.localRanks) this.faasletsHere.set(r, 1);
    this.migration = o.request.spec?.migration === undefined ? undefined : this.makeMigration();
    const readers = o.request.stdin === 'all' ? o.localRanks : o.localRanks.filter((r) => r === o.request.stdin);
    this.stdin = new StdinRelay(readers, (bytes) => this.send('stdin-credit', { bytes }));
  }

  /** A piece of the launcher's stdin for the ranks here that read it; breaking the protocol ends the part. */
  feedStdin(bytes: Uint8Array, end: boolean): void {
    const problem = this.stdin.push(bytes, end);
    if (problem) this.stop(`the launcher sent ${problem}`, true);
  }

  /**
   * Whether the job needs the host now: it runs ranks of the job, or OpenMP threads of its spread teams (a host
   * all of whose ranks moved away is no longer needed).
   */
  hasHost(hostId: string): boolean {
    return this.epoch.hostTable.includes(hostId) || (this.o.request.ompSpread?.hosts.includes(hostId) ?? false);
  }

  /** Whether the host was given part of the job (it may take part in a move between hosts). */
  isJobHost(hostId: string): boolean {
    return this.hosts.has(hostId);
  }

  /** An operator's move request, checked and passed to the launcher; or why it is refused. */
  requestMove(r: ControlKinds['migrate-request']): string | undefined {
    const np = this.o.request.spec.np;
    const m = this.o.request.spec.migration;
    if (!m) return `job ${this.job} opted out of moves (--no-migrate)`;
    const modules = Array.isArray(this.module) ? this.module : this.module ? [this.module] : [];
    if (!modules.every((x) => x.meta?.asyncify)) return `job ${this.job}'s program was not built with faasmpicc -fmigrate: its ranks cannot move`;
    if (this.state !== 'running') return `job ${this.job} is not running`;
    if (r?.pack === true && r.rank === undefined && r.to === undefined) {
      this.send('migrate-request', { pack: true });
      return undefined;
    }
    if (!Number.isInteger(r?.rank) || r.rank! < 0 || r.rank! >= np) return `rank ${String(r?.rank)} is not a rank of job ${this.job} (0-${np - 1})`;
    const now = [...new Set(this.epoch.hostTable)];
    if (typeof r.to !== 'string' || !now.includes(r.to)) return `host ${JSON.stringify(r?.to)} is not one of job ${this.job}'s hosts (${now.join(', ')})`;
    if (this.epoch.hostTable[r.rank!] === r.to) return `rank ${r.rank} already runs on host ${r.to}`;
    this.send('migrate-request', { rank: r.rank, to: r.to });
    return undefined;
  }

  /** The launcher's 'migrate-decision' or 'migrate-resume'. */
  onLauncherMigration(c: Control): void {
    if (!this.migration) return this.stop(`the launcher sent '${c.kind}' for a job that does not move`, true);
    if (c.kind === 'migrate-decision') this.migration.onDecision(argsOf(c, 'migrate-decision'));
    else this.migration.onResume(argsOf(c, 'migrate-resume'));
  }

  /** A peer host's 'migrate-drained' or 'migrate-capture' (the host runtime checked it is a host of the job). */
  onPeerMigration(hostId: string, c: Control): void {
    if (!this.migration) return this.stop(`host ${hostId} sent '${c.kind}' for a job that does not move`, true);
    this.migration.onPeer(hostId, c);
  }

  private makeMigration(): PartMigration {
    const me = this.o.host.hostId;
    return new PartMigration({
      myHost: me, np: this.o.request.spec.np, hosts: this.hosts, repeat: this.o.request.spec.migration?.onRequest === true,
      epoch: () => this.epoch,
      toLauncher: (kind, args) => this.send(kind, args),
      toPeer: (host, kind, args, blob) => {
        const link = this.o.linkTo(host);
        if (!link?.open) throw new Error(`cannot reach host ${host}: its link is closed`);
        link.send(control(kind, this.job, this.user, args, blob));
      },
      channels: () => this.channels!,
      bridge: () => this.bridge!,
      switchTo: (next, held) => {
        const before = this.epoch.hostTable.filter((h) => h === me).length;
        // Faaslets each rank ran here in all (a rank may leave and come back): its output ends to wait for.
        for (const [rank, host] of next.hostTable.entries()) {
          if (host === me) this.faasletsHere.set(rank, (this.faasletsHere.get(rank) ?? 0) + 1);
        }
        this.epoch = next;
        const bridge = new JobBridge(this.job, this.channels!, next.hostTable, me, this.o.linkTo, (problem) => this.stop(problem, true));
        this.bridge = bridge;
        bridge.start();
        for (const [rank, list] of held) bridge.adoptHeld(rank, list);
        this.o.slotsChanged?.(next.hostTable.filter((h) => h === me).length - before);
      },
      relayOutputOf: (rank) => this.output?.add(rank),
      outputRelayed: (rank) => this.output?.ended(rank, this.faasletsHere.get(rank) ?? 1) ?? Promise.resolve(),
      maxCaptureBytes: MAX_CAPTURE_BYTES,
      fail: (problem) => this.stop(problem, true),
      signal: this.abort.signal,
      log: (line) => { if (this.o.request.spec.migration?.verbose) this.o.log(line); },
    });
  }

  /** Why a record said to come from rank `src` may not arrive over the link from host `hostId`, if so. */
  refusesRecordFrom(hostId: string, src: number): string | undefined {
    const table = this.epoch.hostTable;
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
    this.output = output;
    const relay = this.startRelay(module);
    let result: JobResult;
    if (this.o.localRanks.length === 0) {
      // A host taking part only with OpenMP threads: its replicas run until the launcher stops the part.
      await new Promise<void>((resolve) => { if (this.abort.signal.aborted) resolve(); else this.abort.signal.addEventListener('abort', () => resolve(), { once: true }); });
      relay?.close();
      await output.drained([], () => 1);
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
          this.channels = channels;
          const bridge = new JobBridge(group.id, channels, group.hostTable, this.o.host.hostId, this.o.linkTo, (problem) => this.stop(problem, true));
          this.bridge = bridge;
          bridge.start();
          for (const [m, raw] of this.early ?? []) bridge.deliver(m, raw);
          this.early = undefined;
          return () => this.bridge!.end(); // the bridge of the last epoch
        },
        moves: this.migration,
        onQuiet: (report: QuietReport) => this.send('quiet', report),
        ompSpread: relay && ((rank, maxMemoryBytes) => relay.mainLink(rank, maxMemoryBytes)),
      });
    } catch (e) {
      result = { exitCode: 1, ranks: [], hostFailure: { code: 1, message: `host ${this.o.host.hostId}: ${(e as Error).message}` }, snapshot: { used: false, note: '' } };
    }
    relay?.close();
    // Ranks that were stopped (their worker terminated) never say their output is complete.
    await output.drained([...this.faasletsHere.keys()].filter((r) => this.epoch.hostTable[r] === this.o.host.hostId).filter((r) => result.ranks[r] && result.ranks[r].kind !== 'stopped'), (r) => this.faasletsHere.get(r) ?? 1);
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
    // Each Faaslet of a rank posts an end once all its output is posted; a rank that moves runs several.
    const open = new Map<number, { channel: BroadcastChannel; ends: number; waiters: (() => void)[] }>();
    const add = (rank: number) => {
      if (open.has(rank)) return;
      const channel = new BroadcastChannel(name(rank));
      const entry = { channel, ends: 0, waiters: [] as (() => void)[] };
      channel.onmessage = (ev) => {
        const chunk = (ev as MessageEvent<OutputChunk>).data;
        if ('end' in chunk) {
          entry.ends++;
          for (const w of entry.waiters.splice(0)) w();
        } else this.send('output', { rank, fd: chunk.fd }, chunk.bytes);
      };
      open.set(rank, entry);
    };
    // A part with spread teams also relays what replicas of other hosts' ranks print here.
    for (const rank of this.o.request.ompSpread ? this.o.request.group.hostTable.keys() : this.o.localRanks) add(rank);
    /** Resolves once `rank` has posted `count` ends (at most OUTPUT_DRAIN_MS later). */
    const ended = async (rank: number, count: number) => {
      const entry = open.get(rank);
      if (!entry) return;
      const cap = new Promise<void>((r) => setTimeout(r, OUTPUT_DRAIN_MS).unref());
      const reached = (async () => { while (entry.ends < count) await new Promise<void>((r) => entry.waiters.push(r)); })();
      await Promise.race([reached, cap]);
    };
    return {
      channelName: name,
      add,
      ended,
      drained: async (ranks: number[], count: (rank: number) => number) => {
        await Promise.all(ranks.map((r) => ended(r, count(r))));
        for (const o of open.values()) o.channel.close();
      },
    };
  }

  private send<K extends 'quiet' | 'part-end' | 'output' | 'stdin-credit' | 'migrate-vote' | 'migrate-ready' | 'migrate-request'>(kind: K, args: ControlKinds[K], blob?: Uint8Array): void {
    if (this.launcher.open) this.launcher.send(control(kind, this.job, this.user, args, blob));
  }

  private finish(): void {
    if (this.state === 'over') return;
    this.state = 'over';
    this.stdin.close();
    this.o.ended();
  }
}
