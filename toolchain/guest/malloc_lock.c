/* Thread builds: wasi-libc's dlmalloc is built without locking, so the linker
 * wraps the allocator entry points (-Wl,--wrap=...) with one global lock.
 * __libc_* are wrapped too because atexit and locale code call them directly. */
#include <stddef.h>
#include "spinlock.h"

static volatile int malloc_lock;

#define LOCKED(expr) do { faasmpi_lock(&malloc_lock); expr; faasmpi_unlock(&malloc_lock); } while (0)

void *__real_malloc(size_t n);
void __real_free(void *p);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
int __real_posix_memalign(void **out, size_t align, size_t n);
size_t __real_malloc_usable_size(void *p);
void *__real___libc_malloc(size_t n);
void __real___libc_free(void *p);
void *__real___libc_calloc(size_t n, size_t size);

void *__wrap_malloc(size_t n) { void *r; LOCKED(r = __real_malloc(n)); return r; }
void __wrap_free(void *p) { if (p) LOCKED(__real_free(p)); }
void *__wrap_calloc(size_t n, size_t s) { void *r; LOCKED(r = __real_calloc(n, s)); return r; }
void *__wrap_realloc(void *p, size_t n) { void *r; LOCKED(r = __real_realloc(p, n)); return r; }
void *__wrap_aligned_alloc(size_t a, size_t n) { void *r; LOCKED(r = __real_aligned_alloc(a, n)); return r; }
int __wrap_posix_memalign(void **o, size_t a, size_t n) { int r; LOCKED(r = __real_posix_memalign(o, a, n)); return r; }
size_t __wrap_malloc_usable_size(void *p) { size_t r; LOCKED(r = __real_malloc_usable_size(p)); return r; }
void *__wrap___libc_malloc(size_t n) { void *r; LOCKED(r = __real___libc_malloc(n)); return r; }
void __wrap___libc_free(void *p) { if (p) LOCKED(__real___libc_free(p)); }
void *__wrap___libc_calloc(size_t n, size_t s) { void *r; LOCKED(r = __real___libc_calloc(n, s)); return r; }
