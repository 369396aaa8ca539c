// The linker clang runs for faasmpi links (-fuse-ld=toolchain/bin/faasmpi-ld): wasm-ld-19 with two fixes.
//  - Object inputs with OpenMP critical locks get them weakened first (see critical-locks.ts), in copies:
//    clang's temporary objects of one-step builds are never patched at compile time.
//  - wasm-ld's "function signature mismatch" warnings are handed to the driver (FAASMPI_LD_REPORT names
//    the file), whose post-link step reads the real types and adapts or refuses those calls.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LD_REPORT_ENV, WASM_LD } from './config.js';
import { mentionsCriticalLock, weakenCriticalLocks } from './critical-locks.js';
import { parseLinkerOutput, type LinkerReport } from './signature-mismatch.js';

/** Returns the argument list with each object that has critical locks replaced by a weakened copy. */
function withWeakenedLocks(args: string[], scratch: () => string): string[] {
  return args.map((a, i) => {
    if (a.startsWith('-') || !a.endsWith('.o') || args[i - 1] === '-o') return a;
    let bytes: Buffer;
    try { bytes = fs.readFileSync(a); } catch { return a; } // wasm-ld reports missing inputs itself
    if (!mentionsCriticalLock(bytes)) return a;
    try {
      if (weakenCriticalLocks(bytes).length === 0) return a;
    } catch (e) {
      throw new Error(`${a}: ${(e as Error).message}`);
    }
    const copy = path.join(scratch(), `${i}-${path.basename(a)}`);
    fs.writeFileSync(copy, bytes);
    return copy;
  });
}

function exportedByUser(argv: string[], name: string): boolean {
  return argv.some((a, i) => a === `--export=${name}` || a === `--export-if-defined=${name}`
    || ((argv[i - 1] === '--export' || argv[i - 1] === '--export-if-defined') && a === name));
}

export function main(argv: string[]): number {
  let dir: string | undefined;
  const scratch = () => (dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'faasmpi-ld-')));
  try {
    const args = withWeakenedLocks(argv, scratch);
    const report = process.env[LD_REPORT_ENV];
    let r = spawnSync(WASM_LD, args, { stdio: ['inherit', 'inherit', 'pipe'], encoding: 'utf8' });
    if (r.error) {
      process.stderr.write(`faasmpi: cannot run ${WASM_LD}: ${r.error.message}\n`);
      return 127;
    }
    let { warnings, rest } = parseLinkerOutput(r.stderr ?? '');
    if (!report || warnings.length === 0) {
      process.stderr.write(r.stderr ?? '');
      return r.status ?? 1;
    }
    // Nothing calls the definition but the trapping stub, so wasm-ld garbage-collected it; link again keeping
    // it by an export that post-link removes, so the stub can become an adapter.
    const addedExports = [...new Set(warnings.map((w) => w.name))].filter((n) => !exportedByUser(argv, n));
    if (r.status === 0 && addedExports.length) {
      r = spawnSync(WASM_LD, [...args, ...addedExports.map((n) => `--export-if-defined=${n}`)],
        { stdio: ['inherit', 'inherit', 'pipe'], encoding: 'utf8' });
      ({ warnings, rest } = parseLinkerOutput(r.stderr ?? ''));
    }
    const contents: LinkerReport = { warnings, addedExports };
    fs.writeFileSync(report, JSON.stringify(contents));
    process.stderr.write(rest);
    return r.status ?? 1;
  } catch (e) {
    process.stderr.write(`faasmpi: link failed: ${(e as Error).message}\n`);
    return 1;
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
