// C++ standard library: containers, algorithms, strings, iostreams, static constructors.
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

struct Registry {
  std::vector<std::string> names;
  Registry() { names = {"gamma", "alpha", "beta"}; }
};
static Registry registry;  // built by a static constructor

int main() {
  std::sort(registry.names.begin(), registry.names.end());
  std::map<std::string, int> lengths;
  for (const auto &n : registry.names) lengths[n] = static_cast<int>(n.size());
  std::vector<long> v(1000);
  std::iota(v.begin(), v.end(), 1);
  long total = std::accumulate(v.begin(), v.end(), 0L);
  auto p = std::make_unique<std::ostringstream>();
  *p << "sum=" << total;
  std::cout << p->str() << std::endl;
  for (const auto &[k, len] : lengths) std::cout << k << ':' << len << '\n';
  std::cerr << "to stderr" << std::endl;
  return 0;
}
