// An uncaught C++ exception: must end the program with the type and what() in the message.
#include <cstdio>
#include <stdexcept>
#include <string>

static void deep(int n) {
  if (n == 0) throw std::runtime_error("boom at depth " + std::to_string(3));
  deep(n - 1);
}

int main(int argc, char **) {
  std::printf("before throw\n");
  std::fflush(stdout);
  try {
    if (argc > 1) throw 42;
    deep(3);
  } catch (const std::logic_error &e) {
    std::printf("wrong handler: %s\n", e.what());
  }
  return 0;
}
