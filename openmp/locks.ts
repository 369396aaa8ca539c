// OpenMP locks, nest locks and critical sections. Their state lives in guest memory (omp_lock_t,
// omp_nest_lock_t, the kmp_critical_name clang emits per critical name), so every thread sees the same word.
// A lock word is 0 free, 1 held, 2 held with possible sleepers (futex-style, like the guest's malloc lock).
import { OmpError } from './errors.js';
import type { OmpGuest } from './guest.js';
import type { Waiting } from './wait.js';

const MAGIC = 0x4f4d504c; // "OMPL": marks an initialised lock
const MAGIC_NEST = 0x4f4d504e;


export class Locks {
  constructor(private readonly g: OmpGuest, private readonly waiting: Waiting, private readonly gtid: () => number) {}

  private acquireWord(ptr: number): void {
    const w = this.g.i32View(ptr);
    const i = ptr >> 2;
    let c = Atomics.compareExchange(w, i, 0, 1);
    if (c === 0) return;
    for (;;) {
      if (c !== 2) c = Atomics.exchange(w, i, 2);
      if (c === 0) return;
      this.waiting.untilChanged(w, i, 2);
      c = Atomics.exchange(w, i, 2);
      if (c === 0) return;
    }
  }

  private releaseWord(ptr: number): void {
    const w = this.g.i32View(ptr);
    if (Atomics.exchange(w, ptr >> 2, 0) === 2) Atomics.notify(w, ptr >> 2, 1);
  }

  private tryWord(ptr: number): boolean {
    const w = this.g.i32View(ptr);
    return Atomics.compareExchange(w, ptr >> 2, 0, 1) === 0;
  }

  private check(ptr: number, magic: number, fn: string): void {
    if (ptr === 0 || (ptr & 3) !== 0) throw new OmpError(`${fn}: invalid lock address ${ptr}`);
    const w = this.g.i32View(ptr + 4);
    if (Atomics.load(w, (ptr >> 2) + 1) !== magic) throw new OmpError(`${fn}: the lock was not initialised (or was destroyed)`);
  }

  // ---- omp_lock_t: [state, magic]
  init(ptr: number): void {
    if (ptr === 0 || (ptr & 3) !== 0) throw new OmpError(`omp_init_lock: invalid lock address ${ptr}`);
    const w = this.g.i32View(ptr + 4);
    Atomics.store(w, ptr >> 2, 0);
    Atomics.store(w, (ptr >> 2) + 1, MAGIC);
  }
  destroy(ptr: number): void {
    this.check(ptr, MAGIC, 'omp_destroy_lock');
    Atomics.store(this.g.i32View(ptr + 4), (ptr >> 2) + 1, 0);
  }
  set(ptr: number): void {
    this.check(ptr, MAGIC, 'omp_set_lock');
    this.acquireWord(ptr);
  }
  unset(ptr: number): void {
    this.check(ptr, MAGIC, 'omp_unset_lock');
    if (Atomics.load(this.g.i32View(ptr), ptr >> 2) === 0) throw new OmpError('omp_unset_lock: the lock is not set');
    this.releaseWord(ptr);
  }
  test(ptr: number): number {
    this.check(ptr, MAGIC, 'omp_test_lock');
    return this.tryWord(ptr) ? 1 : 0;
  }

  // ---- omp_nest_lock_t: [state, magic, owner gtid + 1, count]
  initNest(ptr: number): void {
    if (ptr === 0 || (ptr & 3) !== 0) throw new OmpError(`omp_init_nest_lock: invalid lock address ${ptr}`);
    const w = this.g.i32View(ptr + 12);
    const i = ptr >> 2;
    Atomics.store(w, i, 0);
    Atomics.store(w, i + 2, 0);
    Atomics.store(w, i + 3, 0);
    Atomics.store(w, i + 1, MAGIC_NEST);
  }
  destroyNest(ptr: number): void {
    this.check(ptr, MAGIC_NEST, 'omp_destroy_nest_lock');
    Atomics.store(this.g.i32View(ptr + 4), (ptr >> 2) + 1, 0);
  }
  setNest(ptr: number): number {
    this.check(ptr, MAGIC_NEST, 'omp_set_nest_lock');
    const w = this.g.i32View(ptr + 12);
    const i = ptr >> 2;
    const me = this.gtid() + 1;
    if (Atomics.load(w, i + 2) === me) return Atomics.add(w, i + 3, 1) + 1;
    this.acquireWord(ptr);
    const w2 = this.g.i32View(ptr + 12);
    Atomics.store(w2, i + 2, me);
    Atomics.store(w2, i + 3, 1);
    return 1;
  }
  unsetNest(ptr: number): void {
    this.check(ptr, MAGIC_NEST, 'omp_unset_nest_lock');
    const w = this.g.i32View(ptr + 12);
    const i = ptr >> 2;
    if (Atomics.load(w, i + 2) !== this.gtid() + 1) throw new OmpError('omp_unset_nest_lock: the lock is not set by this thread');
    if (Atomics.sub(w, i + 3, 1) === 1) {
      Atomics.store(w, i + 2, 0);
      this.releaseWord(ptr);
    }
  }
  testNest(ptr: number): number {
    this.check(ptr, MAGIC_NEST, 'omp_test_nest_lock');
    const w = this.g.i32View(ptr + 12);
    const i = ptr >> 2;
    const me = this.gtid() + 1;
    if (Atomics.load(w, i + 2) === me) return Atomics.add(w, i + 3, 1) + 1;
    if (!this.tryWord(ptr)) return 0;
    Atomics.store(w, i + 2, me);
    Atomics.store(w, i + 3, 1);
    return 1;
  }

  // ---- the guest's fast path (toolchain/guest/omp_locks.c) took a free lock itself; these are its slow paths
  /** A lock word the guest found held: returns once this thread holds it. */
  waitFor(word: number): void {
    this.checkWord(word, 'omp lock wait');
    this.acquireWord(word);
  }
  /** The guest released a lock word that may have sleepers. */
  wake(word: number): void {
    this.checkWord(word, 'omp lock wake');
    Atomics.notify(this.g.i32View(word), word >> 2, 1);
  }

  private checkWord(ptr: number, fn: string): void {
    if (ptr === 0 || (ptr & 3) !== 0 || ptr + 4 > this.g.i32View(ptr).length * 4) throw new OmpError(`${fn}: invalid lock address ${ptr}`);
  }

  // ---- critical sections: the first word of the kmp_critical_name clang reserves (zeroed) for each name
  enterCritical(crit: number): void {
    this.acquireWord(crit);
  }
  leaveCritical(crit: number): void {
    this.releaseWord(crit);
  }
}
