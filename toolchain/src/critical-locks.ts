// Makes OpenMP critical-section locks in wasm object files weak, so that all translation units naming the
// same critical (and all `reduction` clauses, which share ".reduction") link to ONE lock.
// clang emits `.gomp_critical_user_<name>.var` as a common symbol natively, which the linker merges; for
// wasm32 it becomes a strong definition and two files with the same critical fail with "duplicate symbol".
// A weak definition links to exactly one copy (all are 32 zero bytes), which is what the common symbol meant.
// llvm-objcopy-19 cannot change symbol flags in wasm objects, so the symbol table is patched here in place.

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const SECTION_CUSTOM = 0;
const LINKING_SYMBOL_TABLE = 8;
const SYMTAB_FUNCTION = 0, SYMTAB_DATA = 1, SYMTAB_GLOBAL = 2, SYMTAB_SECTION = 3, SYMTAB_TAG = 4, SYMTAB_TABLE = 5;
const SYM_BINDING_WEAK = 0x1, SYM_BINDING_LOCAL = 0x2, SYM_UNDEFINED = 0x10, SYM_EXPLICIT_NAME = 0x40;

export const CRITICAL_LOCK_PREFIX = '.gomp_critical_user_';

/** Cheap test before parsing: does the file mention a critical lock at all? */
export function mentionsCriticalLock(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(CRITICAL_LOCK_PREFIX);
}

class Reader {
  constructor(readonly bytes: Uint8Array, public pos: number, readonly end: number) {}
  byte(): number {
    if (this.pos >= this.end) throw new Error('truncated wasm object');
    return this.bytes[this.pos++];
  }
  leb(): number {
    let result = 0, shift = 0, b: number;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (shift > 35) throw new Error('malformed LEB128 in wasm object');
    } while (b & 0x80);
    return result;
  }
  name(): string {
    const n = this.leb();
    if (this.pos + n > this.end) throw new Error('truncated wasm object');
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}

/**
 * Sets the weak binding on every global definition of a critical lock in a relocatable wasm object.
 * Changes `bytes` in place (the flags field keeps its length) and returns the names weakened.
 * Anything that is not a relocatable wasm object is left alone (returns []).
 */
export function weakenCriticalLocks(bytes: Uint8Array): string[] {
  if (bytes.length < 8 || WASM_MAGIC.some((b, i) => bytes[i] !== b)) return [];
  const weakened: string[] = [];
  const file = new Reader(bytes, 8, bytes.length);
  while (file.pos < file.end) {
    const id = file.byte();
    const size = file.leb();
    const end = file.pos + size;
    if (end > bytes.length) throw new Error('truncated wasm object');
    if (id === SECTION_CUSTOM) {
      const section = new Reader(bytes, file.pos, end);
      if (section.name() === 'linking') weakenInLinkingSection(section, weakened);
    }
    file.pos = end;
  }
  return weakened;
}

function weakenInLinkingSection(r: Reader, weakened: string[]): void {
  r.leb(); // metadata version
  while (r.pos < r.end) {
    const type = r.byte();
    const size = r.leb();
    const end = r.pos + size;
    if (type === LINKING_SYMBOL_TABLE) weakenInSymbolTable(new Reader(r.bytes, r.pos, end), weakened);
    r.pos = end;
  }
}

function weakenInSymbolTable(r: Reader, weakened: string[]): void {
  for (let count = r.leb(); count > 0; count--) {
    const kind = r.byte();
    const flagsAt = r.pos;
    const flags = r.leb();
    const defined = (flags & SYM_UNDEFINED) === 0;
    switch (kind) {
      case SYMTAB_FUNCTION: case SYMTAB_GLOBAL: case SYMTAB_TAG: case SYMTAB_TABLE:
        r.leb();
        if (defined || flags & SYM_EXPLICIT_NAME) r.name();
        break;
      case SYMTAB_DATA: {
        const name = r.name();
        if (defined) { r.leb(); r.leb(); r.leb(); } // segment, offset, size
        if (defined && name.startsWith(CRITICAL_LOCK_PREFIX) && !(flags & (SYM_BINDING_LOCAL | SYM_BINDING_WEAK))) {
          r.bytes[flagsAt] |= SYM_BINDING_WEAK; // the low bits live in the first LEB byte
          weakened.push(name);
        }
        break;
      }
      case SYMTAB_SECTION:
        r.leb();
        break;
      default:
        throw new Error(`unknown symbol kind ${kind} in wasm object`);
    }
  }
}
