/* Datatype host functions, self-checking: every constructor, sizes/extents/true extents (int, MPI_Aint and
 * MPI_Count versions), envelopes and contents, names, MPI_Pack/MPI_Unpack round trips, MPI_Get_count/Get_elements
 * on hand-made statuses, and error classes under MPI_ERRORS_RETURN. Expected values are worked out by hand in
 * the comments (wasm32: int/long/pointers 4 bytes, double 8-aligned). Prints "FAIL: ..." per mismatch and
 * "mpi_types: N checks, F failures" at the end; exits 1 if anything failed. */
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int checks = 0, fails = 0;

#define EQ(a, b)                                                                                        \
  do {                                                                                                  \
    long long a_ = (long long)(a), b_ = (long long)(b);                                                 \
    checks++;                                                                                           \
    if (a_ != b_) {                                                                                     \
      printf("FAIL: line %d: %s = %lld, expected %s = %lld\n", __LINE__, #a, a_, #b, b_);               \
      fails++;                                                                                          \
    }                                                                                                   \
  } while (0)
#define OK(call) EQ(call, MPI_SUCCESS)
#define STREQ(a, b)                                                                                     \
  do {                                                                                                  \
    checks++;                                                                                           \
    if (strcmp((a), (b)) != 0) {                                                                        \
      printf("FAIL: line %d: %s = \"%s\", expected \"%s\"\n", __LINE__, #a, (a), (b));                  \
      fails++;                                                                                          \
    }                                                                                                   \
  } while (0)

/* Checks size, lb, extent, true lb, true extent in all three flavours (int/MPI_Aint, MPI_Count). */
static void bounds(int line, MPI_Datatype t, int size, long lb, long extent, long tlb, long textent) {
  int s;
  MPI_Aint l, e;
  MPI_Count sx, lx, ex;
  int before = fails;
  OK(MPI_Type_size(t, &s));
  EQ(s, size);
  OK(MPI_Type_get_extent(t, &l, &e));
  EQ(l, lb);
  EQ(e, extent);
  OK(MPI_Type_get_true_extent(t, &l, &e));
  EQ(l, tlb);
  EQ(e, textent);
  OK(MPI_Type_size_x(t, &sx));
  EQ(sx, size);
  OK(MPI_Type_get_extent_x(t, &lx, &ex));
  EQ(lx, lb);
  EQ(ex, extent);
  OK(MPI_Type_get_true_extent_x(t, &lx, &ex));
  EQ(lx, tlb);
  EQ(ex, textent);
  if (fails != before) printf("FAIL: ... in bounds() called from line %d\n", line);
}

static void envelope(int line, MPI_Datatype t, int ni, int na, int nd, int combiner) {
  int i, a, d, c;
  int before = fails;
  OK(MPI_Type_get_envelope(t, &i, &a, &d, &c));
  EQ(i, ni);
  EQ(a, na);
  EQ(d, nd);
  EQ(c, combiner);
  if (fails != before) printf("FAIL: ... in envelope() called from line %d\n", line);
}

static MPI_Status status_of(long long bytes) {
  MPI_Status st;
  memset(&st, 0, sizeof st);
  st.count_lo = (int)(unsigned)(bytes & 0xffffffffLL);
  st.count_hi_and_cancelled = (int)(bytes >> 32);
  return st;
}

struct rec {
  char c;   /* offset 0 */
  double d; /* offset 8 */
  int i;    /* offset 16; sizeof 24 */
};

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  char packed[1024];
  int pos;

  /* ---- contiguous(3, MPI_INT): 12 bytes ---- */
  MPI_Datatype contig;
  OK(MPI_Type_contiguous(3, MPI_INT, &contig));
  OK(MPI_Type_commit(&contig));
  bounds(__LINE__, contig, 12, 0, 12, 0, 12);
  envelope(__LINE__, contig, 1, 0, 1, MPI_COMBINER_CONTIGUOUS);
  {
    int ints[1];
    MPI_Aint addrs[1];
    MPI_Datatype types[1];
    OK(MPI_Type_get_contents(contig, 1, 0, 1, ints, addrs, types));
    EQ(ints[0], 3);
    EQ(types[0], MPI_INT);
  }

  /* ---- vector(3, 2, 4, MPI_DOUBLE): doubles 0,1,4,5,8,9; size 48, extent (2*4+2)*8 = 80 ---- */
  MPI_Datatype vec;
  OK(MPI_Type_vector(3, 2, 4, MPI_DOUBLE, &vec));
  OK(MPI_Type_commit(&vec));
  OK(MPI_Type_commit(&vec)); /* committing twice is fine */
  bounds(__LINE__, vec, 48, 0, 80, 0, 80);
  envelope(__LINE__, vec, 3, 0, 1, MPI_COMBINER_VECTOR);
  {
    int ints[3];
    MPI_Aint addrs[1];
    MPI_Datatype types[1];
    OK(MPI_Type_get_contents(vec, 3, 0, 1, ints, addrs, types));
    EQ(ints[0], 3);
    EQ(ints[1], 2);
    EQ(ints[2], 4);
    EQ(types[0], MPI_DOUBLE);
    /* arrays too small */
    EQ(MPI_Type_get_contents(vec, 2, 0, 1, ints, addrs, types), MPI_ERR_ARG);
  }
  {
    double a[12], b[12], flat[6];
    for (int i = 0; i < 12; i++) a[i] = i, b[i] = -1;
    pos = 0;
    OK(MPI_Pack(a, 1, vec, packed, sizeof packed, &pos, MPI_COMM_WORLD));
    EQ(pos, 48);
    int psize;
    OK(MPI_Pack_size(5, vec, MPI_COMM_WORLD, &psize));
    EQ(psize, 240);
    /* unpack as 6 contiguous doubles: 0 1 4 5 8 9 */
    pos = 0;
    OK(MPI_Unpack(packed, 48, &pos, flat, 6, MPI_DOUBLE, MPI_COMM_WORLD));
    EQ(pos, 48);
    const int want[6] = {0, 1, 4, 5, 8, 9};
    for (int i = 0; i < 6; i++) EQ(flat[i], want[i]);
    /* unpack with the vector elsewhere: the gaps stay untouched */
    pos = 0;
    OK(MPI_Unpack(packed, 48, &pos, b, 1, vec, MPI_COMM_WORLD));
    for (int i = 0; i < 12; i++) EQ(b[i], (i % 4 < 2) ? i : -1);
    /* truncation: 48 bytes do not fit in 40 */
    pos = 0;
    EQ(MPI_Pack(a, 1, vec, packed, 40, &pos, MPI_COMM_WORLD), MPI_ERR_TRUNCATE);
    EQ(pos, 0);
  }

  /* ---- hvector(2, 1, 12 bytes, MPI_INT): size 8, extent 12 + 4 = 16; all three spellings ---- */
  MPI_Datatype hv1, hv2;
  OK(MPI_Type_create_hvector(2, 1, 12, MPI_INT, &hv1));
  OK(MPI_Type_hvector(2, 1, 12, MPI_INT, &hv2));
  bounds(__LINE__, hv1, 8, 0, 16, 0, 16);
  bounds(__LINE__, hv2, 8, 0, 16, 0, 16);
  envelope(__LINE__, hv1, 2, 1, 1, MPI_COMBINER_HVECTOR);
  {
    int ints[2];
    MPI_Aint addrs[1];
    MPI_Datatype types[1];
    OK(MPI_Type_get_contents(hv1, 2, 1, 1, ints, addrs, types));
    EQ(ints[0], 2);
    EQ(ints[1], 1);
    EQ(addrs[0], 12);
    EQ(types[0], MPI_INT);
  }
  /* uncommitted: usable for queries, not for MPI_Pack */
  {
    int x[4] = {1, 2, 3, 4}, psize;
    pos = 0;
    EQ(MPI_Pack(x, 1, hv1, packed, sizeof packed, &pos, MPI_COMM_WORLD), MPI_ERR_TYPE);
    EQ(MPI_Pack_size(1, hv1, MPI_COMM_WORLD, &psize), MPI_ERR_TYPE);
    OK(MPI_Type_commit(&hv1));
    OK(MPI_Pack(x, 1, hv1, packed, sizeof packed, &pos, MPI_COMM_WORLD));
    int got[2];
    memcpy(got, packed, 8);
    EQ(got[0], 1);
    EQ(got[1], 4);
  }

  /* ---- indexed(2, {2,1}, {3,0}, MPI_INT): ints 3,4 then 0; size 12, extent 5*4 = 20 ---- */
  MPI_Datatype idx;
  {
    int bl[2] = {2, 1}, d[2] = {3, 0};
    OK(MPI_Type_indexed(2, bl, d, MPI_INT, &idx));
    OK(MPI_Type_commit(&idx));
  }
  bounds(__LINE__, idx, 12, 0, 20, 0, 20);
  envelope(__LINE__, idx, 5, 0, 1, MPI_COMBINER_INDEXED);
  {
    int ints[5];
    MPI_Aint addrs[1];
    MPI_Datatype types[1];
    OK(MPI_Type_get_contents(idx, 5, 0, 1, ints, addrs, types));
    const int want[5] = {2, 2, 1, 3, 0};
    for (int i = 0; i < 5; i++) EQ(ints[i], want[i]);
    int a[6] = {10, 11, 12, 13, 14, 15}, out[3];
    pos = 0;
    OK(MPI_Pack(a, 1, idx, packed, sizeof packed, &pos, MPI_COMM_WORLD));
    EQ(pos, 12);
    memcpy(out, packed, 12);
    EQ(out[0], 13);
    EQ(out[1], 14);
    EQ(out[2], 10);
  }

  /* ---- hindexed(2, {1,2}, {8,0} bytes, MPI_SHORT): size 6, extent max(8+2, 0+4) = 10 ---- */
  MPI_Datatype hidx, hidx2;
  {
    int bl[2] = {1, 2};
    MPI_Aint d[2] = {8, 0};
    OK(MPI_Type_create_hindexed(2, bl, d, MPI_SHORT, &hidx));
    OK(MPI_Type_hindexed(2, bl, d, MPI_SHORT, &hidx2));
  }
  bounds(__LINE__, hidx, 6, 0, 10, 0, 10);
  bounds(__LINE__, hidx2, 6, 0, 10, 0, 10);
  envelope(__LINE__, hidx, 3, 2, 1, MPI_COMBINER_HINDEXED);

  /* ---- indexed_block(3, 2, {0,3,7}, MPI_CHAR): size 6, extent 9 ---- */
  MPI_Datatype iblk;
  {
    int d[3] = {0, 3, 7};
    OK(MPI_Type_create_indexed_block(3, 2, d, MPI_CHAR, &iblk));
    OK(MPI_Type_commit(&iblk));
  }
  bounds(__LINE__, iblk, 6, 0, 9, 0, 9);
  envelope(__LINE__, iblk, 5, 0, 1, MPI_COMBINER_INDEXED_BLOCK);
  {
    const char *src = "abcdefghij";
    char out[7] = {0};
    pos = 0;
    OK(MPI_Pack(src, 1, iblk, packed, sizeof packed, &pos, MPI_COMM_WORLD));
    memcpy(out, packed, 6);
    STREQ(out, "abdehi");
  }

  /* ---- hindexed_block(2, 1, {4,0} bytes, MPI_INT): size 8, extent 8 ---- */
  MPI_Datatype hblk;
  {
    MPI_Aint d[2] = {4, 0};
    OK(MPI_Type_create_hindexed_block(2, 1, d, MPI_INT, &hblk));
  }
  bounds(__LINE__, hblk, 8, 0, 8, 0, 8);
  envelope(__LINE__, hblk, 2, 2, 1, MPI_COMBINER_HINDEXED_BLOCK);

  /* ---- struct {char; double; int}: displacements from MPI_Get_address: 0, 8, 16. size 1+8+4 = 13,
   *      ub 20 padded to the double alignment 8: extent 24 = sizeof(struct rec); true extent 20 ---- */
  MPI_Datatype st, st_old;
  {
    struct rec r;
    MPI_Aint base, ac, ad, ai;
    OK(MPI_Get_address(&r, &base));
    OK(MPI_Get_address(&r.c, &ac));
    OK(MPI_Get_address(&r.d, &ad));
    OK(MPI_Get_address(&r.i, &ai));
    EQ(base, (MPI_Aint)(intptr_t)&r);
    MPI_Aint disp[3] = {MPI_Aint_diff(ac, base), MPI_Aint_diff(ad, base), MPI_Aint_diff(ai, base)};
    EQ(disp[0], 0);
    EQ(disp[1], 8);
    EQ(disp[2], 16);
    EQ(MPI_Aint_add(base, 16), ai);
    int bl[3] = {1, 1, 1};
    MPI_Datatype types[3] = {MPI_CHAR, MPI_DOUBLE, MPI_INT};
    OK(MPI_Type_create_struct(3, bl, disp, types, &st));
    OK(MPI_Type_struct(3, bl, disp, types, &st_old));
    OK(MPI_Type_commit(&st));
  }
  bounds(__LINE__, st, 13, 0, 24, 0, 20);
  bounds(__LINE__, st_old, 13, 0, 24, 0, 20);
  EQ(sizeof(struct rec), 24);
  envelope(__LINE__, st, 4, 3, 3, MPI_COMBINER_STRUCT);
  {
    int ints[4];
    MPI_Aint addrs[3];
    MPI_Datatype types[3];
    OK(MPI_Type_get_contents(st, 4, 3, 3, ints, addrs, types));
    EQ(ints[0], 3);
    EQ(ints[1], 1);
    EQ(addrs[1], 8);
    EQ(addrs[2], 16);
    EQ(types[0], MPI_CHAR);
    EQ(types[1], MPI_DOUBLE);
    EQ(types[2], MPI_INT);
  }
  {
    struct rec in[2] = {{'x', 1.5, 7}, {'y', -2.25, 9}}, out[2];
    memset(out, 0, sizeof out);
    pos = 0;
    OK(MPI_Pack(in, 2, st, packed, sizeof packed, &pos, MPI_COMM_WORLD));
    EQ(pos, 26);
    int upos = 0;
    OK(MPI_Unpack(packed, pos, &upos, out, 2, st, MPI_COMM_WORLD));
    EQ(upos, 26);
    EQ(out[0].c, 'x');
    EQ(out[0].d * 4, 6);
    EQ(out[0].i, 7);
    EQ(out[1].c, 'y');
    EQ(out[1].d * 4, -9);
    EQ(out[1].i, 9);
    /* the packed stream is the bare bytes: char, double, int per item */
    double d0;
    memcpy(&d0, packed + 1, 8);
    EQ(d0 * 2, 3);
  }

  /* ---- resized(MPI_INT, -4, 16): lb -4, extent 16, true lb 0, true extent 4 ---- */
  MPI_Datatype rs;
  OK(MPI_Type_create_resized(MPI_INT, -4, 16, &rs));
  OK(MPI_Type_commit(&rs));
  bounds(__LINE__, rs, 4, -4, 16, 0, 4);
  envelope(__LINE__, rs, 0, 2, 1, MPI_COMBINER_RESIZED);
  {
    int ints[1];
    MPI_Aint addrs[2], lb, ub, ext;
    MPI_Datatype types[1];
    OK(MPI_Type_get_contents(rs, 0, 2, 1, ints, addrs, types));
    EQ(addrs[0], -4);
    EQ(addrs[1], 16);
    EQ(types[0], MPI_INT);
    OK(MPI_Type_lb(rs, &lb));
    OK(MPI_Type_ub(rs, &ub));
    OK(MPI_Type_extent(rs, &ext));
    EQ(lb, -4);
    EQ(ub, 12);
    EQ(ext, 16);
    /* 3 items stride 16 bytes: ints 0, 4, 8 of the array */
    int a[12], out[3];
    for (int i = 0; i < 12; i++) a[i] = 100 + i;
    pos = 0;
    OK(MPI_Pack(a, 3, rs, packed, sizeof packed, &pos, MPI_COMM_WORLD));
    memcpy(out, packed, 12);
    EQ(out[0], 100);
    EQ(out[1], 104);
    EQ(out[2], 108);
  }

  /* ---- subarray: 4x5 ints, 2x3 block at (1,2). size 24, extent 80, true lb (1*5+2)*4 = 28,
   *      last int is index 14, so true extent 15*4 - 28 = 32. Fortran order, dims swapped: same layout ---- */
  MPI_Datatype sub, subf;
  {
    int sizes[2] = {4, 5}, subs[2] = {2, 3}, starts[2] = {1, 2};
    OK(MPI_Type_create_subarray(2, sizes, subs, starts, MPI_ORDER_C, MPI_INT, &sub));
    int fsizes[2] = {5, 4}, fsubs[2] = {3, 2}, fstarts[2] = {2, 1};
    OK(MPI_Type_create_subarray(2, fsizes, fsubs, fstarts, MPI_ORDER_FORTRAN, MPI_INT, &subf));
    OK(MPI_Type_commit(&sub));
    OK(MPI_Type_commit(&subf));
    int bad[2] = {3, 2};
    MPI_Datatype never;
    EQ(MPI_Type_create_subarray(2, sizes, subs, bad, MPI_ORDER_C, MPI_INT, &never), MPI_ERR_ARG);
    EQ(MPI_Type_create_subarray(2, sizes, subs, starts, 99, MPI_INT, &never), MPI_ERR_ARG);
  }
  bounds(__LINE__, sub, 24, 0, 80, 28, 32);
  bounds(__LINE__, subf, 24, 0, 80, 28, 32);
  envelope(__LINE__, sub, 8, 0, 1, MPI_COMBINER_SUBARRAY);
  {
    int ints[8];
    MPI_Aint addrs[1];
    MPI_Datatype types[1];
    OK(MPI_Type_get_contents(sub, 8, 0, 1, ints, addrs, types));
    const int want[8] = {2, 4, 5, 2, 3, 1, 2, MPI_ORDER_C};
    for (int i = 0; i < 8; i++) EQ(ints[i], want[i]);
    int a[20], out[6], back[20], posf = 0;
    for (int i = 0; i < 20; i++) a[i] = i, back[i] = -1;
    pos = 0;
    OK(MPI_Pack(a, 1, sub, packed, sizeof packed, &pos, MPI_COMM_WORLD));
    EQ(pos, 24);
    memcpy(out, packed, 24);
    const int wantp[6] = {7, 8, 9, 12, 13, 14};
    for (int i = 0; i < 6; i++) EQ(out[i], wantp[i]);
    OK(MPI_Pack(a, 1, subf, packed + 100, 24, &posf, MPI_COMM_WORLD));
    EQ(memcmp(packed, packed + 100, 24), 0);
    pos = 0;
    OK(MPI_Unpack(packed, 24, &pos, back, 1, sub, MPI_COMM_WORLD));
    for (int i = 0; i < 20; i++) EQ(back[i], (i == 7 || i == 8 || i == 9 || i == 12 || i == 13 || i == 14) ? i : -1);
  }

  /* ---- dup: same layout, committed like the original; contents name the original ---- */
  MPI_Datatype dupv;
  OK(MPI_Type_dup(vec, &dupv));
  bounds(__LINE__, dupv, 48, 0, 80, 0, 80);
  envelope(__LINE__, dupv, 0, 0, 1, MPI_COMBINER_DUP);
  {
    int ints[1];
    MPI_Aint addrs[1];
    MPI_Datatype types[1];
    OK(MPI_Type_get_contents(dupv, 0, 0, 1, ints, addrs, types));
    EQ(types[0], vec);
    OK(MPI_Type_free(&types[0])); /* get_contents returned a new reference to a derived type */
    int psize;
    OK(MPI_Pack_size(1, dupv, MPI_COMM_WORLD, &psize)); /* committed because vec was */
    EQ(psize, 48);
  }

  /* ---- named types ---- */
  envelope(__LINE__, MPI_INT, 0, 0, 0, MPI_COMBINER_NAMED);
  bounds(__LINE__, MPI_DOUBLE_INT, 12, 0, 16, 0, 12);
  bounds(__LINE__, MPI_SHORT_INT, 6, 0, 8, 0, 8);
  {
    int ints[1];
    MPI_Aint addrs[1];
    MPI_Datatype types[1];
    EQ(MPI_Type_get_contents(MPI_INT, 0, 0, 0, ints, addrs, types), MPI_ERR_TYPE);
  }

  /* ---- names ---- */
  {
    char name[MPI_MAX_OBJECT_NAME];
    int len;
    OK(MPI_Type_get_name(MPI_INT, name, &len));
    STREQ(name, "MPI_INT");
    EQ(len, 7);
    OK(MPI_Type_get_name(MPI_LONG_LONG, name, &len));
    STREQ(name, "MPI_LONG_LONG_INT");
    OK(MPI_Type_get_name(vec, name, &len));
    STREQ(name, "");
    EQ(len, 0);
    OK(MPI_Type_set_name(vec, "my vector"));
    OK(MPI_Type_get_name(vec, name, &len));
    STREQ(name, "my vector");
    EQ(len, 9);
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    OK(MPI_Type_set_name(vec, longname)); /* truncated to MPI_MAX_OBJECT_NAME - 1 */
    OK(MPI_Type_get_name(vec, name, &len));
    EQ(len, MPI_MAX_OBJECT_NAME - 1);
  }

  /* ---- Get_count / Get_elements on hand-made statuses (count in bytes) ---- */
  {
    int n;
    MPI_Count nx;
    MPI_Status s = status_of(48);
    OK(MPI_Get_count(&s, vec, &n));
    EQ(n, 1);
    OK(MPI_Get_elements(&s, vec, &n));
    EQ(n, 6);
    OK(MPI_Get_count(&s, MPI_DOUBLE, &n));
    EQ(n, 6);
    s = status_of(40); /* 5 doubles: not a whole vector */
    OK(MPI_Get_count(&s, vec, &n));
    EQ(n, MPI_UNDEFINED);
    OK(MPI_Get_elements(&s, vec, &n));
    EQ(n, 5);
    OK(MPI_Get_elements_x(&s, vec, &nx));
    EQ(nx, 5);
    s = status_of(44); /* half a double at the end */
    OK(MPI_Get_elements(&s, vec, &n));
    EQ(n, MPI_UNDEFINED);
    s = status_of(24);
    OK(MPI_Get_count(&s, MPI_DOUBLE_INT, &n));
    EQ(n, 2);
    OK(MPI_Get_elements(&s, st, &n)); /* 24 bytes of {char,double,int}: 13 + char + double + 2 bytes of the int */
    EQ(n, MPI_UNDEFINED);
    s = status_of(22); /* 13 + char (1) + double (8): 3 + 2 elements */
    OK(MPI_Get_elements(&s, st, &n));
    EQ(n, 5);
    s = status_of(0x100000000LL); /* 2^32 bytes: 63-bit counts */
    OK(MPI_Get_elements_x(&s, MPI_BYTE, &nx));
    EQ(nx, 0x100000000LL);
    OK(MPI_Get_count(&s, MPI_BYTE, &n));
    EQ(n, MPI_UNDEFINED); /* does not fit in an int */
    OK(MPI_Get_count(&s, MPI_INT, &n));
    EQ(n, 0x40000000);
    OK(MPI_Status_set_elements(&s, MPI_INT, 7));
    EQ(s.count_lo, 28);
    EQ(s.count_hi_and_cancelled, 0);
    OK(MPI_Get_count(&s, MPI_INT, &n));
    EQ(n, 7);
    OK(MPI_Status_set_elements_x(&s, MPI_DOUBLE, (MPI_Count)1 << 31));
    EQ(s.count_lo, 0);
    EQ(s.count_hi_and_cancelled, 4);
    OK(MPI_Status_set_cancelled(&s, 1));
    EQ((unsigned)s.count_hi_and_cancelled, 0x80000004u);
    OK(MPI_Get_elements_x(&s, MPI_DOUBLE, &nx));
    EQ(nx, (MPI_Count)1 << 31);
    EQ(MPI_Get_count(MPI_STATUS_IGNORE, MPI_INT, &n), MPI_ERR_ARG);
  }

  /* ---- several items into one buffer: an int then the vector ---- */
  {
    int hdr = 42, hdr2 = 0;
    double a[12], b[12];
    for (int i = 0; i < 12; i++) a[i] = i * 10, b[i] = 0;
    pos = 0;
    OK(MPI_Pack(&hdr, 1, MPI_INT, packed, sizeof packed, &pos, MPI_COMM_WORLD));
    OK(MPI_Pack(a, 1, vec, packed, sizeof packed, &pos, MPI_COMM_WORLD));
    EQ(pos, 52);
    int upos = 0;
    OK(MPI_Unpack(packed, pos, &upos, &hdr2, 1, MPI_INT, MPI_COMM_WORLD));
    OK(MPI_Unpack(packed, pos, &upos, b, 1, vec, MPI_COMM_WORLD));
    EQ(upos, 52);
    EQ(hdr2, 42);
    EQ(b[9], 90);
    EQ(b[10], 0);
    /* asking for more than the buffer holds */
    upos = 0;
    EQ(MPI_Unpack(packed, 20, &upos, b, 1, vec, MPI_COMM_WORLD), MPI_ERR_TRUNCATE);
  }

  /* ---- a type built from a freed type keeps working ---- */
  {
    MPI_Datatype pair, pairs;
    OK(MPI_Type_contiguous(2, MPI_INT, &pair));
    OK(MPI_Type_vector(2, 1, 2, pair, &pairs)); /* pairs 0 and 2 of the array: ints 0,1,4,5 */
    OK(MPI_Type_free(&pair));
    EQ(pair, MPI_DATATYPE_NULL);
    OK(MPI_Type_commit(&pairs));
    int a[8] = {0, 1, 2, 3, 4, 5, 6, 7}, out[4];
    pos = 0;
    OK(MPI_Pack(a, 1, pairs, packed, sizeof packed, &pos, MPI_COMM_WORLD));
    memcpy(out, packed, 16);
    EQ(out[0], 0);
    EQ(out[1], 1);
    EQ(out[2], 4);
    EQ(out[3], 5);
    OK(MPI_Type_free(&pairs));
  }

  /* ---- errors under MPI_ERRORS_RETURN ---- */
  {
    MPI_Datatype t = MPI_INT, never;
    int n;
    EQ(MPI_Type_free(&t), MPI_ERR_TYPE); /* predefined */
    EQ(t, MPI_INT);
    EQ(MPI_Type_contiguous(-1, MPI_INT, &never), MPI_ERR_COUNT);
    EQ(MPI_Type_vector(2, 1, 1, MPI_DATATYPE_NULL, &never), MPI_ERR_TYPE);
    EQ(MPI_Type_size((MPI_Datatype)0x12345678, &n), MPI_ERR_TYPE);
    MPI_Datatype gone;
    OK(MPI_Type_contiguous(2, MPI_INT, &gone));
    MPI_Datatype stale = gone;
    OK(MPI_Type_free(&gone));
    EQ(MPI_Type_size(stale, &n), MPI_ERR_TYPE); /* freed */
    EQ(MPI_Type_commit(&stale), MPI_ERR_TYPE);
    pos = 0;
    EQ(MPI_Pack(&n, 1, MPI_INT, packed, sizeof packed, &pos, (MPI_Comm)0x7777), MPI_ERR_COMM);
    EQ(MPI_Pack(&n, -1, MPI_INT, packed, sizeof packed, &pos, MPI_COMM_WORLD), MPI_ERR_COUNT);
    int bl[2] = {1, -1}, d[2] = {0, 1};
    EQ(MPI_Type_indexed(2, bl, d, MPI_INT, &never), MPI_ERR_ARG);
  }

  MPI_Datatype all[] = {contig, vec, hv1, hv2, idx, hidx, hidx2, iblk, hblk, st, st_old, rs, sub, subf, dupv};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) OK(MPI_Type_free(&all[i]));

  printf("mpi_types: %d checks, %d failures\n", checks, fails);
  MPI_Finalize();
  return fails ? 1 : 0;
}
