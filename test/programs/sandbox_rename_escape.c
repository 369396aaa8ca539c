/* The deterministic rename + held-dirfd escape (issue 10): a directory fd is opened, its directory renamed away
 * and an outward-pointing symlink renamed into its old name; then files are opened relative to that fd and
 * through the name. Nothing may reach the "outside" directory. argv[1]: a relative symlink target that climbs out
 * of the working directory from a 16-deep directory (the test created DEEP/L with it, as a link left over from
 * before this guest ran). Prints one line per step. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEEP "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a"

static const char *outcome(int ok) { return ok ? "DONE" : strerror(errno); }

/* Read up to 63 bytes of fd into buf; "refused: <errno>" when the open failed. */
static void show_read(const char *what, int fd) {
  char buf[64] = {0};
  if (fd < 0) { printf("%s: refused: %s\n", what, strerror(errno)); return; }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  printf("%s: read %zd bytes: %s\n", what, n, n > 0 ? buf : "");
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: sandbox_rename_escape <outward-target>\n"); return 2; }
  const char *outward = argv[1];

  /* The probe's own first step: a link with ".." components, legal where it is made. Refused now. */
  errno = 0;
  printf("symlink with ..: %s\n", outcome(symlink(outward, DEEP "/L2") == 0));
  printf("symlink absolute: %s\n", outcome(symlink("/etc", "abs") == 0));
  printf("symlink inside: %s\n", outcome(symlink("a/file", "good") == 0));

  if (mkdir("d", 0755) != 0) { perror("mkdir d"); return 3; }
  int dfd = open("d", O_RDONLY | O_DIRECTORY);
  if (dfd < 0) { perror("open d"); return 4; }
  if (rename("d", "d.old") != 0) { perror("rename d"); return 5; }
  if (rename(DEEP "/L", "d") != 0) { perror("rename L"); return 6; }

  /* Write relative to the held fd: must land in d.old (where the directory now is), not outside. */
  int w = openat(dfd, "out.txt", O_CREAT | O_WRONLY, 0644);
  if (w >= 0) { write(w, "written\n", 8); close(w); }
  printf("openat write: %s\n", w >= 0 ? "DONE" : strerror(errno));
  struct stat st;
  printf("d.old/out.txt exists: %s\n", stat("d.old/out.txt", &st) == 0 ? "yes" : "no");

  /* Read relative to the held fd and through the swapped name. */
  show_read("openat marker", openat(dfd, "marker.txt", O_RDONLY));
  show_read("openat ../d/marker", openat(dfd, "../d/marker.txt", O_RDONLY));
  show_read("open d/marker", open("d/marker.txt", O_RDONLY));
  int w2 = open("d/out2.txt", O_CREAT | O_WRONLY, 0644);
  printf("open d/out2 write: %s\n", w2 >= 0 ? "DONE" : strerror(errno));
  if (w2 >= 0) close(w2);
  printf("mkdir d/sub: %s\n", outcome(mkdir("d/sub", 0755) == 0));

  /* A directory fd moved deeper keeps working, and its ".." follows it. */
  if (mkdir("x", 0755) != 0 || mkdir("y", 0755) != 0) { perror("mkdir x y"); return 7; }
  int xfd = open("x", O_RDONLY | O_DIRECTORY);
  rename("x", "y/x");
  int f = openat(xfd, "../moved.txt", O_CREAT | O_WRONLY, 0644);
  printf("openat after move: %s\n", f >= 0 ? "DONE" : strerror(errno));
  if (f >= 0) close(f);
  printf("y/moved.txt exists: %s\n", stat("y/moved.txt", &st) == 0 ? "yes" : "no");
  close(xfd);
  close(dfd);

  /* The current directory (kept by wasi-libc) still works with relative paths and ".." inside the root. */
  if (chdir("y") != 0) { perror("chdir y"); return 8; }
  int c = open("x/../moved.txt", O_RDONLY);
  printf("after chdir: %s\n", c >= 0 ? "DONE" : strerror(errno));
  if (c >= 0) close(c);
  if (chdir("..") != 0) { perror("chdir .."); return 9; }
  printf("back: %s\n", stat("y/moved.txt", &st) == 0 ? "yes" : "no");
  return 0;
}
