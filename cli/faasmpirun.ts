// faasmpirun: run N ranks of a wasm program on this machine's host runtime, like mpirun.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ModuleLoadError } from '../faaslet/module-loader.js';
import { describeEnd } from '../host/job.js';
import { LocalHost } from '../host/local-host.js';
import { parseRunArgs, rankEnvironment, UsageError, USAGE } from './args.js';

function fail(message: string, code: number): number {
  process.stderr.write(`faasmpirun: ${message}\n`);
  return code;
}

export async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseRunArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) process.stderr.write(`faasmpirun: ${e.message}\n`);
      process.stderr.write(`${USAGE}\n`);
      return e.message ? 2 : 0;
    }
    throw e;
  }
  try {
    if (!statSync(options.workDir).isDirectory()) return fail(`--wdir ${options.workDir} is not a directory`, 2);
  } catch {
    return fail(`--wdir ${options.workDir}: no such directory`, 2);
  }
  const host = new LocalHost();
  try {
    const result = await host.runJob({
      program: resolve(options.program),
      argv0: options.program,
      args: options.programArgs,
      np: options.np,
      env: rankEnvironment(options.exports),
      sandboxRoot: options.workDir,
      tagOutput: options.tagOutput,
      useSnapshots: options.useSnapshots,
      stdin: options.stdinToRank0 ? { kind: 'hostFd', fd: 0 } : { kind: 'null' },
      deadlockTimeoutMs: options.deadlockTimeoutMs,
    });
    if (options.verbose) process.stderr.write(`faasmpirun: ${result.snapshot.note}\n`);
    if (result.hostFailure) process.stderr.write(`faasmpirun: ${result.hostFailure.message}\n`);
    else if (result.culprit !== undefined) {
      const end = result.ranks[result.culprit];
      const stopped = result.ranks.filter((r) => r.kind === 'stopped').length;
      // A plain non-zero exit of a single rank needs no banner; anything else is explained.
      if (end.kind !== 'exit' || stopped > 0) {
        process.stderr.write(`faasmpirun: ${describeEnd(result.culprit, end)}\n`);
        if (stopped > 0) process.stderr.write(`faasmpirun: the job was ended; ${stopped} other rank(s) were stopped\n`);
      }
    }
    return result.exitCode;
  } catch (e) {
    if (e instanceof ModuleLoadError) return fail(e.message, 1);
    return fail((e as Error).message, 1);
  } finally {
    await host.close();
  }
}
