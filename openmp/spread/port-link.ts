// How a Faaslet (synchronous wasm on a worker thread) talks to the other hosts of its spread team: through a
// MessagePort to its host's event loop, which carries the bytes over the host links (cluster/team-relay.ts).
// Receiving blocks the thread: the host posts the message, then bumps a doorbell word the thread waits on and
// takes the message synchronously (receiveMessageOnPort). The host sets the closed word when the job ends.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { OmpError } from '../errors.js';

/** Doorbell words: [0] bumped per message posted to the thread, [1] 1 once the host closed the link. */
export const BELL_WORDS = 2;

/** What the host posts to the thread and the thread posts to the host. */
export interface TeamPost {
  /** The peer host the bytes come from (host -> thread) or go to (thread -> host). */
  host: string;
  bytes: Uint8Array;
}

export interface TeamLinkInit {
  port: MessagePort;
  bell: SharedArrayBuffer;
}

/** Thrown out of a receive when the host closed the link: the job is ending, the thread stops quietly. */
export class TeamLinkClosed extends Error {}

export class PortTeamLink {
  private readonly bell: Int32Array;
  constructor(private readonly init: TeamLinkInit) {
    this.bell = new Int32Array(init.bell);
  }

  send(host: string, bytes: Uint8Array): void {
    this.init.port.postMessage({ host, bytes } satisfies TeamPost);
  }

  /** The next message from any peer host; blocks until one comes or the link closes. */
  receive(): TeamPost {
    for (;;) {
      const seen = Atomics.load(this.bell, 0);
      const m = receiveMessageOnPort(this.init.port);
      if (m) return checkPost(m.message);
      if (Atomics.load(this.bell, 1) !== 0) throw new TeamLinkClosed('the job is ending');
      // Bounded: a wake-up between the check and the wait is never lost for long.
      Atomics.wait(this.bell, 0, seen, 1000);
    }
  }
}

function checkPost(m: unknown): TeamPost {
  const p = m as TeamPost;
  if (typeof p?.host !== 'string' || !(p.bytes instanceof Uint8Array)) throw new OmpError('the host posted a malformed team message');
  return p;
}

/** The host's side: post a peer's bytes to the thread and ring its doorbell. */
export function postToThread(port: MessagePort, bell: SharedArrayBuffer, post: TeamPost): void {
  port.postMessage(post);
  const words = new Int32Array(bell);
  Atomics.add(words, 0, 1);
  Atomics.notify(words, 0);
}

export function closeForThread(bell: SharedArrayBuffer): void {
  const words = new Int32Array(bell);
  Atomics.store(words, 1, 1);
  Atomics.add(words, 0, 1);
  Atomics.notify(words, 0);
}
