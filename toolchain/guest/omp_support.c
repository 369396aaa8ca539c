/* Thread builds: what the host's OpenMP runtime needs from inside the module. It sets aside thread stacks,
 * TLS blocks and task descriptors in guest memory with the guest's own (locked) allocator, so they never
 * collide with the program's allocations. */
#include <stdlib.h>

__attribute__((export_name("faasmpi_omp_alloc"))) void *faasmpi_omp_alloc(size_t align, size_t size) {
  size = (size + align - 1) / align * align; /* aligned_alloc wants a multiple of the alignment */
  return aligned_alloc(align, size);
}

__attribute__((export_name("faasmpi_omp_free"))) void faasmpi_omp_free(void *p) { free(p); }

__attribute__((export_name("faasmpi_omp_realloc"))) void *faasmpi_omp_realloc(void *p, size_t size) { return realloc(p, size); }
