/* A constructor with a visible effect: every rank must print it (so no snapshot may skip it). */
#include <stdio.h>
__attribute__((constructor)) static void hello(void) { printf("constructor ran\n"); }
int main(void) { printf("main ran\n"); return 0; }
