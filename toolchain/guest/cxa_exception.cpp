// C++ exceptions for faasmpi modules. Debian's wasm libc++abi is built without
// exception support (no __cxa_throw), and without -fwasm-exceptions clang lowers
// every invoke to a plain call, so a throw can never be caught: like an uncaught
// exception natively, throwing prints the libstdc++-style message and aborts
// (abort() traps with `unreachable`). Compiled with -fno-exceptions.
#include <exception>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <typeinfo>

extern "C" char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

namespace faasmpi_abi {

// Same vtable layout as libc++abi's __cxxabiv1::__shim_type_info (the base of all
// its type_info classes): type_info's two destructor slots, noop1, noop2, then
// can_catch. Only ever called through pointers to libc++abi's objects; never
// defined or instantiated here.
struct shim_type_info : std::type_info {
  ~shim_type_info() override;
  virtual void noop1() const;
  virtual void noop2() const;
  virtual bool can_catch(const shim_type_info *thrown, void *&adjusted) const;
};

}  // namespace faasmpi_abi

namespace {

using faasmpi_abi::shim_type_info;

// Placed before each exception object, 16-byte aligned like malloc's blocks.
struct alignas(16) exception_header {
  const std::type_info *type;
  void (*destructor)(void *);
};

exception_header *header_of(void *object) { return static_cast<exception_header *>(object) - 1; }

// Returns the std::exception base of `object` if its type derives from it, else null.
const std::exception *as_std_exception(void *object, const std::type_info *type) {
  const auto &catcher = static_cast<const shim_type_info &>(typeid(std::exception));
  void *adjusted = object;
  if (catcher.can_catch(static_cast<const shim_type_info *>(type), adjusted))
    return static_cast<const std::exception *>(adjusted);
  return nullptr;
}

[[noreturn]] void die() {
  fflush(nullptr);  // keep the program's buffered output before the trap
  abort();
}

}  // namespace

extern "C" {

void *__cxa_allocate_exception(size_t size) noexcept {
  void *block = calloc(1, sizeof(exception_header) + size);
  if (!block) {
    fputs("terminate called: out of memory allocating an exception\n", stderr);
    die();
  }
  return static_cast<exception_header *>(block) + 1;
}

void __cxa_free_exception(void *object) noexcept { free(header_of(object)); }

[[noreturn]] void __cxa_throw(void *object, std::type_info *type, void (*destructor)(void *)) {
  header_of(object)->type = type;
  header_of(object)->destructor = destructor;
  const char *mangled = type->name();
  int status = -1;
  char *demangled = __cxa_demangle(mangled, nullptr, nullptr, &status);
  fprintf(stderr, "terminate called after throwing an instance of '%s'\n",
          status == 0 && demangled ? demangled : mangled);
  if (const std::exception *e = as_std_exception(object, type))
    fprintf(stderr, "  what():  %s\n", e->what());
  die();
}

// Catch handlers are unreachable (nothing unwinds), but code that contains them
// still references these.
void *__cxa_begin_catch(void *object) noexcept { return object; }
void __cxa_end_catch() {}
void *__cxa_get_exception_ptr(void *object) noexcept { return object; }
std::type_info *__cxa_current_exception_type() { return nullptr; }

[[noreturn]] void __cxa_rethrow() {
  fputs("terminate called without an active exception\n", stderr);
  die();
}

[[noreturn]] void __cxa_call_unexpected(void *) {
  fputs("terminate called from an exception specification\n", stderr);
  die();
}

}  // extern "C"
