// Constructors build state that main reads; run fresh or from a snapshot, the output must be identical.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

static std::vector<double> table = [] {
  std::vector<double> t(20000);
  for (size_t i = 0; i < t.size(); i++) t[i] = 1.0 / double(i + 1);
  return t;
}();
static std::map<std::string, int> words = {{"one", 1}, {"two", 2}, {"three", 3}};
static int constructed = 0;
__attribute__((constructor)) static void count_construction() { constructed++; }

int main(int argc, char **argv) {
  double h = 0;
  for (double x : table) h += x;
  char *heap = static_cast<char *>(std::malloc(1 << 20));  // the heap keeps working after a restore
  heap[(1 << 20) - 1] = 7;
  std::printf("harmonic=%.12f words=%zu constructed=%d heap=%d argc=%d arg=%s\n", h, words.size(), constructed,
              heap[(1 << 20) - 1], argc, argc > 1 ? argv[1] : "-");
  std::free(heap);
  return 0;
}
