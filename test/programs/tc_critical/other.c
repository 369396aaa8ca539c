// The second translation unit of tc_critical (see main.c).
extern volatile long tally;

long other_sum(const int *v, int n) {
  long s = 0;
#pragma omp parallel for reduction(+ : s)
  for (int i = 0; i < n; i++) s += v[i];
  return s;
}

void other_bump(int iterations) {
  for (int i = 0; i < iterations; i++) {
#pragma omp critical(tally)
    {
      long seen = tally;
      for (volatile int spin = 0; spin < 1000; spin++) {}
      tally = seen + 1;
    }
  }
}
