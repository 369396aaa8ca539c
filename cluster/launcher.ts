// The launcher's side of a job spread over host runtimes (faasmpirun --hosts/--hostfile/--redis/--local-hosts):
// it links to the hosts, asks their capacity, places the ranks (planner.ts), hands each chosen host its part
// with the program's bytes, starts every part at once, writes the ranks' relayed output, decides deadlocks
// from the hosts' reports, and ends the whole job as soon as any part fails or any host goes away.
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { writeAll } from '../faaslet/output.js';
import type { FGroup } from '../fgroups/fgroup.js';
import { newGroupId } from '../fgroups/fgroup.js';
import { deadlockMessage, type QuietReport } from '../host/deadlock-watch.js';
import { jobExitCode, timeoutMessage, TIMEOUT_EXIT_CODE, type JobResult, type JobSpec, type RankEnd } from '../host/job.js';
import { argsOf, control, type ControlKind, type ControlKinds, type HelloReply, type PartEnd } from './job-protocol.js';
import { place, PlacementError, type PlacementPolicy } from './planner.js';
import { JobMoves } from './launcher-migration.js';
import { packBlob, type PreloadFile } from './preload.js';
import { QueueTicket, type QueueOptions } from './queue.js';
import { StdinFeed } from './stdin-feed.js';
import type { TenantState } from './state/types.js';
import type { Credentials } from './trust/credentials.js';
import type { Control } from './wire/codec.js';
import { connectLink, type HostLink } from './wire/link.js';

const REPLY_MS = 60_000;
/** How long past a job's --timeout the launcher waits for its hosts to end it before ending it itself. */
const TIMEOUT_GRACE_MS = 5_000;
/** How long after one host ends a job out of time the others get to do the same (with their ranks' stacks). */
const TIMEOUT_PEERS_MS = 2_000;

export interface ClusterTarget {
  /** The launcher's user certificate: its name is the job's user. */
  credentials: Credentials;
  /** host:port of each host runtime to consider (hints: who answers is what its certificate says). */
  addresses: string[];
  policy: PlacementPolicy;
  /** Exactly this many hosts. */
  hosts?: number;
  /** Where the job's record and host table are kept (the cluster's shared state), if anywhere. */
  tenant?: TenantState;
  /** The most ranks to place on each address (-H a:4, slots=, -N), in the order of `addresses`. */
  slotLimits?: (number | undefined)[];
  /** The fd a rank's relayed output to fd 1 or 2 is written to (default: the same fd of ours). */
  outputFd?: (rank: number, fd: number) => number;
  /** Told which host runs which ranks, before the job starts (--display-map). */
  displayMap?: (line: string) => void;
  /** Given: a job that does not fit in the free slots now waits in this queue (else it fails at once). */
  queue?: QueueOptions;
  /** Input files each host writes into the job's working directory there (--preload). */
  preload?: PreloadFile[];
  /** Called as the job's ranks are started (it no longer waits). */
  onStart?: () => void;
  /** Our stdin, and which ranks read it: one rank, or every rank its own copy (absent: none does). */
  stdin?: { input: Readable; readers: number | 'all' };
  /** --omp-spread: every linked host takes part in the job's OpenMP teams (hosts without ranks too). */
  ompSpread?: { verbose: boolean };
}

/** A host refused the job's part for want of free slots (another job took them first). */
class SlotsTaken extends PlacementError {}

export interface ClusterJobResult extends JobResult {
  /** Host of each rank. */
  hostTable: string[];
  /** Records that crossed between hosts (sent, summed over hosts). */
  crossHostRecords: number;
}

class HostSession {
  private readonly waiters = new Map<string, { resolve: (c: Control) => void; reject: (e: Error) => void }>();
  closed: string | undefined;
  onControl: (c: Control) => void = () => {};
  onClose: (why: string) => void = () => {};

  constructor(readonly address: string, readonly link: HostLink) {
    link.on('message', (e) => {
      if (!('control' in e)) return;
      const w = this.waiters.get(e.control.kind);
      if (w) {
        this.waiters.delete(e.control.kind);
        w.resolve(e.control);
      } else this.onControl(e.control);
    });
    link.on('close', (why) => {
      this.closed = why;
      for (const w of this.waiters.values()) w.reject(new Error(`host ${address} closed the link: ${why}`));
      this.waiters.clear();
      this.onClose(why);
    });
  }

  /** Sends a control and waits for the first of the reply kinds. */
  ask(c: { control: Control }, replies: ControlKind[]): Promise<Control> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`host ${this.address} did not answer '${c.control.kind}' within ${REPLY_MS / 1000} s`)), REPLY_MS);
      const settle = (ok: boolean, v: Control | Error) => {
        clearTimeout(timer);
        for (const k of replies) this.waiters.delete(k);
        ok ? resolve(v as Control) : reject(v as Error);
      };
      for (const k of replies) this.waiters.set(k, { resolve: (v) => settle(true, v), reject: (e) => settle(false, e) });
      this.link.send(c);
    });
  }

  send<K extends ControlKind>(kind: K, job: string, user: string, args: ControlKinds[K], blob?: Uint8Array): void {
    if (this.link.open) this.link.send(control(kind, job, user, args, blob));
  }
}

/** Runs a job on the cluster's hosts; resolves when every part has ended. */
export async function runOnCluster(spec: JobSpec, target: ClusterTarget): Promise<ClusterJobResult> {
  if (target.addresses.length === 0) throw new PlacementError('no hosts to run on');
  const user = target.credentials.identity.name;
  const sessions = await connectAll(target);
  const jobId = newGroupId();
  const ticket = target.queue && new QueueTicket(target.queue, { id: jobId, user, np: spec.np });
  try {
    for (let refusals = 0; ;) {
      if (ticket && !(await ticket.mayGo())) {
        await ticket.wait('other jobs are ahead of it');
        continue;
      }
      // A new group for each attempt: hosts forget a refused job's part, and must not confuse it with this one.
      const group = { id: refusals === 0 ? jobId : newGroupId(), size: spec.np, hostTable: [] as string[] };
      const byId = await capacities(sessions, group.id, user, target.slotLimits);
      const request = { np: spec.np, policy: target.policy, hosts: target.hosts };
      try {
        group.hostTable = place(request, [...byId.values()].map(({ hello: h }) => ({ id: h.id, free: h.free })));
      } catch (e) {
        if (!(e instanceof PlacementError) || !ticket) throw e;
        // A job that would not fit even on idle hosts is not queued: it would wait for ever.
        try {
          place(request, [...byId.values()].map(({ hello: h }) => ({ id: h.id, free: h.slots })));
        } catch {
          throw new PlacementError(`${e.message} (more than the hosts have in all, busy or not: not queued)`);
        }
        await ticket.wait(e.message);
        continue;
      }
      if (target.displayMap) {
        for (const [id, ranks] of rankRanges(group.hostTable)) target.displayMap(`map: ${ranks} on host ${id} (${byId.get(id)!.session.address})`);
      }
      // --omp-spread: hosts without ranks take part too, with OpenMP threads of the ranks' teams.
      const ids = target.ompSpread ? [...new Set([...group.hostTable, ...byId.keys()])] : [...new Set(group.hostTable)];
      const used = ids.map((id) => ({ id, session: byId.get(id)!.session }));
      const addresses = Object.fromEntries(used.map(({ id, session }) => [id, session.address]));
      try {
        return await runParts(spec, target, group, used, addresses, jobId, async () => { await ticket?.leave(); });
      } catch (e) {
        if (!(e instanceof SlotsTaken) || !ticket) throw e;
        refusals++;
        await ticket.wait(e.message);
      }
    }
  } finally {
    await ticket?.leave().catch(() => {});
    for (const s of sessions) s.link.close('job over');
  }
}

/**
 * Each host's free slots and its slots in all, by host id, as the hosts answer hello. A host is known by its
 * certificate (two addresses of one host count once); a slot count given for an address (-H a:4) caps both.
 */
async function capacities(sessions: HostSession[], job: string, user: string, slotLimits: (number | undefined)[] | undefined) {
  const hello = await Promise.all(sessions.map(async (s) => argsOf(await s.ask(control('hello', job, user, {}), ['hello-reply']), 'hello-reply')));
  const byId = new Map<string, { session: HostSession; hello: HelloReply }>();
  hello.forEach((h, i) => {
    const limit = slotLimits?.[i] ?? Infinity;
    const count = (n: unknown) => Math.max(0, Math.min(Number.isInteger(n) ? (n as number) : 0, limit));
    byId.set(sessions[i].link.peer, { session: sessions[i], hello: { ...h, free: count(h.free), slots: count(h.slots), id: sessions[i].link.peer } });
  });
  return byId;
}

async function runParts(spec: JobSpec, target: ClusterTarget, group: FGroup, used: { id: string; session: HostSession }[], addresses: Record<string, string>, recordId: string, prepared: () => Promise<void>): Promise<ClusterJobResult> {
  const user = target.credentials.identity.name;
  const job = group.id;
  // MPMD: every program travels, one after the other, each with its argv and its ranks.
  const programs = spec.apps ? spec.apps.map((a) => readFileSync(a.program)) : [readFileSync(spec.program)];
  const apps = spec.apps?.map((a, i) => ({ argv0: a.argv0, args: a.args, np: a.np, size: programs[i].length }));
  const { blob, entries } = packBlob(Buffer.concat(programs), target.preload ?? []);
  const { program: _path, stdin: _stdin, outputFds: _fds, apps: _apps, ...remote } = spec;
  const ompSpread = target.ompSpread && { hosts: used.map((u) => u.id), verbose: target.ompSpread.verbose };
  const prepare = control('prepare', job, user, { group, addresses, spec: remote, files: target.preload ? entries : undefined, apps, stdin: target.stdin?.readers, ompSpread }, blob);
  const answers = await Promise.allSettled(used.map(({ session }) => session.ask(prepare, ['ready', 'refused'])));
  const problems = answers.flatMap((a) => a.status === 'rejected' ? [(a.reason as Error).message] : a.value.kind === 'refused' ? [argsOf(a.value, 'refused').message] : []);
  if (problems.length > 0) {
    for (const { session } of used) session.send('stop', job, user, { reason: 'another host refused the job' });
    const slotsTaken = answers.every((a) => a.status === 'fulfilled' && (a.value.kind === 'ready' || /free slot/.test(argsOf(a.value, 'refused').message)));
    throw new (slotsTaken ? SlotsTaken : PlacementError)(problems.join('; '));
  }
  await prepared();
  // The job's record keeps the launcher's first id (under which it may have waited in the queue).
  await target.tenant?.putJob({ id: recordId, state: 'running', np: spec.np, hosts: group.hostTable, createdAt: Date.now() });
  await target.tenant?.setHostTable(job, group.hostTable);

  const ends = new Map<string, PartEnd>();
  const quiet = new Map<string, QuietReport>();
  let failure: { code: number; message: string } | undefined;
  let stopping = false;
  const stopAll = (reason: string) => {
    if (stopping) return;
    stopping = true;
    for (const { id, session } of used) if (!ends.has(id)) session.send('stop', job, user, { reason });
  };
  const readers = target.stdin?.readers;
  const stdin = target.stdin && new StdinFeed(target.stdin.input, used
    .filter(({ id }) => readers === 'all' || group.hostTable[readers as number] === id)
    .map(({ id, session }) => ({ id, send: (bytes, end) => session.send('stdin', job, user, end ? { end } : {}, bytes) })));
  const deadlock = new DeadlockDecision(spec.deadlockTimeoutMs);
  // Ranks may move between the job's hosts (faasmpirun --pack-at-barrier): the launcher owns the host table.
  const sessionOf = new Map(used.map((u) => [u.id, u.session]));
  const moves = spec.migration === undefined ? undefined : new JobMoves({
    hosts: used.map((u) => u.id),
    initial: group.hostTable,
    packFromStart: !spec.migration.onRequest,
    consolidate: spec.migration.onRequest === true && target.policy === 'pack',
    freeSlots: async () => new Map(await Promise.all(used.map(async ({ id, session }) => {
      const h = argsOf(await session.ask(control('hello', job, user, {}), ['hello-reply']), 'hello-reply');
      return [id, Number.isInteger(h.free) ? h.free : 0] as [string, number];
    }))),
    decide: (host, d) => sessionOf.get(host)?.send('migrate-decision', job, user, d),
    resume: (host, epoch) => sessionOf.get(host)?.send('migrate-resume', job, user, { epoch }),
    switched: (table) => {
      group.hostTable.splice(0, table.length, ...table);
      // Where each rank runs now, for faasmpi jobs.
      void target.tenant?.setHostTable(job, table).catch(() => {});
      void target.tenant?.updateJob(recordId, { hosts: table }).catch(() => {});
    },
    fail: (problem) => {
      if (!failure) failure = { code: 1, message: problem };
      stopAll('a move between hosts failed');
    },
    log: (line) => { if (spec.migration?.verbose) process.stderr.write(`faasmpirun: ${line}\n`); },
  });
  let timedOut = false;
  const stacks: Record<number, string[]> = {};
  // The hosts keep the limit; should one not, the launcher ends the job a little later itself.
  const backstop = spec.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    stopAll('the job ran out of time');
  }, spec.timeoutMs + TIMEOUT_GRACE_MS);
  const finished = new Promise<void>((resolve) => {
    const rankHosts = new Set(group.hostTable);
    const check = () => {
      if (ends.size === used.length) resolve();
      // Hosts taking part only with OpenMP threads end once every host with ranks has ended.
      else if ([...rankHosts].every((id) => ends.has(id))) stopAll('the job is over');
    };
    for (const { id, session } of used) {
      session.onControl = (c) => {
        if (c.job !== job) return;
        if (c.kind === 'output') {
          const { fd, rank } = argsOf(c, 'output');
          // A host may only speak for its own ranks; anything else goes to our own stdout/stderr.
          const own = Number.isInteger(rank) && group.hostTable[rank] === id;
          writeAll(target.outputFd && own ? target.outputFd(rank, fd) : fd === 2 ? 2 : 1, c.blob ?? new Uint8Array(0));
        } else if (c.kind === 'quiet') {
          quiet.set(id, argsOf(c, 'quiet'));
          const report = deadlock.look(used.map((u) => (ends.has(u.id) ? 'ended' : quiet.get(u.id))));
          if (report && !failure) {
            failure = { code: 1, message: report };
            stopAll('deadlock');
          }
        } else if (c.kind === 'migrate-vote' && moves) {
          moves.onVote(id, argsOf(c, 'migrate-vote'));
        } else if (c.kind === 'migrate-request' && moves) {
          moves.request(id, argsOf(c, 'migrate-request'));
        } else if (c.kind === 'migrate-ready' && moves) {
          moves.onReady(id, argsOf(c, 'migrate-ready'));
        } else if (c.kind === 'stdin-credit') {
          stdin?.credit(id, argsOf(c, 'stdin-credit').bytes);
        } else if (c.kind === 'part-end') {
          const end = argsOf(c, 'part-end');
          ends.set(id, end);
          if (end.result.timedOut) {
            // Every host ends its part at the limit: the job's report is all of their ranks' stacks.
            timedOut = true;
            for (const [r, frames] of Object.entries(end.result.timedOut.stacks ?? {})) {
              if (group.hostTable[Number(r)] === id && Array.isArray(frames)) stacks[Number(r)] = frames.slice(0, 200).map(String);
            }
            end.result.hostFailure = undefined;
            // The other hosts reach the same limit at about the same moment and report their own stacks; only
            // one that does not gets stopped without.
            setTimeout(() => stopAll('the job ran out of time'), TIMEOUT_PEERS_MS).unref();
          }
          if (end.failure && !failure) failure = { code: 1, message: `host ${id}: ${end.failure}` };
          if (end.result.hostFailure && !failure) failure = end.result.hostFailure;
          if (end.failure || end.result.culprit !== undefined || end.result.hostFailure) stopAll(`the job failed on host ${id}`);
          check();
        }
      };
      session.onClose = (why) => {
        if (ends.has(id)) return;
        ends.set(id, { result: { exitCode: 1, ranks: [], snapshot: { used: false, note: '' } }, crossHostRecords: { sent: 0, received: 0 } });
        if (!failure) failure = { code: 1, message: `host ${id} (${session.address}) went away while running the job: ${why}` };
        stopAll(`host ${id} went away`);
        check();
      };
      if (session.closed !== undefined) session.onClose(session.closed);
    }
  });
  target.onStart?.();
  for (const { session } of used) session.send('start', job, user, {});
  stdin?.start();
  await finished;
  stdin?.stop();
  clearTimeout(backstop);
  if (timedOut) {
    for (let r = 0; r < spec.np; r++) stacks[r] ??= ['(no report from its host)'];
    failure = { code: TIMEOUT_EXIT_CODE, message: timeoutMessage(spec.timeoutMs!, stacks) };
  }
  const result = merge(spec.np, group.hostTable, used.map((u) => [u.id, ends.get(u.id)!]), failure, timedOut);
  // The job's outcome is what its ranks did; a registry that died meanwhile only loses the record of it.
  await target.tenant?.updateJob(recordId, { state: result.exitCode === 0 ? 'finished' : 'failed', exitCode: result.exitCode, message: failure?.message })
    .catch((e: Error) => process.stderr.write(`faasmpirun: warning: the job's end was not recorded in the cluster state: ${e.message}\n`));
  return result;
}

/** Links to every host, or to none: when one cannot be linked, the links already open are closed. */
async function connectAll(target: ClusterTarget): Promise<HostSession[]> {
  const links = await Promise.allSettled(target.addresses.map((a) => connectLink(a, target.credentials)));
  const failed = links.flatMap((l) => (l.status === 'rejected' ? [(l.reason as Error).message] : []));
  if (failed.length > 0) {
    for (const l of links) if (l.status === 'fulfilled') l.value.close('another host cannot be linked');
    throw new PlacementError(failed.join('; '));
  }
  return links.map((l, i) => new HostSession(target.addresses[i], (l as PromiseFulfilledResult<HostLink>).value));
}

/** One JobResult from the parts' results: each rank's end comes from its own host. */
function merge(np: number, hostTable: string[], parts: [string, PartEnd][], failure: { code: number; message: string } | undefined, timedOut: boolean): ClusterJobResult {
  const ranks: RankEnd[] = new Array(np).fill({ kind: 'stopped' });
  let culprit: number | undefined;
  let snapshot = { used: false, note: '' };
  let crossHostRecords = 0;
  let migrationNote: string | undefined;
  for (const [id, end] of parts) {
    migrationNote ??= end.result.migrationNote;
    end.result.ranks.forEach((r, i) => { if (hostTable[i] === id && r) ranks[i] = r; });
    if (end.result.culprit !== undefined && (culprit === undefined || end.result.culprit < culprit)) culprit = end.result.culprit;
    if (end.result.snapshot.note) snapshot = { used: end.result.snapshot.used, note: `${id}: ${end.result.snapshot.note}` };
    crossHostRecords += end.crossHostRecords.sent;
  }
  // A rank's own failure explains the job best; a host's (deadlock, a host gone) only when no rank failed.
  // Running out of time explains it whatever the ranks did as they were ended.
  const hostFailure = culprit === undefined || timedOut ? failure : undefined;
  const exitCode = hostFailure ? hostFailure.code : jobExitCode(ranks).code;
  return { exitCode, ranks, culprit, hostFailure, snapshot, hostTable, crossHostRecords, migrationNote };
}

/** "ranks 0-3" for each host, in host table order. */
function rankRanges(hostTable: string[]): [string, string][] {
  const out: [string, string][] = [];
  hostTable.forEach((id, r) => {
    if (out.length > 0 && out[out.length - 1][0] === id) return;
    const last = hostTable.lastIndexOf(id);
    out.push([id, last === r ? `rank ${r}` : `ranks ${r}-${last}`]);
  });
  return out;
}

/** A job spread over hosts is deadlocked when every part is quiet and no part's events move for the timeout. */
class DeadlockDecision {
  private quietSince = 0;
  private lastEvents = -1;
  constructor(private readonly timeoutMs: number) {}

  look(parts: (QuietReport | 'ended' | undefined)[]): string | undefined {
    const now = performance.now();
    const reports = parts.filter((p): p is QuietReport => typeof p === 'object');
    const events = reports.reduce((s, p) => s + p.events, 0);
    const allQuiet = parts.every((p) => p === 'ended' || p?.quiet) && reports.length > 0;
    if (!allQuiet || events !== this.lastEvents) {
      this.lastEvents = events;
      this.quietSince = now;
      return undefined;
    }
    if (now - this.quietSince < this.timeoutMs) return undefined;
    const lines = reports.flatMap((p) => Object.entries(p.ranks)).sort((a, b) => Number(a[0]) - Number(b[0])).map(([r, what]) => `  rank ${r}: ${what}`);
    return deadlockMessage(this.timeoutMs, lines);
  }
}
