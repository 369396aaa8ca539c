// MPI datatype handles of the faasmpi ABI (MPICH-style integers) and the description of every predefined
// C datatype of MPI-3.1 for wasm32 (ILP32: int/long/pointers 4 bytes, long long 8, long double 16).
//
//   predefined: 0x4c000000 | (sizeInBytes << 8) | index     (size readable from the handle)
//   derived:    0x8c000000 | slot                            (allocated per Faaslet process)
//   MPI_DATATYPE_NULL = 0x0c000000
//
// Handles arrive from wasm as signed i32; every function here normalises with `>>> 0`, and handles handed out
// are unsigned numbers (writing one into an Int32Array/DataView as i32 gives the same bits).

export const MPI_SUCCESS = 0;
export const MPI_ERR_BUFFER = 1;
export const MPI_ERR_COUNT = 2;
export const MPI_ERR_TYPE = 3;
export const MPI_ERR_ARG = 12;
export const MPI_ERR_TRUNCATE = 14;
export const MPI_ERR_OTHER = 15;
export const MPI_ERR_INTERN = 16;

export const MPI_UNDEFINED = -32766;
export const MPI_MAX_OBJECT_NAME = 128;

export const MPI_DATATYPE_NULL = 0x0c000000;
export const PREDEFINED_DATATYPE_TAG = 0x4c000000;
export const DERIVED_DATATYPE_TAG = 0x8c000000;
/** Largest derived-datatype slot number (handles 0x8c000000..0x8c000000|MAX_DERIVED_SLOT). */
export const MAX_DERIVED_SLOT = 0x00ffffff;

// Combiners (MPICH numbering) for MPI_Type_get_envelope.
export const MPI_COMBINER_NAMED = 1;
export const MPI_COMBINER_DUP = 2;
export const MPI_COMBINER_CONTIGUOUS = 3;
export const MPI_COMBINER_VECTOR = 4;
export const MPI_COMBINER_HVECTOR_INTEGER = 5;
export const MPI_COMBINER_HVECTOR = 6;
export const MPI_COMBINER_INDEXED = 7;
export const MPI_COMBINER_HINDEXED_INTEGER = 8;
export const MPI_COMBINER_HINDEXED = 9;
export const MPI_COMBINER_INDEXED_BLOCK = 10;
export const MPI_COMBINER_STRUCT_INTEGER = 11;
export const MPI_COMBINER_STRUCT = 12;
export const MPI_COMBINER_SUBARRAY = 13;
export const MPI_COMBINER_DARRAY = 14;
export const MPI_COMBINER_F90_REAL = 15;
export const MPI_COMBINER_F90_COMPLEX = 16;
export const MPI_COMBINER_F90_INTEGER = 17;
export const MPI_COMBINER_RESIZED = 18;
export const MPI_COMBINER_HINDEXED_BLOCK = 19;

export const MPI_ORDER_C = 56;
export const MPI_ORDER_FORTRAN = 57;
export const MPI_DISTRIBUTE_BLOCK = 121;
export const MPI_DISTRIBUTE_CYCLIC = 122;
export const MPI_DISTRIBUTE_NONE = 123;
export const MPI_DISTRIBUTE_DFLT_DARG = -49767;

/** Representation of one basic element, for the reduction-op engine. 'byte' is MPI_BYTE/MPI_PACKED (no arithmetic). */
export type ElementKind =
  | 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64'
  | 'f32' | 'f64' | 'f128' | 'c64' | 'c128' | 'c256' | 'bool' | 'byte';

/** Byte size and C alignment on wasm32 of each element kind. */
export const ELEMENT_KIND_SIZE: Readonly<Record<ElementKind, number>> = {
  i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, i64: 8, u64: 8,
  f32: 4, f64: 8, f128: 16, c64: 8, c128: 16, c256: 32, bool: 1, byte: 1,
};
export const ELEMENT_KIND_ALIGN: Readonly<Record<ElementKind, number>> = {
  i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, i64: 8, u64: 8,
  f32: 4, f64: 8, f128: 16, c64: 4, c128: 8, c256: 16, bool: 1, byte: 1,
};

export interface PairComponent { kind: ElementKind; offset: number; basic: string }

export interface PredefinedDatatype {
  /** Canonical name, e.g. 'MPI_INT' (aliases such as MPI_LONG_LONG share the handle and report the canonical name). */
  name: string;
  handle: number;
  index: number;
  /** MPI_Type_size: bytes of data. */
  size: number;
  /** MPI_Type_get_extent (lb is 0 for every predefined type). */
  extent: number;
  /** C alignment on wasm32. */
  alignment: number;
  /** Element kind; 'pair' for the MINLOC/MAXLOC pair types, whose components are in `components`. */
  kind: ElementKind | 'pair';
  components?: readonly [PairComponent, PairComponent];
}

function h(size: number, index: number): number {
  return (PREDEFINED_DATATYPE_TAG | (size << 8) | index) >>> 0;
}

// [name, index, kind] for the basic (non-pair) types; size and alignment follow from the kind.
const BASIC: ReadonlyArray<readonly [string, number, ElementKind]> = [
  ['MPI_CHAR', 1, 'i8'], // char is signed on wasm32
  ['MPI_SIGNED_CHAR', 2, 'i8'],
  ['MPI_UNSIGNED_CHAR', 3, 'u8'],
  ['MPI_BYTE', 4, 'byte'],
  ['MPI_WCHAR', 5, 'i32'], // wchar_t is a signed 32-bit int on wasi
  ['MPI_SHORT', 6, 'i16'],
  ['MPI_UNSIGNED_SHORT', 7, 'u16'],
  ['MPI_INT', 8, 'i32'],
  ['MPI_UNSIGNED', 9, 'u32'],
  ['MPI_LONG', 10, 'i32'],
  ['MPI_UNSIGNED_LONG', 11, 'u32'],
  ['MPI_LONG_LONG_INT', 12, 'i64'],
  ['MPI_UNSIGNED_LONG_LONG', 13, 'u64'],
  ['MPI_FLOAT', 14, 'f32'],
  ['MPI_DOUBLE', 15, 'f64'],
  ['MPI_LONG_DOUBLE', 16, 'f128'],
  ['MPI_C_BOOL', 17, 'bool'],
  ['MPI_INT8_T', 18, 'i8'],
  ['MPI_INT16_T', 19, 'i16'],
  ['MPI_INT32_T', 20, 'i32'],
  ['MPI_INT64_T', 21, 'i64'],
  ['MPI_UINT8_T', 22, 'u8'],
  ['MPI_UINT16_T', 23, 'u16'],
  ['MPI_UINT32_T', 24, 'u32'],
  ['MPI_UINT64_T', 25, 'u64'],
  ['MPI_AINT', 26, 'i32'], // intptr_t on wasm32
  ['MPI_OFFSET', 27, 'i64'],
  ['MPI_COUNT', 28, 'i64'],
  ['MPI_C_FLOAT_COMPLEX', 29, 'c64'],
  ['MPI_C_DOUBLE_COMPLEX', 30, 'c128'],
  ['MPI_C_LONG_DOUBLE_COMPLEX', 31, 'c256'],
  ['MPI_PACKED', 32, 'byte'],
  ['MPI_CXX_BOOL', 33, 'bool'],
  ['MPI_CXX_FLOAT_COMPLEX', 34, 'c64'],
  ['MPI_CXX_DOUBLE_COMPLEX', 35, 'c128'],
  ['MPI_CXX_LONG_DOUBLE_COMPLEX', 36, 'c256'],
];

// Pair types: struct { A a; int b; } laid out by the C rules for wasm32.
const PAIRS: ReadonlyArray<readonly [string, number, string, string]> = [
  ['MPI_FLOAT_INT', 40, 'MPI_FLOAT', 'MPI_INT'], // size 8, extent 8
  ['MPI_DOUBLE_INT', 41, 'MPI_DOUBLE', 'MPI_INT'], // size 12, extent 16 (double aligns to 8)
  ['MPI_LONG_INT', 42, 'MPI_LONG', 'MPI_INT'], // size 8, extent 8
  ['MPI_2INT', 43, 'MPI_INT', 'MPI_INT'], // size 8, extent 8
  ['MPI_SHORT_INT', 44, 'MPI_SHORT', 'MPI_INT'], // size 6 (int at offset 4), extent 8
  ['MPI_LONG_DOUBLE_INT', 45, 'MPI_LONG_DOUBLE', 'MPI_INT'], // size 20, extent 32 (long double aligns to 16)
];

const roundUp = (x: number, a: number) => Math.ceil(x / a) * a;

function buildTable(): PredefinedDatatype[] {
  const out: PredefinedDatatype[] = [];
  const byName = new Map<string, PredefinedDatatype>();
  for (const [name, index, kind] of BASIC) {
    const size = ELEMENT_KIND_SIZE[kind];
    const d: PredefinedDatatype = { name, handle: h(size, index), index, size, extent: size, alignment: ELEMENT_KIND_ALIGN[kind], kind };
    out.push(d);
    byName.set(name, d);
  }
  for (const [name, index, a, b] of PAIRS) {
    const first = byName.get(a)!;
    const second = byName.get(b)!;
    const offB = roundUp(first.size, second.alignment);
    const alignment = Math.max(first.alignment, second.alignment);
    const size = first.size + second.size;
    const extent = roundUp(offB + second.size, alignment);
    out.push({
      name, handle: h(size, index), index, size, extent, alignment, kind: 'pair',
      components: [
        { kind: first.kind as ElementKind, offset: 0, basic: a },
        { kind: second.kind as ElementKind, offset: offB, basic: b },
      ],
    });
  }
  return out;
}

/** Every predefined datatype (one entry per handle; aliases are in PREDEFINED_ALIASES). */
export const PREDEFINED_DATATYPES: readonly PredefinedDatatype[] = buildTable();

const BY_HANDLE = new Map<number, PredefinedDatatype>(PREDEFINED_DATATYPES.map((d) => [d.handle, d]));
const BY_NAME = new Map<string, PredefinedDatatype>(PREDEFINED_DATATYPES.map((d) => [d.name, d]));

/** Alias names that share the handle of another predefined type. */
export const PREDEFINED_ALIASES: Readonly<Record<string, string>> = {
  MPI_LONG_LONG: 'MPI_LONG_LONG_INT',
  MPI_C_COMPLEX: 'MPI_C_FLOAT_COMPLEX',
};

function handleOf(name: string): number {
  const d = BY_NAME.get(PREDEFINED_ALIASES[name] ?? name);
  if (!d) throw new Error(`no predefined datatype ${name}`);
  return d.handle;
}

export const MPI_CHAR = handleOf('MPI_CHAR');
export const MPI_SIGNED_CHAR = handleOf('MPI_SIGNED_CHAR');
export const MPI_UNSIGNED_CHAR = handleOf('MPI_UNSIGNED_CHAR');
export const MPI_BYTE = handleOf('MPI_BYTE');
export const MPI_WCHAR = handleOf('MPI_WCHAR');
export const MPI_SHORT = handleOf('MPI_SHORT');
export const MPI_UNSIGNED_SHORT = handleOf('MPI_UNSIGNED_SHORT');
export const MPI_INT = handleOf('MPI_INT');
export const MPI_UNSIGNED = handleOf('MPI_UNSIGNED');
export const MPI_LONG = handleOf('MPI_LONG');
export const MPI_UNSIGNED_LONG = handleOf('MPI_UNSIGNED_LONG');
export const MPI_LONG_LONG_INT = handleOf('MPI_LONG_LONG_INT');
export const MPI_LONG_LONG = handleOf('MPI_LONG_LONG');
export const MPI_UNSIGNED_LONG_LONG = handleOf('MPI_UNSIGNED_LONG_LONG');
export const MPI_FLOAT = handleOf('MPI_FLOAT');
export const MPI_DOUBLE = handleOf('MPI_DOUBLE');
export const MPI_LONG_DOUBLE = handleOf('MPI_LONG_DOUBLE');
export const MPI_C_BOOL = handleOf('MPI_C_BOOL');
export const MPI_INT8_T = handleOf('MPI_INT8_T');
export const MPI_INT16_T = handleOf('MPI_INT16_T');
export const MPI_INT32_T = handleOf('MPI_INT32_T');
export const MPI_INT64_T = handleOf('MPI_INT64_T');
export const MPI_UINT8_T = handleOf('MPI_UINT8_T');
export const MPI_UINT16_T = handleOf('MPI_UINT16_T');
export const MPI_UINT32_T = handleOf('MPI_UINT32_T');
export const MPI_UINT64_T = handleOf('MPI_UINT64_T');
export const MPI_AINT = handleOf('MPI_AINT');
export const MPI_OFFSET = handleOf('MPI_OFFSET');
export const MPI_COUNT = handleOf('MPI_COUNT');
export const MPI_C_FLOAT_COMPLEX = handleOf('MPI_C_FLOAT_COMPLEX');
export const MPI_C_COMPLEX = handleOf('MPI_C_COMPLEX');
export const MPI_C_DOUBLE_COMPLEX = handleOf('MPI_C_DOUBLE_COMPLEX');
export const MPI_C_LONG_DOUBLE_COMPLEX = handleOf('MPI_C_LONG_DOUBLE_COMPLEX');
export const MPI_PACKED = handleOf('MPI_PACKED');
export const MPI_CXX_BOOL = handleOf('MPI_CXX_BOOL');
export const MPI_CXX_FLOAT_COMPLEX = handleOf('MPI_CXX_FLOAT_COMPLEX');
export const MPI_CXX_DOUBLE_COMPLEX = handleOf('MPI_CXX_DOUBLE_COMPLEX');
export const MPI_CXX_LONG_DOUBLE_COMPLEX = handleOf('MPI_CXX_LONG_DOUBLE_COMPLEX');
export const MPI_FLOAT_INT = handleOf('MPI_FLOAT_INT');
export const MPI_DOUBLE_INT = handleOf('MPI_DOUBLE_INT');
export const MPI_LONG_INT = handleOf('MPI_LONG_INT');
export const MPI_2INT = handleOf('MPI_2INT');
export const MPI_SHORT_INT = handleOf('MPI_SHORT_INT');
export const MPI_LONG_DOUBLE_INT = handleOf('MPI_LONG_DOUBLE_INT');

/** True for any handle in the predefined-datatype encoding that names a known predefined type. */
export function isPredefinedDatatype(handle: number): boolean {
  return BY_HANDLE.has(handle >>> 0);
}

export function isDerivedDatatypeHandle(handle: number): boolean {
  return ((handle >>> 0) & 0xff000000) >>> 0 === DERIVED_DATATYPE_TAG;
}

/** The predefined datatype a handle names, or undefined. */
export function predefinedDatatype(handle: number): PredefinedDatatype | undefined {
  return BY_HANDLE.get(handle >>> 0);
}

export function predefinedDatatypeByName(name: string): PredefinedDatatype | undefined {
  return BY_NAME.get(PREDEFINED_ALIASES[name] ?? name);
}

/** The size encoded in a predefined handle (bits 8..15), or undefined if the handle is not predefined. */
export function predefinedSizeFromHandle(handle: number): number | undefined {
  const u = handle >>> 0;
  if (((u & 0xff000000) >>> 0) !== PREDEFINED_DATATYPE_TAG) return undefined;
  return (u >>> 8) & 0xff;
}

/** Element kind of a predefined non-pair type (undefined for pair and unknown handles). */
export function elementKind(handle: number): ElementKind | undefined {
  const d = BY_HANDLE.get(handle >>> 0);
  return d && d.kind !== 'pair' ? d.kind : undefined;
}

/** `#define` lines for mpi.h, generated from this table so the C header and the host agree. */
export function datatypeHeaderDefines(): string {
  const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
  const lines = [`#define MPI_DATATYPE_NULL ((MPI_Datatype)${hex(MPI_DATATYPE_NULL)})`];
  for (const d of PREDEFINED_DATATYPES) lines.push(`#define ${d.name} ((MPI_Datatype)${hex(d.handle)})`);
  for (const [alias, target] of Object.entries(PREDEFINED_ALIASES)) lines.push(`#define ${alias} ${target}`);
  const consts: Array<[string, number]> = [
    ['MPI_COMBINER_NAMED', MPI_COMBINER_NAMED], ['MPI_COMBINER_DUP', MPI_COMBINER_DUP],
    ['MPI_COMBINER_CONTIGUOUS', MPI_COMBINER_CONTIGUOUS], ['MPI_COMBINER_VECTOR', MPI_COMBINER_VECTOR],
    ['MPI_COMBINER_HVECTOR_INTEGER', MPI_COMBINER_HVECTOR_INTEGER], ['MPI_COMBINER_HVECTOR', MPI_COMBINER_HVECTOR],
    ['MPI_COMBINER_INDEXED', MPI_COMBINER_INDEXED], ['MPI_COMBINER_HINDEXED_INTEGER', MPI_COMBINER_HINDEXED_INTEGER],
    ['MPI_COMBINER_HINDEXED', MPI_COMBINER_HINDEXED], ['MPI_COMBINER_INDEXED_BLOCK', MPI_COMBINER_INDEXED_BLOCK],
    ['MPI_COMBINER_STRUCT_INTEGER', MPI_COMBINER_STRUCT_INTEGER], ['MPI_COMBINER_STRUCT', MPI_COMBINER_STRUCT],
    ['MPI_COMBINER_SUBARRAY', MPI_COMBINER_SUBARRAY], ['MPI_COMBINER_DARRAY', MPI_COMBINER_DARRAY],
    ['MPI_COMBINER_F90_REAL', MPI_COMBINER_F90_REAL], ['MPI_COMBINER_F90_COMPLEX', MPI_COMBINER_F90_COMPLEX],
    ['MPI_COMBINER_F90_INTEGER', MPI_COMBINER_F90_INTEGER], ['MPI_COMBINER_RESIZED', MPI_COMBINER_RESIZED],
    ['MPI_COMBINER_HINDEXED_BLOCK', MPI_COMBINER_HINDEXED_BLOCK],
    ['MPI_ORDER_C', MPI_ORDER_C], ['MPI_ORDER_FORTRAN', MPI_ORDER_FORTRAN],
    ['MPI_DISTRIBUTE_BLOCK', MPI_DISTRIBUTE_BLOCK], ['MPI_DISTRIBUTE_CYCLIC', MPI_DISTRIBUTE_CYCLIC],
    ['MPI_DISTRIBUTE_NONE', MPI_DISTRIBUTE_NONE], ['MPI_DISTRIBUTE_DFLT_DARG', MPI_DISTRIBUTE_DFLT_DARG],
    ['MPI_MAX_OBJECT_NAME', MPI_MAX_OBJECT_NAME],
  ];
  for (const [n, v] of consts) lines.push(`#define ${n} ${v}`);
  return lines.join('\n') + '\n';
}
