// Reads the few facts about a wasm binary that WebAssembly.Module does not expose: the limits of an imported
// memory (initial, maximum, shared). We need them to create the right WebAssembly.Memory before instantiating.

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
const IMPORT_SECTION = 2;

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
      const module = r.name();
      const name = r.name();
      const kind = r.byte();
      switch (kind) {
        case 0: r.u32(); break; // function: type index
        case 1: r.byte(); r.limits(); break; // table: reftype, limits
        case 2: return { module, name, ...r.limits() };
        case 3: r.byte(); r.byte(); break; // global: valtype, mutability
        case 4: r.byte(); r.u32(); break; // tag
        default: throw new Error(`unknown import kind ${kind}`);
      }
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
