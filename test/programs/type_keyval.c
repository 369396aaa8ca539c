/* Datatype and window keyvals (issue 16): MPI_Type_create_keyval with copy and delete callbacks,
 * MPI_Type_set/get/delete_attr (replacing a value runs the delete callback), MPI_TYPE_DUP_FN and
 * MPI_TYPE_NULL_COPY_FN under MPI_Type_dup, delete callbacks at MPI_Type_free, attributes on a predefined type,
 * a communicator keyval refused on a datatype (MPI_ERRORS_RETURN), MPI_Win_create_keyval/free_keyval; and
 * MPI_Type_match_size and MPI_Type_create_f90_integer/real/complex (by the sizes they give).
 * Self-checking: "OK type_keyval rank R". */
#include <mpi.h>
#include <stdint.h>
#include "check.h"

static int copies, deletes, last_deleted;
static MPI_Datatype last_type;

static int copy_plus(MPI_Datatype t, int kv, void *extra, void *in, void *out, int *flag) {
  (void)t; (void)kv; (void)extra;
  copies++;
  *(void **)out = (void *)((intptr_t)in + 100);
  *flag = 1;
  return MPI_SUCCESS;
}
static int on_delete(MPI_Datatype t, int kv, void *value, void *extra) {
  (void)kv; (void)extra;
  deletes++;
  last_deleted = (int)(intptr_t)value;
  last_type = t;
  return MPI_SUCCESS;
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int kcopy, kdup, knull;
  MPI_Type_create_keyval(copy_plus, on_delete, &kcopy, NULL);
  MPI_Type_create_keyval(MPI_TYPE_DUP_FN, on_delete, &kdup, NULL);
  MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, MPI_TYPE_NULL_DELETE_FN, &knull, NULL);
  MPI_Datatype t, d;
  MPI_Type_contiguous(3, MPI_INT, &t);
  MPI_Type_commit(&t);
  MPI_Type_set_attr(t, kcopy, (void *)(intptr_t)1);
  MPI_Type_set_attr(t, kdup, (void *)(intptr_t)2);
  MPI_Type_set_attr(t, knull, (void *)(intptr_t)3);
  MPI_Type_set_attr(t, kdup, (void *)(intptr_t)5); /* replaces 2: its delete callback runs */
  expect(1, deletes, "replacing a value deletes the old one");
  expect(2, last_deleted, "the old value is the one deleted");
  void *v = NULL;
  int flag = -1;
  MPI_Type_get_attr(t, kdup, &v, &flag);
  expect(1, flag, "get_attr finds it");
  expect(5, (int)(intptr_t)v, "get_attr value");
  MPI_Type_dup(t, &d);
  expect(1, copies, "Type_dup calls the copy callback once");
  MPI_Type_get_attr(d, kcopy, &v, &flag);
  expect(1, flag, "copied attribute present");
  expect(101, (int)(intptr_t)v, "copy callback's value");
  MPI_Type_get_attr(d, kdup, &v, &flag);
  expect(5, (int)(intptr_t)v, "MPI_TYPE_DUP_FN copies the value");
  MPI_Type_get_attr(d, knull, &v, &flag);
  expect(0, flag, "MPI_TYPE_NULL_COPY_FN does not copy");
  MPI_Type_delete_attr(d, kcopy);
  expect(2, deletes, "delete_attr runs the callback");
  expect(101, last_deleted, "delete_attr's value");
  MPI_Type_get_attr(d, kcopy, &v, &flag);
  expect(0, flag, "deleted attribute is gone");
  /* The dup first: Open MPI runs a type's delete callbacks only when nothing (like a dup) still uses it. */
  deletes = 0;
  MPI_Datatype keep = d;
  MPI_Type_free(&d);
  expect(1, deletes, "freeing the dup deletes its attribute");
  expect(1, last_type == keep, "the callback gets the freed type's handle");
  deletes = 0;
  MPI_Type_free(&t);
  expect(2, deletes, "Type_free deletes both attributes with callbacks");
  /* Attributes on a predefined type. */
  MPI_Type_set_attr(MPI_INT, kdup, (void *)(intptr_t)9);
  MPI_Type_get_attr(MPI_INT, kdup, &v, &flag);
  expect(9, (int)(intptr_t)v, "attribute on MPI_INT");
  MPI_Type_delete_attr(MPI_INT, kdup);
  /* Keyvals are per kind. */
  int kcomm, cls = -1;
  MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &kcomm, NULL);
  int err = MPI_Type_set_attr(MPI_INT, kcomm, NULL);
  MPI_Error_class(err, &cls);
  expect(1, cls != MPI_SUCCESS, "a communicator keyval on a datatype is refused");
  MPI_Comm_free_keyval(&kcomm);
  MPI_Type_free_keyval(&kcopy);
  MPI_Type_free_keyval(&kdup);
  MPI_Type_free_keyval(&knull);
  expect(1, knull == MPI_KEYVAL_INVALID, "Type_free_keyval");
  int kw;
  expect(MPI_SUCCESS, MPI_Win_create_keyval(MPI_WIN_NULL_COPY_FN, MPI_WIN_NULL_DELETE_FN, &kw, NULL), "Win_create_keyval");
  expect(MPI_SUCCESS, MPI_Win_free_keyval(&kw), "Win_free_keyval");
  expect(1, kw == MPI_KEYVAL_INVALID, "Win_free_keyval sets MPI_KEYVAL_INVALID");
  const int classes[3] = {MPI_TYPECLASS_INTEGER, MPI_TYPECLASS_REAL, MPI_TYPECLASS_COMPLEX}, sizes[3] = {4, 8, 16};
  for (int i = 0; i < 3; i++) {
    MPI_Datatype m = MPI_DATATYPE_NULL;
    int sz = -1;
    expect(MPI_SUCCESS, MPI_Type_match_size(classes[i], sizes[i], &m), "Type_match_size class %d", classes[i]);
    MPI_Type_size(m, &sz);
    expect(sizes[i], sz, "size of the matched type of class %d", classes[i]);
  }
  MPI_Datatype none;
  expect(1, MPI_Type_match_size(MPI_TYPECLASS_INTEGER, 3, &none) != MPI_SUCCESS, "no 3-byte integer");
  MPI_Datatype f;
  int fsz = -1;
  MPI_Type_create_f90_integer(9, &f);
  MPI_Type_size(f, &fsz);
  expect(4, fsz, "f90 integer of range 9");
  MPI_Type_create_f90_integer(3, &f);
  MPI_Type_size(f, &fsz);
  expect(2, fsz, "f90 integer of range 3");
  MPI_Type_create_f90_real(6, MPI_UNDEFINED, &f);
  MPI_Type_size(f, &fsz);
  expect(4, fsz, "f90 real of precision 6");
  MPI_Type_create_f90_real(15, 300, &f);
  MPI_Type_size(f, &fsz);
  expect(8, fsz, "f90 real of precision 15");
  MPI_Type_create_f90_complex(12, MPI_UNDEFINED, &f);
  MPI_Type_size(f, &fsz);
  expect(16, fsz, "f90 complex of precision 12");
  return check_finish("type_keyval");
}
