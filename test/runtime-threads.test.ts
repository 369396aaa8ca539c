// A rank's OpenMP threads on a shared host: a thread whose worker fails ends its job (it is not swallowed);
// a thread stopped with its job is not a failure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OmpThreadTask, RunTask, ThreadOutcome } from '../faaslet/faaslet-worker.js';
import type { FaasletOutcome } from '../faaslet/outcome.js';
import type { FaasletPool } from '../host/faaslet-pool.js';
import { RankThreads } from '../host/rank-threads.js';

function threadsWith(runThread: (task: OmpThreadTask, signal: AbortSignal) => Promise<ThreadOutcome>, stop: AbortController) {
  const pool = { free: 8, runThread } as unknown as FaasletPool;
  const rank = { module: {}, identity: { index: 0 }, args: [], env: [], preopens: [], stdout: { fd: 1 }, stderr: { fd: 2 } } as unknown as RunTask;
  const failures: FaasletOutcome[] = [];
  const threads = new RankThreads(pool, rank, new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor),
    new SharedArrayBuffer(64), stop.signal, (end) => failures.push(end));
  const request = { process: new SharedArrayBuffer(1 << 16), fdTable: {}, slots: [{ gtid: 1, stackTop: 0, tlsBlock: 0, scratch: 0 }] };
  threads.mainPort.postMessage(request);
  return { threads, failures };
}

test('a thread whose worker dies ends the rank with a message naming the thread', async () => {
  const { threads, failures } = threadsWith(() => Promise.reject(new Error('worker exited with code 1')), new AbortController());
  for (let i = 0; i < 200 && failures.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  await threads.end();
  assert.deepEqual(failures, [{ kind: 'error', message: 'OpenMP thread 1: its worker failed: worker exited with code 1' }]);
});

test('a thread stopped with its job is not reported as a failure', async () => {
  const stop = new AbortController();
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const { threads, failures } = threadsWith((_task, signal) => {
    started();
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
  }, stop);
  await running;
  stop.abort();
  await threads.end();
  assert.deepEqual(failures, []);
});
