// The wrappers' own file work (scratch directories, object patching) can fail on the user's machine: a read-only
// or full /tmp, a missing directory. That is the user's to fix, so it gets one line naming it, not a JS stack.

/** The one-line report of a failed system call, or undefined for anything else (a bug: let it show its stack). */
export function systemErrorLine(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof err.code !== 'string' || typeof err.syscall !== 'string') return undefined;
  const hint = err.syscall === 'mkdtemp' ? ' (set TMPDIR to a writable directory)' : '';
  return `faasmpi: error: ${err.message}${hint}`;
}
