/* Nonblocking point-to-point: Isend/Irecv/Issend/Irsend/Ibsend with Wait, Waitall, Waitany, Waitsome, Test,
 * Testall, Testany, Testsome; Request_free on a send request; Request_get_status; MPI_REQUEST_NULL in every
 * completion call (empty status); Cancel of a receive that never matches + Test_cancelled; persistent requests
 * (Send_init/Recv_init, Start/Startall, 10 iterations, Request_free); Issend not completing before its
 * receive is posted. Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints
 * "OK p2p_nonblocking rank R". Any number of ranks (1 = messages to self; the Issend check needs 2). */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int left, right;

static void fill(int *b, int n, int seed) { for (int i = 0; i < n; i++) b[i] = seed * 1000003 + i; }
static int check(const int *b, int n, int seed) {
  for (int i = 0; i < n; i++) if (b[i] != seed * 1000003 + i) return i;
  return -1;
}

static void expect_empty_status(const MPI_Status *st, const char *what) {
  int count = -1;
  MPI_Get_count(st, MPI_INT, &count);
  expect(MPI_ANY_SOURCE, st->MPI_SOURCE, "%s: empty status MPI_SOURCE", what);
  expect(MPI_ANY_TAG, st->MPI_TAG, "%s: empty status MPI_TAG", what);
  expect(0, count, "%s: empty status Get_count", what);
}

/* Ring exchange with Isend/Irecv and MPI_Wait, small and large, receive posted before and after the send. */
static void test_wait(void) {
  const int ns[] = {0, 1, 1000, 300000};
  for (int c = 0; c < 4; c++) {
    int n = ns[c];
    int *s = malloc((n + 1) * sizeof(int)), *r = malloc((n + 1) * sizeof(int));
    for (int order = 0; order < 2; order++) {
      int tag = 10 + c * 2 + order;
      fill(s, n, rank + tag);
      memset(r, 0, (n + 1) * sizeof(int));
      MPI_Request rs, rr;
      MPI_Status st;
      if (order == 0) {
        MPI_Irecv(r, n, MPI_INT, left, tag, MPI_COMM_WORLD, &rr);
        MPI_Isend(s, n, MPI_INT, right, tag, MPI_COMM_WORLD, &rs);
      } else {
        MPI_Isend(s, n, MPI_INT, right, tag, MPI_COMM_WORLD, &rs);
        MPI_Irecv(r, n, MPI_INT, left, tag, MPI_COMM_WORLD, &rr);
      }
      MPI_Wait(&rr, &st);
      MPI_Wait(&rs, MPI_STATUS_IGNORE);
      int got;
      MPI_Get_count(&st, MPI_INT, &got);
      expect(n, got, "Isend/Irecv/Wait count %d order %d: Get_count", n, order);
      expect(left, st.MPI_SOURCE, "Isend/Irecv/Wait count %d: status.MPI_SOURCE", n);
      expect(tag, st.MPI_TAG, "Isend/Irecv/Wait count %d: status.MPI_TAG", n);
      expect(-1, check(r, n, left + tag), "Isend/Irecv/Wait count %d order %d: first wrong element", n, order);
      expect(1, rr == MPI_REQUEST_NULL && rs == MPI_REQUEST_NULL, "Wait sets requests to MPI_REQUEST_NULL");
    }
    free(s);
    free(r);
  }
}

#define NMSG 8
static const int lens[NMSG] = {3, 0, 1000, 70000, 1, 5, 300000, 17};
static int *sbufs[NMSG], *rbufs[NMSG];

/* Posts NMSG receives from the left (slots listed in `skip` stay MPI_REQUEST_NULL) and the matching sends to
 * the right in reverse order; returns how many receives are active. */
static int post(MPI_Request *recvs, MPI_Request *sends, int base, unsigned skip) {
  int active = 0;
  for (int i = 0; i < NMSG; i++) {
    recvs[i] = MPI_REQUEST_NULL;
    sends[i] = MPI_REQUEST_NULL;
    if (skip & (1u << i)) continue;
    memset(rbufs[i], 0, (lens[i] + 1) * sizeof(int));
    MPI_Irecv(rbufs[i], lens[i] + 1, MPI_INT, left, base + i, MPI_COMM_WORLD, &recvs[i]);
    active++;
  }
  for (int i = NMSG - 1; i >= 0; i--) {
    if (skip & (1u << i)) continue;
    fill(sbufs[i], lens[i], rank + base + i);
    MPI_Isend(sbufs[i], lens[i], MPI_INT, right, base + i, MPI_COMM_WORLD, &sends[i]);
  }
  return active;
}

static void check_slot(int i, const MPI_Status *st, int base, const char *how) {
  int got;
  MPI_Get_count(st, MPI_INT, &got);
  expect(base + i, st->MPI_TAG, "%s slot %d: status.MPI_TAG", how, i);
  expect(left, st->MPI_SOURCE, "%s slot %d: status.MPI_SOURCE", how, i);
  expect(lens[i], got, "%s slot %d: Get_count", how, i);
  expect(-1, check(rbufs[i], lens[i], left + base + i), "%s slot %d: first wrong element", how, i);
}

static void test_multiple(void) {
  for (int i = 0; i < NMSG; i++) {
    sbufs[i] = malloc((lens[i] + 1) * sizeof(int));
    rbufs[i] = malloc((lens[i] + 1) * sizeof(int));
  }
  MPI_Request recvs[NMSG], sends[NMSG];
  MPI_Status sts[NMSG];
  const unsigned skip = (1u << 0) | (1u << 3) | (1u << 6); /* null slots among the active ones */

  /* Waitall over receives and sends together (16 requests). */
  MPI_Request all[2 * NMSG];
  MPI_Status allst[2 * NMSG];
  post(recvs, sends, 100, 0);
  for (int i = 0; i < NMSG; i++) { all[i] = recvs[i]; all[NMSG + i] = sends[i]; }
  expect(MPI_SUCCESS, MPI_Waitall(2 * NMSG, all, allst), "Waitall: return code");
  for (int i = 0; i < NMSG; i++) check_slot(i, &allst[i], 100, "Waitall");
  for (int i = 0; i < 2 * NMSG; i++) expect(1, all[i] == MPI_REQUEST_NULL, "Waitall sets request %d to MPI_REQUEST_NULL", i);

  /* Waitany: every active index exactly once, never a null slot, then MPI_UNDEFINED. */
  int active = post(recvs, sends, 200, skip);
  int seen[NMSG] = {0};
  for (int k = 0; k < active; k++) {
    int idx = -5;
    MPI_Status st;
    MPI_Waitany(NMSG, recvs, &idx, &st);
    if (idx < 0 || idx >= NMSG) { expect(0, idx, "Waitany call %d: index in range", k); continue; }
    expect(0, (long long)((skip >> idx) & 1), "Waitany returned null slot %d", idx);
    expect(0, seen[idx]++, "Waitany returned index %d again", idx);
    expect(1, recvs[idx] == MPI_REQUEST_NULL, "Waitany sets request %d to MPI_REQUEST_NULL", idx);
    check_slot(idx, &st, 200, "Waitany");
  }
  int idx = -5;
  MPI_Status st;
  MPI_Waitany(NMSG, recvs, &idx, &st);
  expect(MPI_UNDEFINED, idx, "Waitany with only null requests: index");
  expect_empty_status(&st, "Waitany with only null requests");
  MPI_Waitall(NMSG, sends, MPI_STATUSES_IGNORE);

  /* Waitsome until MPI_UNDEFINED: each active index exactly once in total. */
  active = post(recvs, sends, 300, skip);
  memset(seen, 0, sizeof seen);
  int total = 0, calls = 0;
  for (;;) {
    int outcount = -5, indices[NMSG];
    MPI_Waitsome(NMSG, recvs, &outcount, indices, sts);
    if (outcount == MPI_UNDEFINED) break;
    expect(1, outcount >= 1 && outcount <= NMSG, "Waitsome outcount in 1..%d (outcount %d)", NMSG, outcount);
    if (outcount < 1 || outcount > NMSG || ++calls > 100) break;
    for (int j = 0; j < outcount; j++) {
      int i = indices[j];
      if (i < 0 || i >= NMSG) { expect(0, i, "Waitsome index in range"); continue; }
      expect(0, seen[i]++, "Waitsome returned index %d again", i);
      expect(0, (long long)((skip >> i) & 1), "Waitsome returned null slot %d", i);
      check_slot(i, &sts[j], 300, "Waitsome");
      total++;
    }
  }
  expect(active, total, "Waitsome: completions in total");
  MPI_Waitall(NMSG, sends, MPI_STATUSES_IGNORE);

  /* Testall in a loop until true. */
  post(recvs, sends, 400, skip);
  for (int flag = 0; !flag;) MPI_Testall(NMSG, recvs, &flag, sts);
  for (int i = 0; i < NMSG; i++) {
    if (skip & (1u << i)) expect_empty_status(&sts[i], "Testall status of a null slot");
    else check_slot(i, &sts[i], 400, "Testall");
    expect(1, recvs[i] == MPI_REQUEST_NULL, "Testall sets request %d to MPI_REQUEST_NULL", i);
  }
  MPI_Waitall(NMSG, sends, MPI_STATUSES_IGNORE);

  /* Testany in a loop: each active index once; then flag true with MPI_UNDEFINED. */
  active = post(recvs, sends, 500, skip);
  memset(seen, 0, sizeof seen);
  for (int done = 0; done < active;) {
    int flag = 0, i = -5;
    MPI_Testany(NMSG, recvs, &i, &flag, &st);
    if (!flag) continue;
    if (i < 0 || i >= NMSG) { expect(0, i, "Testany index in range"); break; }
    expect(0, seen[i]++, "Testany returned index %d again", i);
    check_slot(i, &st, 500, "Testany");
    done++;
  }
  {
    int flag = 0, i = -5;
    MPI_Testany(NMSG, recvs, &i, &flag, &st);
    expect(1, flag, "Testany with only null requests: flag");
    expect(MPI_UNDEFINED, i, "Testany with only null requests: index");
    expect_empty_status(&st, "Testany with only null requests");
  }
  MPI_Waitall(NMSG, sends, MPI_STATUSES_IGNORE);

  /* Testsome in a loop until MPI_UNDEFINED. */
  active = post(recvs, sends, 600, skip);
  memset(seen, 0, sizeof seen);
  total = 0;
  for (;;) {
    int outcount = -5, indices[NMSG];
    MPI_Testsome(NMSG, recvs, &outcount, indices, sts);
    if (outcount == MPI_UNDEFINED) break;
    if (outcount < 0 || outcount > NMSG) { expect(0, outcount, "Testsome outcount in 0..%d", NMSG); break; }
    for (int j = 0; j < outcount; j++) {
      int i = indices[j];
      if (i < 0 || i >= NMSG) { expect(0, i, "Testsome index in range"); continue; }
      expect(0, seen[i]++, "Testsome returned index %d again", i);
      check_slot(i, &sts[j], 600, "Testsome");
      total++;
    }
  }
  expect(active, total, "Testsome: completions in total");
  MPI_Waitall(NMSG, sends, MPI_STATUSES_IGNORE);

  for (int i = 0; i < NMSG; i++) { free(sbufs[i]); free(rbufs[i]); }
}

/* MPI_REQUEST_NULL everywhere: an empty status, flag true, MPI_UNDEFINED. */
static void test_null_requests(void) {
  MPI_Request r = MPI_REQUEST_NULL, rs[3] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  MPI_Status st, sts[3];
  int flag, idx, outcount, indices[3];
  memset(&st, 0x5A, sizeof st);
  expect(MPI_SUCCESS, MPI_Wait(&r, &st), "Wait(MPI_REQUEST_NULL): return code");
  expect_empty_status(&st, "Wait(MPI_REQUEST_NULL)");
  memset(&st, 0x5A, sizeof st);
  flag = 0;
  MPI_Test(&r, &flag, &st);
  expect(1, flag, "Test(MPI_REQUEST_NULL): flag");
  expect_empty_status(&st, "Test(MPI_REQUEST_NULL)");
  memset(sts, 0x5A, sizeof sts);
  expect(MPI_SUCCESS, MPI_Waitall(3, rs, sts), "Waitall(all null): return code");
  for (int i = 0; i < 3; i++) expect_empty_status(&sts[i], "Waitall(all null)");
  idx = -5;
  MPI_Waitany(3, rs, &idx, &st);
  expect(MPI_UNDEFINED, idx, "Waitany(all null): index");
  outcount = -5;
  MPI_Waitsome(3, rs, &outcount, indices, sts);
  expect(MPI_UNDEFINED, outcount, "Waitsome(all null): outcount");
  flag = 0;
  MPI_Testall(3, rs, &flag, sts);
  expect(1, flag, "Testall(all null): flag");
  flag = 0;
  idx = -5;
  MPI_Testany(3, rs, &idx, &flag, &st);
  expect(1, flag, "Testany(all null): flag");
  expect(MPI_UNDEFINED, idx, "Testany(all null): index");
  outcount = -5;
  MPI_Testsome(3, rs, &outcount, indices, sts);
  expect(MPI_UNDEFINED, outcount, "Testsome(all null): outcount");
  flag = 0;
  memset(&st, 0x5A, sizeof st);
  MPI_Request_get_status(MPI_REQUEST_NULL, &flag, &st);
  expect(1, flag, "Request_get_status(MPI_REQUEST_NULL): flag");
  expect_empty_status(&st, "Request_get_status(MPI_REQUEST_NULL)");
  /* zero-length arrays */
  expect(MPI_SUCCESS, MPI_Waitall(0, rs, sts), "Waitall(count 0): return code");
  idx = -5;
  MPI_Waitany(0, rs, &idx, &st);
  expect(MPI_UNDEFINED, idx, "Waitany(count 0): index");
}

/* MPI_Test in a loop; Request_get_status does not free the request; Request_free on a send request. */
static void test_test_and_status(void) {
  static int s[200000], r[200000];
  const int n = 200000;
  MPI_Request rr, rs;
  MPI_Status st;
  fill(s, n, rank + 700);
  MPI_Irecv(r, n, MPI_INT, left, 700, MPI_COMM_WORLD, &rr);
  MPI_Isend(s, n, MPI_INT, right, 700, MPI_COMM_WORLD, &rs);
  for (int flag = 0; !flag;) MPI_Test(&rr, &flag, &st);
  expect(1, rr == MPI_REQUEST_NULL, "Test (true) sets the request to MPI_REQUEST_NULL");
  expect(700, st.MPI_TAG, "Test loop: status.MPI_TAG");
  expect(-1, check(r, n, left + 700), "Test loop: first wrong element");
  for (int flag = 0; !flag;) MPI_Test(&rs, &flag, MPI_STATUS_IGNORE);

  memset(r, 0, sizeof r);
  fill(s, n, rank + 701);
  MPI_Irecv(r, n, MPI_INT, left, 701, MPI_COMM_WORLD, &rr);
  MPI_Isend(s, n, MPI_INT, right, 701, MPI_COMM_WORLD, &rs);
  for (int flag = 0; !flag;) MPI_Request_get_status(rr, &flag, &st);
  expect(1, rr != MPI_REQUEST_NULL, "Request_get_status leaves the request allocated");
  expect(left, st.MPI_SOURCE, "Request_get_status: status.MPI_SOURCE");
  expect(701, st.MPI_TAG, "Request_get_status: status.MPI_TAG");
  memset(&st, 0, sizeof st);
  MPI_Wait(&rr, &st);
  expect(701, st.MPI_TAG, "Wait after Request_get_status: status.MPI_TAG");
  expect(-1, check(r, n, left + 701), "Request_get_status then Wait: first wrong element");
  MPI_Wait(&rs, MPI_STATUS_IGNORE);

  /* Request_free on active send requests (small and large); the data still arrives. The buffers are static
   * and never touched again, since we cannot know when the freed sends complete. */
  static int fs[100000], fsmall[4];
  fill(fs, 100000, rank + 702);
  fill(fsmall, 4, rank + 703);
  MPI_Request f1, f2;
  MPI_Isend(fs, 100000, MPI_INT, right, 702, MPI_COMM_WORLD, &f1);
  MPI_Isend(fsmall, 4, MPI_INT, right, 703, MPI_COMM_WORLD, &f2);
  expect(MPI_SUCCESS, MPI_Request_free(&f1), "Request_free(active large send): return code");
  expect(MPI_SUCCESS, MPI_Request_free(&f2), "Request_free(active small send): return code");
  expect(1, f1 == MPI_REQUEST_NULL && f2 == MPI_REQUEST_NULL, "Request_free sets the request to MPI_REQUEST_NULL");
  MPI_Recv(r, 4, MPI_INT, left, 703, MPI_COMM_WORLD, &st);
  expect(-1, check(r, 4, left + 703), "message of a freed small send: first wrong element");
  MPI_Recv(r, 100000, MPI_INT, left, 702, MPI_COMM_WORLD, &st);
  expect(-1, check(r, 100000, left + 702), "message of a freed large send: first wrong element");
}

/* A receive that never matches is cancelled; Test_cancelled is true; a completed receive is not cancelled. */
static void test_cancel(void) {
  int buf[4];
  MPI_Request r;
  MPI_Status st;
  MPI_Irecv(buf, 4, MPI_INT, left, 999, MPI_COMM_WORLD, &r);
  expect(MPI_SUCCESS, MPI_Cancel(&r), "Cancel: return code");
  expect(MPI_SUCCESS, MPI_Wait(&r, &st), "Wait on a cancelled receive: return code");
  int flag = 0;
  MPI_Test_cancelled(&st, &flag);
  expect(1, flag, "Test_cancelled after cancelling an unmatched receive");
  expect(1, r == MPI_REQUEST_NULL, "Wait on a cancelled request sets it to MPI_REQUEST_NULL");
  /* wildcard receive cancelled, checked with Test */
  MPI_Irecv(buf, 4, MPI_INT, MPI_ANY_SOURCE, 998, MPI_COMM_WORLD, &r);
  MPI_Cancel(&r);
  flag = 0;
  for (int done = 0; !done;) MPI_Test(&r, &done, &st);
  MPI_Test_cancelled(&st, &flag);
  expect(1, flag, "Test_cancelled after cancelling an ANY_SOURCE receive");
  /* The cancelled receives do not eat later messages with their tags. The left neighbour sends tag 999 only
   * after we told it that our cancels are done (otherwise its message could match before the Cancel). */
  MPI_Request notice;
  MPI_Isend(NULL, 0, MPI_INT, left, 996, MPI_COMM_WORLD, &notice);
  MPI_Recv(NULL, 0, MPI_INT, right, 996, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  MPI_Wait(&notice, MPI_STATUS_IGNORE);
  int v = 1234 + rank, in = -1;
  MPI_Sendrecv(&v, 1, MPI_INT, right, 999, &in, 1, MPI_INT, left, 999, MPI_COMM_WORLD, &st);
  expect(1234 + left, in, "message with the cancelled receive's tag still arrives");
  flag = 1;
  MPI_Test_cancelled(&st, &flag);
  expect(0, flag, "Test_cancelled on a normally completed receive");
}

/* Persistent requests reused over 10 iterations, with Startall and with Start. */
static void test_persistent(void) {
  const int n = 5000;
  int *s = malloc(n * sizeof(int)), *r = malloc(n * sizeof(int));
  static int bs[80000], br[80000];
  MPI_Request reqs[4];
  MPI_Send_init(s, n, MPI_INT, right, 800, MPI_COMM_WORLD, &reqs[0]);
  MPI_Recv_init(r, n, MPI_INT, left, 800, MPI_COMM_WORLD, &reqs[1]);
  MPI_Recv_init(br, 80000, MPI_INT, left, 801, MPI_COMM_WORLD, &reqs[2]);
  MPI_Ssend_init(bs, 80000, MPI_INT, right, 801, MPI_COMM_WORLD, &reqs[3]);
  for (int it = 0; it < 10; it++) {
    fill(s, n, rank * 100 + it);
    fill(bs, 80000, rank * 100 + it + 50);
    memset(r, 0, n * sizeof(int));
    MPI_Status sts[4];
    if (it % 2 == 0) {
      MPI_Startall(4, reqs);
      MPI_Waitall(4, reqs, sts);
    } else {
      MPI_Start(&reqs[1]);
      MPI_Start(&reqs[0]);
      MPI_Start(&reqs[2]);
      MPI_Start(&reqs[3]);
      for (int i = 0; i < 4; i++) MPI_Wait(&reqs[i], &sts[i]);
    }
    for (int i = 0; i < 4; i++) expect(1, reqs[i] != MPI_REQUEST_NULL, "persistent request %d stays allocated after completion (iteration %d)", i, it);
    expect(-1, check(r, n, left * 100 + it), "persistent iteration %d: first wrong element", it);
    expect(-1, check(br, 80000, left * 100 + it + 50), "persistent (Ssend_init, large) iteration %d: first wrong element", it);
    expect(800, sts[1].MPI_TAG, "persistent iteration %d: status.MPI_TAG", it);
    expect(left, sts[1].MPI_SOURCE, "persistent iteration %d: status.MPI_SOURCE", it);
  }
  /* Wait on an inactive persistent request returns at once with an empty status. */
  MPI_Status st;
  memset(&st, 0x5A, sizeof st);
  MPI_Wait(&reqs[1], &st);
  expect_empty_status(&st, "Wait on an inactive persistent request");
  expect(1, reqs[1] != MPI_REQUEST_NULL, "Wait on an inactive persistent request keeps it");
  for (int i = 0; i < 4; i++) {
    expect(MPI_SUCCESS, MPI_Request_free(&reqs[i]), "Request_free(persistent %d): return code", i);
    expect(1, reqs[i] == MPI_REQUEST_NULL, "Request_free(persistent %d) sets MPI_REQUEST_NULL", i);
  }
  free(s);
  free(r);
}

/* Issend cannot complete before its receive is posted: rank 0 tests it, then lets rank 1 post the receive.
 * Irsend after a ready handshake; Ibsend with an attached buffer. */
static void test_modes(void) {
  if (size >= 2 && rank <= 1) {
    int peer = 1 - rank, data[3] = {7, 8, 9}, in[3] = {0, 0, 0};
    if (rank == 0) {
      MPI_Request r;
      MPI_Issend(data, 3, MPI_INT, peer, 900, MPI_COMM_WORLD, &r);
      int flag = 0;
      for (int k = 0; k < 1000 && !flag; k++) MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
      expect(0, flag, "Issend completed before the receiver posted its receive");
      MPI_Send(NULL, 0, MPI_INT, peer, 901, MPI_COMM_WORLD); /* now receive it */
      MPI_Wait(&r, MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(NULL, 0, MPI_INT, peer, 901, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Recv(in, 3, MPI_INT, peer, 900, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      expect(9, in[2], "Issend data");
    }
  }
  /* Issend in the ring (size 1: to self) */
  {
    int out[2] = {rank, -rank}, in[2] = {-1, -1};
    MPI_Request rr, rs;
    MPI_Irecv(in, 2, MPI_INT, left, 902, MPI_COMM_WORLD, &rr);
    MPI_Issend(out, 2, MPI_INT, right, 902, MPI_COMM_WORLD, &rs);
    MPI_Wait(&rs, MPI_STATUS_IGNORE);
    MPI_Wait(&rr, MPI_STATUS_IGNORE);
    expect(-left, in[1], "Issend ring: value");
  }
  /* Irsend: the receive is posted, then announced to the left neighbour with a zero-byte message. */
  {
    static int out[50000], in[50000];
    fill(out, 50000, rank + 903);
    MPI_Request rr, rs;
    MPI_Irecv(in, 50000, MPI_INT, left, 903, MPI_COMM_WORLD, &rr);
    if (size > 1) {
      MPI_Request ready;
      MPI_Isend(NULL, 0, MPI_INT, left, 904, MPI_COMM_WORLD, &ready);
      MPI_Recv(NULL, 0, MPI_INT, right, 904, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Wait(&ready, MPI_STATUS_IGNORE);
    }
    MPI_Irsend(out, 50000, MPI_INT, right, 903, MPI_COMM_WORLD, &rs);
    MPI_Wait(&rs, MPI_STATUS_IGNORE);
    MPI_Wait(&rr, MPI_STATUS_IGNORE);
    expect(-1, check(in, 50000, left + 903), "Irsend: first wrong element");
  }
  /* Ibsend: completes locally; the buffer can be reused at once. */
  {
    int bsize = 2 * (1000 * (int)sizeof(int) + MPI_BSEND_OVERHEAD);
    char *b = malloc(bsize);
    MPI_Buffer_attach(b, bsize);
    int out[1000], in[1000];
    MPI_Request rs[2];
    fill(out, 1000, rank + 905);
    MPI_Ibsend(out, 1000, MPI_INT, right, 905, MPI_COMM_WORLD, &rs[0]);
    MPI_Wait(&rs[0], MPI_STATUS_IGNORE);
    fill(out, 1000, rank + 906);
    MPI_Ibsend(out, 1000, MPI_INT, right, 906, MPI_COMM_WORLD, &rs[1]);
    MPI_Wait(&rs[1], MPI_STATUS_IGNORE);
    memset(out, 0, sizeof out);
    MPI_Recv(in, 1000, MPI_INT, left, 906, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    expect(-1, check(in, 1000, left + 906), "Ibsend (second): first wrong element");
    MPI_Recv(in, 1000, MPI_INT, left, 905, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    expect(-1, check(in, 1000, left + 905), "Ibsend (first): first wrong element");
    void *d;
    int ds;
    MPI_Buffer_detach(&d, &ds);
    expect(bsize, ds, "Buffer_detach after Ibsend: size");
    free(b);
  }
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  right = (rank + 1) % size;
  left = (rank + size - 1) % size;
  test_null_requests();
  test_wait();
  test_multiple();
  test_test_and_status();
  test_cancel();
  test_persistent();
  test_modes();
  return check_finish("p2p_nonblocking");
}
