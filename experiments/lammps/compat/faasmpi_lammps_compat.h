/* Stop-gap for functions LAMMPS uses that wasi-libc (Debian 2022 snapshot) does not declare.
 * Forced into every LAMMPS compilation (-include) by fetch-and-build.sh; the definitions are in
 * faasmpi_lammps_compat.c, linked into lmp. This is a toolchain gap, not a LAMMPS patch: the proper fix
 * is for faasmpi's toolchain to provide these (see experiments/lammps/NOTES.md). */
#ifndef FAASMPI_LAMMPS_COMPAT_H
#define FAASMPI_LAMMPS_COMPAT_H
#include <stdio.h>
#ifdef __cplusplus
extern "C" {
#endif
/* No processes in a Faaslet: both fail with ENOSYS (LAMMPS only uses them for gzip'd files, the
 * pager of `lmp -h` and dump movie, and checks for NULL). */
FILE *popen(const char *command, const char *mode);
int pclose(FILE *stream);
/* wasi-libc hides these (no processes, no fd duplication in WASI preview1); LAMMPS' bundled {fmt}
 * (fmtlib_os.cpp, FMT_USE_FCNTL) references them. All fail with ENOSYS. */
int dup(int fd);
int dup2(int fd, int fd2);
int pipe(int fds[2]);
#ifdef __cplusplus
}
#endif
#endif
