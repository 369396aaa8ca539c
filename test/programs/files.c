/* File I/O inside the sandbox, and paths that try to leave it. Prints one line per check. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void check_refused(const char *path) {
  errno = 0;
  FILE *f = fopen(path, "r");
  printf("open %s: %s\n", path, f ? "OPENED" : "refused");
  if (f) fclose(f);
}

int main(void) {
  /* the input file prepared by the test, relative to the working directory */
  FILE *in = fopen("input.txt", "r");
  if (!in) { perror("input.txt"); return 1; }
  char line[128];
  if (!fgets(line, sizeof line, in)) return 2;
  fclose(in);
  printf("read: %s", line);

  if (mkdir("out", 0755) != 0 && errno != EEXIST) { perror("mkdir"); return 3; }
  FILE *out = fopen("out/result.txt", "w");
  if (!out) { perror("out/result.txt"); return 4; }
  for (int i = 0; i < 1000; i++) fprintf(out, "line %d\n", i);
  fclose(out);

  out = fopen("out/result.txt", "a");
  fputs("appended\n", out);
  fclose(out);

  struct stat st;
  stat("out/result.txt", &st);
  printf("size: %lld\n", (long long)st.st_size);

  int fd = open("out/result.txt", O_RDONLY);
  lseek(fd, -9, SEEK_END);
  char tail[16] = {0};
  read(fd, tail, 9);
  close(fd);
  printf("tail: %s", tail);

  DIR *d = opendir("out");
  int entries = 0;
  struct dirent *e;
  while ((e = readdir(d))) if (e->d_name[0] != '.') entries++;
  closedir(d);
  printf("entries in out: %d\n", entries);

  char cwd[256];
  printf("cwd: %s\n", getcwd(cwd, sizeof cwd));

  check_refused("/etc/passwd");
  check_refused("../outside.txt");
  check_refused("out/../../outside.txt");
  check_refused("escape-link/passwd");
  check_refused("outside-link");
  errno = 0;
  printf("missing: %s\n", fopen("no-such-file", "r") ? "OPENED" : strerror(errno));
  printf("unlink: %d\n", unlink("out/result.txt"));
  printf("rmdir: %d\n", rmdir("out"));
  return 0;
}
