// The pieces a capture is made of, without a program: memory diffs (page-level compare against a base, the
// versioned byte format, hostile bytes refused) and the object-graph codec that carries a rank's MPI objects
// (classes and shared references kept; functions, WeakMaps and unknown classes refused with where they were).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyDiff, deserializeDiff, diffMemory, serializeDiff } from '../snapshots/diff.js';
import { CHUNK, SnapshotError, WASM_PAGE, captureSnapshot, restoreMemory } from '../snapshots/snapshot.js';
import { ClassRegistry, decodeGraph, encodeGraph, NotCapturable } from '../migration/object-graph.js';

const memoryOf = (pages: number) => new WebAssembly.Memory({ initial: pages, maximum: 64, shared: true } as WebAssembly.MemoryDescriptor);

describe('memory diffs', () => {
  test('only chunks that differ from the base are carried; applied onto the base they give the memory back', () => {
    const m = memoryOf(2);
    const bytes = new Uint8Array(m.buffer);
    bytes[10] = 1; bytes[CHUNK * 5 + 7] = 2; // two chunks set before the base is taken
    const base = captureSnapshot('mod', m, {}, []);
    bytes[CHUNK * 5 + 7] = 0; // a base chunk back to zero: must be carried (as zeros)
    bytes[CHUNK * 9] = 3; // a new chunk
    m.grow(1);
    new Uint8Array(m.buffer)[2 * WASM_PAGE + 100] = 4; // in grown memory
    const d = diffMemory('mod', m, base);
    assert.deepEqual([...d.runs], [5, 1, 9, 1, 32, 1]);
    assert.equal(d.data.byteLength, 3 * CHUNK);
    assert.equal(d.memoryPages, 3);
    const back = restoreMemory(base, 64, true);
    applyDiff(back, deserializeDiff(serializeDiff(d)), base);
    assert.deepEqual(new Uint8Array(back.buffer), new Uint8Array(m.buffer));
  });

  test('against zeroed memory (no snapshot), unchanged memory carries nothing', () => {
    const m = memoryOf(1);
    assert.equal(diffMemory('mod', m, undefined).runs.length, 0);
    new Uint8Array(m.buffer)[CHUNK - 1] = 9;
    const d = diffMemory('mod', m, undefined);
    const back = memoryOf(1);
    applyDiff(back, d, undefined);
    assert.equal(new Uint8Array(back.buffer)[CHUNK - 1], 9);
  });

  test('applying onto another base or module is refused', () => {
    const m = memoryOf(1);
    const base = captureSnapshot('mod', m, {}, []);
    const d = diffMemory('mod', m, base);
    assert.throws(() => applyDiff(memoryOf(1), d, undefined), /different base/);
    assert.throws(() => applyDiff(memoryOf(1), d, { ...base, moduleId: 'other' }), /another module/);
    assert.throws(() => diffMemory('other', m, base), /another module/);
  });

  test('hostile bytes are refused with a clear error, never applied', () => {
    const m = memoryOf(1);
    new Uint8Array(m.buffer)[0] = 1;
    const good = serializeDiff(diffMemory('mod', m, undefined));
    const bad = (mutate: (b: Uint8Array) => Uint8Array, why: RegExp) =>
      assert.throws(() => deserializeDiff(mutate(good.slice())), (e: Error) => e instanceof SnapshotError && why.test(e.message));
    bad((b) => { b[0] = 0x58; return b; }, /bad magic/);
    bad((b) => { b[4] = 9; return b; }, /version 9 is not supported/);
    bad((b) => b.subarray(0, b.length - 1), /truncated/);
    bad((b) => { new DataView(b.buffer).setUint32(8, 1 << 30, true); return b; }, /truncated/);
    // A run pointing past the memory it claims.
    const headerLength = new DataView(good.buffer).getUint32(8, true);
    const runsAt = (12 + headerLength + 3) & ~3;
    bad((b) => { new DataView(b.buffer).setUint32(runsAt, 1 << 20, true); return b; }, /out of order or out of range/);
    bad((b) => { b.set(new TextEncoder().encode('{"moduleId":1'), 12); return b; }, /not valid JSON|malformed/);
  });
});

class Point { constructor(public x: number, public y: number) {} }
class Holder { fn?: () => void; items: Point[] = []; }

describe('object graphs (a rank MPI objects)', () => {
  const classes = new ClassRegistry().add('test:Point', Point).add('test:Holder', Holder);

  test('classes, Maps, Sets, typed arrays, shared and cyclic references survive', () => {
    const p = new Point(1, 2);
    const cyc: Record<string, unknown> = { name: 'c' };
    cyc.self = cyc;
    const root = { a: p, b: p, m: new Map<unknown, unknown>([[1, p], ['k', new Set([3n, 'x'])]]), bytes: new Uint8Array([1, 2, 3]), cyc, u: undefined };
    const g = encodeGraph(root, classes, new Map());
    const back = decodeGraph(structuredClone(g), classes, new Map()) as typeof root;
    assert.ok(back.a instanceof Point);
    assert.equal(back.a, back.b);
    assert.equal((back.m.get(1) as Point).y, 2);
    assert.equal(back.m.get(1), back.a);
    assert.deepEqual([...(back.m.get('k') as Set<unknown>)], [3n, 'x']);
    assert.deepEqual([...back.bytes], [1, 2, 3]);
    assert.equal(back.cyc.self, back.cyc);
    assert.ok('u' in back);
  });

  test('bindings are replaced by the destination own objects; adopted nodes are filled in place', () => {
    const env = { memory: 'old' };
    const h = new Holder();
    h.items.push(new Point(5, 6));
    h.fn = () => undefined;
    const g = encodeGraph({ h, env }, classes, new Map<unknown, string>([[env, 'env'], [h.fn, 'fn']]));
    const fresh = new Holder();
    const newEnv = { memory: 'new' }, newFn = () => undefined;
    const back = decodeGraph(g, classes, new Map<string, unknown>([['env', newEnv], ['fn', newFn]]), new Map([[1, fresh]])) as { h: Holder; env: unknown };
    assert.equal(back.h, fresh);
    assert.equal(fresh.items[0].x, 5);
    assert.equal(fresh.fn, newFn);
    assert.equal(back.env, newEnv);
  });

  test('what cannot move is refused, naming where it was', () => {
    const h = new Holder();
    h.fn = function pendingCallback() {};
    assert.throws(() => encodeGraph({ h }, classes, new Map()), (e: Error) => e instanceof NotCapturable && /rank\.h\.fn holds a function \(pendingCallback\)/.test(e.message));
    assert.throws(() => encodeGraph({ w: new WeakMap() }, classes, new Map()), /rank\.w is a WeakMap/);
    class Unknown {}
    assert.throws(() => encodeGraph([new Unknown()], classes, new Map()), /rank\[0\] is a Unknown/);
  });

  test('malformed input is refused (unknown class, reference out of range, prototype keys)', () => {
    const bad = (g: unknown, why: RegExp) => assert.throws(() => decodeGraph(g as never, classes, new Map()), (e: Error) => e instanceof NotCapturable && why.test(e.message));
    bad({ nodes: [{ k: 'object', cls: 'test:Nope', fields: [] }], root: { r: 0 } }, /unknown class/);
    bad({ nodes: [], root: { r: 3 } }, /out of range/);
    bad({ nodes: [{ k: 'object', cls: null, fields: [['__proto__', 1]] }], root: { r: 0 } }, /field __proto__/);
    bad({ nodes: [{ k: 'zzz' }], root: null }, /no kind/);
    bad({ nodes: [], root: { b: 'nothing' } }, /unknown binding/);
  });
});
