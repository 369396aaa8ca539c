// Calls through declarations without a prototype (old-style C), to functions defined in defs.c. Natively these
// run; in wasm the call type comes from the call site, and wasm-ld links a stub that traps when it differs from
// the definition. The wrappers adapt the calls that are well defined in practice: a result the caller ignores,
// extra arguments the definition does not take. Built from main.c, defs.c and more.c. Prints "OK tc_noproto".
#include <stdio.h>

int add();      // K&R definition in defs.c: matches, no stub at all
void record();  // defined as int record(int): the caller ignores the result
int first();    // defined as int first(int): called with one argument too many
int main(void) {
  int failures = 0;
  if (add(2, 3) != 5) { printf("FAIL: add(2, 3)\n"); failures++; }
  record(7);
  record(8);
  if (first(40, 99) != 41) { printf("FAIL: first(40, 99) expected 41\n"); failures++; }
  extern int recorded(void), record_more(void);
  if (recorded() != 15) { printf("FAIL: record() total expected 15 got %d\n", recorded()); failures++; }
  if (record_more() != 25) { printf("FAIL: record(10, 99) from more.c expected 25\n"); failures++; }
  if (failures) return 1;
  printf("OK tc_noproto\n");
  return 0;
}
