// OpenMP in C++: a std::vector filled by a parallel for and reduced; a class whose method updates a std::map
// inside a critical section from every thread; a parallel loop over std::vector<std::string> lengths;
// lastprivate(conditional:) (clang 19 honours the modifier only in C++); a reduction declared on a class
// with a member combiner; tasks capturing C++ objects; threadprivate of a class with a constructor.
// No exceptions (our libc++ has none). Self-checking: failures print "FAIL: ..." and exit 1; success prints
// "OK omp_cpp threads=N".
#include "omp_check.h"
#include <algorithm>
#include <map>
#include <numeric>
#include <string>
#include <vector>

namespace {

void test_vector() {
  const int n = 10000;
  std::vector<long long> v(n);
#pragma omp parallel for schedule(static, 64)
  for (int i = 0; i < n; i++) v[i] = 3LL * i + 1;
  long long sum = 0;
#pragma omp parallel for reduction(+ : sum)
  for (size_t i = 0; i < v.size(); i++) sum += v[i];
  expect(3LL * n * (n - 1) / 2 + n, sum, "sum of a vector filled in parallel");
  expect(std::accumulate(v.begin(), v.end(), 0LL), sum, "parallel sum equals std::accumulate");
  // Iterator loops are canonical loops too (random-access iterators).
  long long odd = 0;
#pragma omp parallel for reduction(+ : odd)
  for (auto it = v.begin(); it != v.end(); ++it) odd += *it % 2;
  expect(n / 2, odd, "parallel for over vector iterators");
}

class WordCounter {
 public:
  void add(const std::string &word) {
    // std::map is not thread-safe: every update goes through one critical section.
#pragma omp critical(word_counter)
    {
      counts_[word]++;
      total_++;
    }
  }
  int count(const std::string &word) const {
    auto it = counts_.find(word);
    return it == counts_.end() ? 0 : it->second;
  }
  size_t distinct() const { return counts_.size(); }
  long total() const { return total_; }

 private:
  std::map<std::string, int> counts_;
  long total_ = 0;
};

void test_map() {
  const char *words[] = {"alpha", "beta", "gamma", "delta", "epsilon"};
  WordCounter wc;
#pragma omp parallel for schedule(dynamic, 7)
  for (int i = 0; i < 5000; i++) wc.add(std::string(words[i % 5]) + (i % 2 ? "" : "!"));
  expect(5000, wc.total(), "WordCounter total");
  expect(10, (long long)wc.distinct(), "WordCounter distinct words");
  for (const char *w : words) {
    expect(500, wc.count(w), "WordCounter count of %s", w);
    expect(500, wc.count(std::string(w) + "!"), "WordCounter count of %s!", w);
  }
}

void test_strings() {
  std::vector<std::string> names;
  for (int i = 0; i < 300; i++) names.push_back(std::string(i % 17 + 1, (char)('a' + i % 26)));
  std::vector<int> lengths(names.size());
  long long total = 0;
  size_t longest = 0;
#pragma omp parallel for reduction(+ : total) reduction(max : longest)
  for (size_t i = 0; i < names.size(); i++) {
    lengths[i] = (int)names[i].size();
    total += names[i].size();
    longest = std::max(longest, names[i].size());
  }
  long long want = 0;
  for (int i = 0; i < 300; i++) want += i % 17 + 1;
  expect(want, total, "total length of strings");
  expect(17, (long long)longest, "longest string");
  for (int i = 0; i < 300; i++) expect(i % 17 + 1, lengths[i], "length of string %d", i);

  // Strings built in parallel, one per iteration, then joined in order.
  std::vector<std::string> parts(50);
#pragma omp parallel for
  for (int i = 0; i < 50; i++) parts[i] = std::to_string(i * i);
  std::string joined;
  for (auto &p : parts) joined += p + ",";
  std::string want_joined;
  for (int i = 0; i < 50; i++) want_joined += std::to_string(i * i) + ",";
  expect(0, joined != want_joined, "strings built in parallel");
}

void test_conditional_lastprivate() {
  int cond = -1;
#pragma omp parallel for lastprivate(conditional : cond) schedule(static, 1)
  for (int k = 0; k < 100; k++)
    if (k % 10 == 3) cond = k;
  expect(93, cond, "lastprivate(conditional:) static,1: the last assignment");
  cond = -1;
#pragma omp parallel for lastprivate(conditional : cond) schedule(monotonic : dynamic, 4)
  for (int k = 0; k < 100; k++)
    if (k % 13 == 5) cond = k;
  expect(96, cond, "lastprivate(conditional:) dynamic,4: the last assignment");
}

struct Extent {
  long long lo = 1LL << 40, hi = -(1LL << 40);
  void merge(const Extent &o) {
    lo = std::min(lo, o.lo);
    hi = std::max(hi, o.hi);
  }
};
#pragma omp declare reduction(extent : Extent : omp_out.merge(omp_in)) initializer(omp_priv = Extent())

void test_class_reduction() {
  Extent e;
#pragma omp parallel for reduction(extent : e)
  for (int i = 0; i < 1000; i++) {
    long long v = (i * 7919) % 1000 - 300;
    e.lo = std::min(e.lo, v);
    e.hi = std::max(e.hi, v);
  }
  expect(-300, e.lo, "declare reduction on a class: lo");
  expect(699, e.hi, "declare reduction on a class: hi");
}

void test_tasks() {
  std::vector<std::string> out(20);
#pragma omp parallel
#pragma omp single
  for (int i = 0; i < 20; i++) {
    std::string label = "task-" + std::to_string(i);  // firstprivate: the task gets its own copy
#pragma omp task firstprivate(label) shared(out)
    out[i] = label + "/" + std::to_string(label.size());
  }
  for (int i = 0; i < 20; i++) {
    std::string label = "task-" + std::to_string(i);
    expect(0, out[i] != label + "/" + std::to_string(label.size()), "task %d's string", i);
  }
}

// A threadprivate object with a constructor: every thread's copy is constructed before its first use.
struct Tally {
  int seen[16];
  int count;
  int base;
  Tally() : count(0), base(1000) {}
  void note(int v) {
    if (count < 16) seen[count] = v;
    count++;
  }
};
Tally tally;
#pragma omp threadprivate(tally)

void test_threadprivate_object() {
  int bad = 0;
#pragma omp parallel reduction(+ : bad)
  {
    bad += tally.base != 1000;
    bad += tally.count != 0;
    for (int k = 0; k < 10; k++) tally.note(omp_get_thread_num());
  }
#pragma omp parallel reduction(+ : bad)
  {
    bad += tally.count != 10;
    for (int k = 0; k < 10 && k < tally.count; k++) bad += tally.seen[k] != omp_get_thread_num();
  }
  expect(0, bad, "threadprivate object: constructed per thread, persistent, thread's own");
}

// A thread_local object with a non-trivial destructor (its registration needs __cxa_thread_atexit): each
// thread gets its own, and it keeps its contents from one region to the next.
thread_local std::vector<int> history;

void test_thread_local_with_destructor() {
  int bad = 0;
#pragma omp parallel reduction(+ : bad)
  {
    bad += !history.empty();
    history.push_back(omp_get_thread_num());
  }
#pragma omp parallel reduction(+ : bad)
  {
    history.push_back(omp_get_thread_num());
    bad += history.size() != 2 || history[0] != omp_get_thread_num() || history[1] != omp_get_thread_num();
  }
  expect(0, bad, "thread_local std::vector: per thread, persistent across regions");
}

}  // namespace

int main() {
  check_init();
  test_vector();
  test_map();
  test_strings();
  test_conditional_lastprivate();
  test_class_reduction();
  test_tasks();
  test_threadprivate_object();
  test_thread_local_with_destructor();
  return check_finish("omp_cpp");
}
