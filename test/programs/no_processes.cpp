// Calls that need processes or fd duplication build (as with LAMMPS and {fmt}) and fail cleanly at run time.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

int main() {
  FILE *p = popen("ls", "r");
  int popen_errno = errno;
  std::printf("popen=%s errno_enosys=%d\n", p ? "opened" : "null", popen_errno == ENOSYS);
  std::printf("system(NULL)=%d system(cmd)=%d\n", std::system(nullptr), std::system("true"));
  int fds[2];
  std::printf("dup=%d dup2=%d pipe=%d pclose=%d\n", dup(1), dup2(1, 5), pipe(fds), pclose(nullptr));
  return 0;
}
