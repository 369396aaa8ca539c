// The wasm SIMD diff kernel: compares a chunk of live memory with the synchronised copy 16 bytes at a time
// (64 at a time while nothing differs, or while every byte differs) and writes the runs of changed bytes,
// byte-exact, with their contents.
// Node 20's V8 has no multi-memory, so the kernel cannot read the replica's memory and the copy at once: the
// copy lives in the kernel's own memory and each chunk of the replica is copied next to it (one 64 KiB copy
// that stays in cache) before the compare. Its source, with what scan() takes and returns: simd-kernel-source.ts.
import { KERNEL_WASM_BASE64 } from './simd-kernel-wasm.js';

/** Bytes of live memory compared per kernel call. */
export const KERNEL_CHUNK = 64 * 1024;

let compiled: WebAssembly.Module | undefined;

/** The kernel module, compiled once per process from its assembled bytes. */
export function simdKernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(KERNEL_WASM_BASE64, 'base64'));
  return compiled;
}

export interface SimdKernel {
  memory: WebAssembly.Memory;
  dataUsed: WebAssembly.Global;
  scan(live: number, base: number, len: number, out: number, data: number, origin: number): number;
}

export function instantiateSimdKernel(): SimdKernel {
  const instance = new WebAssembly.Instance(simdKernelModule(), {});
  return instance.exports as unknown as SimdKernel;
}
