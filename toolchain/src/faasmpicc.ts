// Entry point of toolchain/bin/faasmpicc and faasmpicxx: mpicc/mpicxx-compatible
// compiler wrappers producing faasmpi wasm modules.
import { parseArgs } from './args.js';
import { run, showText, type Language } from './driver.js';
import { systemErrorLine } from './system-errors.js';

export async function main(lang: Language, argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.show !== 'none') {
    process.stdout.write(showText(lang, parsed) + '\n');
    return 0;
  }
  try {
    return await run(lang, parsed);
  } catch (e) {
    const line = systemErrorLine(e);
    if (!line) throw e;
    process.stderr.write(`${line}\n`);
    return 1;
  }
}
