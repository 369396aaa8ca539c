// An unprototyped call that cannot work: an int is passed where the definition (bad_defs.c) takes a double.
// Natively it reads garbage from a floating-point register; faasmpicc must refuse to build it.
#include <stdio.h>
double scale();
int main(void) { printf("%f\n", scale(2)); return 0; }
