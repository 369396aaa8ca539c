// Back-pressure between hosts: a receiving host whose rank does not take its records holds at most about
// FAASMPI_NET_HELD_BYTES of them, then stops reading the link, so the sending host's link congests (its ranks then
// find their outboxes full) instead of the receiving host buffering without bound. While reading is held neither
// side mistakes the other for dead; once the rank reads, every record arrives whole and in order.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MpiMessage } from '../cluster/wire/codec.js';
import type { HostLink, LinkServer } from '../cluster/wire/link.js';
import { JobChannels } from '../mpi/transport/job-channels.js';
import { TestCA } from './cluster-hosts.js';

// Read by the modules below when they load: a small hold limit, and a short keepalive so that a link held
// longer than it would be cut if holding broke the keepalive.
const HELD_BYTES = 2 << 20;
const TIMEOUT_MS = 1000;
process.env.FAASMPI_NET_HELD_BYTES = String(HELD_BYTES);
process.env.FAASMPI_LINK_TIMEOUT_MS = String(TIMEOUT_MS);
const { connectLink, HIGH_WATER, LinkServer: Server } = await import('../cluster/wire/link.js');
const { JobBridge } = await import('../cluster/bridge.js');

const RECORD = 60 << 10;
const RECORDS = 600; // 36 MiB: far more than the hold limit, the inbox and the sender's high-water mark together
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const byteOf = (i: number, j: number) => (i * 31 + j * 7) & 255;

describe('back-pressure across hosts', () => {
  const ca = new TestCA();
  let server: LinkServer;
  let sender: HostLink;
  let receiver: HostLink;
  before(async () => {
    server = new Server({ credentials: ca.hostCredentials('hostB'), port: 0, log: () => {} });
    const accepted = new Promise<HostLink>((r) => server.once('link', r));
    sender = await connectLink(`127.0.0.1:${await server.ready}`, ca.hostCredentials('hostA'), 'hostB');
    receiver = await accepted;
  });
  after(async () => {
    sender?.close();
    await server.close();
  });

  test('a rank that does not read: the receiving host holds a bounded amount and the sender congests; then all arrives in order', { timeout: 60_000 }, async () => {
    // Rank 0 on hostA sends to rank 1 on hostB, whose inbox (256 KiB) nobody drains for now.
    const channels = JobChannels.create(2, 256 << 10);
    const failures: string[] = [];
    const bridge = new JobBridge('g1', channels, ['hostA', 'hostB'], 'hostB', (id) => (id === 'hostA' ? receiver : undefined), (p) => failures.push(p));
    bridge.start();
    receiver.on('message', (e, raw) => { if ('mpi' in e) bridge.deliver(e.mpi, raw); });

    let sent = 0;
    const sending = (async () => {
      for (let i = 0; i < RECORDS; i++) {
        if (sender.congested) await sender.writable(); // what the sending host's bridge does
        const payload = new Uint8Array(RECORD);
        for (let j = 0; j < RECORD; j++) payload[j] = byteOf(i, j);
        const m: MpiMessage = { group: 'g1', src: 0, dst: 1, tag: i % 5, context: 2, seq: i + 1, kind: 1, total: RECORD, payload, a: i, b: 0, c: 0 };
        sender.send({ mpi: m });
        sent++;
      }
    })();

    // The sender stops on its high-water mark: the receiving host stopped reading instead of taking it all.
    const until = performance.now() + 30_000;
    while (!sender.congested && performance.now() < until) await sleep(20);
    assert.ok(sender.congested, `the sender never congested (${sent} records sent, ${bridge.bytesHeld} bytes held)`);
    // Held longer than the keepalive allows a silent peer: neither side cuts the link.
    await sleep(TIMEOUT_MS * 2.5);
    assert.ok(sender.open && receiver.open, 'a link with reading held was cut by the keepalive');
    assert.ok(sent < RECORDS, 'everything was sent although the receiving rank read nothing');
    // What the receiving host holds: the limit plus what was already read when it stopped (a frame or two).
    assert.ok(bridge.bytesHeld <= HELD_BYTES + (2 << 20), `${bridge.bytesHeld} bytes held (limit ${HELD_BYTES})`);
    assert.ok(sender.congested && (sent + 1) * RECORD > HIGH_WATER, 'the sender is not held up by its high-water mark');

    // The rank reads now: every record arrives, in order, intact.
    let next = 0;
    const inbox = channels.inboxes[1];
    const deadline = performance.now() + 30_000;
    while (next < RECORDS && failures.length === 0 && performance.now() < deadline) {
      inbox.drain((h, ring, at, length) => {
        assert.equal(h.a, next, 'records out of order');
        assert.equal(length, RECORD);
        assert.equal(h.tag, next % 5);
        for (let j = 0; j < length; j += 997) assert.equal(ring[at + j], byteOf(next, j), `record ${next} byte ${j}`);
        next++;
      });
      await sleep(1);
    }
    await sending;
    assert.deepEqual(failures, []);
    assert.equal(next, RECORDS);
    assert.equal(bridge.bytesHeld, 0);
    await bridge.end();
  });
});
