// Reads the few facts about a wasm binary that WebAssembly.Module does not expose: the limits of an imported
// memory (initial, maximum, shared), which we need to create the right WebAssembly.Memory before instantiating,
// and the types of imported and exported functions, which the loader checks against what the host provides.

export interface MemoryLimits {
  initialPages: number;
  maximumPages: number | undefined;
  shared: boolean;
}

export interface ImportedMemory extends MemoryLimits {
  module: string;
  name: string;
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const TYPE_SECTION = 1;
const IMPORT_SECTION = 2;
const FUNCTION_SECTION = 3;
const EXPORT_SECTION = 7;

export function hasWasmMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && WASM_MAGIC.every((b, i) => bytes[i] === b);
}

class Reader {
  constructor(private readonly bytes: Uint8Array, public pos = 0) {}
  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('unexpected end of wasm binary');
    return this.bytes[this.pos++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  skip(n: number): void {
    this.pos += n;
  }
  name(): string {
    const len = this.u32();
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }
  limits(): MemoryLimits {
    const flags = this.byte();
    if (flags & 0x04) throw new Error('64-bit memories are not supported');
    const initialPages = this.u32();
    const maximumPages = flags & 0x01 ? this.u32() : undefined;
    return { initialPages, maximumPages, shared: (flags & 0x02) !== 0 };
  }
}

/** One entry of the import section: a function's type index and a memory's limits are kept, the rest skipped. */
function readImport(r: Reader): { module: string; name: string; kind: number; typeIndex?: number; memory?: MemoryLimits } {
  const module = r.name();
  const name = r.name();
  const kind = r.byte();
  switch (kind) {
    case 0: return { module, name, kind, typeIndex: r.u32() }; // function: type index
    case 1: r.byte(); r.limits(); break; // table: reftype, limits
    case 2: return { module, name, kind, memory: r.limits() };
    case 3: r.byte(); r.byte(); break; // global: valtype, mutability
    case 4: r.byte(); r.u32(); break; // tag
    default: throw new Error(`unknown import kind ${kind}`);
  }
  return { module, name, kind };
}

/** The memory the module imports, if any (call only on a module that already compiled). */
export function findImportedMemory(bytes: Uint8Array): ImportedMemory | undefined {
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id !== IMPORT_SECTION) {
      r.pos = end;
      continue;
    }
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      const { module, name, memory } = readImport(r);
      if (memory) return { module, name, ...memory };
    }
    return undefined;
  }
  return undefined;
}

/** The payload of the first custom section with this name (read straight from the bytes, before compiling). */
export function findCustomSection(bytes: Uint8Array, wanted: string): Uint8Array | undefined {
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 0 && r.name() === wanted) return bytes.subarray(r.pos, end);
    r.pos = end;
  }
  return undefined;
}

// ---- function types of imports and exports ----

export interface FuncType {
  params: string[];
  results: string[];
}

export type ExternKind = 'function' | 'table' | 'memory' | 'global' | 'tag';
const KINDS: readonly ExternKind[] = ['function', 'table', 'memory', 'global', 'tag'];

export interface ImportShape {
  module: string;
  name: string;
  kind: ExternKind;
  /** For a function import. */
  type?: FuncType;
}

export interface ExportShape {
  name: string;
  kind: ExternKind;
  /** For an exported function. */
  type?: FuncType;
}

const VALTYPES: Readonly<Record<number, string>> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

function valtype(r: Reader): string {
  const b = r.byte();
  const t = VALTYPES[b];
  if (t === undefined) throw new Error(`unknown value type 0x${b.toString(16)}`);
  return t;
}

/** "(i32,i64)->i32"; no results: "->()"; several: "->(i32,i32)". */
export function formatFuncType(t: FuncType): string {
  const results = t.results.length === 1 ? t.results[0] : `(${t.results.join(',')})`;
  return `(${t.params.join(',')})->${results}`;
}

/**
 * The imports and exports of a module with the types of its functions (call only on a module that already
 * compiled: the binary is assumed well formed).
 */
export function readImportsAndExports(bytes: Uint8Array): { imports: ImportShape[]; exports: ExportShape[] } {
  const types: FuncType[] = [];
  const imports: ImportShape[] = [];
  const exports: ExportShape[] = [];
  /** Type index of every function, imported ones first (the function index space). */
  const functionTypes: number[] = [];
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === TYPE_SECTION) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const form = r.byte();
        if (form !== 0x60) throw new Error(`unsupported type form 0x${form.toString(16)}`);
        const params = Array.from({ length: r.u32() }, () => valtype(r));
        const results = Array.from({ length: r.u32() }, () => valtype(r));
        types.push({ params, results });
      }
    } else if (id === IMPORT_SECTION) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const { module, name, kind, typeIndex } = readImport(r);
        if (typeIndex === undefined) imports.push({ module, name, kind: KINDS[kind] });
        else {
          functionTypes.push(typeIndex);
          imports.push({ module, name, kind: 'function', type: types[typeIndex] });
        }
      }
    } else if (id === FUNCTION_SECTION) {
      const count = r.u32();
      for (let i = 0; i < count; i++) functionTypes.push(r.u32());
    } else if (id === EXPORT_SECTION) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const name = r.name();
        const kind = r.byte();
        const index = r.u32();
        const k = KINDS[kind];
        if (k === undefined) throw new Error(`unknown export kind ${kind}`);
        exports.push(k === 'function' ? { name, kind: k, type: types[functionTypes[index]] } : { name, kind: k });
      }
    }
    r.pos = end;
  }
  return { imports, exports };
}
