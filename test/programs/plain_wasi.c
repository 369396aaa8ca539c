/* Built with plain clang for wasm32-wasi (a command module with its own memory), not with faasmpicc. */
#include <stdio.h>
int main(int argc, char **argv) {
  printf("plain wasi argc=%d %s\n", argc, argc > 1 ? argv[1] : "");
  return 0;
}
