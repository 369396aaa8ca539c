/* MPI_TAG_UB through MPI_Comm_get_attr (kept apart from p2p_tags_order.c: attributes may come later):
 * the attribute is present on MPI_COMM_WORLD (the standard attaches it there only: Open MPI has none on
 * MPI_COMM_SELF, so that is not checked) and at least 32767, and a message with tag MPI_TAG_UB goes through; a tag above it is MPI_ERR_TAG under MPI_ERRORS_RETURN.
 * Self-checking: failures print "FAIL rank R: ..." and exit 1; success prints "OK p2p_attr rank R". */
#include <limits.h>
#include <mpi.h>
#include "check.h"
#include <stdarg.h>
#include <stdio.h>

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  int right = (rank + 1) % size, left = (rank + size - 1) % size;

  int *ub_world = NULL, flag = 0;
  expect(MPI_SUCCESS, MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &ub_world, &flag), "Comm_get_attr(WORLD, MPI_TAG_UB): return code");
  expect(1, flag, "Comm_get_attr(WORLD, MPI_TAG_UB): flag");
  if (flag && ub_world) {
    int ub = *ub_world;
    expect(1, ub >= 32767, "MPI_TAG_UB >= 32767 (MPI_TAG_UB is %d)", ub);

    int out = 31 * rank + 5, in = -1;
    MPI_Status st;
    MPI_Sendrecv(&out, 1, MPI_INT, right, ub, &in, 1, MPI_INT, left, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    expect(ub, st.MPI_TAG, "message with tag MPI_TAG_UB: status.MPI_TAG");
    expect(31 * left + 5, in, "message with tag MPI_TAG_UB: value");

    if (ub < INT_MAX) {
      MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
      int rc = MPI_Send(&out, 1, MPI_INT, right, ub + 1, MPI_COMM_WORLD), cls = -1;
      if (rc != MPI_SUCCESS) MPI_Error_class(rc, &cls);
      expect(MPI_ERR_TAG, cls, "Send with tag MPI_TAG_UB + 1: error class");
      MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    }
  }
  return check_finish("p2p_attr");
}
