// The thread that speaks for its host in a team spread over hosts: on the main host the forking thread
// (thread 0), on each other host the thread with the host's lowest thread number. At every synchronisation
// point (barrier, reduction, the join) its host's members have all arrived before it calls exchange(): then
// nobody on its host writes memory while it diffs and applies the merged changes.
import { JobAbort } from '../../host-interface/types.js';
import { OmpError } from '../errors.js';
import { M } from '../layout.js';
import { type HostBlock, describeLayout, evenShares, placeTeam } from './layout.js';
import { MainMemorySync, ReplicaMemorySync } from './memory-sync.js';
import type { PortTeamLink } from './port-link.js';
import { reduceDataInOrder } from './reduce-order.js';
import { decodeTeamMessage, encodeTeamMessage, TeamWireError, type ArriveMessage, type ForkMessage, type MemberBlocks, type SyncKind, type TeamMessage, type TeamWireLimits } from './team-wire.js';

export const WIRE_LIMITS = (maxMemoryBytes: number): TeamWireLimits => ({ maxThreads: 256, maxArgs: 128, maxLevels: 16, maxMessageBytes: maxMemoryBytes * 2 + (1 << 20) });

/** Figures of a spread team for -v and the experiment. */
export interface SpreadStats {
  syncs: number;
  syncMs: number;
  /** Of syncMs: waiting for the other hosts' arrivals (their compute, the network, their diffing). */
  waitMs: number;
  diffBytesReceived: number;
  updateBytesSent: number;
}

function decode(host: string, bytes: Uint8Array, limits: TeamWireLimits): TeamMessage {
  try {
    return decodeTeamMessage(bytes, limits);
  } catch (e) {
    if (e instanceof TeamWireError) throw new OmpError(`host ${host} sent a team message this runtime refuses: ${e.message}`);
    throw e;
  }
}

export interface SpreadMainInit {
  link: PortTeamLink;
  /** This host first, then the job's other hosts a team may use. */
  hosts: string[];
  memory: () => WebAssembly.Memory;
  maxMemoryBytes: number;
  /** -v: where the layout and the figures go. */
  verbose?: (line: string) => void;
  rank: number;
}

export class SpreadMain {
  private sync: MainMemorySync | undefined;
  private region = 0;
  private seq = 0;
  private blocks: HostBlock[] = [];
  private readonly described = new Set<string>();
  readonly stats: SpreadStats = { syncs: 0, syncMs: 0, waitMs: 0, diffBytesReceived: 0, updateBytesSent: 0 };

  constructor(private readonly o: SpreadMainInit) {}

  /** Where an n-thread team's threads go; undefined when it fits on this host alone. */
  layout(n: number): HostBlock[] | undefined {
    const blocks = placeTeam(n, evenShares(n, this.o.hosts));
    return blocks.length > 1 ? blocks : undefined;
  }

  /** Ships the region to every other host of the team: the memory update and each host's members. */
  fork(blocks: HostBlock[], region: Omit<ForkMessage, 'kind' | 'region' | 'members' | 'update'>, memberBlocks: (tnum: number) => Omit<MemberBlocks, 'tnum'>): void {
    this.blocks = blocks;
    this.region++;
    this.seq = 0;
    const key = blocks.map((b) => `${b.host}:${b.count}`).join();
    if (this.o.verbose && !this.described.has(key)) {
      this.described.add(key);
      this.o.verbose(describeLayout(this.o.rank, region.level, blocks));
    }
    // The members' blocks first: setting one aside writes the master memory, which the update must carry.
    const perHost = blocks.slice(1).map((b) => ({ b, members: Array.from({ length: b.count }, (_, i) => ({ tnum: b.first + i, ...memberBlocks(b.first + i) })) }));
    this.sync ??= new MainMemorySync(this.o.memory(), this.o.maxMemoryBytes);
    const update = this.sync.forkUpdate();
    for (const { b, members } of perHost) {
      const bytes = encodeTeamMessage({ kind: 'fork', region: this.region, ...region, members, update });
      this.stats.updateBytesSent += bytes.length;
      this.o.link.send(b.host, bytes);
    }
  }

  /**
   * Everyone on this host arrived at sync point `kind`: wait for every other host's arrival, merge the memory
   * changes, and release them with the aggregate. At a reduction, the team words' reduce-data slots of the
   * other hosts' threads are filled in (this host's threads wrote their own).
   */
  exchange(kind: SyncKind, words: Int32Array, nthreads: number): void {
    const started = performance.now();
    this.seq++;
    const remote = this.blocks.slice(1);
    const got = new Map<string, ArriveMessage>();
    const limits = WIRE_LIMITS(this.o.maxMemoryBytes);
    while (got.size < remote.length) {
      const p = this.o.link.receive();
      const m = decode(p.host, p.bytes, limits);
      if (m.kind === 'failed') throw new JobAbort(1, `host ${p.host}: ${m.message}`);
      if (!remote.some((b) => b.host === p.host)) throw new OmpError(`host ${p.host} sent a ${m.kind} message but runs no thread of this team`);
      if (m.kind !== 'arrive') throw new OmpError(`host ${p.host} sent a ${m.kind} message where its arrival at a ${kind} was due`);
      if (m.region !== this.region || m.seq !== this.seq || m.sync !== kind) {
        throw new OmpError(`host ${p.host} reached ${m.sync} ${m.seq} of region ${m.region} while this host reached ${kind} ${this.seq} of region ${this.region}: the team's threads met different synchronisation points`);
      }
      if (got.has(p.host)) throw new OmpError(`host ${p.host} arrived twice at ${kind} ${this.seq}`);
      got.set(p.host, m);
    }
    const arrived = performance.now();
    this.stats.waitMs += arrived - started;
    if (kind === 'reduce') {
      const local = Array.from({ length: this.blocks[0].count }, (_, t) => ({ tnum: t, data: words[M.reduceData + t] }));
      const from = new Map([[this.blocks[0].host, local], ...remote.map((b) => [b.host, got.get(b.host)!.reduceData] as const)]);
      const order = reduceDataInOrder(nthreads, this.blocks, from, this.o.memory().buffer.byteLength);
      for (let t = 0; t < nthreads; t++) words[M.reduceData + t] = order[t];
    }
    const out = this.sync!.merge(remote.map((b) => ({ host: b.host, diff: got.get(b.host)!.diff })), this.o.hosts[0]);
    if (out.conflicts.length > 0) {
      // Never a silent pick of one value: a lost update (critical, atomic) would look just like this.
      throw new OmpError(`${out.conflicts[0]}${out.conflicts.length > 1 ? ` (and ${out.conflicts.length - 1} more ranges)` : ''}. With --omp-spread, threads on different hosts must not write the same bytes between two barriers: a data race, or critical, atomic, locks, malloc or printf in a region spread over hosts, which are not carried across hosts yet`);
    }
    const release = encodeTeamMessage({ kind: 'release', region: this.region, seq: this.seq, update: out.aggregate });
    for (const b of remote) this.o.link.send(b.host, release);
    this.stats.syncs++;
    this.stats.syncMs += performance.now() - started;
    this.stats.diffBytesReceived += out.receivedBytes;
    this.stats.updateBytesSent += release.length * remote.length;
  }

  /** -v, when the rank ends: what spreading its teams cost. */
  report(): void {
    if (this.o.verbose && this.region > 0) this.o.verbose(this.describeStats());
  }

  /** The figures, for -v at the end of the process. */
  describeStats(): string {
    const s = this.stats;
    return `rank ${this.o.rank}: ${this.region} region(s) spread over hosts, ${s.syncs} synchronisation(s) of ${s.syncs ? (s.syncMs / s.syncs).toFixed(3) : '0'} ms each (${s.syncs ? (s.waitMs / s.syncs).toFixed(3) : '0'} ms of it waiting for the other hosts), ${s.diffBytesReceived} bytes of FDiffs received, ${s.updateBytesSent} bytes of updates sent`;
  }
}

export interface SpreadReplicaInit {
  link: PortTeamLink;
  /** The host of the rank's main thread. */
  main: string;
  memory: WebAssembly.Memory;
  maxMemoryBytes: number;
}

/** A host that runs members of another host's teams, on one replica of the rank's memory. */
export class SpreadReplica {
  private readonly sync: ReplicaMemorySync;
  private region = 0;
  private seq = 0;
  private pending: ForkMessage | undefined;

  constructor(private readonly o: SpreadReplicaInit) {
    this.sync = new ReplicaMemorySync(o.memory, o.main, o.maxMemoryBytes);
  }

  /**
   * The first region, before this host's thread instance exists: the replica must hold the master's image
   * before the module is instantiated on it (instantiation would otherwise initialise its data again).
   */
  awaitFirstFork(): ForkMessage {
    this.pending = this.nextFork();
    return this.pending;
  }

  /** The next region for this host (its memory updated); throws TeamLinkClosed when the job is ending. */
  nextFork(): ForkMessage {
    if (this.pending) {
      const m = this.pending;
      this.pending = undefined;
      return m;
    }
    const p = this.o.link.receive();
    if (p.host !== this.o.main) throw new OmpError(`host ${p.host} sent a team message; only host ${this.o.main} forks this rank's teams`);
    const m = decode(p.host, p.bytes, WIRE_LIMITS(this.o.maxMemoryBytes));
    if (m.kind !== 'fork') throw new OmpError(`host ${p.host} sent a ${m.kind} message where a fork was due`);
    if (m.region !== this.region + 1) throw new OmpError(`host ${p.host} forked region ${m.region} after region ${this.region}`);
    this.region = m.region;
    this.seq = 0;
    this.sync.applyUpdate(m.update);
    return m;
  }

  /** Everyone on this host arrived: send our changes, wait for the release and apply the aggregate. */
  exchange(kind: SyncKind, words: Int32Array, first: number, count: number): void {
    this.seq++;
    const reduceData = kind === 'reduce' ? Array.from({ length: count }, (_, i) => ({ tnum: first + i, data: words[M.reduceData + first + i] })) : [];
    this.o.link.send(this.o.main, encodeTeamMessage({ kind: 'arrive', region: this.region, seq: this.seq, sync: kind, reduceData, diff: this.sync.ownDiff() }));
    const p = this.o.link.receive();
    if (p.host !== this.o.main) throw new OmpError(`host ${p.host} sent a team message; only host ${this.o.main} releases this rank's teams`);
    const m = decode(p.host, p.bytes, WIRE_LIMITS(this.o.maxMemoryBytes));
    if (m.kind === 'failed') throw new JobAbort(1, `host ${p.host}: ${m.message}`);
    if (m.kind !== 'release' || m.region !== this.region || m.seq !== this.seq) throw new OmpError(`host ${p.host} sent a ${m.kind} message where the release of ${kind} ${this.seq} of region ${this.region} was due`);
    this.sync.applyUpdate(m.update);
  }

  /** Tells the main host this host's part failed (it ends the job with the message). */
  fail(message: string): void {
    this.o.link.send(this.o.main, encodeTeamMessage({ kind: 'failed', message }));
  }
}
