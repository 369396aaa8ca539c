/* Entry point of every faasmpi module (a WASI reactor). The runtime calls
 * _initialize (constructors), may snapshot memory, then calls faasmpi_main.
 * clang renames `int main(void)` to __main_void; libc's weak __main_void fetches
 * argv from WASI and calls __main_argc_argv for `int main(int, char **)`. */
#include <stdlib.h>

extern int __main_void(void);
/* In cxa_exception.cpp, linked only when the program throws: main inside a catch-all that reports an uncaught
 * C++ exception like a native program does. */
extern int faasmpi_guarded_main(void) __attribute__((weak));

__attribute__((export_name("faasmpi_main"))) void faasmpi_main(void) {
  /* exit() runs atexit handlers, flushes stdio and ends with proc_exit. */
  exit(faasmpi_guarded_main ? faasmpi_guarded_main() : __main_void());
}

/* ---- reduction ops (mpi/ops/registry.ts): the host runs MPI_Op_create'd functions inside the guest ---- */
#include <mpi.h>

/* A guest buffer of at least n bytes for the host to lay reduction data out in; kept and grown as needed
 * (16-byte aligned). NULL if malloc fails. */
__attribute__((export_name("faasmpi_op_scratch"))) void *faasmpi_op_scratch(size_t n) {
  static void *buf;
  static size_t cap;
  if (n > cap) {
    size_t want = cap ? cap : 4096;
    while (want < n) want *= 2;
    free(buf);
    buf = aligned_alloc(16, want);
    cap = buf ? want : 0;
  }
  return buf;
}

/* Calls a user reduction function as MPI does: fn(invec, inoutvec, &len, &datatype). */
__attribute__((export_name("faasmpi_call_user_op"))) void faasmpi_call_user_op(MPI_User_function *fn, void *in, void *inout,
                                                                                int len, MPI_Datatype type) {
  fn(in, inout, &len, &type);
}

/* ---- migration (migration/asyncify.ts): where Asyncify saves the wasm call stack of a rank being captured ---- */
/* A kept malloc'd buffer of n bytes (the same n every time), allocated at the first migration point reached. */
__attribute__((export_name("faasmpi_migration_buffer"))) void *faasmpi_migration_buffer(size_t n) {
  static void *buf;
  static size_t cap;
  if (n > cap) {
    free(buf);
    buf = aligned_alloc(16, n);
    cap = buf ? n : 0;
  }
  return buf;
}
