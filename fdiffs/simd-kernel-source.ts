// The SIMD diff kernel's source (simd-kernel.ts explains what it does) and its assembly with binaryen. The
// runtime loads the assembled bytes from simd-kernel-wasm.ts, so Faaslet workers never load binaryen (an ES
// module with top-level await, which the workers' CommonJS bundle cannot require). After editing KERNEL_WAT,
// run `node dist/fdiffs/simd-kernel-source.js` to rewrite simd-kernel-wasm.ts; a test checks the two agree.
import binaryen from 'binaryen';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// scan(live, base, len, out, data, origin) -> runs: (origin + offset, length) i32 pairs at out, and the runs'
// bytes copied one after another to data (global dataUsed: how many). len is a multiple of 16. A run still
// open at len is closed there (the caller joins runs across chunks).
export const KERNEL_WAT = `(module
 (memory (export "memory") 1)
 (global $used (export "dataUsed") (mut i32) (i32.const 0))
 (func $emit (param $out i32) (param $n i32) (param $origin i32) (param $live i32) (param $data i32) (param $start i32) (param $length i32)
  (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (i32.add (local.get $origin) (local.get $start)))
  (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (local.get $length))
  (memory.copy (i32.add (local.get $data) (global.get $used)) (i32.add (local.get $live) (local.get $start)) (local.get $length))
  (global.set $used (i32.add (global.get $used) (local.get $length))))
 (func $scan (export "scan") (param $live i32) (param $base i32) (param $len i32) (param $out i32) (param $data i32) (param $origin i32) (result i32)
  (local $i i32) (local $n i32) (local $start i32) (local $open i32) (local $m i32) (local $pos i32) (local $k i32)
  (local $a i32) (local $b i32)
  (global.set $used (i32.const 0))
  (block $done
   (loop $blocks
    (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
    (if (i32.eqz (local.get $open))
     (then ;; skip 64 equal bytes at a time
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
        (br $skip))))
     (else ;; inside a run: take 64 bytes that all differ at a time
      (block $broke
       (loop $run
        (br_if $broke (i32.gt_u (i32.add (local.get $i) (i32.const 64)) (local.get $len)))
        (local.set $a (i32.add (local.get $live) (local.get $i)))
        (local.set $b (i32.add (local.get $base) (local.get $i)))
        (br_if $broke (i32.eqz (i32.and
          (i32.and (i8x16.all_true (v128.xor (v128.load (local.get $a)) (v128.load (local.get $b))))
                   (i8x16.all_true (v128.xor (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
          (i32.and (i8x16.all_true (v128.xor (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b))))
                   (i8x16.all_true (v128.xor (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $run)))))
    (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
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
          (call $emit (local.get $out) (local.get $n) (local.get $origin) (local.get $live) (local.get $data) (local.get $start) (i32.sub (i32.add (local.get $i) (local.get $k)) (local.get $start)))
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
    (call $emit (local.get $out) (local.get $n) (local.get $origin) (local.get $live) (local.get $data) (local.get $start) (i32.sub (local.get $len) (local.get $start)))
    (local.set $n (i32.add (local.get $n) (i32.const 1)))))
  (local.get $n)))`;

/** The kernel assembled, validated and optimised. */
export function assembleKernel(): Uint8Array {
  const m = binaryen.parseText(KERNEL_WAT);
  m.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128 | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.MutableGlobals);
  if (!m.validate()) throw new Error('internal error: the SIMD diff kernel does not validate');
  m.optimize();
  const bytes = m.emitBinary();
  m.dispose();
  return bytes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = fileURLToPath(new URL('../../fdiffs/simd-kernel-wasm.ts', import.meta.url));
  const base64 = Buffer.from(assembleKernel()).toString('base64');
  writeFileSync(target, `// Generated by \`node dist/fdiffs/simd-kernel-source.js\` from KERNEL_WAT in simd-kernel-source.ts: do not edit.\nexport const KERNEL_WASM_BASE64 =\n  '${base64}';\n`);
  console.log(`wrote ${target}`);
}
