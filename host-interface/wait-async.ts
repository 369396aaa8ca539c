// Atomics.waitAsync (Node 16+), typed: it is missing from the ES2022 library typings. Resolves once the word at
// `index` moves from `value` (or after `timeoutMs`); never blocks the calling thread's event loop.
const atomicsWaitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number, timeoutMs?: number): { async: false } | { async: true; value: Promise<string> };
}).waitAsync;

export async function waitAsync(words: Int32Array, index: number, value: number, timeoutMs?: number): Promise<void> {
  const w = atomicsWaitAsync(words, index, value, timeoutMs);
  if (w.async) await w.value;
}
