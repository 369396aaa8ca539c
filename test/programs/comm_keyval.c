/* User attributes: MPI_Comm_create_keyval with copy and delete callbacks (counted here), MPI_COMM_DUP_FN,
 * MPI_COMM_NULL_COPY_FN, a copy callback that declines (flag 0), extra_state; MPI_Comm_set_attr (replacing
 * a value calls the delete callback), MPI_Comm_get_attr (flag 0 when absent), MPI_Comm_delete_attr,
 * MPI_Comm_free_keyval (attributes stay until their communicator is freed), attributes on MPI_COMM_WORLD,
 * MPI_Comm_free calling the delete callbacks, a failing copy callback making MPI_Comm_dup fail.
 * Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints "OK comm_keyval rank R". */
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int copies, deletes, last_deleted, extra_seen;
static MPI_Comm last_delete_comm;

#define V(x) ((void *)(intptr_t)(x))
#define I(p) ((int)(intptr_t)(p))

/* Copies value + 1; counts calls; checks extra_state. */
static int copy_plus_one(MPI_Comm oldcomm, int keyval, void *extra, void *in, void *out, int *flag) {
  (void)oldcomm;
  (void)keyval;
  copies++;
  extra_seen = *(int *)extra;
  *(void **)out = V(I(in) + 1);
  *flag = 1;
  return MPI_SUCCESS;
}

static int copy_decline(MPI_Comm oldcomm, int keyval, void *extra, void *in, void *out, int *flag) {
  (void)oldcomm; (void)keyval; (void)extra; (void)in; (void)out;
  copies++;
  *flag = 0;
  return MPI_SUCCESS;
}

static int copy_fail(MPI_Comm oldcomm, int keyval, void *extra, void *in, void *out, int *flag) {
  (void)oldcomm; (void)keyval; (void)extra; (void)in; (void)out;
  *flag = 0;
  return MPI_ERR_OTHER;
}

static int count_delete(MPI_Comm comm, int keyval, void *value, void *extra) {
  (void)keyval;
  (void)extra;
  deletes++;
  last_deleted = I(value);
  last_delete_comm = comm;
  return MPI_SUCCESS;
}

/* Value of an attribute, or -1 if absent. */
static int get(MPI_Comm comm, int keyval) {
  void *v = NULL;
  int flag = -1;
  expect(MPI_SUCCESS, MPI_Comm_get_attr(comm, keyval, &v, &flag), "Comm_get_attr: rc");
  return flag ? I(v) : -1;
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);

  int extra = 1234 + rank;
  int ka, kb, kc, kd;
  expect(MPI_SUCCESS, MPI_Comm_create_keyval(copy_plus_one, count_delete, &ka, &extra), "create_keyval A");
  MPI_Comm_create_keyval(MPI_COMM_DUP_FN, count_delete, &kb, NULL);
  MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &kc, NULL);
  MPI_Comm_create_keyval(copy_decline, count_delete, &kd, NULL);
  expect(1, ka != kb && kb != kc && kc != kd, "keyvals are distinct");

  MPI_Comm c0, c1;
  MPI_Comm_dup(MPI_COMM_WORLD, &c0);
  expect(-1, get(c0, ka), "A absent before set");
  MPI_Comm_set_attr(c0, ka, V(10 + rank));
  MPI_Comm_set_attr(c0, kb, V(20));
  MPI_Comm_set_attr(c0, kc, V(30));
  MPI_Comm_set_attr(c0, kd, V(40));
  expect(10 + rank, get(c0, ka), "A on c0");
  expect(20, get(c0, kb), "B on c0");
  expect(30, get(c0, kc), "C on c0");
  expect(40, get(c0, kd), "D on c0");
  expect(-1, get(MPI_COMM_WORLD, ka), "A absent on WORLD");

  MPI_Comm_dup(c0, &c1);
  expect(2, copies, "copy callbacks called for A and D");
  expect(1234 + rank, extra_seen, "extra_state passed to the copy callback");
  expect(11 + rank, get(c1, ka), "A copied through copy_plus_one");
  expect(20, get(c1, kb), "B copied by MPI_COMM_DUP_FN");
  expect(-1, get(c1, kc), "C not copied (MPI_COMM_NULL_COPY_FN)");
  expect(-1, get(c1, kd), "D not copied (flag 0)");
  expect(0, deletes, "no deletes yet");

  /* Replacing a value deletes the old one. */
  MPI_Comm_set_attr(c0, ka, V(50));
  expect(1, deletes, "set_attr over a value calls delete");
  expect(10 + rank, last_deleted, "the old value is deleted");
  expect(1, last_delete_comm == c0, "delete callback gets the communicator");
  expect(50, get(c0, ka), "A replaced");

  /* delete_attr */
  MPI_Comm_delete_attr(c1, kb);
  expect(2, deletes, "delete_attr calls delete");
  expect(20, last_deleted, "delete_attr value");
  expect(-1, get(c1, kb), "B gone from c1");
  expect(20, get(c0, kb), "B still on c0");

  /* Freeing a keyval: its attributes live on until their communicators go. */
  MPI_Comm_free_keyval(&ka);
  expect(MPI_KEYVAL_INVALID, ka, "free_keyval sets MPI_KEYVAL_INVALID");
  deletes = 0;
  MPI_Comm_free(&c1); /* A (11 + rank) */
  expect(1, deletes, "Comm_free(c1) deletes A");
  expect(11 + rank, last_deleted, "Comm_free(c1) deleted value");
  deletes = 0;
  MPI_Comm_free(&c0); /* A (50), B (20), D (40); C has no delete callback */
  expect(3, deletes, "Comm_free(c0) deletes A, B, D");

  /* Attributes on MPI_COMM_WORLD */
  MPI_Comm_set_attr(MPI_COMM_WORLD, kb, V(99));
  expect(99, get(MPI_COMM_WORLD, kb), "B on WORLD");
  deletes = 0;
  MPI_Comm_delete_attr(MPI_COMM_WORLD, kb);
  expect(1, deletes, "delete_attr on WORLD");
  expect(-1, get(MPI_COMM_WORLD, kb), "B gone from WORLD");

  /* Predefined attributes still work next to user ones. */
  int *ub = NULL, flag = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &ub, &flag);
  expect(1, flag && ub && *ub >= 32767, "MPI_TAG_UB still answered");

  /* A failing copy callback makes MPI_Comm_dup fail. */
  int kf;
  MPI_Comm_create_keyval(copy_fail, MPI_COMM_NULL_DELETE_FN, &kf, NULL);
  MPI_Comm c2, c3 = MPI_COMM_NULL;
  MPI_Comm_dup(MPI_COMM_WORLD, &c2);
  MPI_Comm_set_errhandler(c2, MPI_ERRORS_RETURN);
  MPI_Comm_set_attr(c2, kf, V(1));
  int rc = MPI_Comm_dup(c2, &c3);
  expect(1, rc != MPI_SUCCESS, "Comm_dup fails when a copy callback fails");
  MPI_Comm_delete_attr(c2, kf);
  MPI_Comm_free_keyval(&kf);
  MPI_Comm_free(&c2);

  /* The communicators still work: ring on a fresh dup with a copied attribute. */
  MPI_Comm c4, c5;
  MPI_Comm_dup(MPI_COMM_WORLD, &c4);
  MPI_Comm_set_attr(c4, kd, V(7));
  MPI_Comm_dup(c4, &c5);
  int right = (rank + 1) % size, left = (rank + size - 1) % size, in = -1;
  MPI_Sendrecv(&rank, 1, MPI_INT, right, 0, &in, 1, MPI_INT, left, 0, c5, MPI_STATUS_IGNORE);
  expect(left, in, "ring on a dup of a dup");
  MPI_Comm_free(&c5);
  MPI_Comm_free(&c4);
  MPI_Comm_free_keyval(&kb);
  MPI_Comm_free_keyval(&kc);
  MPI_Comm_free_keyval(&kd);

  return check_finish("comm_keyval");
}
