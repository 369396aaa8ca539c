// Host-to-host links: authenticated WebSockets carrying protobuf frames; order kept, small messages coalesced,
// large payloads intact, wrong secrets refused and logged, a dead peer noticed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Envelope, MpiMessage } from '../cluster/wire/codec.js';
import { connectLink, HIGH_WATER, LinkServer, type HostLink } from '../cluster/wire/link.js';

const cluster = 'test-cluster', secret = 's3cret-for-tests';
const mpi = (seq: number, payload: Uint8Array): Envelope => ({
  mpi: { group: 'g1', src: 0, dst: 1, tag: 7, context: 2, seq, kind: 1, total: payload.byteLength, payload, a: 0, b: 0, c: 0 },
});

describe('host links', () => {
  let server: LinkServer;
  let port: number;
  const logged: string[] = [];
  const accepted: HostLink[] = [];
  before(async () => {
    server = new LinkServer({ cluster, hostId: 'hostB', secret, port: 0, log: (l) => logged.push(l) });
    server.on('link', (l) => accepted.push(l));
    port = await server.ready;
  });
  after(async () => { await server.close(); });

  const nextLink = () => new Promise<HostLink>((resolve) => server.once('link', resolve));

  test('10,000 small messages arrive in order and are coalesced into few frames', async () => {
    const incoming = nextLink();
    const a = await connectLink(`127.0.0.1:${port}`, { cluster, hostId: 'hostA', secret });
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
    const a = await connectLink(`127.0.0.1:${port}`, { cluster, hostId: 'hostA', secret });
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
    const a = await connectLink(`127.0.0.1:${port}`, { cluster, hostId: 'hostA', secret });
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

  test('a wrong secret or cluster is refused, and the refusal is logged', async () => {
    await assert.rejects(connectLink(`127.0.0.1:${port}`, { cluster, hostId: 'intruder', secret: 'guess' }), /refused the link: 401/);
    assert.ok(logged.some((l) => /refused a link .*wrong cluster secret/.test(l)), logged.join('\n'));
    await assert.rejects(connectLink(`127.0.0.1:${port}`, { cluster: 'other', hostId: 'x', secret }), /refused/);
    assert.ok(logged.some((l) => /wrong cluster "other"/.test(l)));
    const before = accepted.length;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(accepted.length, before, 'no link was created for refused connections');
  });

  test('the other side learns when a peer goes away', async () => {
    const incoming = nextLink();
    const a = await connectLink(`127.0.0.1:${port}`, { cluster, hostId: 'hostA', secret });
    const b = await incoming;
    const closed = new Promise<string>((resolve) => b.once('close', resolve));
    (a as unknown as { ws: { terminate(): void } }).ws.terminate();
    assert.ok(typeof (await closed) === 'string');
  });
});
