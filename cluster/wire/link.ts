// A link between two host runtimes: one WebSocket (ws) per host pair, authenticated with the cluster secret.
// Small envelopes are coalesced into one frame per turn of the event loop; a large payload goes as its own raw
// WebSocket message right after its envelope, so it is not copied into a frame. Nagle is off. Senders await
// writable() for back-pressure instead of letting the socket buffer grow without bound.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { decodeFrame, encodeFrame, type Envelope } from './codec.js';

/** Payloads at least this big travel as their own WebSocket message. */
export const RAW_THRESHOLD = 64 << 10;
/** Queued envelopes are flushed at once past this many payload bytes. */
const COALESCE_BYTES = 64 << 10;
/** writable() waits while the socket holds more than this. */
export const HIGH_WATER = 8 << 20;
/** Accepted clock skew for a connection's proof. */
const PROOF_WINDOW_MS = 60_000;

export interface LinkIdentity {
  cluster: string;
  hostId: string;
  secret: string;
}

function proof(secret: string, cluster: string, hostId: string, time: number): string {
  return createHmac('sha256', secret).update(`${cluster}\n${hostId}\n${time}`).digest('hex');
}

export class LinkError extends Error {}

export interface HostLinkEvents {
  message: [envelope: Envelope, raw: Uint8Array | undefined];
  close: [reason: string];
}

export class HostLink extends EventEmitter<HostLinkEvents> {
  private queue: Envelope[] = [];
  private queuedBytes = 0;
  private flushScheduled = false;
  private awaitingRaw: Envelope | undefined;
  /** Frames (WebSocket messages) sent and received, for tests and reports. */
  framesSent = 0;
  framesReceived = 0;

  constructor(private readonly ws: WebSocket, readonly peer: string) {
    super();
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer) => this.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    ws.on('close', (code, reason) => this.emit('close', reason.toString() || `closed (${code})`));
    ws.on('error', (e) => this.emit('close', e.message));
  }

  /** Queues an envelope (with its large payload, sent raw); frames go out once per event-loop turn. */
  send(envelope: Envelope, raw?: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) throw new LinkError(`link to ${this.peer} is closed`);
    if (raw) {
      if (!('mpi' in envelope)) throw new LinkError('only MPI messages carry raw payloads');
      this.queue.push({ mpi: { ...envelope.mpi, payload: new Uint8Array(0), rawFollows: true } });
      this.flush(); // the raw message must follow its envelope's frame directly
      this.sendRaw(raw);
      return;
    }
    this.queue.push(envelope);
    this.queuedBytes += 'mpi' in envelope ? envelope.mpi.payload.byteLength + 64 : 256;
    if (this.queuedBytes >= COALESCE_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private sendRaw(raw: Uint8Array): void {
    this.ws.send(raw, { binary: true });
    this.framesSent++;
  }

  /** Sends what is queued now. */
  flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0) return;
    const items = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    this.ws.send(encodeFrame(items), { binary: true });
    this.framesSent++;
  }

  /** Whether the socket holds more than the high-water mark (then await writable() before sending more). */
  get congested(): boolean {
    return this.ws.bufferedAmount > HIGH_WATER;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Resolves once the socket's send buffer is below the high-water mark. */
  async writable(): Promise<void> {
    while (this.ws.readyState === WebSocket.OPEN && this.ws.bufferedAmount > HIGH_WATER) {
      await new Promise((r) => setTimeout(r, 1));
    }
    if (this.ws.readyState !== WebSocket.OPEN) throw new LinkError(`link to ${this.peer} is closed`);
  }

  private receive(bytes: Uint8Array): void {
    this.framesReceived++;
    if (this.awaitingRaw) {
      const envelope = this.awaitingRaw;
      this.awaitingRaw = undefined;
      this.emit('message', envelope, bytes);
      return;
    }
    let items: Envelope[];
    try {
      items = decodeFrame(bytes);
    } catch (e) {
      this.close(`malformed frame from ${this.peer}: ${(e as Error).message}`);
      return;
    }
    for (const e of items) {
      if ('mpi' in e && e.mpi.rawFollows) this.awaitingRaw = e; // always the frame's last envelope
      else this.emit('message', e, undefined);
    }
  }

  close(reason = 'closed'): void {
    this.flush();
    this.ws.close(1000, reason.slice(0, 120));
  }
}

export interface LinkServerOptions extends LinkIdentity {
  port: number;
  host?: string;
  /** Where refused connections are reported (a connection without the secret is refused and logged). */
  log?: (line: string) => void;
}

/** Accepts links from other hosts of the cluster; a connection without a valid proof is refused (HTTP 401). */
export class LinkServer extends EventEmitter<{ link: [HostLink] }> {
  private readonly wss: WebSocketServer;
  readonly ready: Promise<number>;

  constructor(private readonly opts: LinkServerOptions) {
    super();
    this.wss = new WebSocketServer({
      port: opts.port,
      host: opts.host ?? '127.0.0.1',
      perMessageDeflate: false,
      maxPayload: 1 << 30,
      verifyClient: (info, done) => {
        const why = this.refusal(info.req);
        if (why) {
          (opts.log ?? ((l) => process.stderr.write(`${l}\n`)))(`faasmpi host ${opts.hostId}: refused a link from ${info.req.socket.remoteAddress}: ${why}`);
          done(false, 401, 'Unauthorized');
        } else done(true);
      },
    });
    this.wss.on('connection', (ws, req) => {
      req.socket.setNoDelay(true);
      this.emit('link', new HostLink(ws, String(req.headers['x-faasmpi-host'])));
    });
    this.ready = new Promise((resolve, reject) => {
      this.wss.once('listening', () => resolve((this.wss.address() as { port: number }).port));
      this.wss.once('error', reject);
    });
  }

  private refusal(req: IncomingMessage): string | undefined {
    const cluster = req.headers['x-faasmpi-cluster'], host = req.headers['x-faasmpi-host'];
    const time = Number(req.headers['x-faasmpi-time']), given = req.headers['x-faasmpi-proof'];
    if (typeof cluster !== 'string' || typeof host !== 'string' || typeof given !== 'string' || !Number.isFinite(time)) return 'no cluster credentials';
    if (cluster !== this.opts.cluster) return `wrong cluster "${cluster}"`;
    if (Math.abs(Date.now() - time) > PROOF_WINDOW_MS) return 'stale credentials (clock skew?)';
    const expected = Buffer.from(proof(this.opts.secret, cluster, host, time), 'hex');
    const got = Buffer.from(given, 'hex');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return 'wrong cluster secret';
    return undefined;
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

/** Opens a link to another host (address host:port); `peer` names it in messages (default: the address). */
export function connectLink(address: string, me: LinkIdentity, peer = address): Promise<HostLink> {
  const time = Date.now();
  const ws = new WebSocket(`ws://${address}`, {
    perMessageDeflate: false,
    maxPayload: 1 << 30,
    // A zero mask: ws then neither masks nor unmasks payloads (a byte loop in JS). Masking guards browsers'
    // proxies against cache poisoning; links between hosts are authenticated peers, not browsers.
    generateMask: (mask: Buffer) => { mask.fill(0); },
    headers: {
      'x-faasmpi-cluster': me.cluster,
      'x-faasmpi-host': me.hostId,
      'x-faasmpi-time': String(time),
      'x-faasmpi-proof': proof(me.secret, me.cluster, me.hostId, time),
    },
  });
  return new Promise((resolve, reject) => {
    ws.once('upgrade', (res) => res.socket.setNoDelay(true));
    ws.once('open', () => resolve(new HostLink(ws, peer)));
    ws.once('unexpected-response', (_req, res) => {
      reject(new LinkError(`host ${address} refused the link: ${res.statusCode} ${res.statusMessage} (wrong cluster or secret?)`));
      ws.terminate();
    });
    ws.once('error', (e) => reject(new LinkError(`cannot link to host ${address}: ${e.message}`)));
  });
}
