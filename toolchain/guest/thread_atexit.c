/* C++ thread_local objects with destructors register them through __cxa_thread_atexit, which Debian's wasm
 * libc++abi lacks. Each thread keeps its own list; a thread's list runs (newest first) when that thread calls
 * exit or main returns. OpenMP pool threads live as long as their process, as libomp's do, so only the
 * exiting thread's destructors run. */
#include <stdlib.h>

struct dtor_node {
  void (*dtor)(void *);
  void *obj;
  struct dtor_node *next;
};

static _Thread_local struct dtor_node *dtors;
static int registered;

static void run_thread_dtors(void) {
  while (dtors) {
    struct dtor_node *n = dtors;
    dtors = n->next;
    n->dtor(n->obj);
    free(n);
  }
}

int __cxa_thread_atexit(void (*dtor)(void *), void *obj, void *dso) {
  (void)dso;
  struct dtor_node *n = malloc(sizeof *n);
  if (!n) return -1;
  n->dtor = dtor;
  n->obj = obj;
  n->next = dtors;
  dtors = n;
  if (!__atomic_exchange_n(&registered, 1, __ATOMIC_ACQ_REL)) atexit(run_thread_dtors);
  return 0;
}
