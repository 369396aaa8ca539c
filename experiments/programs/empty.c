/* Start-up latency subject: does nothing, prints nothing. */
int main(void) { return 0; }
