/* MPI_Finalize deletes attributes (issue 16 bug 3, MPI-3.1 8.7.1): those on MPI_COMM_SELF first, newest first,
 * while MPI is still usable, then those on MPI_COMM_WORLD. The delete callback records each call; the checks
 * run after MPI_Finalize returns. Self-checking: "OK comm_finalize_attr rank R" on success. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

static int order[8], calls, rank, finalized_in_callback = -1, self_ok = 1;

static int record_delete(MPI_Comm comm, int keyval, void *value, void *extra) {
  (void)keyval;
  (void)extra;
  int v = (int)(intptr_t)value;
  if (calls < 8) order[calls] = v;
  calls++;
  if (v < 10) { /* MPI-3.1 8.7.1: while MPI_COMM_SELF's attributes go, MPI_Finalized still answers false */
    int f = 1;
    MPI_Finalized(&f);
    if (finalized_in_callback != 1) finalized_in_callback = f;
  }
  if (v < 10 && comm != MPI_COMM_SELF) self_ok = 0;
  return MPI_SUCCESS;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int k[4];
  for (int i = 0; i < 4; i++) MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, record_delete, &k[i], NULL);
  MPI_Comm_set_attr(MPI_COMM_SELF, k[0], (void *)(intptr_t)1);
  MPI_Comm_set_attr(MPI_COMM_SELF, k[1], (void *)(intptr_t)2);
  MPI_Comm_set_attr(MPI_COMM_WORLD, k[3], (void *)(intptr_t)10);
  MPI_Comm_set_attr(MPI_COMM_SELF, k[2], (void *)(intptr_t)3);
  /* A freed keyval's attribute is still deleted at MPI_Finalize. */
  MPI_Comm_free_keyval(&k[2]);
  MPI_Finalize();
  int failures = 0;
  const int want[4] = {3, 2, 1, 10};
  if (calls != 4) { printf("FAIL rank %d: delete callbacks at MPI_Finalize expected 4 got %d\n", rank, calls); failures++; }
  for (int i = 0; i < 4 && i < calls; i++)
    if (order[i] != want[i]) { printf("FAIL rank %d: deletion %d expected value %d got %d\n", rank, i, want[i], order[i]); failures++; }
  if (finalized_in_callback != 0) { printf("FAIL rank %d: MPI_Finalized in a MPI_COMM_SELF delete callback expected 0 got %d\n", rank, finalized_in_callback); failures++; }
  if (!self_ok) { printf("FAIL rank %d: a MPI_COMM_SELF attribute was deleted with another communicator\n", rank); failures++; }
  if (!failures) printf("OK comm_finalize_attr rank %d\n", rank);
  return failures ? 1 : 0;
}
