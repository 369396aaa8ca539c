// The launcher's side of moving a job's ranks between its hosts: it owns the job's host table (fgroups/epochs.ts).
// At each all-rank barrier from the one asked for, every host of the job votes (all its ranks can be captured
// or not); with all votes in, the launcher asks the hosts for their free slots, plans the consolidation
// (planner.ts packPlan: fewest hosts, no oversubscription, fewest moves) and answers every host: move to the
// next epoch, not now, or never (nothing to gain). Once every host has switched it advances the epoch, records
// the table, and lets all resume. What to do comes from --pack-at-barrier (pack from the start) or from an
// operator's request (faasmpi migrate, passed on by a host of the job), or from the planner: a job placed with
// the pack policy that had to start on more hosts than it needs is consolidated once slots free up. Without any,
// the answer is "not now". A job packed by --pack-at-barrier moves once; others may move again.
import { HostTableEpochs } from '../fgroups/epochs.js';
import type { MigrateDecision } from './job-protocol.js';
import { packPlan } from './planner.js';

export interface JobMovesDeps {
  /** Every host the job was given a part on. */
  hosts: readonly string[];
  initial: readonly string[];
  /** --pack-at-barrier: pack at the first point; when nothing can be gained, say so once and never vote again. */
  packFromStart: boolean;
  /** Consolidate whenever the hosts' free slots allow it (a job placed with the pack policy). */
  consolidate: boolean;
  /** Free slots of each host now (this job's own not counted as taken by others). */
  freeSlots(): Promise<Map<string, number>>;
  decide(host: string, d: MigrateDecision): void;
  resume(host: string, epoch: number): void;
  /** The job's table changed (epoch advanced): keep it where the launcher and the cluster state look. */
  switched(hostTable: string[]): void;
  fail(problem: string): void;
  log(line: string): void;
}

export class JobMoves {
  readonly epochs: HostTableEpochs;
  private readonly votes = new Map<number, Map<string, boolean>>();
  private planned: { epoch: number; hostTable: string[] } | undefined;
  private readonly ready = new Set<string>();
  private over = false;
  private pending: { pack: true } | { rank: number; to: string } | undefined;

  constructor(private readonly d: JobMovesDeps) {
    this.epochs = new HostTableEpochs(d.initial);
    if (d.packFromStart) this.pending = { pack: true };
  }

  /** An operator's request, passed on by a host of the job (checked there; checked again: hosts are peers). */
  request(host: string, r: { rank?: unknown; to?: unknown; pack?: unknown }): void {
    const np = this.epochs.current.hostTable.length;
    if (r?.pack === true) this.pending = { pack: true };
    else if (Number.isInteger(r?.rank) && (r.rank as number) >= 0 && (r.rank as number) < np && typeof r.to === 'string' && this.d.hosts.includes(r.to)) {
      this.pending = { rank: r.rank as number, to: r.to };
    } else return this.d.fail(`host ${host} passed on a malformed move request`);
    if (this.over) this.d.log(`a move was asked for, but this job was packed by --pack-at-barrier already: not moved`);
    else this.d.log(`a move was asked for (${'pack' in this.pending ? 'pack' : `rank ${this.pending.rank} to host ${this.pending.to}`}): at the next migration point`);
  }

  /** Hosts that run ranks now: the ones that vote. */
  private voters(): string[] {
    return [...new Set(this.epochs.current.hostTable)];
  }

  onVote(host: string, v: { barrier?: unknown; ok?: unknown }): void {
    if (!Number.isInteger(v?.barrier) || typeof v.ok !== 'boolean') return this.d.fail(`host ${host} sent a malformed migration vote`);
    if (this.over || this.planned) return;
    const barrier = v.barrier as number;
    const at = this.votes.get(barrier) ?? new Map<string, boolean>();
    this.votes.set(barrier, at);
    at.set(host, v.ok);
    const voters = this.voters();
    if (!voters.every((h) => at.has(h))) return;
    this.votes.delete(barrier);
    void this.decide(barrier, voters.every((h) => at.get(h))).catch((e: Error) => this.d.fail(`the move could not be planned: ${e.message}`));
  }

  private async decide(barrier: number, allCan: boolean): Promise<void> {
    const now = this.epochs.current;
    const notNow = (final = false) => { for (const h of this.voters()) this.d.decide(h, { barrier, go: false, final }); };
    const spread = new Set(now.hostTable).size > 1;
    const wanted = this.pending ?? (this.d.consolidate && spread ? { pack: true as const, planner: true } : undefined);
    if (!allCan || !wanted) return notNow();
    const free = await this.d.freeSlots();
    let plan: string[];
    if ('pack' in wanted) plan = packPlan(now.hostTable, free);
    else if (!now.hostTable.includes(wanted.to)) {
      this.pending = undefined;
      this.d.log(`rank ${wanted.rank} not moved to host ${wanted.to}: the job no longer runs there`);
      return notNow();
    } else if ((free.get(wanted.to) ?? 0) < 1) {
      this.pending = undefined;
      this.d.log(`rank ${wanted.rank} not moved to host ${wanted.to}: it has no free slot (a move never oversubscribes a host)`);
      return notNow();
    } else plan = now.hostTable.map((h, r) => (r === wanted.rank ? wanted.to : h));
    if (plan.every((h, r) => h === now.hostTable[r])) {
      this.pending = undefined;
      if ('planner' in wanted) return notNow(); // checked again at the next point
      this.d.log(`no move at MPI_Barrier ${barrier}: the job cannot be put on fewer hosts without oversubscribing one`);
      // After --pack-at-barrier nothing more will be asked: the ranks stop voting.
      return notNow(this.d.packFromStart);
    }
    this.pending = undefined;
    this.planned = { epoch: now.epoch + 1, hostTable: plan };
    this.d.log(`moving at MPI_Barrier ${barrier} to epoch ${now.epoch + 1}: ${describe(now.hostTable, plan)}`);
    // The hosts that run ranks now take part (a host whose ranks all left has ended its part).
    for (const h of this.voters()) this.d.decide(h, { barrier, go: true, epoch: now.epoch + 1, hostTable: plan });
  }

  onReady(host: string, v: { epoch?: unknown }): void {
    if (!this.planned || v?.epoch !== this.planned.epoch) return this.d.fail(`host ${host} is ready for an epoch that is not under way`);
    this.ready.add(host);
    const taking = this.voters();
    if (!taking.every((h) => this.ready.has(h))) return;
    const next = this.epochs.advance(this.planned.hostTable);
    this.planned = undefined;
    this.ready.clear();
    if (this.d.packFromStart) this.over = true; // --pack-at-barrier: one move
    this.d.switched([...next.hostTable]);
    for (const h of taking) this.d.resume(h, next.epoch);
  }
}

function describe(from: readonly string[], to: readonly string[]): string {
  const moves = from.flatMap((h, r) => (h === to[r] ? [] : [`rank ${r} ${h} -> ${to[r]}`]));
  return moves.join(', ');
}
