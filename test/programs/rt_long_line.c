/* Prints argv[1] MiB of 'x' with no newline at all (a tagged sink must hold the line without quadratic work). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
  static char chunk[4096];
  memset(chunk, 'x', sizeof chunk);
  long mib = argc > 1 ? atol(argv[1]) : 16;
  for (long i = 0; i < mib * 256; i++) fwrite(chunk, 1, sizeof chunk, stdout);
  return 0;
}
