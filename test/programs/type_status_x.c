/* MPI_Count is 64-bit (issue 16 bug 4): MPI_Status_set_elements_x with counts at and above 2^53 and their
 * reading back with MPI_Get_elements_x and MPI_Get_count (MPI_UNDEFINED when an int cannot hold it).
 * Self-checking: "OK type_status_x rank R". */
#include <mpi.h>
#include "check.h"

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  MPI_Status st;
  MPI_Count got = 0;
  const MPI_Count counts[] = {0, 7, 1LL << 31, (1LL << 53) - 1, 1LL << 53, (1LL << 53) + 1, (1LL << 60) + 3, (1LL << 62) + 12345};
  for (int i = 0; i < 8; i++) {
    MPI_Count c = counts[i];
    expect(MPI_SUCCESS, MPI_Status_set_elements_x(&st, MPI_BYTE, c), "set_elements_x(MPI_BYTE, %lld)", c);
    got = -1;
    MPI_Get_elements_x(&st, MPI_BYTE, &got);
    expect(c, got, "Get_elements_x(MPI_BYTE) after setting %lld", c);
    if (c <= (1LL << 60)) {
      expect(MPI_SUCCESS, MPI_Status_set_elements_x(&st, MPI_DOUBLE, c), "set_elements_x(MPI_DOUBLE, %lld)", c);
      got = -1;
      MPI_Get_elements_x(&st, MPI_DOUBLE, &got);
      expect(c, got, "Get_elements_x(MPI_DOUBLE) after setting %lld", c);
      got = -1;
      MPI_Get_elements_x(&st, MPI_INT, &got);
      expect(2 * c, got, "Get_elements_x(MPI_INT) after setting %lld doubles", c);
      int n = -1;
      MPI_Get_count(&st, MPI_DOUBLE, &n);
      expect(c <= 0x7fffffff ? c : MPI_UNDEFINED, n, "Get_count(MPI_DOUBLE) after setting %lld", c);
    }
  }
  /* The cancelled flag survives a large count. */
  MPI_Status_set_elements_x(&st, MPI_BYTE, (1LL << 55) + 1);
  MPI_Status_set_cancelled(&st, 1);
  int flag = 0;
  MPI_Test_cancelled(&st, &flag);
  expect(1, flag, "cancelled flag after a large count");
  MPI_Get_elements_x(&st, MPI_BYTE, &got);
  expect((1LL << 55) + 1, got, "count after set_cancelled");
  return check_finish("type_status_x");
}
