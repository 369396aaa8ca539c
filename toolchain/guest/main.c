/* Entry point of every faasmpi module (a WASI reactor). The runtime calls
 * _initialize (constructors), may snapshot memory, then calls faasmpi_main.
 * clang renames `int main(void)` to __main_void; libc's weak __main_void fetches
 * argv from WASI and calls __main_argc_argv for `int main(int, char **)`. */
#include <stdlib.h>

extern int __main_void(void);

__attribute__((export_name("faasmpi_main"))) void faasmpi_main(void) {
  /* exit() runs atexit handlers, flushes stdio and ends with proc_exit. */
  exit(__main_void());
}
