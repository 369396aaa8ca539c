// Definition for bad_main.c.
double scale(double x) { return x * 2; }
