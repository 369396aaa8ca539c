/* User error handlers (issue 16): MPI_Comm_create_errhandler; the handler runs with the communicator and the
 * error code when a call fails, and the call then returns the code; MPI_Comm_call_errhandler with a user code
 * (MPI_Add_error_class/code/string) reaches it; a dup inherits it; MPI_Comm_get_errhandler gives it back;
 * MPI_Errhandler_free leaves it working on the communicators that use it; Win/File handler creation.
 * Self-checking: "OK comm_errhandler rank R". */
#include <mpi.h>
#include "check.h"

static int calls, last_code;
static MPI_Comm last_comm;

static void handler(MPI_Comm *comm, int *code, ...) {
  calls++;
  last_code = *code;
  last_comm = *comm;
}
static void win_handler(MPI_Win *win, int *code, ...) { (void)win; (void)code; }

int main(int argc, char **argv) {
  check_init(&argc, &argv);
  MPI_Errhandler h, got;
  expect(MPI_SUCCESS, MPI_Comm_create_errhandler(handler, &h), "Comm_create_errhandler");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, h);
  MPI_Comm_get_errhandler(MPI_COMM_WORLD, &got);
  expect(1, got == h, "get_errhandler gives the user handler back");
  int sz, cls = -1;
  int rc = MPI_Type_size(MPI_DATATYPE_NULL, &sz);
  expect(1, calls, "handler ran once");
  MPI_Error_class(last_code, &cls);
  expect(MPI_ERR_TYPE, cls, "handler got the error code");
  expect(1, last_comm == MPI_COMM_WORLD, "handler got MPI_COMM_WORLD");
  expect(last_code, rc, "the failed call returns the code after the handler");
  int ucls, ucode;
  MPI_Add_error_class(&ucls);
  MPI_Add_error_code(ucls, &ucode);
  MPI_Add_error_string(ucode, "user trouble");
  MPI_Comm dup;
  MPI_Comm_dup(MPI_COMM_WORLD, &dup);
  MPI_Errhandler_free(&h);
  expect(1, h == MPI_ERRHANDLER_NULL, "Errhandler_free sets MPI_ERRHANDLER_NULL");
  expect(MPI_SUCCESS, MPI_Comm_call_errhandler(dup, ucode), "Comm_call_errhandler returns");
  expect(2, calls, "the dup inherited the handler");
  expect(ucode, last_code, "Comm_call_errhandler passes the user code");
  expect(1, last_comm == dup, "handler got the dup");
  int bad = MPI_Send(&sz, 1, MPI_INT, size + 5, 0, dup);
  MPI_Error_class(bad, &cls);
  expect(MPI_ERR_RANK, cls, "invalid rank reaches the handler and is returned");
  expect(3, calls, "third call");
  MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
  MPI_Send(&sz, 1, MPI_INT, size + 5, 0, dup);
  expect(3, calls, "MPI_ERRORS_RETURN replaces the user handler");
  MPI_Comm_free(&dup);
  MPI_Errhandler wh;
  expect(MPI_SUCCESS, MPI_Win_create_errhandler(win_handler, &wh), "Win_create_errhandler");
  MPI_Errhandler_free(&wh);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
  return check_finish("comm_errhandler");
}
