// The "external32" data representation (MPI-3.1 13.5.2) for MPI_Pack_external / MPI_Unpack_external: the packed
// bytes with every basic element big-endian. On wasm32 the C types already have their external32 sizes (int,
// long and float 4 bytes, long long and double 8, long double 16, complex types as two reals), except wchar_t
// (4 bytes here, 2 in external32) and MPI_Aint (4 here, 8 in external32), which keep their wasm32 sizes: so
// external32 is the packed stream with each element's bytes reversed (each half of a complex).
import { forEachPiece, type Datatype } from './datatype.js';

/** Runs of one item's packed bytes: [element size to reverse, byte length of the run]. */
type Runs = [number, number][];

const cache = new WeakMap<Datatype, Runs>();

function push(runs: Runs, unit: number, bytes: number): void {
  if (bytes === 0) return;
  const last = runs[runs.length - 1];
  if (last && last[0] === unit) last[1] += bytes;
  else runs.push([unit, bytes]);
}

function repeat(runs: Runs, of: Runs, times: number): void {
  if (of.length === 1) push(runs, of[0][0], of[0][1] * times);
  else for (let i = 0; i < times; i++) for (const [u, b] of of) push(runs, u, b);
}

function runsOf(t: Datatype): Runs {
  let runs = cache.get(t);
  if (runs) return runs;
  runs = [];
  const L = t.layout;
  if (L.kind === 'leaf') {
    const name = t.predefined?.name ?? '';
    push(runs, /COMPLEX/.test(name) ? t.size / 2 : t.size, t.size);
  } else if (L.kind === 'alias') repeat(runs, runsOf(L.child), 1);
  else if (L.kind === 'regular') repeat(runs, runsOf(L.child), L.count * L.blocklen);
  else forEachPiece(L, (c, _d, n) => { if (n > 0) repeat(runs!, runsOf(c), n); });
  cache.set(t, runs);
  return runs;
}

/** Reverses every element of `count` packed items of `t` at bytes[at ..] (native <-> external32, both ways). */
export function swapExternal32(bytes: Uint8Array, at: number, count: number, t: Datatype): void {
  const runs = runsOf(t);
  let p = at;
  for (let k = 0; k < count; k++) {
    for (const [unit, len] of runs) {
      if (unit > 1) for (let e = p; e < p + len; e += unit) bytes.subarray(e, e + unit).reverse();
      p += len;
    }
  }
}
