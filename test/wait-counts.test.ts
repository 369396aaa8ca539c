// A sleeping rank holds no core, so it leaves the host's running count (HostLoad) while it sleeps; the ring that
// wakes it counts it again at once, before it gets a core, so a poller cannot take the core the woken rank needs
// for one it believes idle. Every path back (woken by a ring, by its timeout, by a ring racing the timeout) must
// count it exactly once: a leak would stop all polling for good, a double count would let pollers oversubscribe.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { HostLoad } from '../mpi/transport/host-load.js';
import { JobChannels } from '../mpi/transport/job-channels.js';

/**
 * A worker that plays rank 1: counted as running, it sleeps on its doorbell once for `timeoutMs`, then waits for
 * release() before it stops running (leaves the count) and reports.
 */
function sleeper(channels: JobChannels, load: HostLoad, timeoutMs: number): { started: Promise<void>; done: Promise<void>; release: () => void } {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const url = new URL('../mpi/transport/job-channels.js', import.meta.url).href;
  const loadUrl = new URL('../mpi/transport/host-load.js', import.meta.url).href;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      const { JobChannels } = await import(${JSON.stringify(url)});
      const { HostLoad } = await import(${JSON.stringify(loadUrl)});
      const channels = JobChannels.attach(workerData.channels);
      const load = new HostLoad(workerData.load);
      load.enter();
      const seen = channels.doorbell(1);
      parentPort.postMessage('sleeping');
      channels.sleep(1, seen, workerData.timeoutMs, load);
      const gate = new Int32Array(workerData.gate);
      while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0, 100);
      load.leave();
      parentPort.postMessage('done');
    })();`;
  const w = new Worker(code, { eval: true, workerData: { channels: channels.handle, load: load.buffer, timeoutMs, gate: gate.buffer } });
  let started!: () => void, done!: () => void, fail!: (e: unknown) => void;
  const p1 = new Promise<void>((r) => (started = r));
  const p2 = new Promise<void>((r, j) => ((done = r), (fail = j)));
  w.on('message', (m) => (m === 'sleeping' ? started() : done()));
  w.on('error', fail);
  const release = () => {
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
  };
  return { started: p1, done: p2.finally(() => w.terminate()), release };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > 10_000) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('the running count across a rank\'s sleeps', () => {
  test('a ring counts the sleeper as running at once, and it is not counted again when it wakes', async () => {
    const load = HostLoad.create(2);
    const channels = JobChannels.create(2, 4096, false);
    channels.countWakesIn(load);
    const s = sleeper(channels, load, 60_000);
    await s.started;
    await until(() => load.running() === 0, 'the sleeper left the count');
    channels.ring(1);
    // Counted by the ring itself, not when the woken thread gets round to it.
    assert.equal(load.running(), 1, 'the woken rank is not counted as running right after the ring');
    channels.ring(1); // a second ring before it has woken must not count it twice
    assert.equal(load.running(), 1, 'a second ring counted the woken rank again');
    await new Promise((r) => setTimeout(r, 50)); // it has woken by now: still counted once
    assert.equal(load.running(), 1, 'the woken rank counted itself again');
    s.release();
    await s.done;
    assert.equal(load.running(), 0, 'the count leaked across the wake-up');
  });

  test('a sleep that ends by its timeout counts the sleeper again by itself', async () => {
    const load = HostLoad.create(2);
    const channels = JobChannels.create(2, 4096, false);
    const s = sleeper(channels, load, 30);
    await s.started;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(load.running(), 1, 'a sleeper woken by its timeout is not counted as running');
    s.release();
    await s.done;
    assert.equal(load.running(), 0);
  });

  test('many rings racing short sleeps leave the count where it started', async () => {
    const load = HostLoad.create(2);
    const channels = JobChannels.create(2, 4096, false);
    channels.countWakesIn(load);
    for (let i = 0; i < 20; i++) {
      const s = sleeper(channels, load, 1 + (i % 3));
      await s.started;
      for (let k = 0; k < 50; k++) channels.ring(1);
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(load.running(), 1, `round ${i}: the count is ${load.running()} while the rank runs`);
      s.release();
      await s.done;
      assert.equal(load.running(), 0, `round ${i}: the count is ${load.running()}`);
    }
  });

  test('a ring from a thread that keeps no count (the network side) still wakes the rank, which counts itself', async () => {
    const load = HostLoad.create(2);
    const channels = JobChannels.create(2, 4096, false);
    const uncounted = JobChannels.attach(channels.handle);
    const s = sleeper(channels, load, 60_000);
    await s.started;
    await until(() => load.running() === 0, 'the sleeper left the count');
    uncounted.ring(1);
    await until(() => load.running() === 1, 'the woken rank counted itself');
    s.release();
    await s.done;
    assert.equal(load.running(), 0);
  });
});

describe('when a waiter may poll without an idle core', () => {
  // HostLoad.create(cores) takes the machine's core count from the OS; these cases scale with it.
  test('while at most two threads per core want one (ours and other processes\'), and not beyond', () => {
    const load = HostLoad.create(2);
    const machine = HostLoad.create().cores;
    for (let i = 0; i < 2 * machine; i++) load.enter();
    assert.ok(load.mayPollBriefly(), 'two of ours per core, nothing else: a brief poll is allowed');
    load.enter();
    assert.ok(!load.mayPollBriefly(), 'one more than two per core: no poll');
    load.leave();
    load.setExternalRunnableMilli(1000);
    assert.ok(!load.mayPollBriefly(), 'a runnable thread of another process counts like one of ours');
    for (let i = 0; i < 2 * machine; i++) load.leave();
    load.setExternalRunnableMilli(20_000);
    assert.ok(!load.mayPollBriefly(), 'a heavily loaded machine (20 runnable threads elsewhere): no poll');
    load.setExternalRunnableMilli(0);
    load.setExternalMilliCores(machine * 1000); // every core busy elsewhere: at least one runnable thread per core
    for (let i = 0; i < machine; i++) load.enter();
    assert.ok(load.mayPollBriefly(), 'one of ours and one busy process per core: a brief poll is allowed');
    load.enter();
    assert.ok(!load.mayPollBriefly(), 'busy cores count at least as runnable threads');
  });
});
