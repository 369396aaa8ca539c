// Cold-start subject with real initialisation work: C++ static constructors building tables.
#include <cstdio>
#include <map>
#include <string>
#include <vector>
static std::vector<double> weights = [] {
  std::vector<double> w(50000);
  for (size_t i = 0; i < w.size(); i++) w[i] = 1.0 / double(i + 1);
  return w;
}();
static std::map<int, std::string> names = [] {
  std::map<int, std::string> m;
  for (int i = 0; i < 2000; i++) m[i] = "item" + std::to_string(i);
  return m;
}();
int main() { std::printf("%zu %zu %.3f\n", weights.size(), names.size(), weights[1]); return 0; }
