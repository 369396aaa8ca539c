// Keeping one rank's memory consistent across the hosts of a spread team (FDiffs, fdiffs/index.ts).
// The main host owns the master memory; each other host keeps ONE replica for all its members. Versions count
// synchronisation points: version 0 is an empty memory, so the first update a replica gets (at the first remote
// fork) is the whole image as a diff against nothing (only non-zero bytes travel) in the checked, versioned
// FDIF format, and every later update is a diff since the replica's last version. Memories grow as the diffs
// say (a diff carries the size of the memory it was taken from).
//   fork:  main: forkUpdate() -> replica: applyUpdate()
//   sync:  replica: ownDiff() -> main: merge(diffs in host order) -> replica: applyUpdate(aggregate)
import { FDiffTracker, applyDiff, decodeDiff, encodeDiff, growForDiff, mergeDiffs, type FDiff, type RaceReport } from '../../fdiffs/index.js';
import { OmpError } from '../errors.js';

/** Wasm32 memories stop at 4 GiB; a job may cap them lower. */
const WASM32_MAX = 2 ** 32;

function view(memory: WebAssembly.Memory): Uint8Array {
  return new Uint8Array(memory.buffer);
}

/** Applies a checked diff to a live memory, growing it first when the diff's memory grew. */
function applyToLive(memory: WebAssembly.Memory, diff: FDiff): void {
  growForDiff(memory, diff);
  applyDiff(view(memory), diff);
}

export interface MergeOutcome {
  /** The aggregate diff to send to every replica host. */
  aggregate: Uint8Array;
  /** Bytes two hosts wrote with different values (a data race in the program), by host name. */
  races: string[];
  /** The same, without saying whose bytes were kept (for a message that ends the job). */
  conflicts: string[];
  /** Bytes of diffs received and of the aggregate (for -v and the experiment). */
  receivedBytes: number;
}

export class MainMemorySync {
  private readonly tracker = new FDiffTracker();

  constructor(private readonly memory: WebAssembly.Memory, private readonly maxMemoryBytes = WASM32_MAX) {}

  get version(): number {
    return this.tracker.syncedVersion;
  }

  /** At a fork: the diff that makes a replica at the last version equal the master now (the first: the image). */
  forkUpdate(): Uint8Array {
    const d = this.tracker.diff(view(this.memory));
    const bytes = encodeDiff(d);
    this.tracker.accept(d);
    this.tracker.synced(d.baseVersion + 1);
    return bytes;
  }

  /**
   * At a synchronisation point, with every local member stopped: the master's own changes and each replica
   * host's diff (in host order, the order of their thread numbers) are merged; disjoint writes overwrite,
   * racing bytes keep the first host's (the lowest thread numbers), and no other byte is touched. The result
   * is applied to the master memory and returned for the replicas.
   */
  merge(remote: { host: string; diff: Uint8Array }[], mainName = 'this host'): MergeOutcome {
    const version = this.tracker.syncedVersion;
    const own = this.tracker.diff(view(this.memory));
    const decoded = remote.map((r) => {
      try {
        return decodeDiff(r.diff, { baseVersion: version, maxMemoryBytes: this.maxMemoryBytes });
      } catch (e) {
        throw new OmpError(`host ${r.host} sent a memory diff this runtime refuses: ${(e as Error).message}`);
      }
    });
    const all = [own, ...decoded];
    const merged = mergeDiffs(this.tracker.synchronisedCopy, version, all);
    const { aggregate } = merged;
    // Hosts that wrote the same values (e.g. every thread storing the team size) do not conflict.
    const races = merged.races.filter((x) => x.hosts.some((h) => !sameBytes(bytesOf(all[h], x.offset, x.length), bytesOf(all[x.hosts[0]], x.offset, x.length))));
    if (aggregate.memoryBytes > this.maxMemoryBytes) throw new OmpError(`the merged memory (${aggregate.memoryBytes} bytes) is over the rank's limit of ${this.maxMemoryBytes}`);
    applyToLive(this.memory, aggregate);
    this.tracker.accept(aggregate);
    this.tracker.synced(version + 1);
    const names = [mainName, ...remote.map((r) => r.host)];
    return {
      aggregate: encodeDiff(aggregate),
      races: races.map((x) => `${describeConflict(x, names)}; ${names[x.hosts[0]]}'s bytes kept`),
      conflicts: races.map((x) => describeConflict(x, names)),
      receivedBytes: remote.reduce((s, r) => s + r.diff.length, 0),
    };
  }
}

/** The bytes a diff wrote at [offset, offset + length) (a range inside its runs). */
function bytesOf(d: FDiff, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (let i = 0; i < d.runs.length; i += 2) {
    const off = d.runs[i], len = d.runs[i + 1];
    const from = Math.max(off, offset), to = Math.min(off + len, offset + length);
    if (from < to) out.set(d.data.subarray(at + from - off, at + to - off), from - offset);
    at += len;
    if (off >= offset + length) break;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function describeConflict(x: RaceReport, names: string[]): string {
  return `data race: bytes ${x.offset}..${x.offset + x.length - 1} of the memory were written with different values by ${x.hosts.map((h) => `host ${names[h]}`).join(' and ')} between two synchronisation points`;
}

export class ReplicaMemorySync {
  private readonly tracker = new FDiffTracker();

  /** `memory` starts as version 0 (all zero); `main` names the main host in messages. */
  constructor(private readonly memory: WebAssembly.Memory, private readonly main: string, private readonly maxMemoryBytes = WASM32_MAX) {}

  get version(): number {
    return this.tracker.syncedVersion;
  }

  /** A fork's update or a synchronisation's aggregate from the main host: the replica then equals the master. */
  applyUpdate(bytes: Uint8Array): void {
    const version = this.tracker.syncedVersion;
    let d: FDiff;
    try {
      d = decodeDiff(bytes, { baseVersion: version, maxMemoryBytes: this.maxMemoryBytes });
    } catch (e) {
      throw new OmpError(`host ${this.main} sent a memory update this runtime refuses: ${(e as Error).message}`);
    }
    applyToLive(this.memory, d);
    this.tracker.accept(d);
    this.tracker.synced(version + 1);
  }

  /** What this host's members changed since the last version, for the main host. */
  ownDiff(): Uint8Array {
    return encodeDiff(this.tracker.diff(view(this.memory)));
  }
}
