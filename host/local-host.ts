// The host runtime for the Faaslets of this machine: module cache, warm worker pool, snapshot cache, and the
// job runner that starts a job's ranks, watches them, and ends the whole job as soon as one rank fails.
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { availableParallelism, hostname } from 'node:os';
import { singleHostGroup, type FGroup } from '../fgroups/fgroup.js';
import type { OmpReplicaTask, PrepareTask, RunTask, ThreadOutcome } from '../faaslet/faaslet-worker.js';
import type { SpreadConfig } from '../openmp/module.js';
import type { TeamLinkInit } from '../openmp/spread/port-link.js';
import type { FaasletOutcome } from '../faaslet/outcome.js';
import { RankThreads } from './rank-threads.js';
import { memoryFor } from '../faaslet/faaslet.js';
import { OutputCredit, type OutputChunk, type SinkSpec } from '../faaslet/output.js';
import { collectIfDue, noteReleased, wipe } from '../faaslet/reclaim.js';
import { WASM_PAGE } from '../snapshots/snapshot.js';
import { JobChannels, RankState } from '../mpi/transport/job-channels.js';
import { HostLoad } from '../mpi/transport/host-load.js';
import { MachineLoadSampler } from './machine-load.js';
import { DeadlockWatch, type QuietReport } from './deadlock-watch.js';
import { ModuleCache, type LoadedModule } from '../faaslet/module-loader.js';
import { hostSpecs } from '../host-interface/index.js';
import type { Preopen, StdinSource } from '../host-interface/wasi/fd-table.js';
import { FaasletPool, type PoolOptions } from './faaslet-pool.js';
import { DEFAULT_INIT_TIMEOUT_MS, failureCode, jobExitCode, timeoutMessage, TIMEOUT_EXIT_CODE, type JobResult, type JobSpec, type RankEnd } from './job.js';
import { wasmStacks } from './thread-stacks.js';
import { SnapshotCache, type SnapshotCacheOptions } from './snapshot-cache.js';
import { JobMigration, type CrossHostMoves } from '../migration/job-migration.js';
import type { RankCapture } from '../migration/capture.js';
import { snapshotDigest } from '../snapshots/diff.js';

/** Where relayed output goes next (a launcher's link): whether it is backed up, and when it no longer is. */
export interface OutputGate {
  readonly congested: boolean;
  writable(): Promise<void>;
}

/**
 * Gives relayed output's writers their credit back as the output reaches this thread (whoever relays it on
 * hears it at the same time) and the gate it goes on through is not backed up, so a rank printing faster than
 * its output can be relayed waits instead of the host queueing that output without bound.
 */
class OutputRelayCredit {
  private readonly credits = new Map<number, OutputCredit>();
  private readonly channels: BroadcastChannel[] = [];

  constructor(ranks: number[], channelName: (rank: number) => string, gate?: OutputGate) {
    for (const rank of ranks) {
      const credit = new OutputCredit();
      this.credits.set(rank, credit);
      const channel = new BroadcastChannel(channelName(rank));
      channel.onmessage = (ev) => {
        const chunk = (ev as MessageEvent<OutputChunk>).data;
        if (!chunk || !('bytes' in chunk)) return;
        const bytes = chunk.bytes.length;
        // While the next hop is backed up the credit stays out, so the writer waits rather than this host.
        if (gate?.congested) void gate.writable().catch(() => {}).then(() => credit.taken(bytes));
        else credit.taken(bytes);
      };
      this.channels.push(channel);
    }
  }

  credit(rank: number): SharedArrayBuffer | undefined {
    return this.credits.get(rank)?.buffer;
  }

  close(): void {
    for (const c of this.channels) c.close();
  }
}

/** One program of a job and its block of consecutive ranks (MPMD jobs have several). */
interface JobProgram {
  module: LoadedModule;
  argv: string[];
  first: number;
  count: number;
}

/** The job's programs: the one program for every rank, or spec.apps' blocks (one module each, in order). */
function programsOf(spec: JobSpec, modules: LoadedModule | LoadedModule[]): JobProgram[] {
  if (!Array.isArray(modules)) return [{ module: modules, argv: [spec.argv0, ...spec.args], first: 0, count: spec.np }];
  const apps = spec.apps ?? [];
  if (apps.length !== modules.length || apps.reduce((n, a) => n + a.np, 0) !== spec.np) {
    throw new Error(`the job's programs do not add up to its ${spec.np} ranks`);
  }
  let first = 0;
  return apps.map((a, i) => {
    const p = { module: modules[i], argv: [a.argv0, ...a.args], first, count: a.np };
    first += a.np;
    return p;
  });
}

/** One line for all the job's programs: the same note, or each program's. */
function snapshotSummary(results: { used: boolean; note: string }[]): { used: boolean; note: string } {
  const notes = [...new Set(results.map((r) => r.note))];
  return { used: results.length > 0 && results.every((r) => r.used), note: notes.length === 1 ? notes[0] : notes.map((n, i) => `program ${i}: ${n}`).join('; ') };
}

/** A job's limits may come from a remote launcher: they must be numbers that make sense. */
function checkLimits(spec: JobSpec): void {
  const positive = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v) && v > 0);
  if (!positive(spec.initTimeoutMs)) throw new Error(`the job's initialisation time limit is not a positive number of milliseconds: ${String(spec.initTimeoutMs)}`);
  if (!positive(spec.maxMemoryBytes)) throw new Error(`the job's memory cap is not a positive number of bytes: ${String(spec.maxMemoryBytes)}`);
  if (!positive(spec.timeoutMs)) throw new Error(`the job's time limit is not a positive number of milliseconds: ${String(spec.timeoutMs)}`);
}

/** What Open MPI and MPICH tell each rank about its place in the job (scripts and libraries read these). */
function rankVariables(index: number, hostTable: string[]): string[] {
  const here = hostTable[index];
  let localRank = 0, localSize = 0;
  hostTable.forEach((h, r) => {
    if (h !== here) return;
    if (r < index) localRank++;
    localSize++;
  });
  const size = hostTable.length;
  return [
    `OMPI_COMM_WORLD_RANK=${index}`, `OMPI_COMM_WORLD_SIZE=${size}`,
    `OMPI_COMM_WORLD_LOCAL_RANK=${localRank}`, `OMPI_COMM_WORLD_LOCAL_SIZE=${localSize}`,
    `PMI_RANK=${index}`, `PMI_SIZE=${size}`,
  ];
}

function stdinOf(spec: JobSpec, index: number): StdinSource {
  if (Array.isArray(spec.stdin)) return spec.stdin[index] ?? { kind: 'null' };
  return index === 0 ? spec.stdin : { kind: 'null' };
}

interface MemoryCap {
  bytes: number;
  rankPages: number;
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 1048576) * 10) / 10} MiB`;
}

/** Why a capped job may have failed: its ranks' allocations past the cap fail (malloc returns NULL). */
function capNote(cap: MemoryCap, memories: (WebAssembly.Memory | undefined)[]): string {
  let largest = -1, bytes = 0;
  memories.forEach((m, r) => {
    if (m && m.buffer.byteLength > bytes) [largest, bytes] = [r, m.buffer.byteLength];
  });
  const at = largest < 0 ? '' : `; rank ${largest} had grown to ${mib(bytes)}`;
  return `the job ran with a memory cap of ${mib(cap.bytes)} (${mib(cap.rankPages * WASM_PAGE)} per rank${at}): an allocation past it fails, which may be why it ended (--max-memory sets the cap)`;
}

/** Where a job's ranks run, and how this host's part of it is tied to the rest of the job (cluster hosts). */
export interface PartPlacement {
  group: FGroup;
  /** The ranks this host runs (all of them on a single host). */
  localRanks: number[];
  /** Aborts the part (its preparation too): the job failed elsewhere, or its launcher went away. */
  signal?: AbortSignal;
  /** Relay a rank's output through this BroadcastChannel instead of writing it to our fds. */
  outputChannel?: (rank: number) => string;
  /** Where relayed output goes on to: its writers wait while it is backed up. */
  outputGate?: OutputGate;
  /** Connects the channels' remote ranks to their hosts; the returned function ends that once the ranks end. */
  bridge?: (channels: JobChannels) => () => Promise<void>;
  /** Hands the local deadlock watch's view to whoever decides for the whole job (multi-host jobs). */
  onQuiet?: (report: QuietReport) => void;
  /** Moves ranks between the job's hosts (cluster/part-migration.ts); absent: a multi-host part never moves. */
  moves?: CrossHostMoves;
  /** --omp-spread: a rank's link to the job's other hosts for its OpenMP teams (cluster/team-relay.ts). */
  ompSpread?: (rank: number, maxMemoryBytes: number) => Extract<SpreadConfig, { role: 'main' }>;
}

/** What a host needs to run its members of another host's rank's spread OpenMP teams. */
export interface OmpReplicaPlacement {
  module: LoadedModule;
  spec: Pick<JobSpec, 'env' | 'args' | 'argv0' | 'sandboxRoot' | 'np'>;
  group: FGroup;
  rank: number;
  link: TeamLinkInit;
  /** The host of the rank (its main thread). */
  main: string;
  stdout: SinkSpec;
  stderr: SinkSpec;
  signal: AbortSignal;
}

export interface LocalHostOptions extends PoolOptions {
  /** Workers already started (a launcher starts them first, so they boot while the host runtime loads). */
  pool?: FaasletPool;
  hostId?: string;
  cores?: number;
  snapshots?: SnapshotCacheOptions;
  /** Most wasm memory one job's ranks may hold together, in bytes: the default cap, and the most a job may ask. */
  maxJobMemoryBytes?: number;
  /** Most wasm memory all jobs here may hold at once: every job then has a cap, set aside while it runs. */
  maxHostMemoryBytes?: number;
  /** The longest a job's initialisation may run, whatever it asks (default 10 minutes). */
  maxInitTimeoutMs?: number;
}

export class LocalHost {
  readonly hostId: string;
  readonly modules = new ModuleCache(hostSpecs);
  readonly pool: FaasletPool;
  private readonly snapshots: SnapshotCache;
  /** Faaslets of this host running right now (ranks poll for messages only while cores are free). */
  private readonly load: HostLoad;
  private readonly machineLoad: MachineLoadSampler;

  /** The operator's memory cap for one job (its default, and the most a job may ask for). */
  private readonly maxJobMemoryBytes: number | undefined;
  /** The operator's budget for the memory of all jobs running here at once (each job's cap is set aside). */
  private readonly maxHostMemoryBytes: number | undefined;
  private reservedBytes = 0;
  /** The longest initialisation any job may ask for (a launcher's number is clamped to it). */
  private readonly maxInitTimeoutMs: number;

  constructor(options: LocalHostOptions = {}) {
    this.hostId = options.hostId ?? `${hostname()}:${process.pid}`;
    this.maxJobMemoryBytes = options.maxJobMemoryBytes;
    this.maxHostMemoryBytes = options.maxHostMemoryBytes;
    this.maxInitTimeoutMs = options.maxInitTimeoutMs ?? 600_000;
    this.load = HostLoad.create(options.cores);
    this.machineLoad = new MachineLoadSampler(this.load, availableParallelism());
    this.pool = options.pool ?? new FaasletPool({ ...options, warmUpMpi: true, hostLoad: this.load.buffer }); // a long-running host
    this.snapshots = new SnapshotCache((task, signal) => this.pool.prepare(task, signal), options.snapshots);
  }

  /** Runs a whole job here; aborting `signal` ends it (also while its program is being prepared). */
  async runJob(spec: JobSpec, signal?: AbortSignal): Promise<JobResult> {
    if (spec.np < 1) throw new Error(`-np must be at least 1 (got ${spec.np})`);
    const group = singleHostGroup(spec.np, this.hostId);
    const modules = spec.apps ? await Promise.all(spec.apps.map((a) => this.modules.load(a.program))) : await this.modules.load(spec.program);
    return this.runPart(spec, modules, { group, localRanks: group.hostTable.map((_, i) => i), signal });
  }

  /**
   * Runs this host's ranks of a job (all of them on a single host). The job ends early when one of them fails,
   * the watch reports a deadlock, or `part.signal` aborts (the job failed elsewhere). ranks[] holds the ends of
   * the local ranks only.
   */
  async runPart(spec: JobSpec, modules: LoadedModule | LoadedModule[], part: PartPlacement): Promise<JobResult> {
    const { group, localRanks } = part;
    if (localRanks.length > this.pool.maxFaaslets) {
      throw new Error(`this host runs at most ${this.pool.maxFaaslets} Faaslets at once; ${localRanks.length} ranks do not fit`);
    }
    checkLimits(spec);
    const programs = programsOf(spec, modules);
    const cap = this.memoryCap(spec, programs.map((p) => p.module));
    const reserved = this.reserveMemory(cap, localRanks.length);
    this.load.jobStarted();
    try {
      return await this.runWithin(spec, programs, part, cap);
    } finally {
      this.load.jobEnded();
      this.reservedBytes -= reserved;
    }
  }

  private async runWithin(spec: JobSpec, programs: JobProgram[], part: PartPlacement, cap: MemoryCap | undefined): Promise<JobResult> {
    const { group, localRanks } = part;
    const preopens: Preopen[] = [{ guestPath: '/', hostPath: spec.sandboxRoot }];
    const programOf = (rank: number) => programs.find((p) => rank >= p.first && rank < p.first + p.count)!;
    const tooSmall = (needed: number) => {
      if (cap && needed > cap.rankPages) {
        throw new Error(`the job's memory cap (${mib(cap.bytes)} for ${spec.np} rank(s)) leaves each rank ${mib(cap.rankPages * WASM_PAGE)}, less than the ${mib(needed * WASM_PAGE)} its program needs to start`);
      }
    };
    // Each program of the job (one, unless MPMD) that has ranks here is prepared once.
    const snapshots = new Map<JobProgram, Awaited<ReturnType<LocalHost['snapshotFor']>>>();
    for (const p of programs) {
      if (!localRanks.some((r) => programOf(r) === p)) continue;
      if (p.module.memory) tooSmall(p.module.memory.initialPages);
      const snapshot = await this.snapshotFor(p.module, spec, p.argv, preopens, group.id, part.signal, cap?.rankPages);
      if (snapshot.used) tooSmall(snapshot.snapshot.memoryPages);
      snapshots.set(p, snapshot);
    }
    const snapshotOf = (rank: number) => snapshots.get(programOf(rank))!;

    // Every local rank's memory is made here, so each rank can be handed all of them (single-copy messages).
    // (A module that defines its own memory makes it itself; the loader made sure such a module uses no MPI.)
    const memories: (WebAssembly.Memory | undefined)[] = new Array(spec.np).fill(undefined);
    for (const r of localRanks) {
      const { module } = programOf(r), snapshot = snapshotOf(r);
      if (module.memory) memories[r] = memoryFor(module, snapshot.used ? snapshot.snapshot : undefined, cap?.rankPages)!;
    }
    const channels = JobChannels.create(spec.np);
    const multiHost = localRanks.length < spec.np;
    // Every rank must take part in the agreement, so a job moves only if all its programs were built with
    // -fmigrate; a part of a job spread over hosts moves only with the cluster's exchange (part.moves).
    const asked = spec.migration;
    const buildable = programs.every((p) => p.module.meta?.asyncify);
    // A job that moves only when an operator asks has no one to ask on one host.
    const movable = asked !== undefined && (!multiHost || part.moves !== undefined) && buildable && !(asked.onRequest && !multiHost);
    const migrationNote = !asked || movable || asked.onRequest ? undefined : !buildable
      ? 'the program was not built with faasmpicc -fmigrate: its ranks are not moved (--pack-at-barrier ignored)'
      : 'ranks of this job on several hosts cannot be moved here (--pack-at-barrier ignored)';
    /** Ranks this host runs now: a move between hosts adds the ranks that arrive (the deadlock watch sees them). */
    const running = [...localRanks];
    const migration = asked && movable ? new JobMigration(spec.np, asked.fromBarrier, asked.every ?? 1, asked.onRequest === true, asked.verbose, localRanks, memories, (rank, pages) => {
      // As memoryFor(): the module's maximum, lowered to the job's cap per rank.
      const declared = programOf(rank).module.memory?.maximumPages;
      const maximum = cap ? Math.min(cap.rankPages, declared ?? cap.rankPages) : declared;
      return new WebAssembly.Memory({ initial: pages, maximum, shared: true } as WebAssembly.MemoryDescriptor);
    }, (old) => { wipe(old); noteReleased([old]); }, multiHost ? part.moves : undefined, (rank, capture, hostTable) => {
      if (!running.includes(rank)) running.push(rank);
      finished[rank] = false; // a rank may come back to a host it left
      runs.push(runRank(rank, capture));
    }, multiHost ? snapshotDigest(snapshotOf(localRanks[0]).used ? snapshotOf(localRanks[0]).snapshot : undefined) : '') : undefined;
    const transport = {
      channels: channels.handle, memories, hostLoad: this.load.buffer, hostTable: multiHost ? group.hostTable : undefined,
      migration: migration ? migration.control : undefined,
    };

    const stop = new AbortController();
    const signal = part.signal ? AbortSignal.any([stop.signal, part.signal]) : stop.signal;
    setMaxListeners(0, signal); // every rank's pool task listens to it: a 12-rank job is not a listener leak
    const ranks: RankEnd[] = new Array(spec.np).fill({ kind: 'stopped' });
    const finished = new Array<boolean>(spec.np).fill(false);
    let culprit: number | undefined;
    let hostFailure: JobResult['hostFailure'];
    const watch = new DeadlockWatch(channels, running, finished, spec.deadlockTimeoutMs, (report) => {
      hostFailure = { code: 1, message: report };
      stop.abort();
    }, part.onQuiet);
    const endBridge = part.bridge?.(channels);
    /** A rank's end (or one of its OpenMP threads' failure) that should end the job. */
    const rankFailed = (index: number, end: FaasletOutcome) => {
      ranks[index] = end;
      if (culprit === undefined) {
        culprit = index;
        stop.abort();
      }
    };
    let timedOut: JobResult['timedOut'];
    const timer = spec.timeoutMs === undefined ? undefined : setTimeout(() => {
      void this.stacksOf(group.id, localRanks.filter((r) => !finished[r]), channels).then((stacks) => {
        if (stop.signal.aborted) return; // it ended meanwhile
        timedOut = { limitMs: spec.timeoutMs!, stacks };
        hostFailure = { code: TIMEOUT_EXIT_CODE, message: timeoutMessage(spec.timeoutMs!, stacks) };
        stop.abort();
      });
    }, spec.timeoutMs);
    const relay = part.outputChannel && new OutputRelayCredit(localRanks, part.outputChannel, part.outputGate);
    /** The transport a rank's next Faaslet gets: with the job's host table of the current epoch. */
    const transportNow = () => (migration?.hostTable ? { ...transport, hostTable: migration.hostTable } : transport);
    const runRank = async (index: number, arrivedWith?: RankCapture) => {
      const fds = spec.outputFds?.[index];
      const sink = (fd: number): SinkSpec => ({
        fd: fds ? (fd === 1 ? fds.stdout : fds.stderr) : fd,
        prefix: spec.tagOutput ? `[${index}] ` : undefined, channel: part.outputChannel?.(index), credit: relay?.credit(index),
      });
      const { module, argv } = programOf(index), snapshot = snapshotOf(index);
      const task: RunTask = {
        kind: 'run',
        module,
        identity: { groupId: group.id, index, size: spec.np, hostId: this.hostId },
        transport: transportNow(),
        args: argv,
        env: [...spec.env, ...rankVariables(index, group.hostTable)],
        preopens,
        stdin: stdinOf(spec, index),
        stdout: sink(1),
        stderr: sink(2),
        snapshot: snapshot.used ? snapshot.snapshot : undefined,
      };
      const threads = new RankThreads(this.pool, task, memories[index]!, this.load.buffer, signal, (end) => rankFailed(index, end));
      if (module.meta?.threads) task.ompPort = threads.mainPort;
      if (module.meta?.threads && part.ompSpread && memories[index]) {
        const pages = Math.min(cap?.rankPages ?? Infinity, module.memory?.maximumPages ?? 65536);
        task.ompSpread = part.ompSpread(index, pages * WASM_PAGE);
      }
      try {
        let end = await this.pool.run(arrivedWith ? { ...task, resume: arrivedWith } : task, signal);
        // Captured at a migration point: go on in a fresh Faaslet once every local rank has stopped there
        // (with the job's host table of now), unless the rank left for another host.
        let left = false;
        while (end.kind === 'migrate' && migration && !signal.aborted) {
          const next = await migration.arrive(index, end.capture, signal);
          if (!next) {
            left = true;
            break;
          }
          end = await this.pool.run({ ...task, transport: transportNow(), resume: next }, signal);
        }
        finished[index] = true;
        if (left) return; // its end is reported by the host it moved to
        if (failureCode(end) !== 0) rankFailed(index, end);
        else if (ranks[index].kind === 'stopped') ranks[index] = end;
      } catch (e) {
        if (!signal.aborted) rankFailed(index, { kind: 'error', message: `worker failed: ${(e as Error).message}` });
      } finally {
        await threads.end();
      }
    };
    const runs = localRanks.map((index) => runRank(index));
    // Ranks that arrive by a move join `runs` while the others wait for them.
    for (let i = 0; i < runs.length; i++) await runs[i];
    clearTimeout(timer);
    relay?.close();
    watch.stop();
    await endBridge?.();
    const exitCode = hostFailure ? hostFailure.code : jobExitCode(ranks).code;
    const memoryNote = cap && exitCode !== 0 ? capNote(cap, memories) : undefined;
    // The job's memories go back: zeroed once the result is out (they hold its data, and a host serves several
    // tenants), then collected (each worker collects its own).
    const done = memories.splice(0);
    setImmediate(() => {
      for (const m of done) if (m) wipe(m);
      noteReleased(done);
      collectIfDue();
    });
    return {
      exitCode,
      ranks,
      culprit,
      hostFailure,
      timedOut,
      memoryNote,
      snapshot: snapshotSummary([...snapshots.values()]),
      migrationNote,
    };
  }

  /**
   * Runs this host's members of a spread team of a rank on another host, on one fresh replica of its memory
   * (openmp/spread/), until the job ends. Its pool threads are granted like a rank's.
   */
  async runOmpReplica(o: OmpReplicaPlacement): Promise<ThreadOutcome> {
    const m = o.module.memory;
    if (!m || !o.module.meta?.threads) throw new Error('the program was not built with faasmpicc -fopenmp: its teams cannot span hosts');
    const memory = new WebAssembly.Memory({ initial: m.initialPages, maximum: m.maximumPages ?? 65536, shared: true } as WebAssembly.MemoryDescriptor);
    const base: RunTask = {
      kind: 'run', module: o.module, identity: { groupId: o.group.id, index: o.rank, size: o.spec.np, hostId: this.hostId },
      args: [o.spec.argv0, ...o.spec.args], env: [...o.spec.env, ...rankVariables(o.rank, o.group.hostTable)],
      preopens: [{ guestPath: '/', hostPath: o.spec.sandboxRoot }], stdin: { kind: 'null' }, stdout: o.stdout, stderr: o.stderr,
      transport: { channels: JobChannels.create(1).handle, memories: [], hostLoad: this.load.buffer },
    };
    let failed: FaasletOutcome | undefined;
    // A member that fails ends this host's part of the team (the job then ends, naming the failure).
    const stop = new AbortController();
    const signal = AbortSignal.any([o.signal, stop.signal]);
    setMaxListeners(0, signal);
    const threads = new RankThreads(this.pool, base, memory, this.load.buffer, signal, (end) => { failed ??= end; stop.abort(); });
    const task: OmpReplicaTask = {
      kind: 'omp-replica', module: o.module, identity: base.identity, args: base.args, env: base.env, preopens: base.preopens,
      memory, stdout: o.stdout, stderr: o.stderr, hostLoad: this.load.buffer, ompPort: threads.mainPort, link: o.link, main: o.main,
      maxMemoryBytes: (m.maximumPages ?? 65536) * WASM_PAGE,
    };
    try {
      const end = await this.pool.runReplica(task, signal);
      return failed ?? end;
    } catch (e) {
      if (failed) return failed;
      throw e;
    } finally {
      await threads.end();
      wipe(memory);
    }
  }

  /**
   * Where each rank is, for a job out of time: its wasm stack when its thread could be paused, else what it
   * waits for in MPI.
   */
  private async stacksOf(groupId: string, ranks: number[], channels: JobChannels): Promise<Record<number, string[]>> {
    const threads = new Map<number, number>();
    for (const r of ranks) {
      const t = this.pool.threadOf(groupId, r);
      if (t !== undefined) threads.set(r, t);
    }
    const stacks = await wasmStacks([...threads.values()]);
    const out: Record<number, string[]> = {};
    for (const r of ranks) {
      const frames = stacks.get(threads.get(r) ?? -1);
      const blocked = channels.state(r) === RankState.blocked ? [`blocked in ${channels.description(r)}`] : [];
      if (frames && frames.length > 0) out[r] = [...blocked, ...frames.map((f) => `at ${f}`)];
      else out[r] = blocked.length > 0 ? blocked : ['running (its stack could not be read)'];
    }
    return out;
  }

  /** Sets aside this host's share of a capped job's memory from the host's budget; returns the bytes set aside. */
  private reserveMemory(cap: MemoryCap | undefined, localRanks: number): number {
    if (!cap || this.maxHostMemoryBytes === undefined) return 0;
    const share = cap.rankPages * WASM_PAGE * localRanks;
    const free = this.maxHostMemoryBytes - this.reservedBytes;
    if (share > free) {
      throw new Error(`this host has ${mib(free)} of its ${mib(this.maxHostMemoryBytes)} memory budget free; the job's ranks here may use up to ${mib(share)} (try again later, or ask for less with --max-memory)`);
    }
    this.reservedBytes += share;
    return share;
  }

  /** The job's memory cap, if it or the operator set one: its bytes, and the pages each rank may grow to. */
  private memoryCap(spec: JobSpec, modules: LoadedModule[]): MemoryCap | undefined {
    const host = this.maxJobMemoryBytes;
    if (spec.maxMemoryBytes !== undefined && host !== undefined && spec.maxMemoryBytes > host) {
      throw new Error(`the job asks for ${mib(spec.maxMemoryBytes)} of memory; this host allows a job at most ${mib(host)}`);
    }
    const bytes = spec.maxMemoryBytes ?? host ?? this.maxHostMemoryBytes;
    if (bytes === undefined) return undefined;
    const own = modules.find((m) => !m.memory);
    if (own) throw new Error(`${own.path}: defines its own memory, whose size cannot be capped (--max-memory); build it with faasmpicc`);
    return { bytes, rankPages: Math.floor(bytes / spec.np / WASM_PAGE) };
  }

  /**
   * The post-initialisation snapshot for this module and inputs: taken once per host (while cached), reused by
   * every rank. Throws PrepareTimeout when initialisation runs too long, PrepareAbandoned when `signal` aborts.
   */
  private async snapshotFor(module: LoadedModule, spec: JobSpec, argv: string[], preopens: Preopen[], groupId: string, signal?: AbortSignal, maxPages?: number) {
    if (!spec.useSnapshots) return { used: false, note: 'snapshots disabled' } as const;
    if (module.entry !== 'faasmpi_main' || !module.meta) return { used: false, note: 'module not built by faasmpicc' } as const;
    // Initialisation may read argv, the environment and files of the working directory, and runs under the cap:
    // all are part of the key (jobs in different directories, such as different users', never share a snapshot).
    const key = createHash('sha256').update(module.id).update(JSON.stringify([argv, spec.env, spec.sandboxRoot, maxPages ?? null])).digest('hex');
    const task: PrepareTask = {
      kind: 'prepare', module, args: argv, env: spec.env, preopens,
      identity: { groupId, index: 0, size: spec.np, hostId: this.hostId }, maxPages,
    };
    const limit = Math.min(spec.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS, this.maxInitTimeoutMs);
    const result = await this.snapshots.get(key, task, limit, signal);
    return result.usable
      ? { used: true, snapshot: result.snapshot, note: 'started from the post-initialisation snapshot' } as const
      : { used: false, note: `fresh start: ${result.reason}` } as const;
  }

  async close(): Promise<void> {
    this.machineLoad.stop();
    this.snapshots.clear();
    await this.pool.close();
  }
}

