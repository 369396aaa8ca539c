/* Declares a host function no runtime provides: the launcher must refuse it before running. */
__attribute__((import_module("mystery_host"), import_name("summon"))) int summon(int);
int main(void) { return summon(1); }
