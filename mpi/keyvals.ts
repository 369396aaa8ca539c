// User keyvals of one rank (part of MpiRank's state) and what attributes hang on. Keyval handles are
// 0xa4000000 | slot, per kind (communicator, datatype, window); slots are not reused. No imports of the rank:
// the attribute calls (attributes.ts) use it through MpiRank.
import * as abi from './abi.js';

/** What attributes hang on: a communicator, or a datatype's entry (Keyvals.typeAttrs). */
export interface AttrOwner {
  /** The object's handle, passed to the callbacks. */
  handle: number;
  attrs?: Map<number, number>;
  /** The communicator whose error handler a failure goes to (default: the owner itself, a communicator). */
  raiseOn?: number;
}
export const raiseOn = (o: AttrOwner) => o.raiseOn ?? o.handle;

export type KeyvalKind = 'comm' | 'type' | 'win';

export interface Keyval {
  handle: number;
  /** The kind of object the keyval is for (a communicator keyval cannot be used on a datatype). */
  kind: KeyvalKind;
  copyFn: number;
  deleteFn: number;
  extra: number;
  /** MPI_Comm_free_keyval was called; the keyval lives on while attributes use it. */
  freed: boolean;
  /** Attributes currently set with this keyval. */
  uses: number;
}

export class Keyvals {
  private readonly slots: (Keyval | undefined)[] = [];

  /**
   * Attributes of datatypes, by datatype object (predefined ones are shared by the worker's ranks). A Map, not a
   * WeakMap, so that a migration can carry it (migration/mpi-state.ts); only types given attributes are keys.
   */
  private readonly types = new Map<object, AttrOwner>();

  get(handle: number, kind: KeyvalKind = 'comm'): Keyval | undefined {
    const h = handle >>> 0;
    if (((h & 0xff000000) >>> 0) !== abi.USER_KEYVAL_TAG) return undefined;
    const k = this.slots[h & 0x00ffffff];
    return k?.kind === kind ? k : undefined;
  }

  /** The attribute holder of a datatype object (made on first use). */
  typeAttrs(type: object, handle: number): AttrOwner {
    let o = this.types.get(type);
    if (!o) this.types.set(type, (o = { handle, raiseOn: abi.MPI_COMM_WORLD }));
    return o;
  }

  hasTypeAttrs(type: object): boolean {
    return (this.types.get(type)?.attrs?.size ?? 0) > 0;
  }

  create(copyFn: number, deleteFn: number, extra: number, kind: KeyvalKind = 'comm'): Keyval | undefined {
    if (this.slots.length > 0x00ffffff) return undefined;
    // Slots are not reused: an attribute of a freed keyval can still be found by its handle.
    const k: Keyval = { handle: (abi.USER_KEYVAL_TAG | this.slots.length) >>> 0, kind, copyFn, deleteFn, extra, freed: false, uses: 0 };
    this.slots.push(k);
    return k;
  }

  /** Drops a keyval that is freed and no longer used. */
  release(k: Keyval): void {
    if (k.freed && k.uses === 0) this.slots[k.handle & 0x00ffffff] = undefined;
  }
}
