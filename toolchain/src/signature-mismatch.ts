// Calls through a C function declared without a prototype (`int f();`) are compiled with the argument types
// of the call site. When those differ from the definition, wasm-ld only warns ("function signature mismatch")
// and links a stub that traps at run time. This module decides, from the real wasm types, whether such a call
// is well defined in practice and can be adapted, and words the build error when it cannot.

/** Marker wasm-ld gives the trapping stubs (`signature_mismatch:NAME`). */
export const STUB_PREFIX = 'signature_mismatch:';

/** One wasm function type as wasm-ld prints it: "(i32, f64) -> i32", "() -> void". */
export interface Signature { params: string[]; results: string[] }

export function formatSignature(s: Signature): string {
  return `(${s.params.join(', ')}) -> ${s.results.length ? s.results.join(', ') : 'void'}`;
}

/**
 * Adaptable when the definition's parameters are a prefix of the call's (extra arguments are ignored
 * natively: the caller cleans them up on every C ABI) and the results agree or the caller expects none.
 * Missing arguments, different argument types or a result the definition does not give would read
 * garbage natively: those are refused. Returns the reason when refused.
 */
export function whyNotAdaptable(call: Signature, definition: Signature): string | null {
  if (call.params.length < definition.params.length) {
    return `the call passes ${call.params.length} argument(s) but the definition takes ${definition.params.length}`;
  }
  for (let i = 0; i < definition.params.length; i++) {
    if (call.params[i] !== definition.params[i]) {
      return `argument ${i + 1} is passed as ${call.params[i]} but the definition takes ${definition.params[i]}`;
    }
  }
  if (call.results.length === 0) return null;
  if (formatSignature({ params: [], results: call.results }) !== formatSignature({ params: [], results: definition.results })) {
    return `the call expects a ${call.results.join(', ')} result but the definition returns ${definition.results.join(', ') || 'void'}`;
  }
  return null;
}

/** One "function signature mismatch" warning of wasm-ld: the two signatures and the files they came from. */
export interface MismatchWarning {
  name: string;
  sides: { signature: string; file: string }[];
}

/** What faasmpi-ld hands the driver: the warnings, and the exports it added to keep the definitions. */
export interface LinkerReport {
  warnings: MismatchWarning[];
  addedExports: string[];
}

/** Splits wasm-ld's stderr into its signature-mismatch warnings and everything else (kept verbatim). */
export function parseLinkerOutput(stderr: string): { warnings: MismatchWarning[]; rest: string } {
  const lines = stderr.split('\n');
  const warnings: MismatchWarning[] = [];
  const rest: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /warning: function signature mismatch: (\S+)$/.exec(lines[i]);
    if (!m) { rest.push(lines[i]); continue; }
    const w: MismatchWarning = { name: m[1], sides: [] };
    for (let side; i + 1 < lines.length && (side = /^>>> defined as (\(.*\) -> [^ ]+) in (.+)$/.exec(lines[i + 1])); i++) {
      w.sides.push({ signature: side[1], file: side[2] });
    }
    warnings.push(w);
  }
  return { warnings, rest: rest.join('\n') };
}

/**
 * The build error for a call that cannot be adapted, naming both declarations and their files.
 * `displayName` maps linker inputs (clang's temporary objects) back to the user's file names.
 */
export function mismatchError(name: string, call: Signature, definition: Signature, reason: string,
  warnings: MismatchWarning[], displayName: (file: string) => string = (f) => f): string {
  const sides = warnings.find((w) => w.name === name)?.sides ?? [];
  const fileOf = (s: Signature) => {
    const side = sides.find((x) => x.signature === formatSignature(s));
    return side ? ` in ${displayName(side.file)}` : '';
  };
  return `function '${name}' is called as ${formatSignature(call)}${fileOf(call)} but defined as ` +
    `${formatSignature(definition)}${fileOf(definition)}: ${reason}. ` +
    `The call goes through a declaration without a prototype; declare '${name}' with its parameter types.`;
}
