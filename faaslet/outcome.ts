// How a Faaslet's run ended, as reported from its worker to the host. Plain data: it crosses threads.
import type { RankCapture } from '../migration/capture.js';

export type FaasletOutcome =
  | { kind: 'exit'; code: number }
  | { kind: 'trap'; trap: string; stack: string[] }
  | { kind: 'abort'; code: number; message: string }
  | { kind: 'error'; message: string }
  /** The rank stopped at a migration point: its next Faaslet continues from the capture (migration/). */
  | { kind: 'migrate'; capture: RankCapture };

/** The exit status a native process would show for each trap (128 + signal), like mpirun reports. */
export function trapExitCode(trap: string): number {
  if (/out of bounds|call stack/.test(trap)) return 139; // SIGSEGV
  if (/divide by zero|integer overflow|float unrepresentable/.test(trap)) return 136; // SIGFPE
  return 134; // SIGABRT: unreachable (abort()), bad indirect call, ...
}

/** The wasm frames of a trap's JS stack, as "function (module offset)" lines, innermost first. */
export function wasmFrames(error: Error): string[] {
  const frames: string[] = [];
  for (const line of (error.stack ?? '').split('\n')) {
    const m = /^\s*at (.*?) \(wasm:\/\/wasm\/([^:]*):(wasm-function\[\d+\]:0x[0-9a-f]+)\)/.exec(line);
    if (m) frames.push(`${withoutModuleName(m[1], m[2])} (${m[3]})`);
  }
  return frames;
}

/** V8 writes "<module name>.<function>" when the module has a name, and the URL holds "<module name>-<hash>". */
function withoutModuleName(fn: string, url: string): string {
  const moduleName = url.replace(/-[0-9a-f]+$/, '');
  return moduleName && fn.startsWith(`${moduleName}.`) ? fn.slice(moduleName.length + 1) : fn;
}

export function describeError(e: unknown): FaasletOutcome {
  if (e instanceof WebAssembly.RuntimeError) return { kind: 'trap', trap: e.message, stack: wasmFrames(e) };
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return { kind: 'trap', trap: 'call stack exhausted (infinite recursion?)', stack: wasmFrames(e) };
  }
  const err = e as Error;
  return { kind: 'error', message: `internal error: ${err?.stack ?? String(e)}` };
}
