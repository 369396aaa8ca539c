// The wasm SIMD diff kernel: compares a chunk of live memory with the synchronised copy 16 bytes at a time
// (64 at a time while nothing differs) and writes the runs of changed bytes, byte-exact.
// Node 20's V8 has no multi-memory, so the kernel cannot read the replica's memory and the copy at once: the
// copy lives in the kernel's own memory and each chunk of the replica is copied next to it (one 64 KiB copy
// that stays in cache) before the compare.
import binaryen from 'binaryen';

/** Bytes of live memory compared per kernel call. */
export const KERNEL_CHUNK = 64 * 1024;

// scan(live, base, len, out) -> runs: (offset, length) i32 pairs at out, offsets relative to the chunk.
// len is a multiple of 16. A run still open at len is closed there (the caller joins runs across chunks).
const WAT = `(module
 (memory (export "memory") 1)
 (func $scan (export "scan") (param $live i32) (param $base i32) (param $len i32) (param $out i32) (result i32)
  (local $i i32) (local $n i32) (local $start i32) (local $open i32) (local $m i32) (local $pos i32) (local $k i32)
  (local $a i32) (local $b i32)
  (block $done
   (loop $blocks
    (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
    (if (i32.eqz (local.get $open))
     (then
      (block $found
       (loop $skip
        (br_if $found (i32.gt_u (i32.add (local.get $i) (i32.const 64)) (local.get $len)))
        (local.set $a (i32.add (local.get $live) (local.get $i)))
        (local.set $b (i32.add (local.get $base) (local.get $i)))
        (br_if $found (v128.any_true (v128.or
          (v128.or (v128.xor (v128.load (local.get $a)) (v128.load (local.get $b)))
                   (v128.xor (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
          (v128.or (v128.xor (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b)))
                   (v128.xor (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $skip)))
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))))
    (local.set $m (i8x16.bitmask (i8x16.ne
      (v128.load (i32.add (local.get $live) (local.get $i)))
      (v128.load (i32.add (local.get $base) (local.get $i))))))
    (if (i32.eq (local.get $m) (i32.const 0xffff))
     (then (if (i32.eqz (local.get $open)) (then (local.set $start (local.get $i)) (local.set $open (i32.const 1)))))
     (else
      (local.set $pos (i32.const 0))
      (block $walked
       (loop $walk
        (if (local.get $open)
         (then
          (local.set $k (i32.ctz (i32.or (i32.shl (i32.shr_u (i32.xor (local.get $m) (i32.const 0xffff)) (local.get $pos)) (local.get $pos)) (i32.const 0x10000))))
          (br_if $walked (i32.eq (local.get $k) (i32.const 16)))
          (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (local.get $start))
          (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (i32.sub (i32.add (local.get $i) (local.get $k)) (local.get $start)))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (local.set $open (i32.const 0)))
         (else
          (local.set $k (i32.ctz (i32.or (i32.shl (i32.shr_u (local.get $m) (local.get $pos)) (local.get $pos)) (i32.const 0x10000))))
          (br_if $walked (i32.eq (local.get $k) (i32.const 16)))
          (local.set $start (i32.add (local.get $i) (local.get $k)))
          (local.set $open (i32.const 1))))
        (local.set $pos (local.get $k))
        (br $walk)))))
    (local.set $i (i32.add (local.get $i) (i32.const 16)))
    (br $blocks)))
  (if (local.get $open)
   (then
    (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (local.get $start))
    (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (i32.sub (local.get $len) (local.get $start)))
    (local.set $n (i32.add (local.get $n) (i32.const 1)))))
  (local.get $n)))`;

let compiled: WebAssembly.Module | undefined;

/** The kernel module, assembled once per process with binaryen. */
export function simdKernelModule(): WebAssembly.Module {
  if (!compiled) {
    const m = binaryen.parseText(WAT);
    m.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128);
    if (!m.validate()) throw new Error('internal error: the SIMD diff kernel does not validate');
    m.optimize();
    compiled = new WebAssembly.Module(m.emitBinary() as Uint8Array<ArrayBuffer>);
    m.dispose();
  }
  return compiled;
}

export interface SimdKernel {
  memory: WebAssembly.Memory;
  scan(live: number, base: number, len: number, out: number): number;
}

export function instantiateSimdKernel(): SimdKernel {
  const instance = new WebAssembly.Instance(simdKernelModule(), {});
  return instance.exports as unknown as SimdKernel;
}
