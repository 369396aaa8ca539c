/* faasmpi: wasi-libc's stdio.h plus what it leaves out because WASI has no processes. popen() and pclose()
 * exist (in the faasmpi guest library) so programs that can live without them build; they fail with ENOSYS. */
#include_next <stdio.h>
#ifndef FAASMPI_STDIO_EXTRAS_H
#define FAASMPI_STDIO_EXTRAS_H
#ifdef __cplusplus
extern "C" {
#endif
FILE *popen(const char *command, const char *mode);
int pclose(FILE *stream);
#ifdef __cplusplus
}
#endif
#endif
