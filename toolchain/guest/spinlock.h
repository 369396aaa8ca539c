/* Futex-style mutex for thread builds (compiled with -matomics): 0 = free,
 * 1 = held, 2 = held with possible sleepers. Spins briefly before sleeping with
 * memory.atomic.wait32, because a wake-up costs ~25 us on Node. */
#ifndef FAASMPI_SPINLOCK_H
#define FAASMPI_SPINLOCK_H

#define FAASMPI_SPINS 200

static inline int faasmpi_cas(volatile int *l, int expected, int desired) {
  __atomic_compare_exchange_n(l, &expected, desired, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
  return expected; /* the previous value */
}

static inline void faasmpi_lock(volatile int *l) {
  int c = faasmpi_cas(l, 0, 1);
  for (int i = 0; c != 0 && i < FAASMPI_SPINS; i++) {
    if (c == 1) c = faasmpi_cas(l, 0, 1);
    else break;
  }
  if (c == 0) return;
  if (c != 2) c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
  while (c != 0) {
    __builtin_wasm_memory_atomic_wait32((int *)l, 2, -1);
    c = __atomic_exchange_n(l, 2, __ATOMIC_ACQUIRE);
  }
}

static inline void faasmpi_unlock(volatile int *l) {
  if (__atomic_exchange_n(l, 0, __ATOMIC_RELEASE) == 2)
    __builtin_wasm_memory_atomic_notify((int *)l, 1);
}

#endif
