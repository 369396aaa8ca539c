/* Point-to-point basics: Send/Recv of every predefined C datatype (counts 0, 1, 1000, ~1 MiB and 8 MiB),
 * Ssend, Rsend (after a ready handshake), Bsend with Buffer_attach/detach and MPI_ERR_BUFFER, Sendrecv,
 * Sendrecv_replace in a ring, MPI_PROC_NULL on both ends, and messages to self.
 * Self-checking: each failed check prints "FAIL rank R: <what> expected X got Y" and the exit status is 1;
 * on success every rank prints exactly "OK p2p_basic rank R". Runs at any number of ranks (1 = self only). */
#include <complex.h>
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static int left, right;

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    printf("FAIL rank %d: malloc(%zu) expected non-null got null\n", rank, n);
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  return p;
}

/* One value per (element, seed); seeds differ per sending rank so a message from the wrong rank is caught. */
#define X(i, seed) ((long long)(((i) * 7919u + (unsigned)(seed) * 104729u) % 100003u))

#define DEF_SCALAR(NAME, T, VAL)                                                                   \
  static void fill_##NAME(void *b, size_t n, int seed) {                                           \
    T *p = b;                                                                                      \
    for (size_t i = 0; i < n; i++) { long long x = X(i, seed); (void)x; p[i] = (VAL); }            \
  }                                                                                                \
  static long long check_##NAME(const void *b, size_t n, int seed) {                               \
    const T *p = b;                                                                                \
    for (size_t i = 0; i < n; i++) { long long x = X(i, seed); (void)x; T v = (VAL); if (p[i] != v) return (long long)i; } \
    return -1;                                                                                     \
  }

#define DEF_PAIR(NAME, VT)                                                                         \
  typedef struct { VT v; int i; } pair_##NAME;                                                     \
  static void fill_##NAME(void *b, size_t n, int seed) {                                           \
    pair_##NAME *p = b;                                                                            \
    for (size_t i = 0; i < n; i++) { long long x = X(i, seed); p[i].v = (VT)(x % 30000); p[i].i = (int)(x * 3 + 1); } \
  }                                                                                                \
  static long long check_##NAME(const void *b, size_t n, int seed) {                               \
    const pair_##NAME *p = b;                                                                      \
    for (size_t i = 0; i < n; i++) {                                                               \
      long long x = X(i, seed);                                                                    \
      if (p[i].v != (VT)(x % 30000) || p[i].i != (int)(x * 3 + 1)) return (long long)i;            \
    }                                                                                              \
    return -1;                                                                                     \
  }

DEF_SCALAR(char, char, (char)(x % 100 + 20))
DEF_SCALAR(schar, signed char, (signed char)(x % 200 - 100))
DEF_SCALAR(uchar, unsigned char, (unsigned char)(x % 256))
DEF_SCALAR(short, short, (short)(x - 50000))
DEF_SCALAR(ushort, unsigned short, (unsigned short)(x * 3))
DEF_SCALAR(int, int, (int)(x * 21467 - 1000000000))
DEF_SCALAR(uint, unsigned, (unsigned)(x * 42937))
DEF_SCALAR(long, long, (long)(x * 21467 - 1000000000))
DEF_SCALAR(ulong, unsigned long, (unsigned long)(x * 42937))
DEF_SCALAR(llong, long long, (long long)(x * 92233720368LL - 4611686018427387904LL))
DEF_SCALAR(ullong, unsigned long long, (unsigned long long)x * 184467440737ULL)
DEF_SCALAR(float, float, (float)x * 0.5f - 1000.25f)
DEF_SCALAR(double, double, (double)x * 1.000001 - 31415.9)
DEF_SCALAR(ldouble, long double, (long double)x * 1.0000000001L - 2718.28L)
DEF_SCALAR(wchar, wchar_t, (wchar_t)(x % 50000 + 32))
DEF_SCALAR(bool, bool, (bool)(x & 1))
DEF_SCALAR(i8, int8_t, (int8_t)(x % 256 - 128))
DEF_SCALAR(i16, int16_t, (int16_t)(x - 50000))
DEF_SCALAR(i32, int32_t, (int32_t)(x * 21467 - 1000000000))
DEF_SCALAR(i64, int64_t, (int64_t)(x * 92233720368LL - 4611686018427387904LL))
DEF_SCALAR(u8, uint8_t, (uint8_t)x)
DEF_SCALAR(u16, uint16_t, (uint16_t)(x * 3))
DEF_SCALAR(u32, uint32_t, (uint32_t)(x * 42937))
DEF_SCALAR(u64, uint64_t, (uint64_t)x * 184467440737ULL)
DEF_SCALAR(aint, MPI_Aint, (MPI_Aint)(x * 20011 - 1000000))
DEF_SCALAR(offset, MPI_Offset, (MPI_Offset)(x * 92233720368LL))
DEF_SCALAR(count, MPI_Count, (MPI_Count)(-x * 92233720368LL))
DEF_SCALAR(fcomplex, float _Complex, (float)x + (float)(x + 1) * I)
DEF_SCALAR(dcomplex, double _Complex, (double)x * 0.25 + (double)(x - 7) * I)
DEF_SCALAR(ldcomplex, long double _Complex, (long double)x * 0.125L + (long double)(x + 3) * I)
DEF_PAIR(float_int, float)
DEF_PAIR(double_int, double)
DEF_PAIR(long_int, long)
DEF_PAIR(2int, int)
DEF_PAIR(short_int, short)
DEF_PAIR(ldouble_int, long double)

typedef struct {
  const char *name;
  MPI_Datatype type;
  size_t extent; /* sizeof the C type */
  void (*fill)(void *, size_t, int);
  long long (*check)(const void *, size_t, int);
} TypeCase;

/* Deadlock-free blocking exchange in the ring: send to right, receive from left (self at 1 rank). */
static void ring_exchange(int mode, const void *sbuf, void *rbuf, int scount, int rcap, MPI_Datatype t, int tag,
                          MPI_Status *st) {
  if (size == 1) {
    MPI_Request r;
    if (mode == 's') MPI_Issend(sbuf, scount, t, rank, tag, MPI_COMM_WORLD, &r);
    else MPI_Isend(sbuf, scount, t, rank, tag, MPI_COMM_WORLD, &r);
    MPI_Recv(rbuf, rcap, t, rank, tag, MPI_COMM_WORLD, st);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    return;
  }
  for (int phase = 0; phase < 2; phase++) {
    if ((rank % 2 == 0) == (phase == 0)) {
      if (mode == 's') MPI_Ssend(sbuf, scount, t, right, tag, MPI_COMM_WORLD);
      else MPI_Send(sbuf, scount, t, right, tag, MPI_COMM_WORLD);
    } else {
      MPI_Recv(rbuf, rcap, t, left, tag, MPI_COMM_WORLD, st);
    }
  }
}

/* Sends count elements of the case to the right, receives the left neighbour's and checks everything. */
static void exchange_case(const TypeCase *tc, size_t count, int tag, int mode) {
  const size_t spare = 2;
  unsigned char *sbuf = xmalloc(count * tc->extent);
  unsigned char *rbuf = xmalloc((count + spare) * tc->extent);
  tc->fill(sbuf, count, rank + tag);
  memset(rbuf, 0xA5, (count + spare) * tc->extent);
  MPI_Status st;
  ring_exchange(mode, sbuf, rbuf, (int)count, (int)(count + spare), tc->type, tag, &st);
  const char *how = mode == 's' ? "Ssend" : "Send";
  expect(left, st.MPI_SOURCE, "%s %s count %zu: status.MPI_SOURCE", how, tc->name, count);
  expect(tag, st.MPI_TAG, "%s %s count %zu: status.MPI_TAG", how, tc->name, count);
  int got = -1;
  MPI_Get_count(&st, tc->type, &got);
  expect((long long)count, got, "%s %s count %zu: MPI_Get_count", how, tc->name, count);
  expect(-1, tc->check(rbuf, count, left + tag), "%s %s count %zu: first wrong element", how, tc->name, count);
  long long untouched = -1;
  for (size_t i = count * tc->extent; i < (count + spare) * tc->extent; i++)
    if (rbuf[i] != 0xA5) { untouched = (long long)i; break; }
  expect(-1, untouched, "%s %s count %zu: first byte written past the message", how, tc->name, count);
  free(sbuf);
  free(rbuf);
}

static void test_all_types(void) {
  TypeCase cases[] = {
    {"MPI_CHAR", MPI_CHAR, sizeof(char), fill_char, check_char},
    {"MPI_SIGNED_CHAR", MPI_SIGNED_CHAR, sizeof(signed char), fill_schar, check_schar},
    {"MPI_UNSIGNED_CHAR", MPI_UNSIGNED_CHAR, sizeof(unsigned char), fill_uchar, check_uchar},
    {"MPI_BYTE", MPI_BYTE, 1, fill_uchar, check_uchar},
    {"MPI_PACKED", MPI_PACKED, 1, fill_uchar, check_uchar},
    {"MPI_SHORT", MPI_SHORT, sizeof(short), fill_short, check_short},
    {"MPI_UNSIGNED_SHORT", MPI_UNSIGNED_SHORT, sizeof(unsigned short), fill_ushort, check_ushort},
    {"MPI_INT", MPI_INT, sizeof(int), fill_int, check_int},
    {"MPI_UNSIGNED", MPI_UNSIGNED, sizeof(unsigned), fill_uint, check_uint},
    {"MPI_LONG", MPI_LONG, sizeof(long), fill_long, check_long},
    {"MPI_UNSIGNED_LONG", MPI_UNSIGNED_LONG, sizeof(unsigned long), fill_ulong, check_ulong},
    {"MPI_LONG_LONG_INT", MPI_LONG_LONG_INT, sizeof(long long), fill_llong, check_llong},
    {"MPI_LONG_LONG", MPI_LONG_LONG, sizeof(long long), fill_llong, check_llong},
    {"MPI_UNSIGNED_LONG_LONG", MPI_UNSIGNED_LONG_LONG, sizeof(unsigned long long), fill_ullong, check_ullong},
    {"MPI_FLOAT", MPI_FLOAT, sizeof(float), fill_float, check_float},
    {"MPI_DOUBLE", MPI_DOUBLE, sizeof(double), fill_double, check_double},
    {"MPI_LONG_DOUBLE", MPI_LONG_DOUBLE, sizeof(long double), fill_ldouble, check_ldouble},
    {"MPI_WCHAR", MPI_WCHAR, sizeof(wchar_t), fill_wchar, check_wchar},
    {"MPI_C_BOOL", MPI_C_BOOL, sizeof(bool), fill_bool, check_bool},
    {"MPI_INT8_T", MPI_INT8_T, 1, fill_i8, check_i8},
    {"MPI_INT16_T", MPI_INT16_T, 2, fill_i16, check_i16},
    {"MPI_INT32_T", MPI_INT32_T, 4, fill_i32, check_i32},
    {"MPI_INT64_T", MPI_INT64_T, 8, fill_i64, check_i64},
    {"MPI_UINT8_T", MPI_UINT8_T, 1, fill_u8, check_u8},
    {"MPI_UINT16_T", MPI_UINT16_T, 2, fill_u16, check_u16},
    {"MPI_UINT32_T", MPI_UINT32_T, 4, fill_u32, check_u32},
    {"MPI_UINT64_T", MPI_UINT64_T, 8, fill_u64, check_u64},
    {"MPI_AINT", MPI_AINT, sizeof(MPI_Aint), fill_aint, check_aint},
    {"MPI_OFFSET", MPI_OFFSET, sizeof(MPI_Offset), fill_offset, check_offset},
    {"MPI_COUNT", MPI_COUNT, sizeof(MPI_Count), fill_count, check_count},
    {"MPI_C_COMPLEX", MPI_C_COMPLEX, sizeof(float _Complex), fill_fcomplex, check_fcomplex},
    {"MPI_C_FLOAT_COMPLEX", MPI_C_FLOAT_COMPLEX, sizeof(float _Complex), fill_fcomplex, check_fcomplex},
    {"MPI_C_DOUBLE_COMPLEX", MPI_C_DOUBLE_COMPLEX, sizeof(double _Complex), fill_dcomplex, check_dcomplex},
    {"MPI_C_LONG_DOUBLE_COMPLEX", MPI_C_LONG_DOUBLE_COMPLEX, sizeof(long double _Complex), fill_ldcomplex, check_ldcomplex},
    {"MPI_FLOAT_INT", MPI_FLOAT_INT, sizeof(pair_float_int), fill_float_int, check_float_int},
    {"MPI_DOUBLE_INT", MPI_DOUBLE_INT, sizeof(pair_double_int), fill_double_int, check_double_int},
    {"MPI_LONG_INT", MPI_LONG_INT, sizeof(pair_long_int), fill_long_int, check_long_int},
    {"MPI_2INT", MPI_2INT, sizeof(pair_2int), fill_2int, check_2int},
    {"MPI_SHORT_INT", MPI_SHORT_INT, sizeof(pair_short_int), fill_short_int, check_short_int},
    {"MPI_LONG_DOUBLE_INT", MPI_LONG_DOUBLE_INT, sizeof(pair_ldouble_int), fill_ldouble_int, check_ldouble_int},
  };
  const int n = (int)(sizeof cases / sizeof cases[0]);
  for (int k = 0; k < n; k++) {
    MPI_Aint lb, extent;
    MPI_Type_get_extent(cases[k].type, &lb, &extent);
    expect((long long)cases[k].extent, extent, "%s: extent (sizeof the C type)", cases[k].name);
    size_t counts[] = {0, 1, 1000, ((size_t)1 << 20) / cases[k].extent + 3};
    for (int c = 0; c < 4; c++) exchange_case(&cases[k], counts[c], 100 + k * 4 + c, 'n');
  }
  /* 8 MiB, a bit over 64 KiB, and Ssend, for a few types. */
  int big[] = {3, 15, 35}; /* MPI_BYTE, MPI_DOUBLE, MPI_DOUBLE_INT */
  for (int j = 0; j < 3; j++) {
    const TypeCase *tc = &cases[big[j]];
    exchange_case(tc, ((size_t)8 << 20) / tc->extent, 400 + j, 'n');
    exchange_case(tc, ((size_t)64 << 10) / tc->extent + 1, 410 + j, 'n');
    exchange_case(tc, 1, 420 + j, 's');
    exchange_case(tc, 1000, 430 + j, 's');
    exchange_case(tc, ((size_t)1 << 20) / tc->extent + 1, 440 + j, 's');
  }
}

/* Rsend: the receiver pre-posts its Irecv and then tells the sender it is ready with a zero-byte message. */
static void test_rsend(void) {
  const int counts[] = {1, 1000, 300000};
  for (int c = 0; c < 3; c++) {
    int n = counts[c], tag = 500 + c;
    int *s = xmalloc(n * sizeof(int)), *r = xmalloc(n * sizeof(int));
    fill_int(s, n, rank + tag);
    memset(r, 0, n * sizeof(int));
    MPI_Request req;
    MPI_Irecv(r, n, MPI_INT, left, tag, MPI_COMM_WORLD, &req);
    if (size > 1) {
      /* ready handshake: tell left we are ready, learn that right is ready (parity order, no barrier) */
      for (int phase = 0; phase < 2; phase++) {
        if ((rank % 2 == 0) == (phase == 0)) MPI_Send(NULL, 0, MPI_INT, left, 600 + c, MPI_COMM_WORLD);
        else MPI_Recv(NULL, 0, MPI_INT, right, 600 + c, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      }
    }
    int rc = MPI_Rsend(s, n, MPI_INT, right, tag, MPI_COMM_WORLD);
    expect(MPI_SUCCESS, rc, "Rsend count %d: return code", n);
    MPI_Status st;
    MPI_Wait(&req, &st);
    int got;
    MPI_Get_count(&st, MPI_INT, &got);
    expect(n, got, "Rsend count %d: Get_count", n);
    expect(left, st.MPI_SOURCE, "Rsend count %d: status.MPI_SOURCE", n);
    expect(-1, check_int(r, n, left + tag), "Rsend count %d: first wrong element", n);
    free(s);
    free(r);
  }
}

static void test_bsend(void) {
  const int n = 1000, msgs = 3;
  int bsize = msgs * (n * (int)sizeof(double) + MPI_BSEND_OVERHEAD);
  char *attached = xmalloc(bsize);
  expect(MPI_SUCCESS, MPI_Buffer_attach(attached, bsize), "Buffer_attach: return code");
  double *s = xmalloc(n * sizeof(double)), *r = xmalloc(n * sizeof(double));
  for (int m = 0; m < msgs; m++) {
    fill_double(s, n, rank + 700 + m);
    expect(MPI_SUCCESS, MPI_Bsend(s, n, MPI_DOUBLE, right, 700 + m, MPI_COMM_WORLD), "Bsend %d: return code", m);
    memset(s, 0, n * sizeof(double)); /* the message was copied out: reusing the buffer must not change it */
  }
  for (int m = msgs - 1; m >= 0; m--) { /* in reverse tag order, which buffered sends allow */
    MPI_Status st;
    MPI_Recv(r, n, MPI_DOUBLE, left, 700 + m, MPI_COMM_WORLD, &st);
    expect(-1, check_double(r, n, left + 700 + m), "Bsend message %d: first wrong element", m);
  }
  void *detached = NULL;
  int dsize = -1;
  expect(MPI_SUCCESS, MPI_Buffer_detach(&detached, &dsize), "Buffer_detach: return code");
  expect(1, detached == (void *)attached, "Buffer_detach returns the attached buffer");
  expect(bsize, dsize, "Buffer_detach: size");

  /* A message that fits a small buffer goes through it. */
  int small = 16 * (int)sizeof(double) + MPI_BSEND_OVERHEAD;
  MPI_Buffer_attach(attached, small);
  fill_double(s, 16, rank + 711);
  expect(MPI_SUCCESS, MPI_Bsend(s, 16, MPI_DOUBLE, right, 711, MPI_COMM_WORLD), "Bsend that fits: return code");
  MPI_Recv(r, 16, MPI_DOUBLE, left, 711, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  expect(-1, check_double(r, 16, left + 711), "Bsend through small buffer: first wrong element");
  MPI_Buffer_detach(&detached, &dsize);
  expect(small, dsize, "Buffer_detach (small): size");
  free(attached);
  free(s);
  free(r);
}

/* A buffer too small for the message: MPI_ERR_BUFFER under MPI_ERRORS_RETURN. Run last: Open MPI 4.1 (ob1)
 * spends a message sequence number on the failed Bsend, so later messages to that peer never match. */
static void test_bsend_too_small(void) {
  static double s[1000];
  int small = 16 * (int)sizeof(double) + MPI_BSEND_OVERHEAD;
  char *attached = xmalloc(small);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Buffer_attach(attached, small);
  int rc = MPI_Bsend(s, 1000, MPI_DOUBLE, right, 710, MPI_COMM_WORLD);
  int cls = -1;
  if (rc != MPI_SUCCESS) MPI_Error_class(rc, &cls);
  expect(1, rc != MPI_SUCCESS, "Bsend larger than the attached buffer fails");
  expect(MPI_ERR_BUFFER, cls, "Bsend larger than the attached buffer: error class");
  void *detached = NULL;
  int dsize = -1;
  MPI_Buffer_detach(&detached, &dsize);
  expect(1, detached == (void *)attached, "Buffer_detach after the failed Bsend returns the buffer");
  expect(small, dsize, "Buffer_detach after the failed Bsend: size");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
  free(attached);
}

static void test_sendrecv(void) {
  const int n = 5000;
  long *s = xmalloc(n * sizeof(long)), *r = xmalloc(n * sizeof(long));
  fill_long(s, n, rank + 800);
  MPI_Status st;
  MPI_Sendrecv(s, n, MPI_LONG, right, 800, r, n, MPI_LONG, left, 800, MPI_COMM_WORLD, &st);
  expect(left, st.MPI_SOURCE, "Sendrecv: status.MPI_SOURCE");
  expect(800, st.MPI_TAG, "Sendrecv: status.MPI_TAG");
  expect(-1, check_long(r, n, left + 800), "Sendrecv: first wrong element");
  /* different send and receive counts and tags: send n/2 to the left with tag 801, receive from the right */
  MPI_Sendrecv(s, n / 2, MPI_LONG, left, 801, r, n, MPI_LONG, right, 801, MPI_COMM_WORLD, &st);
  int got;
  MPI_Get_count(&st, MPI_LONG, &got);
  expect(n / 2, got, "Sendrecv (reverse, half): Get_count");
  free(s);
  free(r);

  /* Sendrecv_replace: pass a token and a 200 KB block around the whole ring; each step it moves one place. */
  int token[4] = {rank, rank * 10, rank * 100, -rank};
  const int m = 25000;
  double *block = xmalloc(m * sizeof(double));
  fill_double(block, m, rank + 900);
  for (int step = 1; step <= size; step++) {
    MPI_Sendrecv_replace(token, 4, MPI_INT, right, 810, left, 810, MPI_COMM_WORLD, &st);
    MPI_Sendrecv_replace(block, m, MPI_DOUBLE, right, 811, left, 811, MPI_COMM_WORLD, &st);
    int from = ((rank - step) % size + size) % size;
    expect(from, token[0], "Sendrecv_replace step %d: token[0]", step);
    expect(from * 100, token[2], "Sendrecv_replace step %d: token[2]", step);
    expect(-1, check_double(block, m, from + 900), "Sendrecv_replace step %d: block first wrong element", step);
    expect(left, st.MPI_SOURCE, "Sendrecv_replace step %d: status.MPI_SOURCE", step);
  }
  free(block);
}

static void expect_proc_null_status(const MPI_Status *st, const char *what) {
  int got = -1;
  MPI_Get_count(st, MPI_INT, &got);
  expect(MPI_PROC_NULL, st->MPI_SOURCE, "%s: status.MPI_SOURCE", what);
  expect(MPI_ANY_TAG, st->MPI_TAG, "%s: status.MPI_TAG", what);
  expect(0, got, "%s: Get_count", what);
}

static void test_proc_null(void) {
  int buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  MPI_Status st;
  expect(MPI_SUCCESS, MPI_Send(buf, 8, MPI_INT, MPI_PROC_NULL, 3, MPI_COMM_WORLD), "Send to MPI_PROC_NULL");
  expect(MPI_SUCCESS, MPI_Ssend(buf, 8, MPI_INT, MPI_PROC_NULL, 3, MPI_COMM_WORLD), "Ssend to MPI_PROC_NULL");
  expect(MPI_SUCCESS, MPI_Rsend(buf, 8, MPI_INT, MPI_PROC_NULL, 3, MPI_COMM_WORLD), "Rsend to MPI_PROC_NULL");
  memset(&st, 0x5A, sizeof st);
  MPI_Recv(buf, 8, MPI_INT, MPI_PROC_NULL, 3, MPI_COMM_WORLD, &st);
  expect_proc_null_status(&st, "Recv from MPI_PROC_NULL");
  expect(8, buf[7], "Recv from MPI_PROC_NULL leaves the buffer alone");
  MPI_Request reqs[2];
  MPI_Isend(buf, 8, MPI_INT, MPI_PROC_NULL, 4, MPI_COMM_WORLD, &reqs[0]);
  MPI_Irecv(buf, 8, MPI_INT, MPI_PROC_NULL, 4, MPI_COMM_WORLD, &reqs[1]);
  MPI_Wait(&reqs[0], MPI_STATUS_IGNORE);
  memset(&st, 0x5A, sizeof st);
  MPI_Wait(&reqs[1], &st);
  expect_proc_null_status(&st, "Irecv from MPI_PROC_NULL");
  expect(1, reqs[1] == MPI_REQUEST_NULL, "Wait sets the request to MPI_REQUEST_NULL");
  memset(&st, 0x5A, sizeof st);
  MPI_Sendrecv(buf, 8, MPI_INT, MPI_PROC_NULL, 5, buf, 8, MPI_INT, MPI_PROC_NULL, 5, MPI_COMM_WORLD, &st);
  expect_proc_null_status(&st, "Sendrecv with MPI_PROC_NULL");
  /* ring ends: send to the right unless last, receive from the left unless first */
  int dest = rank == size - 1 ? MPI_PROC_NULL : rank + 1, src = rank == 0 ? MPI_PROC_NULL : rank - 1;
  int out = 1000 + rank, in = -1;
  MPI_Sendrecv(&out, 1, MPI_INT, dest, 6, &in, 1, MPI_INT, src, 6, MPI_COMM_WORLD, &st);
  if (rank == 0) {
    expect_proc_null_status(&st, "Sendrecv chain start");
    expect(-1, in, "Sendrecv chain start: buffer untouched");
  } else {
    expect(rank - 1 + 1000, in, "Sendrecv chain: value");
  }
}

static void test_self(void) {
  const int sizes[] = {1, 1000, 300000};
  for (int c = 0; c < 3; c++) {
    int n = sizes[c];
    int *s = xmalloc(n * sizeof(int)), *r = xmalloc(n * sizeof(int));
    for (int pass = 0; pass < 2; pass++) {
      MPI_Comm comm = pass == 0 ? MPI_COMM_WORLD : MPI_COMM_SELF;
      int me = pass == 0 ? rank : 0;
      fill_int(s, n, rank * 3 + pass + c);
      memset(r, 0, n * sizeof(int));
      MPI_Request req;
      MPI_Status st;
      MPI_Isend(s, n, MPI_INT, me, 950 + c, comm, &req);
      MPI_Recv(r, n, MPI_INT, me, 950 + c, comm, &st);
      MPI_Wait(&req, MPI_STATUS_IGNORE);
      const char *cn = pass == 0 ? "MPI_COMM_WORLD" : "MPI_COMM_SELF";
      expect(me, st.MPI_SOURCE, "self message on %s count %d: status.MPI_SOURCE", cn, n);
      expect(-1, check_int(r, n, rank * 3 + pass + c), "self message on %s count %d: first wrong element", cn, n);
    }
    free(s);
    free(r);
  }
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  right = (rank + 1) % size;
  left = (rank + size - 1) % size;
  test_all_types();
  test_rsend();
  test_bsend();
  test_sendrecv();
  test_proc_null();
  test_self();
  test_bsend_too_small();
  return check_finish("p2p_basic");
}
