// Misuse of OpenMP or a runtime limit: ends the job with a message naming the call (the Faaslet adds the rank
// and thread), never a silent wrong answer.
export class OmpError extends Error {}
