// The host table of a running job as versioned state: epoch 0 is the placement the job started with; each
// migration that changes it makes the next epoch. One owner (the job's launcher) advances it; every host of
// the job is told the new table with its epoch and checks that it follows the one it has.
export interface HostTableEpoch {
  epoch: number;
  /** hostTable[rank]: the id of the host that runs the rank in this epoch. */
  hostTable: readonly string[];
}

export class HostTableEpochs {
  private now: HostTableEpoch;

  constructor(initial: readonly string[]) {
    this.now = { epoch: 0, hostTable: [...initial] };
  }

  get current(): HostTableEpoch {
    return this.now;
  }

  /** Makes `next` the job's table (epoch + 1). Only the owner calls this, once every host has switched. */
  advance(next: readonly string[]): HostTableEpoch {
    if (next.length !== this.now.hostTable.length) throw new Error('a new host table must keep the job\'s size');
    this.now = { epoch: this.now.epoch + 1, hostTable: [...next] };
    return this.now;
  }
}

/** Why `next` (epoch `epoch`, from a peer or the launcher) cannot follow `current` for a job of `hosts`, if so. */
export function refuseNextEpoch(current: HostTableEpoch, epoch: unknown, next: unknown, hosts: ReadonlySet<string>): string | undefined {
  if (epoch !== current.epoch + 1) return `epoch ${String(epoch)} does not follow epoch ${current.epoch}`;
  if (!Array.isArray(next) || next.length !== current.hostTable.length) return 'the new host table does not have one host per rank';
  for (const h of next) if (typeof h !== 'string' || !hosts.has(h)) return `the new host table names host ${JSON.stringify(h)}, which is not one of the job's`;
  return undefined;
}

/** The ranks that change host from `from` to `to`. */
export function movesBetween(from: readonly string[], to: readonly string[]): { rank: number; from: string; to: string }[] {
  return from.flatMap((h, rank) => (h === to[rank] ? [] : [{ rank, from: h, to: to[rank] }]));
}
