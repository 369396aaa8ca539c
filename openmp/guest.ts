// The guest side an OpenMP thread works on: Int32 atomics on the shared linear memory (locks, task counters
// live there), typed loop-bound access, and calls into the guest (outlined regions, tasks, allocation).
import { OmpError } from './errors.js';
import { GuestMemory } from '../host-interface/memory-view.js';

export type IntKind = '4' | '4u' | '8' | '8u';

export class OmpGuest {
  readonly mem: GuestMemory;
  private words = new Int32Array(0);
  private readonly fns = new Map<number, Function>();

  constructor(private readonly memory: () => WebAssembly.Memory, readonly exports: () => WebAssembly.Exports) {
    this.mem = new GuestMemory(memory);
  }

  /** Int32 view of guest memory covering `ptr` (re-made only after the memory grew). */
  i32View(ptr: number): Int32Array {
    if ((ptr >> 2) >= this.words.length) this.words = new Int32Array(this.memory().buffer);
    return this.words;
  }

  /** A function of the guest's table (outlined parallel regions, task entries, reduction combiners). */
  fn(index: number): Function {
    let f = this.fns.get(index);
    if (!f) {
      const table = this.exports().__indirect_function_table as WebAssembly.Table | undefined;
      if (!table) throw new Error('the module exports no function table (build it with faasmpicc -fopenmp)');
      f = table.get(index) as Function;
      if (typeof f !== 'function') throw new Error(`OpenMP runtime: no function at table index ${index}`);
      this.fns.set(index, f);
    }
    return f;
  }

  /** Makes this instance a thread of the process: its own stack and TLS block (set aside in guest memory). */
  startThread(stackTop: number, tlsBlock: number, tlsSetUp = false): void {
    const e = this.exports();
    const sp = e.__stack_pointer;
    if (!(sp instanceof WebAssembly.Global)) {
      throw new OmpError('the module is not built for threads (no __stack_pointer export); build it with faasmpicc -fopenmp');
    }
    sp.value = stackTop;
    const base = this.tlsBase();
    if (tlsBlock && tlsSetUp && base) base.value = tlsBlock;
    else if (tlsBlock) this.initTls(tlsBlock);
  }

  /** __wasm_init_tls: copies the TLS template into `block` and makes it this instance's TLS block. */
  initTls(block: number): void {
    const initTls = this.exports().__wasm_init_tls;
    if (typeof initTls !== 'function') {
      throw new OmpError('the module is not built for threads (no __wasm_init_tls export); build it with faasmpicc -fopenmp');
    }
    initTls(block);
  }

  /** The instance's TLS base (exported by modules built since faasmpicc exports it), to run code on another thread's block. */
  tlsBase(): WebAssembly.Global | undefined {
    const g = this.exports().__tls_base;
    return g instanceof WebAssembly.Global ? g : undefined;
  }

  alloc(size: number, align = 16): number {
    const f = this.exports().faasmpi_omp_alloc as ((a: number, s: number) => number) | undefined;
    if (!f) throw new Error('the module lacks faasmpi_omp_alloc (build it with faasmpicc -fopenmp)');
    const p = f(align, size) >>> 0;
    if (p === 0) throw new Error(`OpenMP runtime: out of guest memory allocating ${size} bytes`);
    return p;
  }

  free(ptr: number): void {
    (this.exports().faasmpi_omp_free as (p: number) => void)(ptr);
  }

  /** Reads a loop bound of the given integer kind as a Number (exact: bounds beyond 2^53 are refused). */
  readInt(ptr: number, kind: IntKind): number {
    const dv = this.mem.view(ptr + 8);
    switch (kind) {
      case '4': return dv.getInt32(ptr, true);
      case '4u': return dv.getUint32(ptr, true);
      case '8': return exact(dv.getBigInt64(ptr, true));
      case '8u': return exact(dv.getBigUint64(ptr, true));
    }
  }

  writeInt(ptr: number, kind: IntKind, value: number): void {
    const dv = this.mem.view(ptr + 8);
    switch (kind) {
      case '4': dv.setInt32(ptr, value, true); break;
      case '4u': dv.setUint32(ptr, value, true); break;
      case '8': dv.setBigInt64(ptr, BigInt(value), true); break;
      case '8u': dv.setBigUint64(ptr, BigInt(value), true); break;
    }
  }
}


/** A 64-bit loop value as a Number; past 2^53 the arithmetic would silently round, so it is refused. */
export function exact(v: bigint | number): number {
  if (typeof v === 'number') return v;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new OmpError(`loop bound ${v} is beyond 2^53, which the OpenMP runtime does not support`);
  return n;
}

export const INT_RANGE: Record<IntKind, [number, number]> = {
  '4': [-(2 ** 31), 2 ** 31 - 1],
  '4u': [0, 2 ** 32 - 1],
  '8': [-(2 ** 53), 2 ** 53],
  '8u': [0, 2 ** 53],
};
