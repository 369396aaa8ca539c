/* Thread builds: the uncontended paths of OpenMP critical sections and simple locks, inside the module.
 * Taking a free lock is one compare-and-swap and giving it back one exchange; only a lock that is held goes to
 * the host (faasmpi_omp_lock_wait, which waits by the host's wait policy) and only a release that may have
 * sleepers wakes one (faasmpi_omp_lock_wake). A call into the host cost microseconds per section in a fresh
 * job, while V8 still ran the runtime's JS unoptimised. The lock word is the host's (openmp/locks.ts):
 * 0 free, 1 held, 2 held with possible sleepers; an omp_lock_t is [word, magic]. Anything unusual (a lock not
 * initialised, destroyed, unaligned, not set) goes to the host entry point, which reports it. Nest locks stay
 * in the host: they need the OpenMP thread number. */
/* Not omp.h: it declares the omp_* defined here as host imports. Same layout as its omp_lock_t. */
typedef struct omp_lock_t { volatile int _faasmpi[2]; } omp_lock_t;

#define OMP_LOCK_MAGIC 0x4f4d504c /* "OMPL", as openmp/locks.ts writes it */

void faasmpi_omp_lock_wait(volatile int *word) __attribute__((import_module("faasmpi_omp"), import_name("faasmpi_omp_lock_wait")));
void faasmpi_omp_lock_wake(volatile int *word) __attribute__((import_module("faasmpi_omp"), import_name("faasmpi_omp_lock_wake")));
/* The host's checking entry points, under other names here because this file defines omp_*. */
void host_set_lock(omp_lock_t *lock) __attribute__((import_module("faasmpi_omp"), import_name("omp_set_lock")));
void host_unset_lock(omp_lock_t *lock) __attribute__((import_module("faasmpi_omp"), import_name("omp_unset_lock")));
int host_test_lock(omp_lock_t *lock) __attribute__((import_module("faasmpi_omp"), import_name("omp_test_lock")));

static inline int try_acquire(volatile int *word) {
  int expected = 0;
  return __atomic_compare_exchange_n(word, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void acquire(volatile int *word) {
  if (!try_acquire(word)) faasmpi_omp_lock_wait(word);
}

static inline void release(volatile int *word) {
  if (__atomic_exchange_n(word, 0, __ATOMIC_RELEASE) == 2) faasmpi_omp_lock_wake(word);
}

static inline int usable(omp_lock_t *lock) {
  return lock != 0 && ((unsigned long)lock & 3) == 0 && __atomic_load_n(&lock->_faasmpi[1], __ATOMIC_RELAXED) == OMP_LOCK_MAGIC;
}

/* clang's kmp_critical_name: 32 zeroed bytes per critical name; the first word is the lock word. */
void __kmpc_critical(void *loc, int gtid, volatile int *crit) {
  (void)loc, (void)gtid;
  acquire(crit);
}

void __kmpc_critical_with_hint(void *loc, int gtid, volatile int *crit, unsigned hint) {
  (void)loc, (void)gtid, (void)hint;
  acquire(crit);
}

void __kmpc_end_critical(void *loc, int gtid, volatile int *crit) {
  (void)loc, (void)gtid;
  release(crit);
}

void omp_set_lock(omp_lock_t *lock) {
  if (!usable(lock)) {
    host_set_lock(lock);
    return;
  }
  acquire(&lock->_faasmpi[0]);
}

void omp_unset_lock(omp_lock_t *lock) {
  if (!usable(lock) || __atomic_load_n(&lock->_faasmpi[0], __ATOMIC_RELAXED) == 0) {
    host_unset_lock(lock);
    return;
  }
  release(&lock->_faasmpi[0]);
}

int omp_test_lock(omp_lock_t *lock) {
  if (!usable(lock)) return host_test_lock(lock);
  return try_acquire(&lock->_faasmpi[0]);
}
