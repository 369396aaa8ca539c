// One host's side of moving ranks between the hosts of a job (FGroup epochs, fgroups/epochs.ts). The job's
// launcher owns the host table: it gathers the hosts' votes at all-rank barriers and decides the next epoch.
// Then every host: (1) flushes its outboxes and tells each peer host so ('migrate-drained', after the records
// on the same link), (2) once every peer said so, nothing is in flight: the records still in a leaving rank's
// inbox here go with its capture to its new host ('migrate-capture'), (3) takes the captures of the ranks that
// come here, (4) switches: the leaving ranks' inboxes become outboxes, the arriving ranks' outboxes inboxes, a
// new bridge with fresh sequence numbers, (5) tells the launcher it is ready once the leaving ranks' output is
// relayed, and resumes its ranks when the launcher says every host is ('migrate-resume').
// A peer may send a capture only for a rank it runs now, for the next epoch, once; it is checked and bounded.
import type { RankCapture } from '../migration/capture.js';
import { decodeShippedRank, encodeShippedRank, type CarriedRecord } from '../migration/capture-wire.js';
import type { CrossHostMoves } from '../migration/job-migration.js';
import { VoteRelay } from '../migration/vote-relay.js';
import { refuseNextEpoch, type HostTableEpoch } from '../fgroups/epochs.js';
import type { JobChannels } from '../mpi/transport/job-channels.js';
import type { Held, JobBridge } from './bridge.js';
import { argsOf, type ControlKinds, type MigrateDecision } from './job-protocol.js';
import type { Control } from './wire/codec.js';
import type { HostLink } from './wire/link.js';

export interface PartMigrationDeps {
  myHost: string;
  np: number;
  /** The job's hosts (of its first epoch: a move only packs onto them). */
  hosts: ReadonlySet<string>;
  /** The job may move more than once (moves on request or by the planner). */
  repeat: boolean;
  /** The current epoch's table (the part keeps it: record checks follow it). */
  epoch(): HostTableEpoch;
  toLauncher<K extends 'migrate-vote' | 'migrate-ready'>(kind: K, args: ControlKinds[K]): void;
  toPeer<K extends 'migrate-drained' | 'migrate-capture'>(host: string, kind: K, args: ControlKinds[K], blob?: Uint8Array): void;
  channels(): JobChannels;
  bridge(): JobBridge;
  /** Installs the next epoch: its table, and a bridge for it started with the records held before. */
  switchTo(next: HostTableEpoch, held: Map<number, Held[]>): void;
  /** Opens the output relay of a rank that arrives (before it runs). */
  relayOutputOf(rank: number): void;
  /** Resolves when the rank's Faaslet here has relayed all its output (bounded by the part). */
  outputRelayed(rank: number): Promise<void>;
  /** The most bytes one rank's capture may take. */
  maxCaptureBytes: number;
  /** Ends the job with this message (a peer broke the protocol, or the move cannot go on). */
  fail(problem: string): void;
  signal: AbortSignal;
  log(line: string): void;
}

export class PartMigration implements CrossHostMoves {
  private relay: VoteRelay | undefined;
  private decision: Required<Pick<MigrateDecision, 'epoch' | 'hostTable'>> | undefined;
  private decided: (() => void) | undefined;
  private readonly drainedBy = new Set<string>();
  private readonly captures = new Map<number, { capture: RankCapture; records: CarriedRecord[]; baseDigest: string }>();
  private progress: () => void = () => {};
  private resumed = false;

  constructor(private readonly d: PartMigrationDeps) {}

  watch(board: SharedArrayBuffer, localRanks: readonly number[]): void {
    this.relay = new VoteRelay(board, this.d.np, localRanks, (barrier, ok) => this.d.toLauncher('migrate-vote', { barrier, ok }), this.d.repeat);
    this.d.signal.addEventListener('abort', () => this.relay?.stop(), { once: true });
  }

  /** The launcher's decision for a barrier the local ranks voted at. */
  onDecision(c: MigrateDecision): void {
    if (!Number.isInteger(c?.barrier) || typeof c.go !== 'boolean') return this.d.fail('the launcher sent a malformed migration decision');
    if (c.go) {
      if (this.decision) return this.d.fail('the launcher asked for a second move while one is under way');
      const why = refuseNextEpoch(this.d.epoch(), c.epoch, c.hostTable, this.d.hosts);
      if (why) return this.d.fail(`the launcher's new host table is refused: ${why}`);
      this.decision = { epoch: c.epoch!, hostTable: [...c.hostTable!] };
      // A capture a peer sent before this decision reached us must be one the decision moves here.
      for (const rank of this.captures.keys()) if (this.decision.hostTable[rank] !== this.d.myHost) return this.d.fail(`a peer host sent rank ${rank}, which does not move here`);
      this.decided?.();
    }
    this.relay?.decide(c.barrier, c.go, c.final === true);
  }

  onResume(c: ControlKinds['migrate-resume']): void {
    if (!this.decision || c?.epoch !== this.decision.epoch) return this.d.fail('the launcher resumed an epoch that is not under way');
    this.resumed = true;
    this.progress();
  }

  /** 'migrate-drained' or 'migrate-capture' from a peer host of the job (the host runtime checked it is one). */
  onPeer(host: string, c: Control): void {
    const now = this.d.epoch();
    if (c.kind === 'migrate-drained') {
      const a = argsOf(c, 'migrate-drained');
      if (a?.epoch !== now.epoch + 1) return this.d.fail(`host ${host} drained for epoch ${String(a?.epoch)}, not ${now.epoch + 1}`);
      this.drainedBy.add(host);
    } else if (c.kind === 'migrate-capture') {
      // Tests only: this host dies as a destination would mid-move (test/migration-hosts.test.ts).
      if (process.env.FAASMPI_TEST_KILL_DESTINATION === '1') process.kill(process.pid, 'SIGKILL');
      const a = argsOf(c, 'migrate-capture');
      const rank = a?.rank;
      if (a?.epoch !== now.epoch + 1) return this.d.fail(`host ${host} sent a capture for epoch ${String(a?.epoch)}, not ${now.epoch + 1}`);
      if (!Number.isInteger(rank) || rank < 0 || rank >= this.d.np) return this.d.fail(`host ${host} sent a capture of rank ${String(rank)}, not in the job`);
      if (now.hostTable[rank] !== host) return this.d.fail(`host ${host} sent a capture of rank ${rank}, which runs on host ${now.hostTable[rank]}`);
      if (this.captures.has(rank)) return this.d.fail(`host ${host} sent rank ${rank} twice`);
      if (this.decision && this.decision.hostTable[rank] !== this.d.myHost) return this.d.fail(`host ${host} sent rank ${rank}, which does not move here`);
      try {
        this.captures.set(rank, decodeShippedRank(c.blob ?? new Uint8Array(0), rank, this.d.np, this.d.maxCaptureBytes));
      } catch (e) {
        return this.d.fail(`host ${host} sent ${(e as Error).message}`);
      }
    }
    this.progress();
  }

  private until(ready: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.d.signal.aborted) reject(new Error(`the job ended while ${what}`));
        else if (ready()) {
          this.progress = () => {};
          resolve();
        }
      };
      this.progress = check;
      this.d.signal.addEventListener('abort', check, { once: true });
      check();
    });
  }

  async exchange(captures: ReadonlyMap<number, RankCapture>, baseDigest = ''): Promise<{ hostTable: string[]; here: Map<number, RankCapture> }> {
    const t0 = performance.now();
    await this.until(() => this.decision !== undefined, 'waiting for the launcher\'s new host table');
    const from = this.d.epoch(), to = { epoch: this.decision!.epoch, hostTable: this.decision!.hostTable };
    const me = this.d.myHost;
    const peers = [...new Set(from.hostTable)].filter((h) => h !== me);
    // (1) Everything this host sent before the move is on the links before the mark.
    await this.d.bridge().stopSending();
    for (const p of peers) this.d.toPeer(p, 'migrate-drained', { epoch: to.epoch });
    await this.until(() => peers.every((p) => this.drainedBy.has(p)), 'waiting for the other hosts to drain');
    // (2) Nothing is in flight now: ship each leaving rank with what reached its inbox here.
    const held = this.d.bridge().finishEpoch();
    const channels = this.d.channels();
    for (const [rank, capture] of captures) {
      const dest = to.hostTable[rank];
      if (dest === me) continue;
      const records: CarriedRecord[] = [];
      channels.inboxes[rank].drain((h, ring, at, length) => records.push({ h: { ...h }, payload: ring.slice(at, at + length) }));
      for (const x of held.get(rank) ?? []) records.push({ h: x.h, payload: x.payload });
      held.delete(rank);
      const blob = encodeShippedRank({ capture, records, baseDigest });
      this.d.toPeer(dest, 'migrate-capture', { epoch: to.epoch, rank }, blob);
      this.d.log(`faasmpi: rank ${rank} leaves host ${me} for host ${dest} (${(blob.byteLength / (1 << 20)).toFixed(2)} MiB, ${records.length} record(s) in flight)`);
    }
    // (3) The ranks that come here.
    const coming = to.hostTable.flatMap((h, r) => (h === me && from.hostTable[r] !== me ? [r] : []));
    await this.until(() => coming.every((r) => this.captures.has(r)), 'waiting for the ranks that move here');
    const here = new Map<number, RankCapture>();
    for (const [rank, capture] of captures) if (to.hostTable[rank] === me) here.set(rank, capture);
    for (const rank of coming) {
      const shipped = this.captures.get(rank)!;
      if (shipped.baseDigest !== baseDigest) throw new Error(`rank ${rank} was captured against another snapshot of the program than this host's (hosts must run the same build)`);
      here.set(rank, shipped.capture);
    }
    // (4) Switch: leaving ranks' inboxes become outboxes; arriving ranks get theirs back, with their records.
    for (const [rank, dest] of to.hostTable.entries()) {
      if (dest !== me && from.hostTable[rank] === me) channels.markRemote(rank);
    }
    for (const rank of coming) {
      const inbox = channels.inboxes[rank];
      if (!inbox.isEmpty()) throw new Error(`rank ${rank}'s outbox on host ${me} was not empty after the drain`);
      channels.markLocal(rank);
      const carried = this.captures.get(rank)!.records;
      held.set(rank, carried.map((r) => ({ h: r.h, payload: r.payload })));
      this.d.relayOutputOf(rank);
    }
    this.d.switchTo(to, held);
    this.relay?.setLocalRanks(to.hostTable.flatMap((h, r) => (h === me ? [r] : [])));
    // (5) The leaving ranks' output reaches the launcher before anyone resumes.
    await Promise.all([...captures.keys()].filter((r) => to.hostTable[r] !== me).map((r) => this.d.outputRelayed(r)));
    this.d.toLauncher('migrate-ready', { epoch: to.epoch });
    await this.until(() => this.resumed, 'waiting for the other hosts to switch');
    // Ready for the next move (its marks and captures are for the epoch after this one).
    this.decision = undefined;
    this.resumed = false;
    this.drainedBy.clear();
    this.captures.clear();
    this.d.log(`faasmpi: host ${me} switched to epoch ${to.epoch} in ${(performance.now() - t0).toFixed(1)} ms`);
    return { hostTable: [...to.hostTable], here };
  }
}
