// The generic table of one kind of MPI handle: handle = kind tag | slot (24 bits), slots reused after removal.
// Handles cross into wasm as signed i32, so get() accepts either sign.
const SLOT_MASK = 0x00ffffff;

export class HandleTable<T> {
  private readonly slots: (T | undefined)[] = [undefined]; // slot 0 unused: handles never equal the tag alone
  private readonly free: number[] = [];
  constructor(private readonly tag: number) {}

  add(value: T): number {
    const slot = this.free.pop() ?? this.slots.length;
    this.slots[slot] = value;
    return (this.tag | slot) | 0; // as wasm sees it: signed
  }

  get(handle: number): T | undefined {
    if (((handle & ~SLOT_MASK) >>> 0) !== this.tag >>> 0) return undefined;
    return this.slots[handle & SLOT_MASK];
  }

  remove(handle: number): void {
    const slot = handle & SLOT_MASK;
    if (this.slots[slot] === undefined) return;
    this.slots[slot] = undefined;
    this.free.push(slot);
  }
}
