// Links: WebSockets over mutual TLS carrying protobuf frames; order kept, small messages coalesced, large
// payloads intact, a dead peer noticed. Identity is the verified certificate: connections without TLS, without
// a client certificate or with a certificate of another CA are refused and logged; a host dialled for one id
// that presents another is refused before anything is sent.
import assert from 'node:assert/strict';
import { connect as netConnect, createServer, type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import type { Envelope, MpiMessage } from '../cluster/wire/codec.js';
import { connectLink, HIGH_WATER, LinkServer, type HostLink } from '../cluster/wire/link.js';
import { TestCA } from './cluster-hosts.js';
const mpi = (seq: number, payload: Uint8Array): Envelope => ({
  mpi: { group: 'g1', src: 0, dst: 1, tag: 7, context: 2, seq, kind: 1, total: payload.byteLength, payload, a: 0, b: 0, c: 0 },
});

describe('host links', () => {
  let server: LinkServer;
  let port: number;
  const logged: string[] = [];
  const accepted: HostLink[] = [];
  const ca = new TestCA();
  const hostA = ca.hostCredentials('hostA');
  before(async () => {
    server = new LinkServer({ credentials: ca.hostCredentials('hostB'), port: 0, log: (l) => logged.push(l) });
    server.on('link', (l) => accepted.push(l));
    port = await server.ready;
  });
  after(async () => { await server.close(); });

  const nextLink = () => new Promise<HostLink>((resolve) => server.once('link', resolve));

  test('10,000 small messages arrive in order and are coalesced into few frames', async () => {
    const incoming = nextLink();
    const a = await connectLink(`127.0.0.1:${port}`, hostA);
    const b = await incoming;
    assert.equal(b.peer, 'hostA');
    const got: MpiMessage[] = [];
    const done = new Promise<void>((resolve) => b.on('message', (e) => {
      if ('mpi' in e) got.push(e.mpi);
      if (got.length === 10_000) resolve();
    }));
    for (let i = 0; i < 10_000; i++) a.send(mpi(i, new Uint8Array([i & 255, (i >> 8) & 255])));
    await done;
    got.forEach((m, i) => {
      assert.equal(m.seq, i);
      assert.deepEqual([...m.payload], [i & 255, (i >> 8) & 255]);
    });
    assert.ok(a.framesSent < 100, `${a.framesSent} frames for 10,000 messages`);
    a.close();
  });

  test('a large payload travels raw, intact and in order with small ones around it', async () => {
    const incoming = nextLink();
    const a = await connectLink(`127.0.0.1:${port}`, hostA);
    const b = await incoming;
    const big = new Uint8Array(8 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i >> 12) & 255;
    const seen: { seq: number; bytes: number; raw: boolean }[] = [];
    const done = new Promise<Uint8Array>((resolve) => b.on('message', (e, raw) => {
      if (!('mpi' in e)) return;
      seen.push({ seq: e.mpi.seq, bytes: (raw ?? e.mpi.payload).byteLength, raw: raw !== undefined });
      if (raw) resolve(raw);
    }));
    a.send(mpi(0, new Uint8Array(10)));
    a.send(mpi(1, new Uint8Array(0)), big);
    a.send(mpi(2, new Uint8Array(10)));
    const received = await done;
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, [{ seq: 0, bytes: 10, raw: false }, { seq: 1, bytes: 8 << 20, raw: true }, { seq: 2, bytes: 10, raw: false }]);
    for (let i = 0; i < big.length; i += 4096) assert.equal(received[i], (i >> 12) & 255);
    a.close();
  });

  test('a sender that awaits writable() never has more than the high-water mark buffered', async () => {
    const incoming = nextLink();
    const a = await connectLink(`127.0.0.1:${port}`, hostA);
    const b = await incoming;
    let received = 0;
    const done = new Promise<void>((resolve) => b.on('message', () => { if (++received === 64) resolve(); }));
    const chunk = new Uint8Array(1 << 20);
    let most = 0;
    for (let i = 0; i < 64; i++) {
      await a.writable();
      a.send(mpi(i, new Uint8Array(0)), chunk);
      most = Math.max(most, (a as unknown as { ws: { bufferedAmount: number } }).ws.bufferedAmount);
    }
    await done;
    assert.ok(most <= HIGH_WATER + (2 << 20), `buffered ${most} bytes`);
    a.close();
  });

  const refusedWithin = async (attempt: Promise<unknown>, log: RegExp) => {
    const before = accepted.length;
    await assert.rejects(attempt);
    for (let i = 0; i < 100 && !logged.some((l) => log.test(l)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(logged.some((l) => log.test(l)), `no log line ${log} in:\n${logged.join('\n')}`);
    assert.equal(accepted.length, before, 'no link was made');
  };

  test('the peer is who its certificate says: a host and a user are told apart', async () => {
    const incoming = nextLink();
    const a = await connectLink(`127.0.0.1:${port}`, ca.userCredentials('alice'));
    const b = await incoming;
    assert.deepEqual(b.identity, { role: 'user', name: 'alice' });
    assert.deepEqual(a.identity, { role: 'host', name: 'hostB' });
    a.close();
  });

  test('a plain ws:// connection (the old header proof, replayed) is refused and logged', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { headers: { 'x-faasmpi-cluster': 'c', 'x-faasmpi-host': 'hostA', 'x-faasmpi-time': String(Date.now()), 'x-faasmpi-proof': '00' } });
    await refusedWithin(new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); }), /refused a connection from 127\.0\.0\.1/);
  });

  test('TLS without a client certificate is refused and logged', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}`, { ca: hostA.ca, checkServerIdentity: () => undefined } as never);
    await refusedWithin(new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); ws.once('close', reject); }), /refused a connection .*certificate/);
  });

  test('a certificate of another CA is refused, and so is a server of another CA', async () => {
    const other = new TestCA();
    await refusedWithin(connectLink(`127.0.0.1:${port}`, other.hostCredentials('hostA')), /refused a connection .*certificate/);
    const rogue = new LinkServer({ credentials: other.hostCredentials('hostB'), port: 0, log: () => {} });
    try {
      await assert.rejects(connectLink(`127.0.0.1:${await rogue.ready}`, hostA, 'hostB'), /cannot link to host .*(self.signed|unable to verify|certificate)/i);
    } finally {
      await rogue.close();
    }
  });

  test('a host dialling host X refuses a peer whose certificate names another host, or a user', async () => {
    let linked = 0;
    server.on('link', () => linked++);
    await assert.rejects(connectLink(`127.0.0.1:${port}`, hostA, 'hostC'), /is host hostB, not host hostC/);
    const userServer = new LinkServer({ credentials: ca.userCredentials('mallory'), port: 0, log: () => {} });
    try {
      await assert.rejects(connectLink(`127.0.0.1:${await userServer.ready}`, hostA, 'hostB'), /is not a host: its certificate names user mallory|unsuitable certificate purpose/);
    } finally {
      await userServer.close();
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(linked, 0, 'no WebSocket upgrade reached the wrong peer');
  });

  test('a captured connection replayed byte for byte makes no link, and is logged', async () => {
    // A recording proxy between a real host and the server captures everything the host sent.
    const captured: Buffer[] = [];
    const proxy = createServer((client) => {
      const upstream = netConnect(port, '127.0.0.1');
      client.on('data', (d) => { captured.push(Buffer.from(d)); upstream.write(d); });
      upstream.on('data', (d) => client.write(d));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => {});
      upstream.on('error', () => {});
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const incoming = nextLink();
    const a = await connectLink(`127.0.0.1:${(proxy.address() as AddressInfo).port}`, hostA);
    await incoming;
    a.send(mpi(0, new Uint8Array([1, 2, 3])));
    await new Promise((r) => setTimeout(r, 50));
    a.close();
    proxy.close();
    const before = accepted.length, loggedBefore = logged.length;
    const replay = netConnect(port, '127.0.0.1');
    replay.on('error', () => {});
    replay.on('connect', () => replay.write(Buffer.concat(captured)));
    const refusal = () => logged.slice(loggedBefore).some((l) => /refused a connection from 127\.0\.0\.1: .*(bad record mac|decrypt)/.test(l));
    for (let i = 0; i < 300 && !refusal(); i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    replay.destroy();
    assert.ok(refusal(), logged.join('\n'));
    assert.equal(accepted.length, before, 'the replay made a link');
  });

  test('the other side learns when a peer goes away', async () => {
    const incoming = nextLink();
    const a = await connectLink(`127.0.0.1:${port}`, hostA);
    const b = await incoming;
    const closed = new Promise<string>((resolve) => b.once('close', resolve));
    (a as unknown as { ws: { terminate(): void } }).ws.terminate();
    assert.ok(typeof (await closed) === 'string');
  });
});
