// A second unprototyped call of record() (see main.c) with another call type, (i32, i32) -> i32, so the
// module gets two different stubs for one function; this one uses the result.
int record();
int record_more(void) { return record(10, 99); }
