// Giving a finished job's memory back. A job's wasm memories are SharedArrayBuffers reachable from the host's
// main thread and from each worker that ran one of its Faaslets; each must collect garbage before the memory
// is freed. Nothing prompts V8 to do that (the JS heaps stay small while gigabytes of wasm memory hang off
// them), so a host that runs job after job grew by every job's memory (measured: +135 MB per 2-rank job).
// A full collection costs milliseconds, too much after every short job, so each thread collects once the
// memory it has let go of since its last collection passes RELEASED_LIMIT: what a host holds in dead memories
// stays bounded by that per thread; a single release of LARGE_RELEASE or more is collected at once. Measured (empty program, 220 jobs on one host, 2 workers): median job
// 2.7 ms with no collections, 3.2 ms collecting every 128 MiB, 6-9 ms collecting every 64 MiB (a collection
// also slows the tasks after it). A worker collects before it answers its task (piscina's idle workers block
// in Atomics.wait, where nothing runs; its event-loop mode would cost ~4 ms per task), after taking the job's
// memories out of the task it was given (piscina still holds that object).
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

const RELEASED_LIMIT = 128 << 20;
/** One task or job that lets go of this much is collected after at once (its cost is small beside the job's). */
const LARGE_RELEASE = 32 << 20;

let gc: (() => void) | undefined;
let released = 0;
let largest = 0;

/** A full garbage collection of this thread's heap. */
export function collectGarbage(): void {
  if (!gc) {
    // --expose-gc only takes effect in contexts made after it is set, so a fresh context hands us gc().
    v8.setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  released = 0;
  largest = 0;
  gc();
}

/** This thread no longer needs these memories (a task or job has ended, and dropped its references). */
export function noteReleased(memories: readonly (WebAssembly.Memory | undefined)[]): void {
  let bytes = 0;
  for (const m of memories) if (m) bytes += m.buffer.byteLength;
  released += bytes;
  largest = Math.max(largest, bytes);
}

/** Collects garbage now if enough memory has been let go since the last collection. */
export function collectIfDue(): void {
  if (released >= RELEASED_LIMIT || largest >= LARGE_RELEASE) collectGarbage();
}

const ZERO_BLOCK = Buffer.alloc(65536);

/**
 * Zeroes what a job left in a memory, so nothing of it can reach whoever gets its pages next. Only blocks that
 * hold data are written: writing never-touched pages would make the host pay for them.
 */
export function wipe(memory: WebAssembly.Memory): void {
  const bytes = Buffer.from(memory.buffer);
  for (let off = 0; off < bytes.length; off += ZERO_BLOCK.length) {
    const block = bytes.subarray(off, off + ZERO_BLOCK.length);
    if (!block.equals(ZERO_BLOCK)) block.fill(0);
  }
}
