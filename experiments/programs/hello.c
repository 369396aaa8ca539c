/* Cold-start subject: a small C program (stdio, a little data). */
#include <stdio.h>
static int table[256] = {1, 2, 3};
int main(void) { printf("hello %d\n", table[1]); return 0; }
