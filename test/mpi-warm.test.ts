// A host's idle pool workers warm the MPI paths on a private job (mpi/warm-up.ts, issue 14), so its next job's
// first calls run optimised code. The warm-up must leave no trace a job can see and must never delay one. (How
// much it speeds a job up is measured in benchmarks, not here.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { MpiWarmUp, WorkerWarmUp } from '../mpi/warm-up.js';
import { HostLoad } from '../mpi/transport/host-load.js';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-mpi-warm-');
let traceProgram: string | undefined;
const program = () => (traceProgram ??= build('mpi_warm_trace.c', dir));

describe('the private warm-up job', () => {
  test('runs rounds with exact results and never blocks; an interrupt stops it before any step', () => {
    const w = new MpiWarmUp();
    assert.equal(w.run({ maxMs: 1000, interrupt: () => true }), 0);
    const n = w.run({ maxMs: 300 });
    assert.equal(w.broken, undefined, `the warm-up broke: ${w.broken}`);
    assert.ok(n > 0, 'no round in 300 ms');
    // One step completes at most the round in progress (the 300 ms run may have stopped just before its last step).
    assert.ok(w.run({ maxMs: 0, steps: 1 }) <= 1, 'one step completed more than the round in progress');
    assert.equal(w.run({ maxMs: 0, steps: 1 }) + w.run({ maxMs: 0, steps: 1 }) <= 1, true, 'two steps completed two rounds');
  });

  test('a worker\'s warm-up waits for idle time, runs only between event-loop turns, stops while busy and resumes after', async () => {
    const w = new WorkerWarmUp('60000');
    // A fresh job's tasks come within ~200 ms of the workers' start: they must not share the cores with a warm-up.
    await delay(250);
    assert.equal(w.ms, 0, 'warmed up before the worker had been idle for a while');
    await delay(400);
    // The event loop stays responsive: a timer fires within a few idle runs.
    let worst = 0;
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await delay(1);
      worst = Math.max(worst, performance.now() - t);
    }
    assert.ok(w.ms > 0, 'no warm-up while idle');
    assert.ok(worst < 100, `a timer waited ${worst.toFixed(1)} ms behind the warm-up`);
    w.busy();
    await delay(5);
    const atBusy = w.ms;
    await delay(50);
    assert.equal(w.ms, atBusy, 'warmed up while a task ran');
    w.resume();
    await delay(700);
    assert.ok(w.ms > atBusy + 5, 'did not resume when idle again');
    w.busy();
    assert.equal(w.broken, undefined);
  });

  test('after a task, it warms up only while the host has a core no Faaslet uses', async () => {
    const load = HostLoad.create(2);
    const w = new WorkerWarmUp('60000');
    w.busy(load.buffer);
    load.enter();
    load.enter(); // two Faaslets of the host run on its two cores
    w.resume();
    await delay(1200);
    assert.equal(w.ms, 0, 'warmed up while every core ran a Faaslet');
    load.leave();
    await delay(800);
    assert.ok(w.ms > 0, 'did not warm up once a core was idle');
    w.busy();
  });

  test('a worker that never had a task waits while its host runs a job, even with cores idle', async () => {
    const load = HostLoad.create(2);
    load.jobStarted(); // e.g. a part of a job whose ranks sleep while they wait for another host
    const w = new WorkerWarmUp('60000', '100', load.buffer);
    await delay(800);
    assert.equal(w.ms, 0, 'warmed up while the host ran a job');
    load.jobEnded();
    await delay(800);
    assert.ok(w.ms > 0, 'did not warm up once the job ended');
    w.busy();
  });

  test('a budget of 0 never warms up; the budget bounds the time spent', async () => {
    const off = new WorkerWarmUp('0');
    await delay(20);
    assert.equal(off.ms, 0);
    assert.equal(off.done, true);
    const short = new WorkerWarmUp('30');
    await delay(900);
    assert.ok(short.done, `not done after 300 ms: ${short.ms.toFixed(1)} ms spent`);
    assert.ok(short.ms < 30 + 40, `spent ${short.ms.toFixed(1)} ms of a 30 ms budget`);
  });

  test('it ends after enough rounds of several private jobs, well within its time budget', async () => {
    const w = new WorkerWarmUp('60000');
    const t0 = performance.now();
    while (!w.done && performance.now() - t0 < 30_000) await delay(50);
    assert.ok(w.done, `not done after ${w.rounds} rounds`);
    assert.equal(w.broken, undefined);
    assert.ok(w.rounds >= 1000 && w.ms < 30_000, `${w.rounds} rounds in ${w.ms.toFixed(0)} ms`);
    const at = w.ms;
    await delay(30);
    assert.equal(w.ms, at, 'warmed up after it was done');
  });
});

describe('a job on warming workers', () => {
  for (const np of [2, 3]) {
    test(`-np ${np}: no message, memory change or wrong result from the warm-up, and no delay`, { timeout: 90_000 }, () => {
      // Warming from the workers' start, with a long budget: the workers are warming when the job's tasks arrive.
      const env = { ...process.env, FAASMPI_MPI_WARMUP_MS: '60000', FAASMPI_MPI_WARMUP_IDLE_MS: '0' };
      const r = faasmpiRun(['-np', String(np), program()], { env, timeoutMs: 30_000 });
      assert.equal(r.status, 0, describeRun(r));
      assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), Array.from({ length: np }, (_, i) => `OK mpi_warm_trace rank ${i}`), describeRun(r));
    });
  }

  test('with the warm-up off (FAASMPI_MPI_WARMUP_MS=0) the same job is right too', { timeout: 90_000 }, () => {
    const r = faasmpiRun(['-np', '2', program()], { env: { ...process.env, FAASMPI_MPI_WARMUP_MS: '0' }, timeoutMs: 30_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 2, describeRun(r));
  });
});
