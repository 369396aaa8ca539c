/* Error classes, strings and handlers. Without arguments: self-checks under MPI_ERRORS_RETURN and prints
 * "FAIL: ..." per mismatch, then "mpi_errors: N checks, F failures". With an argument, rank 1 (or the only
 * rank) makes a mistake that must end the job:
 *   fatal-type   MPI_Type_size on an invalid datatype under the default MPI_ERRORS_ARE_FATAL
 *   fatal-self   MPI_ERRORS_RETURN on MPI_COMM_WORLD, but MPI_Pack of an uncommitted type on MPI_COMM_SELF
 *   call         MPI_Comm_call_errhandler(MPI_COMM_WORLD, user code) under MPI_ERRORS_ARE_FATAL
 *   user-handler a user error handler (MPI_Comm_create_errhandler) that calls MPI_Abort(MPI_COMM_WORLD, 7) */
#include <mpi.h>
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

static void handler_called_back(MPI_Comm *comm, int *code, ...) {
  int cls = -1;
  MPI_Error_class(*code, &cls);
  printf("handler called on %s with class %d\n", *comm == MPI_COMM_WORLD ? "MPI_COMM_WORLD" : "?", cls);
  fflush(stdout);
  MPI_Abort(*comm, 7);
}

static int fatal_case(const char *which, int rank) {
  printf("rank %d: %s\n", rank, which);
  fflush(stdout);
  if (strcmp(which, "fatal-type") == 0) {
    int size;
    MPI_Type_size((MPI_Datatype)0x12345678, &size);
  } else if (strcmp(which, "fatal-self") == 0) {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Datatype t;
    int x = 1, pos = 0;
    char buf[16];
    MPI_Type_contiguous(1, MPI_INT, &t);
    if (MPI_Pack(&x, 1, t, buf, sizeof buf, &pos, MPI_COMM_WORLD) != MPI_ERR_TYPE) printf("FAIL: WORLD returns\n");
    MPI_Pack(&x, 1, t, buf, sizeof buf, &pos, MPI_COMM_SELF);
  } else if (strcmp(which, "call") == 0) {
    int cls, code;
    MPI_Add_error_class(&cls);
    MPI_Add_error_code(cls, &code);
    MPI_Add_error_string(code, "the widget broke");
    MPI_Comm_call_errhandler(MPI_COMM_WORLD, code);
  } else if (strcmp(which, "user-handler") == 0) {
    MPI_Errhandler h;
    MPI_Comm_create_errhandler(handler_called_back, &h);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, h);
    int sz;
    MPI_Type_size((MPI_Datatype)0x12345, &sz);
  }
  printf("rank %d: still running after %s\n", rank, which);
  return 0;
}

int main(int argc, char **argv) {
  int rank, size;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc > 1) {
    if (rank == size - 1) fatal_case(argv[1], rank);
    MPI_Finalize();
    return 0;
  }

  char text[MPI_MAX_ERROR_STRING];
  int len, cls, n;
  MPI_Errhandler h;

  /* default handler; get_errhandler hands out a reference that MPI_Errhandler_free clears */
  OK(MPI_Comm_get_errhandler(MPI_COMM_WORLD, &h));
  EQ(h, MPI_ERRORS_ARE_FATAL);
  OK(MPI_Errhandler_free(&h));
  EQ(h, MPI_ERRHANDLER_NULL);
  OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  OK(MPI_Comm_get_errhandler(MPI_COMM_WORLD, &h));
  EQ(h, MPI_ERRORS_RETURN);
  OK(MPI_Comm_get_errhandler(MPI_COMM_SELF, &h));
  EQ(h, MPI_ERRORS_ARE_FATAL); /* handlers are per communicator */

  /* an invalid communicator: MPI_ERR_COMM, reported through MPI_COMM_WORLD's handler */
  int err = MPI_Comm_size((MPI_Comm)0x44001234, &n);
  EQ(err, MPI_ERR_COMM);
  OK(MPI_Error_class(err, &cls));
  EQ(cls, MPI_ERR_COMM);
  OK(MPI_Error_string(err, text, &len));
  STREQ(text, "MPI_ERR_COMM: invalid communicator");
  EQ(len, (int)strlen(text));
  EQ(MPI_Comm_rank(MPI_COMM_NULL, &n), MPI_ERR_COMM);
  EQ(MPI_Comm_set_errhandler(MPI_COMM_NULL, MPI_ERRORS_RETURN), MPI_ERR_COMM);
  EQ(MPI_Comm_set_errhandler(MPI_COMM_WORLD, (MPI_Errhandler)0x1234), MPI_ERR_ARG);
  EQ(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRHANDLER_NULL), MPI_ERR_ARG);

  /* every predefined class has a string that starts with its name; codes are classes */
  OK(MPI_Error_string(MPI_ERR_RANK, text, &len));
  STREQ(text, "MPI_ERR_RANK: invalid rank");
  OK(MPI_Error_string(MPI_SUCCESS, text, &len));
  STREQ(text, "MPI_SUCCESS: no error");
  OK(MPI_Error_string(MPI_ERR_TRUNCATE, text, &len));
  STREQ(text, "MPI_ERR_TRUNCATE: message truncated on receive");
  for (int c = MPI_SUCCESS; c <= MPI_ERR_RMA_FLAVOR; c++) {
    OK(MPI_Error_class(c, &cls));
    EQ(cls, c);
    OK(MPI_Error_string(c, text, &len));
    checks++;
    if (len < 10 || strncmp(text, "MPI_", 4) != 0 || strchr(text, ':') == NULL) {
      printf("FAIL: class %d has string \"%s\"\n", c, text);
      fails++;
    }
  }
  EQ(MPI_Error_string(123456, text, &len), MPI_ERR_ARG);
  EQ(MPI_Error_class(-5, &cls), MPI_ERR_ARG);

  /* user classes, codes and strings */
  int c1, c2, code1, code2, rcode;
  OK(MPI_Add_error_class(&c1));
  OK(MPI_Add_error_class(&c2));
  EQ(c1 > MPI_ERR_LASTCODE, 1);
  EQ(c2 != c1, 1);
  OK(MPI_Add_error_code(c1, &code1));
  OK(MPI_Add_error_code(c1, &code2));
  OK(MPI_Add_error_code(MPI_ERR_RANK, &rcode));
  EQ(code1 != code2 && code1 != c1 && code2 != c2, 1);
  OK(MPI_Error_class(c1, &cls));
  EQ(cls, c1);
  OK(MPI_Error_class(code1, &cls));
  EQ(cls, c1);
  OK(MPI_Error_class(code2, &cls));
  EQ(cls, c1);
  OK(MPI_Error_class(rcode, &cls));
  EQ(cls, MPI_ERR_RANK);
  OK(MPI_Error_string(code1, text, &len)); /* no string yet: empty */
  STREQ(text, "");
  EQ(len, 0);
  OK(MPI_Add_error_string(c1, "widget errors"));
  OK(MPI_Add_error_string(code1, "widget broke"));
  OK(MPI_Add_error_string(code1, "widget broke again")); /* replaces */
  OK(MPI_Error_string(c1, text, &len));
  STREQ(text, "widget errors");
  OK(MPI_Error_string(code1, text, &len));
  STREQ(text, "widget broke again");
  EQ(len, 18);
  EQ(MPI_Add_error_code(999, &n), MPI_ERR_ARG);   /* not a class */
  EQ(MPI_Add_error_code(code1, &n), MPI_ERR_ARG); /* a code, not a class */
  EQ(MPI_Add_error_string(MPI_ERR_RANK, "mine"), MPI_ERR_ARG);
  EQ(MPI_Add_error_string(c2 + 1000, "nobody's"), MPI_ERR_ARG);

  /* calling the handler of a communicator: MPI_ERRORS_RETURN returns */
  OK(MPI_Comm_call_errhandler(MPI_COMM_WORLD, code1));
  OK(MPI_Comm_call_errhandler(MPI_COMM_WORLD, MPI_ERR_OTHER));

  printf("mpi_errors: %d checks, %d failures\n", checks, fails);
  MPI_Finalize();
  return fails ? 1 : 0;
}
