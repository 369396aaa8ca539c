/* Info objects and the calls around them (issue 16): MPI_Info_create/set/get/get_valuelen/get_nkeys/get_nthkey/
 * delete/dup/free (order kept, replaced values, truncation to valuelen, missing keys, MPI_ERR_INFO_NOKEY under
 * MPI_ERRORS_RETURN), MPI_Comm_set_info/get_info, MPI_Comm_dup_with_info, MPI_Comm_idup (isolated traffic,
 * attributes copied), MPI_Alloc_mem/MPI_Free_mem, and the MPI-1 attribute calls (MPI_Keyval_create,
 * MPI_Attr_put/get/delete, MPI_Keyval_free). Self-checking: "OK comm_info rank R". */
#include <mpi.h>
#include <stdint.h>
#include <string.h>
#include "check.h"

static int deletes;
static int count_delete(MPI_Comm comm, int keyval, void *value, void *extra) {
  (void)comm; (void)keyval; (void)value; (void)extra;
  deletes++;
  return MPI_SUCCESS;
}

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Info info, copy;
  char value[MPI_MAX_INFO_VAL + 1], key[MPI_MAX_INFO_KEY + 1];
  int flag = -1, n = -1, len = -1;
  expect(MPI_SUCCESS, MPI_Info_create(&info), "Info_create");
  MPI_Info_set(info, "zeta", "1");
  MPI_Info_set(info, "alpha", "hello world");
  MPI_Info_set(info, "zeta", "22"); /* replaced, keeps its place */
  MPI_Info_get_nkeys(info, &n);
  expect(2, n, "nkeys");
  MPI_Info_get_nthkey(info, 0, key);
  expect(0, strcmp(key, "zeta"), "key 0 is zeta (%s)", key);
  MPI_Info_get_nthkey(info, 1, key);
  expect(0, strcmp(key, "alpha"), "key 1 is alpha (%s)", key);
  MPI_Info_get(info, "zeta", MPI_MAX_INFO_VAL, value, &flag);
  expect(1, flag, "zeta found");
  expect(0, strcmp(value, "22"), "zeta's value replaced (%s)", value);
  MPI_Info_get_valuelen(info, "alpha", &len, &flag);
  expect(11, len, "valuelen of alpha");
  memset(value, 'x', sizeof value);
  MPI_Info_get(info, "alpha", 5, value, &flag);
  expect(0, strcmp(value, "hello"), "value truncated to valuelen (%s)", value);
  MPI_Info_get(info, "missing", MPI_MAX_INFO_VAL, value, &flag);
  expect(0, flag, "missing key");
  MPI_Info_dup(info, &copy);
  expect(MPI_SUCCESS, MPI_Info_delete(info, "zeta"), "Info_delete");
  int err = MPI_Info_delete(info, "zeta"), cls = -1;
  MPI_Error_class(err, &cls);
  expect(MPI_ERR_INFO_NOKEY, cls, "deleting a missing key");
  MPI_Info_get_nkeys(info, &n);
  expect(1, n, "nkeys after delete");
  MPI_Info_get_nkeys(copy, &n);
  expect(2, n, "the dup is separate");
  MPI_Info_free(&copy);
  expect(1, copy == MPI_INFO_NULL, "Info_free sets MPI_INFO_NULL");

  /* Communicator hints. */
  MPI_Comm dup;
  MPI_Comm_dup_with_info(MPI_COMM_WORLD, info, &dup);
  MPI_Info used;
  MPI_Comm_get_info(dup, &used);
  MPI_Info_get(used, "alpha", MPI_MAX_INFO_VAL, value, &flag);
  expect(1, flag, "dup_with_info keeps the hint");
  MPI_Info_free(&used);
  MPI_Info_set(info, "beta", "b");
  MPI_Comm_set_info(dup, info);
  MPI_Comm_get_info(dup, &used);
  MPI_Info_get_nkeys(used, &n);
  expect(2, n, "set_info adds hints");
  MPI_Info_free(&used);
  int sum = -1;
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, dup);
  expect(size * (size - 1) / 2, sum, "Allreduce on the dup_with_info communicator");
  MPI_Info_free(&info);

  /* MPI-1 attributes, copied by MPI_Comm_idup. */
  int kv = MPI_KEYVAL_INVALID;
  expect(MPI_SUCCESS, MPI_Keyval_create(MPI_DUP_FN, count_delete, &kv, NULL), "Keyval_create");
  MPI_Attr_put(dup, kv, (void *)(intptr_t)4711);
  void *got = NULL;
  MPI_Attr_get(dup, kv, &got, &flag);
  expect(4711, (int)(intptr_t)got, "Attr_get after Attr_put");
  MPI_Comm idup;
  MPI_Request req;
  expect(MPI_SUCCESS, MPI_Comm_idup(dup, &idup, &req), "Comm_idup");
  MPI_Wait(&req, MPI_STATUS_IGNORE);
  expect(1, req == MPI_REQUEST_NULL, "idup request completes");
  got = NULL;
  MPI_Attr_get(idup, kv, &got, &flag);
  expect(1, flag, "idup copies attributes");
  expect(4711, (int)(intptr_t)got, "idup's copied attribute");
  int result = -1;
  MPI_Comm_compare(dup, idup, &result);
  expect(MPI_CONGRUENT, result, "idup is congruent");
  if (size > 1) {
    int a = rank, b = -1;
    if (rank == 0) {
      MPI_Send(&a, 1, MPI_INT, 1, 3, idup);
      MPI_Send(&a, 1, MPI_INT, 1, 3, dup);
    } else if (rank == 1) {
      MPI_Recv(&b, 1, MPI_INT, 0, 3, dup, MPI_STATUS_IGNORE);
      expect(0, b, "message on dup");
      MPI_Recv(&b, 1, MPI_INT, 0, 3, idup, MPI_STATUS_IGNORE);
      expect(0, b, "message on idup");
    }
  }
  MPI_Attr_delete(dup, kv);
  expect(1, deletes, "Attr_delete runs the delete callback");
  MPI_Comm_free(&idup);
  expect(2, deletes, "freeing the idup deletes its copy");
  MPI_Keyval_free(&kv);
  expect(1, kv == MPI_KEYVAL_INVALID, "Keyval_free");
  MPI_Comm_free(&dup);

  /* MPI_Alloc_mem. */
  double *mem = NULL;
  expect(MPI_SUCCESS, MPI_Alloc_mem(1000 * sizeof(double), MPI_INFO_NULL, &mem), "Alloc_mem");
  expect(1, mem != NULL, "Alloc_mem gives memory");
  for (int i = 0; i < 1000; i++) mem[i] = i + rank;
  double total = 0;
  MPI_Allreduce(&mem[999], &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  expect(999 * size + size * (size - 1) / 2, (long long)total, "Alloc_mem memory used for communication");
  expect(MPI_SUCCESS, MPI_Free_mem(mem), "Free_mem");
  return check_finish("comm_info");
}
