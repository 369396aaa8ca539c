// Definitions called from main.c through declarations without a prototype.
static int total;

int add(a, b)
int a, b;
{ return a + b; }

int record(int x) { total += x; return total; }
int recorded(void) { return total; }
int first(int x) { return x + 1; }
