// Output of a long-running host: --tag-output costs time linear in the output, however long a line is.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { build, faasmpirun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-rt-output-');

test('--tag-output on 16 MiB without a newline finishes in seconds, each rank tagged once', { timeout: 60_000 }, () => {
  const wasm = build('rt_long_line.c', dir);
  const outPath = join(dir, 'out.txt');
  const out = openSync(outPath, 'w');
  // The old sink re-joined the held line on every write: 16 MiB in 4 KiB writes took over 60 s.
  const r = spawnSync(faasmpirun, ['--tag-output', '-np', '2', wasm, '16'], { stdio: ['ignore', out, 'pipe'], timeout: 20_000, encoding: 'utf8' });
  closeSync(out);
  assert.equal(r.error, undefined, `did not finish within 20 s: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  const mib = 16 << 20;
  // Each rank's line: its tag, then pieces; a piece of another rank's line may come between (4 MiB pieces).
  assert.equal(statSync(outPath).size, 2 * (mib + '[0] '.length + 1));
  const text = readFileSync(outPath, 'latin1');
  assert.equal(text.split('[0] ').length - 1, 1);
  assert.equal(text.split('[1] ').length - 1, 1);
  assert.equal(text.split('\n').length - 1, 2);
});
