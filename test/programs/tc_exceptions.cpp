// C++ exceptions caught (codes use try/catch for control flow and input errors): across functions, by base
// class, by pointer, by value, catch (...), rethrow, a new exception thrown inside a catch block, RAII
// destructors during unwinding, a throwing constructor in a new-expression, the exception object destroyed
// exactly once, std::exception_ptr (current_exception, rethrow_exception, make_exception_ptr) and
// std::uncaught_exceptions. With -fopenmp every thread does the same at once (the catch state is per thread).
// An argument "uncaught" throws a std::out_of_range nobody catches, "noexcept" lets one leave a noexcept
// function: either way the program must end like a native one (std::terminate naming the exception).
// Prints "FAIL: ..." per failed check and "OK tc_exceptions" at the end.
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#ifdef _OPENMP
#include <omp.h>
#endif

static thread_local int live_errors, unwound;  // per thread: checked inside each OpenMP thread too

struct Error {
  int code;
  explicit Error(int c) : code(c) { live_errors++; }
  Error(const Error &o) : code(o.code) { live_errors++; }
  virtual ~Error() { live_errors--; }
};
struct InputError : Error {
  std::string field;
  InputError(int c, std::string f) : Error(c), field(std::move(f)) {}
};
struct Guard {  // RAII: must run when an exception passes through its scope
  ~Guard() { unwound++; }
};
struct UnwindProbe {  // records std::uncaught_exceptions() when destroyed
  int &seen;
  ~UnwindProbe() { seen = std::uncaught_exceptions(); }
};
struct Fragile {
  static int constructed;
  explicit Fragile(bool fail) { if (fail) throw std::runtime_error("constructor failed"); constructed++; }
};
int Fragile::constructed;

__attribute__((noinline)) static int parse(int depth, int bad) {
  Guard g;
  if (depth == 0) {
    if (bad == 1) throw InputError(7, "nx");
    if (bad == 2) throw std::out_of_range("index 12");
    if (bad == 3) throw 3.5;
    if (bad == 4) throw new InputError(9, "heap");
    return 1;
  }
  return parse(depth - 1, bad) + 1;
}

static int checks(int thread) {
  int failures = 0;
#define CHECK(cond, ...)                                                  \
  do {                                                                    \
    if (!(cond)) { std::printf("FAIL: thread %d: ", thread); std::printf(__VA_ARGS__); std::printf("\n"); failures++; } \
  } while (0)

  // Across 6 frames, caught by base class, RAII destructors run on the way.
  unwound = 0;
  try { parse(5, 1); CHECK(false, "no exception"); }
  catch (const Error &e) {
    CHECK(e.code == 7, "code %d", e.code);
    CHECK(dynamic_cast<const InputError *>(&e) && dynamic_cast<const InputError *>(&e)->field == "nx", "derived object");
  }
  CHECK(unwound == 6, "destructors during unwinding: %d of 6", unwound);
  CHECK(live_errors == 0, "exception object destroyed after the catch: %d live", live_errors);

  // Clause order: the first matching clause wins; std:: hierarchy with what().
  int which = 0;
  try { parse(2, 2); }
  catch (const std::invalid_argument &) { which = 1; }
  catch (const std::logic_error &e) { which = std::strcmp(e.what(), "index 12") == 0 ? 2 : 3; }
  catch (...) { which = 4; }
  CHECK(which == 2, "std::out_of_range caught as std::logic_error with what(): clause %d", which);

  // Non-class types, catch (...), by value, by pointer.
  try { parse(1, 3); } catch (int) { CHECK(false, "double caught as int"); } catch (double d) { CHECK(d == 3.5, "double %g", d); }
  try { parse(1, 3); } catch (...) { which = 5; }
  CHECK(which == 5, "catch (...)");
  try { parse(0, 1); } catch (Error e) { CHECK(e.code == 7 && live_errors == 2, "by value: a copy (%d live)", live_errors); }
  CHECK(live_errors == 0, "copy and original destroyed: %d live", live_errors);
  try { parse(3, 4); } catch (Error *e) { CHECK(e->code == 9, "by pointer to base"); delete e; }
  CHECK(live_errors == 0, "heap object deleted: %d live", live_errors);

  // Rethrow: the same object reaches the outer handler, destroyed once at the end.
  const Error *inner = nullptr, *outer = nullptr;
  try {
    try { parse(2, 1); } catch (Error &e) { inner = &e; e.code = 70; throw; }
  } catch (const InputError &e) { outer = &e; CHECK(e.code == 70, "rethrown object modified in the first handler"); }
  CHECK(inner && inner == outer, "rethrow keeps the object");
  CHECK(live_errors == 0, "rethrown object destroyed once: %d live", live_errors);

  // A new exception while handling one; both end up destroyed.
  try {
    try { throw Error(1); } catch (Error &) { throw Error(2); }
  } catch (Error &e) { CHECK(e.code == 2, "second exception wins: %d", e.code); }
  CHECK(live_errors == 0, "both exceptions destroyed: %d live", live_errors);

  // A constructor that throws inside new: the memory is released, the exception caught.
  try { Fragile *f = new Fragile(true); delete f; CHECK(false, "constructed"); }
  catch (const std::runtime_error &e) { CHECK(std::strcmp(e.what(), "constructor failed") == 0, "what() %s", e.what()); }

  // std::exception_ptr: the object lives while a pointer holds it, and can be rethrown more than once.
  {
    std::exception_ptr saved;
    try { parse(2, 1); } catch (...) { saved = std::current_exception(); }
    CHECK(saved && live_errors == 1, "current_exception keeps the object (%d live)", live_errors);
    for (int round = 0; round < 2; round++) {
      try { std::rethrow_exception(saved); }
      catch (const InputError &e) { CHECK(e.code == 7 && e.field == "nx", "rethrow_exception round %d", round); }
    }
    CHECK(live_errors == 1, "still held after rethrows: %d live", live_errors);
    saved = nullptr;
    CHECK(live_errors == 0, "released with the last exception_ptr: %d live", live_errors);
    std::exception_ptr made = std::make_exception_ptr(std::out_of_range("made"));
    try { std::rethrow_exception(made); }
    catch (const std::logic_error &e) { CHECK(std::strcmp(e.what(), "made") == 0, "make_exception_ptr: %s", e.what()); }
    int during = -1;
    try { UnwindProbe probe{during}; throw 1; } catch (int) {}
    CHECK(during == 1 && std::uncaught_exceptions() == 0, "uncaught_exceptions %d while unwinding, %d after",
          during, std::uncaught_exceptions());
  }

  // Exceptions as control flow in a loop: no leak, every one caught.
  int caught = 0;
  for (int i = 0; i < 2000; i++) {
    try { parse(i % 4, i % 3 == 0 ? 1 : 0); } catch (const InputError &) { caught++; }
  }
  CHECK(caught == 667 && live_errors == 0, "loop: %d caught, %d live", caught, live_errors);
  return failures;
}

static void promise_not_to_throw() noexcept {
  try { parse(1, 1); } catch (const std::exception &) {}  // not an std::exception: leaves the function
}

int main(int argc, char **argv) {
  if (argc > 1 && std::strcmp(argv[1], "noexcept") == 0) {
    promise_not_to_throw();
    std::printf("not reached\n");
    return 0;
  }
  if (argc > 1 && std::strcmp(argv[1], "uncaught") == 0) {
    std::printf("before\n");
    parse(3, 2);  // std::out_of_range, no handler anywhere
    std::printf("not reached\n");
    return 0;
  }
  int failures = 0;
#ifdef _OPENMP
#pragma omp parallel reduction(+ : failures)
  failures += checks(omp_get_thread_num());
#else
  failures = checks(0);
#endif
  if (failures) return 1;
  std::printf("OK tc_exceptions\n");
  return 0;
}
