/* Plain builds: one thread per Faaslet, so stdio needs no locking; the POSIX
 * FILE-locking calls (absent from wasi-libc) are no-ops. */
#include <stdio.h>

void flockfile(FILE *f) { (void)f; }
void funlockfile(FILE *f) { (void)f; }
int ftrylockfile(FILE *f) { (void)f; return 0; }
