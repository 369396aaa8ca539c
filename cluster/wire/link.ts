// A link between two parties of a cluster: one WebSocket over mutual TLS (wss://), one per host pair, and one per
// launcher and host. Both ends present certificates issued by the cluster CA; a party's identity (host id or
// user) is what its verified certificate says (trust/identity.ts), never a field it sends. TLS binds each
// handshake to its connection with fresh keys on both sides, so a captured handshake cannot be replayed.
// Small envelopes are coalesced into one frame per turn of the event loop; a large payload goes as its own raw
// WebSocket message right after its envelope, so it is not copied into a frame. Nagle is off. Senders await
// writable() for back-pressure instead of letting the socket buffer grow without bound; a receiver that cannot
// take more holds the link's reading (holdReading), which congests the sender in turn. A held link carries every
// job between the two hosts, so holds are for full receivers only, and are released as soon as they catch up.
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { PeerCertificate, SecureContextOptions, TLSSocket } from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import type { Credentials } from '../trust/credentials.js';
import { describeIdentity, identityOfPeer, type Identity } from '../trust/identity.js';
import { normalSerial } from '../trust/revocation.js';
import { decodeFrame, encodeFrame, type Envelope } from './codec.js';

/** Payloads at least this big travel as their own WebSocket message. */
export const RAW_THRESHOLD = 64 << 10;
/** Queued envelopes are flushed at once past this many payload bytes. */
const COALESCE_BYTES = 64 << 10;
/** writable() waits while the socket holds more than this. */
export const HIGH_WATER = 8 << 20;

/**
 * A peer that answers nothing (not even a WebSocket ping, which ws answers from the event loop) for this long is
 * gone: stopped (SIGSTOP), frozen or cut off. FAASMPI_LINK_TIMEOUT_MS changes it (tests, slow networks).
 */
export const LINK_TIMEOUT_MS = Number(process.env.FAASMPI_LINK_TIMEOUT_MS) > 0 ? Number(process.env.FAASMPI_LINK_TIMEOUT_MS) : 15_000;

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

  /** The peer's host id or user name, from its certificate. */
  readonly peer: string;
  /** When the peer last sent anything (a message or a pong). */
  private heardAt = performance.now();
  private readonly keepalive: NodeJS.Timeout;
  /** Why the link was cut for silence, if it was. */
  private silence: string | undefined;
  /** Parts of jobs that asked to stop reading (their receivers are full); reading resumes when none is left. */
  private readHolds = 0;

  /** `peerSerial`: the serial number of the peer's certificate (normalSerial), to close the link if it is revoked. */
  constructor(private readonly ws: WebSocket, readonly identity: Identity, readonly peerSerial: string) {
    super();
    this.peer = identity.name;
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer) => {
      this.heardAt = performance.now();
      this.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    ws.on('close', (code, reason) => {
      clearInterval(this.keepalive);
      this.emit('close', this.silence ?? (reason.toString() || `closed (${code})`));
    });
    ws.on('error', (e) => this.emit('close', e.message));
    ws.on('pong', () => { this.heardAt = performance.now(); });
    // A peer that holds our link's reading still pings us: it is alive, only full.
    ws.on('ping', () => { this.heardAt = performance.now(); });
    this.keepalive = setInterval(() => this.checkAlive(), LINK_TIMEOUT_MS / 4).unref();
  }

  /** Pings the peer; one silent for LINK_TIMEOUT_MS is cut off, so its jobs end instead of stalling. */
  private checkAlive(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    // While reading is held, the peer's pongs wait unread in the socket: its silence proves nothing.
    if (this.readHolds > 0) this.heardAt = performance.now();
    if (performance.now() - this.heardAt > LINK_TIMEOUT_MS) {
      this.silence = `no answer from ${this.peer} for ${Math.round(LINK_TIMEOUT_MS / 1000)} s (stopped or unreachable)`;
      this.ws.terminate();
      return;
    }
    this.ws.ping();
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
    this.queuedBytes += 'mpi' in envelope ? envelope.mpi.payload.byteLength + 64 : 'team' in envelope ? envelope.team.payload.byteLength + 64 : 256;
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

  /**
   * Stops reading from the peer until every hold is released: what it sends then waits in the kernel's socket
   * buffers and its sender's, whose link becomes congested, so its ranks find their outboxes full (back-pressure
   * across hosts instead of buffering on the receiving host without bound).
   */
  holdReading(): void {
    if (this.readHolds++ === 0) this.ws.pause();
  }

  releaseReading(): void {
    if (this.readHolds === 0) return;
    if (--this.readHolds === 0) {
      this.heardAt = performance.now();
      this.ws.resume();
    }
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

export interface LinkServerOptions {
  credentials: Credentials;
  port: number;
  host?: string;
  /** Where refused connections are reported (one line each, naming the peer). */
  log?: (line: string) => void;
}

/** Accepts links from hosts and launchers of the cluster: TLS with a client certificate from the cluster CA. */
export class LinkServer extends EventEmitter<{ link: [HostLink] }> {
  private readonly https: Server;
  private readonly wss: WebSocketServer;
  readonly ready: Promise<number>;

  constructor(opts: LinkServerOptions) {
    super();
    const { credentials: c } = opts;
    const log = (why: string, from: string | undefined) =>
      (opts.log ?? ((l) => process.stderr.write(`${l}\n`)))(`faasmpi host ${c.identity.name}: refused a connection from ${from ?? 'an unknown address'}: ${why}`);
    this.https = createServer({ ...this.context(c), requestCert: true, rejectUnauthorized: true });
    // A connection without a certificate of this cluster's CA (or without TLS) fails its handshake.
    this.https.on('tlsClientError', (e, socket) => {
      log(e.message, socket.remoteAddress);
      socket.destroy();
    });
    this.wss = new WebSocketServer({
      server: this.https,
      perMessageDeflate: false,
      maxPayload: 1 << 30,
      verifyClient: (info, done) => {
        const id = identityOfPeer((info.req.socket as TLSSocket).getPeerCertificate());
        if (typeof id === 'string') {
          log(id, info.req.socket.remoteAddress);
          done(false, 403, 'Forbidden');
        } else done(true);
      },
    });
    this.wss.on('connection', (ws, req) => {
      req.socket.setNoDelay(true);
      const cert = (req.socket as TLSSocket).getPeerCertificate();
      this.emit('link', new HostLink(ws, identityOfPeer(cert) as Identity, normalSerial(cert.serialNumber)));
    });
    this.ready = new Promise((resolve, reject) => {
      this.https.once('listening', () => resolve((this.https.address() as { port: number }).port));
      this.https.once('error', reject);
    });
    this.https.listen(opts.port, opts.host ?? '127.0.0.1');
  }

  private context(c: Credentials): SecureContextOptions {
    return { key: c.key, cert: c.cert, ca: c.ca, crl: c.revoked?.pem, minVersion: 'TLSv1.3' };
  }

  /** New handshakes check these credentials (a new revocation list); links already open are the caller's. */
  useCredentials(c: Credentials): void {
    this.https.setSecureContext(this.context(c));
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    return new Promise((resolve) => this.https.close(() => resolve()));
  }
}

/**
 * Opens a link to the host at address (host:port) with our credentials. The peer must present a host
 * certificate of our CA, naming exactly `hostId` when given; otherwise the connection is dropped before any
 * request is sent.
 */
export function connectLink(address: string, me: Credentials, hostId?: string): Promise<HostLink> {
  let peer: Identity | undefined;
  let serial = '';
  const ws = new WebSocket(`wss://${address}`, {
    perMessageDeflate: false,
    // A stopped host accepts TCP connections (the kernel does) but never finishes the handshake.
    handshakeTimeout: LINK_TIMEOUT_MS,
    maxPayload: 1 << 30,
    // A zero mask: ws then neither masks nor unmasks payloads (a byte loop in JS). Masking guards browsers'
    // proxies against cache poisoning; links are between authenticated parties over TLS, not browsers.
    generateMask: (mask: Buffer) => { mask.fill(0); },
    ca: me.ca,
    cert: me.cert,
    key: me.key,
    crl: me.revoked?.pem,
    minVersion: 'TLSv1.3',
    // Identity by certificate subject against the job's host table, not by DNS name.
    checkServerIdentity: ((_name: string, cert: PeerCertificate) => {
      const id = identityOfPeer(cert);
      if (typeof id === 'string') return new Error(`${address} is not a host of this cluster: ${id}`);
      if (id.role !== 'host') return new Error(`${address} is not a host: its certificate names ${describeIdentity(id)}`);
      if (hostId !== undefined && id.name !== hostId) return new Error(`${address} is host ${id.name}, not host ${hostId}`);
      peer = id;
      serial = normalSerial(cert.serialNumber);
      return undefined;
    }) as unknown as (name: string, cert: unknown) => boolean, // ws's typing; tls.connect's contract is Error | undefined
  });
  return new Promise((resolve, reject) => {
    ws.once('upgrade', (res) => res.socket.setNoDelay(true));
    ws.once('open', () => resolve(new HostLink(ws, peer!, serial)));
    ws.once('unexpected-response', (_req, res) => {
      reject(new LinkError(`host ${address} refused the link: ${res.statusCode} ${res.statusMessage}`));
      ws.terminate();
    });
    ws.once('error', (e) => {
      // In TLS 1.3 the host checks our certificate after the handshake: a refusal reaches us as a hang-up.
      const hint = peer && /socket hang up|ECONNRESET/.test(e.message) ? ' (the host refused our certificate: revoked, or not of its cluster\'s CA?)' : '';
      reject(new LinkError(`cannot link to host ${address}: ${e.message}${hint}`));
    });
  });
}
