// Giving a finished job's memory back. A job's wasm memories are SharedArrayBuffers reachable from the host's
// main thread and from each worker that ran one of its Faaslets; each must collect garbage before the memory
// is freed. Nothing prompts V8 to do that (the JS heaps stay small while gigabytes of wasm memory hang off
// them), so a host that runs job after job grew by every job's memory (measured: +135 MB per 2-rank job).
// A full collection costs a few milliseconds with heaps this small; we run one when a job or task has ended.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** A full garbage collection of this thread's heap. */
export function collectGarbage(): void {
  if (!gc) {
    // --expose-gc only takes effect in contexts made after it is set, so a fresh context hands us gc().
    v8.setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** Collects garbage once the current task's objects are unreachable (after the caller's stack unwinds). */
export function collectGarbageSoon(): void {
  setImmediate(collectGarbage);
}

/** Zeroes a memory a job has finished with: nothing of it may reach whoever gets its pages next. */
export function wipe(memory: WebAssembly.Memory): void {
  new Uint8Array(memory.buffer).fill(0);
}
