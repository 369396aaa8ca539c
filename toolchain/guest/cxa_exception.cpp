// C++ exceptions for faasmpi modules, on WebAssembly exception handling (faasmpicxx compiles C++ with
// -fwasm-exceptions; V8 in Node 20 runs the instructions). Debian's wasm libc++abi and libunwind are built
// without exceptions, so the runtime half lives here: throwing, the personality that picks the catch clause,
// catch bookkeeping and rethrow. The engine unwinds the wasm stack; at each landing pad clang's code stores the
// pad's index and the function's LSDA (GCC except table) in __wasm_lpad_context and calls
// _Unwind_CallPersonality, which sets the selector of the matching catch clause (0: none, keep unwinding).
// Built with -fwasm-exceptions; in thread builds with atomics, so the catch state below is per thread.
// Exceptions thrown inside Debian's libc++ (std::vector::at, std::stoi...) still abort: that code was compiled
// without exceptions. std::exception_ptr works: the refcount functions below replace libc++abi's no-exception
// stubs (cxa_noexception.cpp.o, never linked while this file defines all it defines).
#include <exception>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <typeinfo>

extern "C" char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

namespace faasmpi_abi {

// Same vtable layout as libc++abi's __cxxabiv1::__shim_type_info (the base of all its type_info classes):
// type_info's two destructor slots, noop1, noop2, then can_catch. Only ever called through pointers to
// libc++abi's objects; never defined or instantiated here.
struct shim_type_info : std::type_info {
  ~shim_type_info() override;
  virtual void noop1() const;
  virtual void noop2() const;
  virtual bool can_catch(const shim_type_info *thrown, void *&adjusted) const;
};

}  // namespace faasmpi_abi

// Written by clang's landing pads (inputs) and by the personality (selector). Per thread, like the unwinding.
struct landing_pad_context {
  uintptr_t lpad_index;
  uintptr_t lsda;
  uintptr_t selector;
};
extern "C" thread_local landing_pad_context __wasm_lpad_context;
thread_local landing_pad_context __wasm_lpad_context;

namespace {

using faasmpi_abi::shim_type_info;

// The WebAssembly C++ ABI has destructors return `this`, so the pointer __cxa_throw gets has this type.
using destructor_fn = void *(*)(void *);

// Placed before each exception object (16-byte aligned, like malloc's blocks). Its address is the payload of
// the wasm exception: what clang's code hands to _Unwind_CallPersonality and __cxa_begin_catch.
// std::rethrow_exception throws a *dependent* header (its own, not followed by an object) that refers to the
// primary one, because the same object may then be in flight or caught in several places.
struct alignas(16) exception_header {
  const std::type_info *type;
  destructor_fn destructor;
  exception_header *next_caught;  // the thread's stack of exceptions inside catch blocks
  int handlers;                   // catch blocks holding it; negated while it is being rethrown
  void *adjusted;                 // the object as the matched catch clause sees it (base subobject, pointer)
  void *object;                   // the thrown object
  exception_header *primary;      // set in dependent headers
  int references;                 // primary only: throws in progress and exception_ptrs holding the object
};

thread_local exception_header *caught_stack;
// Thrown and not yet caught: what std::terminate names when it ends unwinding (noexcept, destructors).
thread_local exception_header *in_flight;
// std::uncaught_exceptions(): thrown (or rethrown) and not yet caught, on this thread.
thread_local int uncaught;

exception_header *header_of(void *object) { return static_cast<exception_header *>(object) - 1; }

void release_primary(exception_header *h) {
  if (--h->references > 0) return;
  if (h->destructor) h->destructor(h->object);
  free(h);
}

// The end of a throw's life (its last handler finished): dependent headers hold one reference each.
void release(exception_header *h) {
  if (h->primary) {
    release_primary(h->primary);
    free(h);
  } else {
    release_primary(h);
  }
}

[[noreturn]] void die() {
  fflush(nullptr);  // keep the program's buffered output before the trap
  abort();
}

// Returns the std::exception base of `object` if its type derives from it, else null.
const std::exception *as_std_exception(void *object, const std::type_info *type) {
  const auto &catcher = static_cast<const shim_type_info &>(typeid(std::exception));
  void *adjusted = object;
  if (catcher.can_catch(static_cast<const shim_type_info *>(type), adjusted))
    return static_cast<const std::exception *>(adjusted);
  return nullptr;
}

// The message of an uncaught exception, as libstdc++ and libc++abi word it.
[[noreturn]] void terminate_uncaught(exception_header *h) {
  const char *mangled = h->type->name();
  int status = -1;
  char *demangled = __cxa_demangle(mangled, nullptr, nullptr, &status);
  fprintf(stderr, "terminate called after throwing an instance of '%s'\n", status == 0 && demangled ? demangled : mangled);
  if (const std::exception *e = as_std_exception(h->object, h->type)) fprintf(stderr, "  what():  %s\n", e->what());
  die();
}

// std::terminate's handler (a noexcept function that throws, a throwing destructor during unwinding): the
// native message, naming the exception being handled. libc++abi's own handler aborts silently here.
[[noreturn]] void report_terminate() {
  if (in_flight) terminate_uncaught(in_flight);
  if (caught_stack) terminate_uncaught(caught_stack);
  fputs("terminate called without an active exception\n", stderr);
  die();
}

struct install_terminate_handler {
  install_terminate_handler() { std::set_terminate(report_terminate); }
} installed;

[[noreturn]] void throw_payload(exception_header *h) {
  in_flight = h;
  uncaught++;
  __builtin_wasm_throw(0, h);  // tag 0: __cpp_exception, the tag clang's catch clauses catch
}

// ---- LSDA reading (the GCC except table clang emits for wasm: call sites indexed by landing pad) ----
constexpr uint8_t DW_EH_PE_omit = 0xff, DW_EH_PE_absptr = 0x00, DW_EH_PE_uleb128 = 0x01, DW_EH_PE_udata4 = 0x03,
                  DW_EH_PE_sdata4 = 0x0b;

uintptr_t read_uleb(const uint8_t *&p) {
  uintptr_t result = 0;
  unsigned shift = 0;
  uint8_t b;
  do {
    b = *p++;
    if (shift < 8 * sizeof result) result |= static_cast<uintptr_t>(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return result;
}

intptr_t read_sleb(const uint8_t *&p) {
  uintptr_t result = 0;
  unsigned shift = 0;
  uint8_t b;
  do {
    b = *p++;
    if (shift < 8 * sizeof result) result |= static_cast<uintptr_t>(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if ((b & 0x40) && shift < 8 * sizeof result) result |= ~static_cast<uintptr_t>(0) << shift;
  return static_cast<intptr_t>(result);
}

[[noreturn]] void bad_lsda(const char *what, unsigned value) {
  fprintf(stderr, "faasmpi: C++ exception table not understood (%s 0x%x)\n", what, value);
  die();
}

// Values of the encodings clang uses on wasm32; anything else is refused loudly.
uintptr_t read_encoded(const uint8_t *&p, uint8_t encoding) {
  switch (encoding) {
    case DW_EH_PE_uleb128: return read_uleb(p);
    case DW_EH_PE_absptr: case DW_EH_PE_udata4: case DW_EH_PE_sdata4: {
      uint32_t v;
      memcpy(&v, p, 4);
      p += 4;
      return v;
    }
    default: bad_lsda("pointer encoding", encoding);
  }
}

// The catch clause type of type-table entry `index` (1-based, counting back from the table's end); null
// is catch (...).
const shim_type_info *catch_type(const uint8_t *type_table_end, uint8_t encoding, intptr_t index) {
  if (encoding != DW_EH_PE_absptr && encoding != DW_EH_PE_udata4 && encoding != DW_EH_PE_sdata4)
    bad_lsda("type table encoding", encoding);
  const uint8_t *entry = type_table_end - index * 4;
  return reinterpret_cast<const shim_type_info *>(read_encoded(entry, encoding));
}

// Finds the catch clause of landing pad `pad` that takes the exception; returns its type index (0: none).
intptr_t select_handler(exception_header *h, const uint8_t *lsda, uintptr_t pad) {
  const uint8_t *p = lsda;
  uint8_t start_encoding = *p++;
  if (start_encoding != DW_EH_PE_omit) read_encoded(p, start_encoding);
  uint8_t type_encoding = *p++;
  const uint8_t *type_table_end = nullptr;
  if (type_encoding != DW_EH_PE_omit) {
    uintptr_t offset = read_uleb(p);
    type_table_end = p + offset;
  }
  uint8_t site_encoding = *p++;
  uintptr_t sites_length = read_uleb(p);
  const uint8_t *sites_end = p + sites_length;
  const uint8_t *actions = sites_end;
  for (uintptr_t index = 0; p < sites_end; index++) {
    read_encoded(p, site_encoding);  // landing pad: unused, the engine already jumped there
    uintptr_t action = read_uleb(p);
    if (index != pad) continue;
    if (action == 0) return 0;  // cleanups only
    const uint8_t *record = actions + action - 1;
    for (;;) {
      intptr_t type_index = read_sleb(record);
      const uint8_t *next_field = record;
      if (type_index > 0) {
        if (!type_table_end) bad_lsda("catch clause without a type table", 0);
        const shim_type_info *type = catch_type(type_table_end, type_encoding, type_index);
        void *adjusted = h->object;
        if (!type || type->can_catch(static_cast<const shim_type_info *>(h->type), adjusted)) {
          h->adjusted = adjusted;
          return type_index;
        }
      }
      // type_index 0 is a cleanup; negative ones are dynamic exception specifications, gone since C++17.
      intptr_t next = read_sleb(record);
      if (next == 0) return 0;
      record = next_field + next;
    }
  }
  return 0;
}

}  // namespace

extern "C" {

// Unwind reason codes the compiled code ignores but the ABI returns.
enum { URC_HANDLER_FOUND = 6, URC_CONTINUE_UNWIND = 8 };

int _Unwind_CallPersonality(void *payload) {
  landing_pad_context &context = __wasm_lpad_context;
  context.selector = 0;
  if (!context.lsda) return URC_CONTINUE_UNWIND;
  auto *h = static_cast<exception_header *>(payload);
  context.selector = static_cast<uintptr_t>(select_handler(h, reinterpret_cast<const uint8_t *>(context.lsda), context.lpad_index));
  return context.selector ? URC_HANDLER_FOUND : URC_CONTINUE_UNWIND;
}

void *__cxa_allocate_exception(size_t size) noexcept {
  void *block = calloc(1, sizeof(exception_header) + size);
  if (!block) {
    fputs("terminate called: out of memory allocating an exception\n", stderr);
    die();
  }
  auto *h = static_cast<exception_header *>(block);
  h->object = h + 1;
  return h->object;
}

void __cxa_free_exception(void *object) noexcept { free(header_of(object)); }

[[noreturn]] void __cxa_throw(void *object, std::type_info *type, destructor_fn destructor) {
  exception_header *h = header_of(object);
  h->type = type;
  h->destructor = destructor;
  h->handlers = 0;
  h->adjusted = object;
  h->references = 1;
  throw_payload(h);
}

// std::make_exception_ptr: an exception object that is not thrown (yet); exception_ptr counts references.
__cxxabiv1::__cxa_exception *__cxa_init_primary_exception(void *object, std::type_info *type,
                                                          destructor_fn destructor) noexcept {
  exception_header *h = header_of(object);
  h->type = type;
  h->destructor = destructor;
  h->references = 0;
  return reinterpret_cast<__cxxabiv1::__cxa_exception *>(h);  // opaque to libc++, which ignores it
}

void __cxa_increment_exception_refcount(void *object) noexcept {
  if (object) header_of(object)->references++;
}

void __cxa_decrement_exception_refcount(void *object) noexcept {
  if (object) release_primary(header_of(object));
}

// std::current_exception: the object of the exception being handled, with one more reference.
void *__cxa_current_primary_exception() noexcept {
  if (!caught_stack) return nullptr;
  exception_header *p = caught_stack->primary ? caught_stack->primary : caught_stack;
  p->references++;
  return p->object;
}

// std::rethrow_exception: throws the same object again, through a dependent header.
void __cxa_rethrow_primary_exception(void *object) {
  if (!object) return;
  exception_header *p = header_of(object);
  auto *d = static_cast<exception_header *>(calloc(1, sizeof(exception_header)));
  if (!d) {
    fputs("terminate called: out of memory rethrowing an exception\n", stderr);
    die();
  }
  d->type = p->type;
  d->object = d->adjusted = object;
  d->primary = p;
  p->references++;
  throw_payload(d);
}

int __cxa_uncaught_exceptions() noexcept { return uncaught; }
bool __cxa_uncaught_exception() noexcept { return uncaught != 0; }

void *__cxa_get_exception_ptr(void *payload) noexcept { return static_cast<exception_header *>(payload)->adjusted; }

void *__cxa_begin_catch(void *payload) noexcept {
  auto *h = static_cast<exception_header *>(payload);
  if (in_flight == h) in_flight = nullptr;
  uncaught--;
  h->handlers = (h->handlers < 0 ? -h->handlers : h->handlers) + 1;
  if (h != caught_stack) {
    h->next_caught = caught_stack;
    caught_stack = h;
  }
  return h->adjusted;
}

void __cxa_end_catch() {
  exception_header *h = caught_stack;
  if (!h) return;
  if (h->handlers < 0) {  // leaving the catch block by rethrowing: the next handler takes it over
    if (++h->handlers == 0) caught_stack = h->next_caught;
    return;
  }
  if (--h->handlers > 0) return;
  caught_stack = h->next_caught;
  release(h);
}

[[noreturn]] void __cxa_rethrow() {
  exception_header *h = caught_stack;
  if (!h) {
    fputs("terminate called without an active exception\n", stderr);
    die();
  }
  h->handlers = -h->handlers;
  throw_payload(h);
}

std::type_info *__cxa_current_exception_type() {
  return caught_stack ? const_cast<std::type_info *>(caught_stack->type) : nullptr;
}

[[noreturn]] void __cxa_call_unexpected(void *) {
  fputs("terminate called from an exception specification\n", stderr);
  die();
}

// main.c calls this (a weak reference) instead of main when the program throws: an exception nobody catches
// ends the program with the message of a native uncaught exception, instead of escaping into the runtime.
int __main_void(void);
int faasmpi_guarded_main(void) {
  try {
    return __main_void();
  } catch (...) {
    if (caught_stack) terminate_uncaught(caught_stack);  // __cxa_begin_catch put it there
    fputs("terminate called after throwing a foreign exception\n", stderr);
    die();
  }
}

}  // extern "C"
