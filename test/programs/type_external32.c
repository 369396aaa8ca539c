/* MPI_Pack_external / MPI_Unpack_external / MPI_Pack_external_size with "external32" (issue 16): packed bytes
 * are big-endian per element (int, double, short, a struct of mixed types, float complex as two floats, a
 * strided vector), sizes are the external32 ones, position advances, and unpacking gives the data back.
 * Self-checking: "OK type_external32 rank R". */
#include <mpi.h>
#include <stddef.h>
#include <string.h>
#include "check.h"

struct rec { int i; double d; short s; char c; };

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  unsigned char buf[512];
  MPI_Aint pos = 0, size = -1;
  int ints[2] = {0x01020304, -2};
  MPI_Pack_external_size("external32", 2, MPI_INT, &size);
  expect(8, size, "external32 size of 2 ints");
  expect(MPI_SUCCESS, MPI_Pack_external("external32", ints, 2, MPI_INT, buf, sizeof buf, &pos), "Pack_external ints");
  expect(8, pos, "position after 2 ints");
  expect(0x01, buf[0], "int big-endian byte 0");
  expect(0x04, buf[3], "int big-endian byte 3");
  expect(0xff, buf[4], "-2 byte 0");
  expect(0xfe, buf[7], "-2 byte 3");
  double d = 1.0;
  MPI_Pack_external("external32", &d, 1, MPI_DOUBLE, buf, sizeof buf, &pos);
  expect(0x3f, buf[8], "double 1.0 byte 0");
  expect(0xf0, buf[9], "double 1.0 byte 1");
  expect(0x00, buf[15], "double 1.0 byte 7");
  /* A struct: int, double, short, char (packed without padding). */
  struct rec r = {0x0a0b0c0d, -0.5, 0x1234, 'z'};
  int bl[4] = {1, 1, 1, 1};
  MPI_Aint disp[4] = {offsetof(struct rec, i), offsetof(struct rec, d), offsetof(struct rec, s), offsetof(struct rec, c)};
  MPI_Datatype types[4] = {MPI_INT, MPI_DOUBLE, MPI_SHORT, MPI_CHAR}, rt;
  MPI_Type_create_struct(4, bl, disp, types, &rt);
  MPI_Type_commit(&rt);
  MPI_Pack_external_size("external32", 1, rt, &size);
  expect(15, size, "external32 size of the struct");
  MPI_Aint at = pos;
  MPI_Pack_external("external32", &r, 1, rt, buf, sizeof buf, &pos);
  expect(at + 15, pos, "position after the struct");
  expect(0x0a, buf[at], "struct int byte 0");
  expect(0xbf, buf[at + 4], "struct double -0.5 byte 0");
  expect(0xe0, buf[at + 5], "struct double -0.5 byte 1");
  expect(0x12, buf[at + 12], "struct short byte 0");
  expect(0x34, buf[at + 13], "struct short byte 1");
  expect('z', buf[at + 14], "struct char");
  /* float complex: two big-endian floats. */
  float fc[2] = {1.0f, -2.0f};
  at = pos;
  MPI_Pack_external("external32", fc, 1, MPI_C_FLOAT_COMPLEX, buf, sizeof buf, &pos);
  expect(0x3f, buf[at], "complex real byte 0");
  expect(0x80, buf[at + 1], "complex real byte 1");
  expect(0xc0, buf[at + 4], "complex imaginary byte 0");
  /* A strided vector of shorts. */
  short sh[6] = {0x0102, 0, 0x0304, 0, 0x0506, 0};
  MPI_Datatype v;
  MPI_Type_vector(3, 1, 2, MPI_SHORT, &v);
  MPI_Type_commit(&v);
  at = pos;
  MPI_Pack_external("external32", sh, 1, v, buf, sizeof buf, &pos);
  expect(0x03, buf[at + 2], "vector element 1 byte 0");
  expect(0x04, buf[at + 3], "vector element 1 byte 1");

  /* Unpack everything back. */
  int ints2[2] = {0, 0};
  double d2 = 0;
  struct rec r2;
  memset(&r2, 0, sizeof r2);
  float fc2[2] = {0, 0};
  short sh2[6] = {9, 9, 9, 9, 9, 9};
  MPI_Aint in = 0;
  MPI_Unpack_external("external32", buf, pos, &in, ints2, 2, MPI_INT);
  MPI_Unpack_external("external32", buf, pos, &in, &d2, 1, MPI_DOUBLE);
  MPI_Unpack_external("external32", buf, pos, &in, &r2, 1, rt);
  MPI_Unpack_external("external32", buf, pos, &in, fc2, 1, MPI_C_FLOAT_COMPLEX);
  MPI_Unpack_external("external32", buf, pos, &in, sh2, 1, v);
  expect(pos, in, "unpack position reaches the end");
  expect(ints[0], ints2[0], "int round trip");
  expect(ints[1], ints2[1], "negative int round trip");
  expect(1, d2 == 1.0, "double round trip");
  expect(r.i, r2.i, "struct int round trip");
  expect(1, r2.d == -0.5, "struct double round trip");
  expect(r.s, r2.s, "struct short round trip");
  expect(r.c, r2.c, "struct char round trip");
  expect(1, fc2[0] == 1.0f && fc2[1] == -2.0f, "complex round trip");
  expect(0x0304, sh2[2], "vector round trip");
  expect(9, sh2[1], "vector gap untouched");
  MPI_Type_free(&rt);
  MPI_Type_free(&v);
  return check_finish("type_external32");
}
