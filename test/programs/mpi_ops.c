/* Reduction ops through MPI_Reduce_local, self-checking: every predefined (op, type) pair MPI-3.1 §5.9.2
 * allows, against values computed here in C (bit-exact: integer wrap, float/double/long double rounding,
 * complex products), MINLOC/MAXLOC ties, logical ops on C_BOOL, bitwise ops on MPI_BYTE, derived types, the
 * full op x type matrix of allowed / MPI_ERR_OP, user ops (non-commutative 2x2 matrix product), MPI_Op_free and
 * MPI_Op_commutative. Prints "FAIL ..." per mismatch and "OK mpi_ops rank R" at the end; "TIME ..." lines.
 * argv[1] == "fatal-op": MPI_SUM on MPI_C_BOOL under the default MPI_ERRORS_ARE_FATAL (ends the job);
 * "time": also times 1M-element MPI_Reduce_local calls after the checks ("timefirst": before them);
 * argv[2]: bit mask of the check groups to run (default all). */
#include <complex.h>
#include <float.h>
#include <mpi.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, failures, checks;

#define CHECK(cond, ...)                                          \
  do {                                                            \
    checks++;                                                     \
    if (!(cond)) {                                                \
      failures++;                                                 \
      printf("FAIL rank %d line %d: ", rank, __LINE__);           \
      printf(__VA_ARGS__);                                        \
      printf("\n");                                               \
    }                                                             \
  } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static int error_class(int rc) {
  int cls = -1;
  MPI_Error_class(rc, &cls);
  return cls;
}

#define N 67 /* odd: exercises every tail */

static const MPI_Op INT_OPS[] = {MPI_MAX, MPI_MIN, MPI_SUM, MPI_PROD, MPI_LAND, MPI_LOR, MPI_LXOR, MPI_BAND, MPI_BOR, MPI_BXOR};
static const char *INT_OP_NAMES[] = {"MAX", "MIN", "SUM", "PROD", "LAND", "LOR", "LXOR", "BAND", "BOR", "BXOR"};

/* Expected inout = a (op k) b for integers, wrapping like the hardware (arithmetic done in uint64_t). */
#define INT_EXPECT(T, a, b, k)                                                                            \
  ((k) == 0   ? ((a) > (b) ? (a) : (b))                                                                   \
   : (k) == 1 ? ((a) < (b) ? (a) : (b))                                                                   \
   : (k) == 2 ? (T)((uint64_t)(a) + (uint64_t)(b))                                                        \
   : (k) == 3 ? (T)((uint64_t)(a) * (uint64_t)(b))                                                        \
   : (k) == 4 ? (T)((a) && (b))                                                                           \
   : (k) == 5 ? (T)((a) || (b))                                                                           \
   : (k) == 6 ? (T)(!(a) != !(b))                                                                         \
   : (k) == 7 ? (T)((a) & (b))                                                                            \
   : (k) == 8 ? (T)((a) | (b))                                                                            \
              : (T)((a) ^ (b)))

#define INT_TEST(T, DT)                                                                                   \
  do {                                                                                                    \
    for (int k = 0; k < 10; k++) {                                                                        \
      T in[N], io[N], ex[N];                                                                              \
      for (int i = 0; i < N; i++) {                                                                       \
        in[i] = (T)next();                                                                                \
        io[i] = (T)next();                                                                                \
        if (i % 4 == 1) in[i] = (T)(next() % 7);                                                          \
        if (i % 6 == 2) io[i] = (T)(next() % 5);                                                          \
        if (i % 3 == 0) in[i] = 0;                                                                        \
        if (i % 5 == 0) io[i] = 0;                                                                        \
        if (i % 11 == 4) in[i] = io[i];                                                                   \
        ex[i] = INT_EXPECT(T, in[i], io[i], k);                                                           \
      }                                                                                                   \
      int rc = MPI_Reduce_local(in, io, N, DT, INT_OPS[k]);                                               \
      CHECK(rc == MPI_SUCCESS, "%s on %s: rc %d", INT_OP_NAMES[k], #DT, rc);                              \
      for (int i = 0; i < N; i++)                                                                         \
        if (memcmp(&io[i], &ex[i], sizeof(T)) != 0) {                                                     \
          CHECK(0, "%s on %s: element %d: got %lld expected %lld", INT_OP_NAMES[k], #DT, i,              \
                (long long)io[i], (long long)ex[i]);                                                      \
          break;                                                                                          \
        }                                                                                                 \
    }                                                                                                     \
  } while (0)

/* Floating: MAX, MIN, SUM, PROD; values with inexact quotients so rounding matters. */
#define FLOAT_TEST(T, DT)                                                                                 \
  do {                                                                                                    \
    for (int k = 0; k < 4; k++) {                                                                         \
      T in[N], io[N], ex[N];                                                                              \
      for (int i = 0; i < N; i++) {                                                                       \
        in[i] = (T)((int64_t)(next() % 2000001) - 1000000) / (T)7;                                        \
        io[i] = (T)((int64_t)(next() % 2000001) - 1000000) / (T)3;                                        \
        if (i % 9 == 3) in[i] = io[i];                                                                    \
        if (i % 13 == 5) in[i] = -in[i] * (T)1e-3 / (T)11;                                                \
        T a = in[i], b = io[i];                                                                           \
        ex[i] = k == 0 ? (a > b ? a : b) : k == 1 ? (a < b ? a : b) : k == 2 ? a + b : a * b;             \
      }                                                                                                   \
      int rc = MPI_Reduce_local(in, io, N, DT, INT_OPS[k]);                                               \
      CHECK(rc == MPI_SUCCESS, "%s on %s: rc %d", INT_OP_NAMES[k], #DT, rc);                              \
      for (int i = 0; i < N; i++)                                                                         \
        if (memcmp(&io[i], &ex[i], sizeof(T)) != 0) {                                                     \
          CHECK(0, "%s on %s: element %d: got %.21Lg expected %.21Lg", INT_OP_NAMES[k], #DT, i,          \
                (long double)io[i], (long double)ex[i]);                                                  \
          break;                                                                                          \
        }                                                                                                 \
    }                                                                                                     \
  } while (0)

#define COMPLEX_TEST(T, R, DT)                                                                            \
  do {                                                                                                    \
    for (int k = 2; k < 4; k++) {                                                                         \
      T in[N], io[N], ex[N];                                                                              \
      for (int i = 0; i < N; i++) {                                                                       \
        R a = (R)((int64_t)(next() % 20001) - 10000) / (R)7, b = (R)((int64_t)(next() % 20001) - 10000) / (R)3; \
        R c = (R)((int64_t)(next() % 20001) - 10000) / (R)9, d = (R)((int64_t)(next() % 20001) - 10000) / (R)11; \
        in[i] = a + b * I;                                                                                \
        io[i] = c + d * I;                                                                                \
        ex[i] = k == 2 ? in[i] + io[i] : in[i] * io[i];                                                   \
      }                                                                                                   \
      int rc = MPI_Reduce_local(in, io, N, DT, INT_OPS[k]);                                               \
      CHECK(rc == MPI_SUCCESS, "%s on %s: rc %d", INT_OP_NAMES[k], #DT, rc);                              \
      for (int i = 0; i < N; i++)                                                                         \
        if (memcmp(&io[i], &ex[i], sizeof(T)) != 0) {                                                     \
          CHECK(0, "%s on %s: element %d: got %.21Lg%+.21Lgi expected %.21Lg%+.21Lgi", INT_OP_NAMES[k], #DT, \
                i, (long double)creall(io[i]), (long double)cimagl(io[i]), (long double)creall(ex[i]),    \
                (long double)cimagl(ex[i]));                                                              \
          break;                                                                                          \
        }                                                                                                 \
    }                                                                                                     \
  } while (0)

/* MINLOC / MAXLOC with ties (equal values: the lower index wins, whichever side it is on). */
#define LOC_TEST(V, DT)                                                                                   \
  do {                                                                                                    \
    struct { V v; int i; } in[N], io[N], ex[N];                                                          \
    for (int loc = 0; loc < 2; loc++) {                                                                   \
      memset(in, 0, sizeof in); memset(io, 0, sizeof io); memset(ex, 0, sizeof ex);                      \
      for (int i = 0; i < N; i++) {                                                                       \
        in[i].v = (V)(int)(next() % 9) - (V)4;                                                            \
        io[i].v = (V)(int)(next() % 9) - (V)4;                                                            \
        if (i % 3 == 0) io[i].v = in[i].v;                                                                \
        in[i].i = (int)(next() % 100) - 50;                                                               \
        io[i].i = (int)(next() % 100) - 50;                                                               \
        ex[i] = io[i];                                                                                    \
        int take = loc == 0 ? in[i].v < io[i].v : in[i].v > io[i].v;                                      \
        if (take) ex[i] = in[i];                                                                          \
        else if (in[i].v == io[i].v && in[i].i < io[i].i) ex[i].i = in[i].i;                             \
      }                                                                                                   \
      int rc = MPI_Reduce_local(in, io, N, DT, loc == 0 ? MPI_MINLOC : MPI_MAXLOC);                       \
      CHECK(rc == MPI_SUCCESS, "%s on %s: rc %d", loc ? "MAXLOC" : "MINLOC", #DT, rc);                    \
      for (int i = 0; i < N; i++)                                                                         \
        if (io[i].v != ex[i].v || io[i].i != ex[i].i) {                                                   \
          CHECK(0, "%s on %s: element %d: got (%Lg, %d) expected (%Lg, %d)", loc ? "MAXLOC" : "MINLOC",   \
                #DT, i, (long double)io[i].v, io[i].i, (long double)ex[i].v, ex[i].i);                    \
          break;                                                                                          \
        }                                                                                                 \
    }                                                                                                     \
  } while (0)

static void test_predefined(void) {
  INT_TEST(int, MPI_INT);
  INT_TEST(long, MPI_LONG);
  INT_TEST(short, MPI_SHORT);
  INT_TEST(unsigned short, MPI_UNSIGNED_SHORT);
  INT_TEST(unsigned, MPI_UNSIGNED);
  INT_TEST(unsigned long, MPI_UNSIGNED_LONG);
  INT_TEST(long long, MPI_LONG_LONG_INT);
  INT_TEST(long long, MPI_LONG_LONG);
  INT_TEST(unsigned long long, MPI_UNSIGNED_LONG_LONG);
  INT_TEST(signed char, MPI_SIGNED_CHAR);
  INT_TEST(unsigned char, MPI_UNSIGNED_CHAR);
  INT_TEST(int8_t, MPI_INT8_T);
  INT_TEST(int16_t, MPI_INT16_T);
  INT_TEST(int32_t, MPI_INT32_T);
  INT_TEST(int64_t, MPI_INT64_T);
  INT_TEST(uint8_t, MPI_UINT8_T);
  INT_TEST(uint16_t, MPI_UINT16_T);
  INT_TEST(uint32_t, MPI_UINT32_T);
  INT_TEST(uint64_t, MPI_UINT64_T);
  INT_TEST(MPI_Aint, MPI_AINT);
  INT_TEST(MPI_Offset, MPI_OFFSET);
  INT_TEST(MPI_Count, MPI_COUNT);

  FLOAT_TEST(float, MPI_FLOAT);
  FLOAT_TEST(double, MPI_DOUBLE);
  FLOAT_TEST(long double, MPI_LONG_DOUBLE);

  COMPLEX_TEST(float _Complex, float, MPI_C_FLOAT_COMPLEX);
  COMPLEX_TEST(float _Complex, float, MPI_C_COMPLEX);
  COMPLEX_TEST(double _Complex, double, MPI_C_DOUBLE_COMPLEX);
  COMPLEX_TEST(long double _Complex, long double, MPI_C_LONG_DOUBLE_COMPLEX);
  COMPLEX_TEST(float _Complex, float, MPI_CXX_FLOAT_COMPLEX);
  COMPLEX_TEST(double _Complex, double, MPI_CXX_DOUBLE_COMPLEX);
  COMPLEX_TEST(long double _Complex, long double, MPI_CXX_LONG_DOUBLE_COMPLEX);

  LOC_TEST(float, MPI_FLOAT_INT);
  LOC_TEST(double, MPI_DOUBLE_INT);
  LOC_TEST(long, MPI_LONG_INT);
  LOC_TEST(int, MPI_2INT);
  LOC_TEST(short, MPI_SHORT_INT);
  LOC_TEST(long double, MPI_LONG_DOUBLE_INT);
}

/* Specific values: wrap-around, long double specials (subnormals, overflow, exact cancellation). */
static void test_edges(void) {
  int a = INT32_MAX, b = 1;
  MPI_Reduce_local(&b, &a, 1, MPI_INT, MPI_SUM);
  CHECK(a == INT32_MIN, "INT_MAX + 1 = %d", a);
  a = 0x10000; b = 0x10001;
  MPI_Reduce_local(&b, &a, 1, MPI_INT, MPI_PROD);
  CHECK(a == 0x10000, "0x10000 * 0x10001 = %#x", a);
  unsigned char u8a = 200, u8b = 100;
  MPI_Reduce_local(&u8b, &u8a, 1, MPI_UNSIGNED_CHAR, MPI_SUM);
  CHECK(u8a == 44, "200 + 100 (uchar) = %d", u8a);
  int64_t l = INT64_MAX, m = 2;
  MPI_Reduce_local(&m, &l, 1, MPI_INT64_T, MPI_PROD);
  CHECK(l == -2, "INT64_MAX * 2 = %lld", (long long)l);
  uint64_t ul = UINT64_MAX, um = UINT64_MAX;
  MPI_Reduce_local(&um, &ul, 1, MPI_UINT64_T, MPI_SUM);
  CHECK(ul == UINT64_MAX - 1, "UINT64_MAX + UINT64_MAX = %llu", (unsigned long long)ul);
  int64_t neg = -5, pos = 3;
  MPI_Reduce_local(&neg, &pos, 1, MPI_INT64_T, MPI_MAX);
  CHECK(pos == 3, "max(-5, 3) int64 = %lld", (long long)pos);
  uint64_t big = 0x8000000000000000ull, small = 3;
  MPI_Reduce_local(&big, &small, 1, MPI_UINT64_T, MPI_MAX);
  CHECK(small == 0x8000000000000000ull, "max u64 = %llx", (unsigned long long)small);

  long double in[8] = {LDBL_MAX, LDBL_MIN, LDBL_TRUE_MIN, 1.0L, -0.0L, 1e-4000L, 3.0L, -1.0L / 3};
  long double io[8] = {LDBL_MAX, -LDBL_MIN * 0.75L, LDBL_TRUE_MIN, -1.0L, -0.0L, 1e-4000L, 1.0L / 3, 1.0L / 7};
  long double ex[8];
  for (int i = 0; i < 8; i++) ex[i] = in[i] + io[i];
  long double io2[8];
  memcpy(io2, io, sizeof io);
  MPI_Reduce_local(in, io2, 8, MPI_LONG_DOUBLE, MPI_SUM);
  for (int i = 0; i < 8; i++) CHECK(memcmp(&io2[i], &ex[i], sizeof(long double)) == 0, "long double sum edge %d: %Lg vs %Lg", i, io2[i], ex[i]);
  for (int i = 0; i < 8; i++) ex[i] = in[i] * io[i];
  memcpy(io2, io, sizeof io);
  MPI_Reduce_local(in, io2, 8, MPI_LONG_DOUBLE, MPI_PROD);
  for (int i = 0; i < 8; i++) CHECK(memcmp(&io2[i], &ex[i], sizeof(long double)) == 0, "long double prod edge %d: %Lg vs %Lg", i, io2[i], ex[i]);
  /* random long doubles over the whole exponent range (bit patterns), sum and product */
  for (int rep = 0; rep < 4; rep++) {
    long double x[N], y[N], y0[N], e[N];
    for (int i = 0; i < N; i++) {
      uint64_t w[2] = {next(), next()};
      uint64_t v[2] = {next(), next()};
      if (rep < 2) { w[1] = (w[1] & 0x8000ffffffffffffull) | ((uint64_t)(0x3fff - 60 + next() % 120) << 48); v[1] = (v[1] & 0x8000ffffffffffffull) | ((uint64_t)(0x3fff - 60 + next() % 120) << 48); }
      else { w[1] = (w[1] & ~(0x7fffull << 48)) | ((uint64_t)(next() % 0x7fff) << 48); v[1] = (v[1] & ~(0x7fffull << 48)) | ((uint64_t)(next() % 0x7fff) << 48); }
      memcpy(&x[i], w, 16);
      memcpy(&y[i], v, 16);
      y0[i] = y[i];
      e[i] = rep % 2 ? x[i] * y[i] : x[i] + y[i];
    }
    MPI_Reduce_local(x, y, N, MPI_LONG_DOUBLE, rep % 2 ? MPI_PROD : MPI_SUM);
    for (int i = 0; i < N; i++)
      if (memcmp(&y[i], &e[i], 16) != 0) {
        CHECK(0, "long double random %s %d: %La (op) %La = %La, got %La", rep % 2 ? "prod" : "sum", i, x[i], y0[i], e[i], y[i]);
        break;
      }
  }

  /* logical ops on C_BOOL */
  bool bi[4] = {false, false, true, true}, bo[4];
  const bool land[4] = {false, false, false, true}, lor[4] = {false, true, true, true}, lxor[4] = {false, true, true, false};
  const bool init[4] = {false, true, false, true};
  memcpy(bo, init, 4);
  CHECK(MPI_Reduce_local(bi, bo, 4, MPI_C_BOOL, MPI_LAND) == MPI_SUCCESS && memcmp(bo, land, 4) == 0, "LAND on C_BOOL");
  memcpy(bo, init, 4);
  CHECK(MPI_Reduce_local(bi, bo, 4, MPI_C_BOOL, MPI_LOR) == MPI_SUCCESS && memcmp(bo, lor, 4) == 0, "LOR on C_BOOL");
  memcpy(bo, init, 4);
  CHECK(MPI_Reduce_local(bi, bo, 4, MPI_CXX_BOOL, MPI_LXOR) == MPI_SUCCESS && memcmp(bo, lxor, 4) == 0, "LXOR on CXX_BOOL");

  /* bitwise ops on MPI_BYTE */
  unsigned char x[5] = {0xff, 0x0f, 0xaa, 0x00, 0x81}, y[5] = {0x3c, 0xf0, 0x55, 0xff, 0x18}, z[5];
  memcpy(z, y, 5);
  MPI_Reduce_local(x, z, 5, MPI_BYTE, MPI_BAND);
  for (int i = 0; i < 5; i++) CHECK(z[i] == (x[i] & y[i]), "BAND on BYTE %d: %#x", i, z[i]);
  memcpy(z, y, 5);
  MPI_Reduce_local(x, z, 5, MPI_BYTE, MPI_BOR);
  for (int i = 0; i < 5; i++) CHECK(z[i] == (x[i] | y[i]), "BOR on BYTE %d: %#x", i, z[i]);
  memcpy(z, y, 5);
  MPI_Reduce_local(x, z, 5, MPI_BYTE, MPI_BXOR);
  for (int i = 0; i < 5; i++) CHECK(z[i] == (x[i] ^ y[i]), "BXOR on BYTE %d: %#x", i, z[i]);

  /* REPLACE and NO_OP */
  double r1[3] = {1, 2, 3}, r2[3] = {4, 5, 6};
  CHECK(MPI_Reduce_local(r1, r2, 3, MPI_DOUBLE, MPI_NO_OP) == MPI_SUCCESS && r2[0] == 4 && r2[2] == 6, "NO_OP");
  CHECK(MPI_Reduce_local(r1, r2, 3, MPI_DOUBLE, MPI_REPLACE) == MPI_SUCCESS && r2[0] == 1 && r2[2] == 3, "REPLACE");

  /* unaligned buffers (a double array at an odd address) */
  char raw_in[8 * 5 + 1], raw_io[8 * 5 + 3];
  double dv[5] = {1.5, 2.5, -3, 4, 1e300}, dw[5] = {0.25, 1, 1, -4, 1e300};
  memcpy(raw_in + 1, dv, sizeof dv);
  memcpy(raw_io + 3, dw, sizeof dw);
  MPI_Reduce_local(raw_in + 1, raw_io + 3, 5, MPI_DOUBLE, MPI_SUM);
  memcpy(dw, raw_io + 3, sizeof dw);
  CHECK(dw[0] == 1.75 && dw[1] == 3.5 && dw[2] == -2 && dw[3] == 0 && dw[4] == 2e300, "unaligned double sum: %g %g %g %g %g", dw[0], dw[1], dw[2], dw[3], dw[4]);
}

/* Derived types: an op applies to a type all of whose basic elements are one predefined type. */
static void test_derived(void) {
  MPI_Datatype c3, vec, pairs, mixed;
  MPI_Type_contiguous(3, MPI_DOUBLE, &c3);
  MPI_Type_commit(&c3);
  double a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {10, 20, 30, 40, 50, 60};
  CHECK(MPI_Reduce_local(a, b, 2, c3, MPI_SUM) == MPI_SUCCESS && b[0] == 11 && b[5] == 66, "SUM on contiguous(3, DOUBLE)");

  /* vector: every other int of 8 (the gaps must be left alone) */
  MPI_Type_vector(4, 1, 2, MPI_INT, &vec);
  MPI_Type_commit(&vec);
  int vi[8] = {1, 100, 2, 100, 3, 100, 4, 100}, vo[8] = {5, 7, 6, 7, 7, 7, 8, 7};
  CHECK(MPI_Reduce_local(vi, vo, 1, vec, MPI_PROD) == MPI_SUCCESS, "PROD on vector");
  CHECK(vo[0] == 5 && vo[2] == 12 && vo[4] == 21 && vo[6] == 32 && vo[1] == 7 && vo[7] == 7, "PROD on vector: %d %d %d %d gaps %d %d", vo[0], vo[2], vo[4], vo[6], vo[1], vo[7]);

  /* contiguous of pairs with MINLOC */
  MPI_Type_contiguous(2, MPI_DOUBLE_INT, &pairs);
  MPI_Type_commit(&pairs);
  struct { double v; int i; } pi[2] = {{1.0, 7}, {5.0, 3}}, po[2] = {{1.0, 2}, {2.0, 9}};
  CHECK(MPI_Reduce_local(pi, po, 1, pairs, MPI_MINLOC) == MPI_SUCCESS, "MINLOC on contiguous(2, DOUBLE_INT)");
  CHECK(po[0].v == 1.0 && po[0].i == 2 && po[1].v == 2.0 && po[1].i == 9, "MINLOC on pairs: (%g,%d) (%g,%d)", po[0].v, po[0].i, po[1].v, po[1].i);

  /* mixed struct {int; double}: MPI_ERR_OP for SUM; REPLACE copies */
  int bl[2] = {1, 1};
  MPI_Aint disp[2] = {0, 8};
  MPI_Datatype types[2] = {MPI_INT, MPI_DOUBLE};
  MPI_Type_create_struct(2, bl, disp, types, &mixed);
  MPI_Type_commit(&mixed);
  struct { int i; double d; } mi = {3, 4.5}, mo = {1, 1.5};
  int rc = MPI_Reduce_local(&mi, &mo, 1, mixed, MPI_SUM);
  CHECK(error_class(rc) == MPI_ERR_OP, "SUM on a mixed struct: class %d", error_class(rc));
  CHECK(MPI_Reduce_local(&mi, &mo, 1, mixed, MPI_REPLACE) == MPI_SUCCESS && mo.i == 3 && mo.d == 4.5, "REPLACE on a mixed struct");

  rc = MPI_Reduce_local(a, b, 1, c3, MPI_BAND);
  CHECK(error_class(rc) == MPI_ERR_OP, "BAND on contiguous(3, DOUBLE): class %d", error_class(rc));

  MPI_Type_free(&c3);
  MPI_Type_free(&vec);
  MPI_Type_free(&pairs);
  MPI_Type_free(&mixed);
}

/* Every op x every predefined type: allowed (MPI_SUCCESS) or MPI_ERR_OP. */
enum { G_INT = 1, G_FLOAT = 2, G_COMPLEX = 4, G_LOGICAL = 8, G_BYTE = 16, G_PAIR = 32, G_NONE = 0 };
static void test_matrix(void) {
  static const struct { MPI_Datatype t; const char *name; int group; } types[] = {
      {MPI_CHAR, "CHAR", G_NONE}, {MPI_SIGNED_CHAR, "SIGNED_CHAR", G_INT}, {MPI_UNSIGNED_CHAR, "UNSIGNED_CHAR", G_INT},
      {MPI_BYTE, "BYTE", G_BYTE}, {MPI_WCHAR, "WCHAR", G_NONE}, {MPI_SHORT, "SHORT", G_INT},
      {MPI_UNSIGNED_SHORT, "UNSIGNED_SHORT", G_INT}, {MPI_INT, "INT", G_INT}, {MPI_UNSIGNED, "UNSIGNED", G_INT},
      {MPI_LONG, "LONG", G_INT}, {MPI_UNSIGNED_LONG, "UNSIGNED_LONG", G_INT}, {MPI_LONG_LONG_INT, "LONG_LONG_INT", G_INT},
      {MPI_UNSIGNED_LONG_LONG, "UNSIGNED_LONG_LONG", G_INT}, {MPI_FLOAT, "FLOAT", G_FLOAT}, {MPI_DOUBLE, "DOUBLE", G_FLOAT},
      {MPI_LONG_DOUBLE, "LONG_DOUBLE", G_FLOAT}, {MPI_C_BOOL, "C_BOOL", G_LOGICAL}, {MPI_INT8_T, "INT8_T", G_INT},
      {MPI_INT16_T, "INT16_T", G_INT}, {MPI_INT32_T, "INT32_T", G_INT}, {MPI_INT64_T, "INT64_T", G_INT},
      {MPI_UINT8_T, "UINT8_T", G_INT}, {MPI_UINT16_T, "UINT16_T", G_INT}, {MPI_UINT32_T, "UINT32_T", G_INT},
      {MPI_UINT64_T, "UINT64_T", G_INT}, {MPI_AINT, "AINT", G_INT}, {MPI_OFFSET, "OFFSET", G_INT}, {MPI_COUNT, "COUNT", G_INT},
      {MPI_C_FLOAT_COMPLEX, "C_FLOAT_COMPLEX", G_COMPLEX}, {MPI_C_DOUBLE_COMPLEX, "C_DOUBLE_COMPLEX", G_COMPLEX},
      {MPI_C_LONG_DOUBLE_COMPLEX, "C_LONG_DOUBLE_COMPLEX", G_COMPLEX}, {MPI_PACKED, "PACKED", G_NONE},
      {MPI_CXX_BOOL, "CXX_BOOL", G_LOGICAL}, {MPI_CXX_FLOAT_COMPLEX, "CXX_FLOAT_COMPLEX", G_COMPLEX},
      {MPI_CXX_DOUBLE_COMPLEX, "CXX_DOUBLE_COMPLEX", G_COMPLEX}, {MPI_CXX_LONG_DOUBLE_COMPLEX, "CXX_LONG_DOUBLE_COMPLEX", G_COMPLEX},
      {MPI_FLOAT_INT, "FLOAT_INT", G_PAIR}, {MPI_DOUBLE_INT, "DOUBLE_INT", G_PAIR}, {MPI_LONG_INT, "LONG_INT", G_PAIR},
      {MPI_2INT, "2INT", G_PAIR}, {MPI_SHORT_INT, "SHORT_INT", G_PAIR}, {MPI_LONG_DOUBLE_INT, "LONG_DOUBLE_INT", G_PAIR},
  };
  static const struct { MPI_Op op; const char *name; int groups; } ops[] = {
      {MPI_MAX, "MAX", G_INT | G_FLOAT}, {MPI_MIN, "MIN", G_INT | G_FLOAT},
      {MPI_SUM, "SUM", G_INT | G_FLOAT | G_COMPLEX}, {MPI_PROD, "PROD", G_INT | G_FLOAT | G_COMPLEX},
      {MPI_LAND, "LAND", G_INT | G_LOGICAL}, {MPI_LOR, "LOR", G_INT | G_LOGICAL}, {MPI_LXOR, "LXOR", G_INT | G_LOGICAL},
      {MPI_BAND, "BAND", G_INT | G_BYTE}, {MPI_BOR, "BOR", G_INT | G_BYTE}, {MPI_BXOR, "BXOR", G_INT | G_BYTE},
      {MPI_MINLOC, "MINLOC", G_PAIR}, {MPI_MAXLOC, "MAXLOC", G_PAIR},
      {MPI_REPLACE, "REPLACE", -1}, {MPI_NO_OP, "NO_OP", -1},
  };
  _Alignas(16) char in[64], io[64];
  int allowed = 0, refused = 0;
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++) {
      memset(in, 0, sizeof in);
      memset(io, 0, sizeof io);
      int rc = MPI_Reduce_local(in, io, 1, types[t].t, ops[o].op);
      int ok = ops[o].groups == -1 || (ops[o].groups & types[t].group) != 0;
      if (ok) {
        allowed++;
        CHECK(rc == MPI_SUCCESS, "MPI_%s on MPI_%s refused (class %d)", ops[o].name, types[t].name, error_class(rc));
      } else {
        refused++;
        CHECK(error_class(rc) == MPI_ERR_OP, "MPI_%s on MPI_%s: class %d, expected MPI_ERR_OP", ops[o].name, types[t].name, error_class(rc));
      }
    }
  CHECK(allowed == 339 && refused == 249, "matrix: %d allowed, %d refused", allowed, refused);
}

/* ---- user ops ---- */
typedef struct { double m[4]; } mat2; /* row-major 2x2 */

static int calls, last_len;
static MPI_Datatype last_type;

/* inout = in x inout (matrix product: not commutative) */
static void matmul(void *invec, void *inoutvec, int *len, MPI_Datatype *dt) {
  calls++;
  last_len = *len;
  last_type = *dt;
  mat2 *a = invec, *b = inoutvec;
  for (int k = 0; k < *len; k++) {
    mat2 r;
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 2; j++) r.m[2 * i + j] = a[k].m[2 * i] * b[k].m[j] + a[k].m[2 * i + 1] * b[k].m[2 + j];
    b[k] = r;
  }
}

/* inout[i] = 10 * in[i] + inout[i] on ints, for a strided type: sees the type's layout */
static void shift_add(void *invec, void *inoutvec, int *len, MPI_Datatype *dt) {
  calls++;
  last_len = *len;
  last_type = *dt;
  int *a = invec, *b = inoutvec;
  /* the type is vector(2, 1, 3, MPI_INT): extent 4 ints, elements 0 and 3 */
  for (int k = 0; k < *len; k++) {
    b[4 * k] = 10 * a[4 * k] + b[4 * k];
    b[4 * k + 3] = 10 * a[4 * k + 3] + b[4 * k + 3];
  }
}

static void test_user_ops(void) {
  MPI_Op mm, sa;
  int commute = -1;
  CHECK(MPI_Op_create(matmul, 0, &mm) == MPI_SUCCESS, "MPI_Op_create");
  CHECK(((unsigned)mm & 0xff000000u) == 0x98000000u, "user op handle %#x", (unsigned)mm);
  CHECK(MPI_Op_commutative(mm, &commute) == MPI_SUCCESS && commute == 0, "matmul commutative = %d", commute);
  CHECK(MPI_Op_create(shift_add, 1, &sa) == MPI_SUCCESS && sa != mm, "second MPI_Op_create");
  CHECK(MPI_Op_commutative(sa, &commute) == MPI_SUCCESS && commute == 1, "shift_add commutative = %d", commute);
  CHECK(MPI_Op_commutative(MPI_SUM, &commute) == MPI_SUCCESS && commute == 1, "MPI_SUM commutative = %d", commute);
  CHECK(MPI_Op_commutative(MPI_MAXLOC, &commute) == MPI_SUCCESS && commute == 1, "MPI_MAXLOC commutative = %d", commute);

  MPI_Datatype m2;
  MPI_Type_contiguous(4, MPI_DOUBLE, &m2);
  MPI_Type_commit(&m2);
  mat2 a[3] = {{{1, 2, 3, 4}}, {{0, 1, 1, 0}}, {{2, 0, 0, 2}}};
  mat2 b[3] = {{{5, 6, 7, 8}}, {{1, 2, 3, 4}}, {{1, 1, 1, 1}}};
  calls = 0;
  CHECK(MPI_Reduce_local(a, b, 3, m2, mm) == MPI_SUCCESS, "Reduce_local with a user op");
  CHECK(calls == 1 && last_len == 3 && last_type == m2, "user fn called %d times, len %d, type %#x (want %#x)", calls, last_len, (unsigned)last_type, (unsigned)m2);
  /* a x b, not b x a */
  const double ex0[4] = {19, 22, 43, 50}, ex1[4] = {3, 4, 1, 2}, ex2[4] = {2, 2, 2, 2};
  CHECK(memcmp(b[0].m, ex0, sizeof ex0) == 0, "matmul 0: %g %g %g %g", b[0].m[0], b[0].m[1], b[0].m[2], b[0].m[3]);
  CHECK(memcmp(b[1].m, ex1, sizeof ex1) == 0, "matmul 1: %g %g %g %g", b[1].m[0], b[1].m[1], b[1].m[2], b[1].m[3]);
  CHECK(memcmp(b[2].m, ex2, sizeof ex2) == 0, "matmul 2: %g %g %g %g", b[2].m[0], b[2].m[1], b[2].m[2], b[2].m[3]);

  /* a user op on a strided type gets the buffers as laid out (gaps untouched) */
  MPI_Datatype v, vr;
  MPI_Type_vector(2, 1, 3, MPI_INT, &v);
  MPI_Type_create_resized(v, 0, 4 * sizeof(int), &vr);
  MPI_Type_commit(&vr);
  int xi[8] = {1, 9, 9, 2, 3, 9, 9, 4}, xo[8] = {5, 7, 7, 6, 7, 7, 7, 8};
  calls = 0;
  CHECK(MPI_Reduce_local(xi, xo, 2, vr, sa) == MPI_SUCCESS, "Reduce_local user op on a strided type");
  CHECK(calls == 1 && last_len == 2 && last_type == vr, "strided: %d calls, len %d", calls, last_len);
  CHECK(xo[0] == 15 && xo[3] == 26 && xo[4] == 37 && xo[7] == 48 && xo[1] == 7 && xo[6] == 7, "strided user op: %d %d %d %d gaps %d %d", xo[0], xo[3], xo[4], xo[7], xo[1], xo[6]);
  MPI_Type_free(&v);
  MPI_Type_free(&vr);
  MPI_Type_free(&m2);

  MPI_Op keep = mm;
  CHECK(MPI_Op_free(&mm) == MPI_SUCCESS && mm == MPI_OP_NULL, "MPI_Op_free sets MPI_OP_NULL");
  int rc = MPI_Op_commutative(keep, &commute);
  CHECK(error_class(rc) == MPI_ERR_OP, "freed op: class %d", error_class(rc));
  rc = MPI_Reduce_local(a, b, 1, MPI_DOUBLE, keep);
  CHECK(error_class(rc) == MPI_ERR_OP, "Reduce_local with a freed op: class %d", error_class(rc));
  CHECK(MPI_Op_free(&sa) == MPI_SUCCESS, "free second op");
}

static void test_errors(void) {
  int i1 = 1, i2 = 2;
  MPI_Op op = MPI_SUM;
  int rc = MPI_Op_free(&op);
  CHECK(error_class(rc) == MPI_ERR_OP && op == MPI_SUM, "MPI_Op_free(MPI_SUM): class %d", error_class(rc));
  rc = MPI_Reduce_local(&i1, &i2, 1, MPI_INT, MPI_OP_NULL);
  CHECK(error_class(rc) == MPI_ERR_OP, "MPI_OP_NULL: class %d", error_class(rc));
  rc = MPI_Reduce_local(&i1, &i2, 1, MPI_INT, (MPI_Op)0x12345);
  CHECK(error_class(rc) == MPI_ERR_OP, "bogus op: class %d", error_class(rc));
  rc = MPI_Reduce_local(&i1, &i2, 1, MPI_FLOAT, MPI_BAND);
  CHECK(error_class(rc) == MPI_ERR_OP, "BAND on FLOAT: class %d", error_class(rc));
  rc = MPI_Reduce_local(&i1, &i2, 1, MPI_INT, MPI_MINLOC);
  CHECK(error_class(rc) == MPI_ERR_OP, "MINLOC on INT: class %d", error_class(rc));
  rc = MPI_Reduce_local(&i1, &i2, -1, MPI_INT, MPI_SUM);
  CHECK(error_class(rc) == MPI_ERR_COUNT, "count -1: class %d", error_class(rc));
  rc = MPI_Reduce_local(&i1, &i2, 1, MPI_DATATYPE_NULL, MPI_SUM);
  CHECK(error_class(rc) == MPI_ERR_TYPE, "MPI_DATATYPE_NULL: class %d", error_class(rc));
  CHECK(i2 == 2, "inout untouched by failed calls: %d", i2);
  rc = MPI_Op_commutative((MPI_Op)0x98abcdef, &i1);
  CHECK(error_class(rc) == MPI_ERR_OP, "commutative of bogus op: class %d", error_class(rc));
}

static void timing(void) {
  const int n = 1 << 20;
  double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
  int *ia = malloc(n * sizeof(int)), *ib = malloc(n * sizeof(int));
  int64_t *la = malloc(n * sizeof(int64_t)), *lb = malloc(n * sizeof(int64_t));
  for (int i = 0; i < n; i++) {
    a[i] = i; b[i] = 1; ia[i] = i; ib[i] = 3; la[i] = i; lb[i] = 3;
  }
  const int reps = 10;
  struct { const char *name; void *x, *y; MPI_Datatype t; MPI_Op op; } runs[] = {
      {"SUM double", a, b, MPI_DOUBLE, MPI_SUM}, {"MAX double", a, b, MPI_DOUBLE, MPI_MAX},
      {"SUM int", ia, ib, MPI_INT, MPI_SUM}, {"PROD int", ia, ib, MPI_INT, MPI_PROD},
      {"SUM int64", la, lb, MPI_INT64_T, MPI_SUM}, {"PROD int64", la, lb, MPI_INT64_T, MPI_PROD},
  };
  for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
    MPI_Reduce_local(runs[r].x, runs[r].y, n, runs[r].t, runs[r].op); /* warm up */
    double t0 = MPI_Wtime();
    for (int k = 0; k < reps; k++) MPI_Reduce_local(runs[r].x, runs[r].y, n, runs[r].t, runs[r].op);
    double ms = (MPI_Wtime() - t0) * 1e3 / reps;
    if (rank == 0) printf("TIME %s 1M: %.3f ms\n", runs[r].name, ms);
  }
  free(a); free(b); free(ia); free(ib); free(la); free(lb);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (argc > 1 && strcmp(argv[1], "fatal-op") == 0) {
    bool x = true, y = false;
    MPI_Reduce_local(&x, &y, 1, MPI_C_BOOL, MPI_SUM);
    printf("rank %d: not reached\n", rank);
    MPI_Finalize();
    return 0;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  rng += (uint64_t)rank * 0x12345;
  if (argc > 1 && strcmp(argv[1], "timefirst") == 0) timing();
  int mask = argc > 2 ? atoi(argv[2]) : 63;
  if (mask & 1) test_predefined();
  if (mask & 2) test_edges();
  if (mask & 4) test_derived();
  if (mask & 8) test_matrix();
  if (mask & 16) test_user_ops();
  if (mask & 32) test_errors();
  if (argc > 1 && strcmp(argv[1], "time") == 0) timing();
  printf("mpi_ops rank %d: %d checks, %d failures\n", rank, checks, failures);
  if (failures == 0) printf("OK mpi_ops rank %d\n", rank);
  MPI_Finalize();
  return failures != 0;
}
