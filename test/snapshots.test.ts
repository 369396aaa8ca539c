// Snapshots: a Faaslet restored from a snapshot (also after a trip through the byte format) behaves exactly
// like one started fresh.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Faaslet } from '../faaslet/faaslet.js';
import { compileModule, type LoadedModule } from '../faaslet/module-loader.js';
import { hostSpecs } from '../host-interface/index.js';
import type { OutputSink } from '../host-interface/types.js';
import { FdTable } from '../host-interface/wasi/fd-table.js';
import { deserializeSnapshot, serializeSnapshot } from '../snapshots/format.js';
import { SnapshotError } from '../snapshots/snapshot.js';
import { build, faasmpiRun, tempDir } from './helpers.js';

class Capture implements OutputSink {
  text = '';
  write(bytes: Uint8Array) {
    this.text += new TextDecoder().decode(bytes);
  }
  flush() {}
}

const dir = tempDir();
let module: LoadedModule;
let wasmPath: string;
before(async () => {
  wasmPath = build('snapshot_state.cpp', dir);
  module = await compileModule(wasmPath, hostSpecs);
});

function start(args: string[], snapshot?: ReturnType<Faaslet['snapshot']>) {
  const stdout = new Capture();
  const fdTable = FdTable.create({ preopens: [{ guestPath: '/', hostPath: dir }], stdin: { kind: 'null' } });
  const faaslet = Faaslet.create(module, {
    identity: { groupId: 'g', index: 0, size: 1, hostId: 'h' }, args, env: [], fdTable, stdout, stderr: new Capture(),
  }, snapshot);
  return { faaslet, stdout, fdTable };
}

test('restore from a snapshot gives the same output as a fresh start', () => {
  const fresh = start(['prog', 'x']);
  assert.equal(fresh.faaslet.initialise(), undefined);
  const snapshot = fresh.faaslet.snapshot();
  assert.deepEqual(fresh.faaslet.run(), { kind: 'exit', code: 0 });
  assert.match(fresh.stdout.text, /constructed=1 heap=7 argc=2 arg=x/);

  const bytes = serializeSnapshot(snapshot);
  const restoredSnapshot = deserializeSnapshot(bytes);
  assert.ok(restoredSnapshot.data.byteLength < restoredSnapshot.memoryPages * 65536 / 4, 'zero chunks are left out');
  for (let i = 0; i < 3; i++) {
    const restored = start(['prog', 'x'], restoredSnapshot);
    assert.deepEqual(restored.faaslet.run(), { kind: 'exit', code: 0 });
    assert.equal(restored.stdout.text, fresh.stdout.text);
    restored.fdTable.closeAll();
  }
  fresh.fdTable.closeAll();
});

test('a snapshot of another module, or a damaged one, is refused with a reason', async () => {
  const fresh = start(['prog']);
  fresh.faaslet.initialise();
  const snapshot = fresh.faaslet.snapshot();
  const other = await compileModule(build('stl.cpp', dir), hostSpecs);
  assert.throws(() => Faaslet.create(other, {
    identity: { groupId: 'g', index: 0, size: 1, hostId: 'h' }, args: [], env: [], fdTable: fresh.fdTable,
    stdout: new Capture(), stderr: new Capture(),
  }, snapshot), SnapshotError);
  const bytes = serializeSnapshot(snapshot);
  assert.throws(() => deserializeSnapshot(bytes.subarray(0, bytes.length - 1)), /truncated/);
  const wrongVersion = bytes.slice();
  wrongVersion[4] = 99;
  assert.throws(() => deserializeSnapshot(wrongVersion), /version 99 is not supported/);
  assert.deepEqual(deserializeSnapshot(bytes).globals, snapshot.globals);
  assert.throws(() => deserializeSnapshot(new Uint8Array(20)), /bad magic/);
  fresh.fdTable.closeAll();
});

test('the launcher starts ranks from the snapshot and prints what a fresh run prints', () => {
  const snap = faasmpiRun(['-np', '3', '-v', wasmPath, 'arg']);
  const fresh = faasmpiRun(['-np', '3', '--no-snapshot', wasmPath, 'arg']);
  assert.equal(snap.status, 0, snap.stderr);
  assert.match(snap.stderr, /started from the post-initialisation snapshot/);
  assert.equal(snap.stdout, fresh.stdout);
  assert.equal(snap.stdout.split('\n').filter(Boolean).length, 3);
});

test('a program whose constructors read the environment starts without the snapshot: each rank sees its own', () => {
  const wasm = build('snapshot_env.c', dir);
  const r = faasmpiRun(['-np', '3', '-v', wasm]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /initialisation reads the environment \(each rank has its own\)/);
  for (const rank of [0, 1, 2]) assert.match(r.stdout, new RegExp(`^rank ${rank} sees OMPI_COMM_WORLD_RANK=${rank}$`, 'm'));
});
