// Where the shared state of one process's OpenMP runtime lives: one SharedArrayBuffer of Int32 words, seen by
// every thread of the process (each thread is a Faaslet in its own worker, so nothing else is shared). Words
// written by different threads in hot paths sit on different 64-byte lines.

export const LINE = 16; // Int32 words per 64-byte cache line

/** Threads per process, including the main thread (gtid 0). A thread's gtid is its slot index. */
export const MAX_THREADS = 256;
/** Teams alive at once (each forking thread keeps one per nesting level it forks at). */
export const MAX_TEAMS = 64;
/** Nesting levels whose ancestors' thread numbers a team records. */
export const MAX_LEVELS = 16;
/** Shared-variable pointers a parallel region may take. */
export const MAX_ARGS = 128;
/** Worksharing loops in flight at once in a team (threads may be several nowait loops apart). */
export const DISPATCH_BUFFERS = 8;
export const DISPATCH_WORDS = 2 * LINE;
/** Deferred tasks queued in a team at once; a task created when the queue is full runs at once. */
export const TASK_RING = 1024;

// Process header.
export const P = {
  lock: 0,            // guards slot and team allocation
  shutdown: 1,        // set when the main thread ends: pool threads return
  started: 2,         // pool threads asked of the host so far
  standbyReady: 3,    // standby threads instantiated and able to take a team (see OmpProcess.requestStandby)
  grant: LINE,        // host's answer to a thread request: -1 pending, else the number granted
} as const;

// Thread slots.
export const THREADS_BASE = 4 * LINE;
export const THREAD_WORDS = LINE;
export const T = {
  mailbox: 0,  // bumped to hand the thread a team; the thread waits on it
  team: 1,
  tnum: 2,
  state: 3,    // ThreadState
  sleeping: 4, // 1 while blocked in Atomics.wait on the mailbox
  // A thread started before its process's first fork (standby) gets its guest blocks here, from the thread that
  // first claims it (written before its mailbox is bumped).
  stackTop: 5,
  tlsBlock: 6,
  scratch: 7,
  tlsReady: 9, // 1 once the thread's TLS block is initialised (then another thread may run code on it)
  share: 8,    // ShareState of the team share last handed to the thread: whoever takes it runs it (see runLateShares)
} as const;
export const enum ThreadState { free = 0, idle = 1, claimed = 2, starting = 3 }
/** A member's share of a region: offered by the forker, then taken by the member or, if it is late, by the forker. */
export const enum ShareState { none = 0, offered = 1, taken = 2, runByForker = 3 }

// Teams.
export const TEAMS_BASE = THREADS_BASE + MAX_THREADS * THREAD_WORDS;
export const TEAM_WORDS = 2048;
export const M = {
  inUse: 0,
  nthreads: 1,
  microtask: 2,
  argc: 3,
  level: 4,
  activeLevel: 5,
  dynamic: 6,
  runSched: 7,
  runChunk: 8,
  nthreadsListLength: 9,
  maxActiveLevels: 10, // a process-wide ICV: the forker's value reaches every member
  // Worksharing constructs a hot team met in earlier regions: counting on (instead of resetting the dispatch
  // buffers at every fork) keeps a fork cheap.
  loopBase: 11,
  singleBase: 12,
  configGen: 13, // bumped when level, ancestors or ICVs change, so members re-read them only then
  // Threads of the team on this host: fewer than nthreads when the team is spread over hosts (openmp/spread/)
  localThreads: 14,
  firstLocal: 15, // the lowest thread number of the team on this host
  // barrier (line 1): generation and arrivals in one word (see BARRIER_GEN), so a release can only ever
  // complete the generation its releaser arrived in
  barrier: LINE,
  barrierSleepers: LINE + 1,
  // single (line 2)
  single: 2 * LINE,
  // reductions and copyprivate (line 3)
  reduceArrived: 3 * LINE,
  reduceGen: 3 * LINE + 1,
  copyData: 3 * LINE + 2,
  // tasks (line 4)
  taskLock: 4 * LINE,
  taskHead: 4 * LINE + 1,
  taskTail: 4 * LINE + 2,
  activeTasks: 4 * LINE + 3, // queued or running: the barrier waits for zero
  nthreadsList: 5 * LINE,                  // MAX_LEVELS words: nthreads-var for the levels below
  ancestorTnum: 6 * LINE,                  // MAX_LEVELS words: thread number at each enclosing level
  ancestorSize: 7 * LINE,                  // MAX_LEVELS words: team size at each enclosing level
  members: 8 * LINE,                       // MAX_THREADS words: gtid of each thread number
  args: 8 * LINE + MAX_THREADS,            // MAX_ARGS words
  reduceData: 8 * LINE + MAX_THREADS + MAX_ARGS, // MAX_THREADS words: each thread's reduction data pointer
  dispatch: 8 * LINE + 2 * MAX_THREADS + MAX_ARGS,
  tasks: 8 * LINE + 2 * MAX_THREADS + MAX_ARGS + DISPATCH_BUFFERS * DISPATCH_WORDS,
} as const;
if (M.tasks + TASK_RING > TEAM_WORDS) throw new Error('openmp layout: team words overflow');

/** The barrier word is generation * BARRIER_GEN + arrivals (at most MAX_THREADS < BARRIER_GEN). */
export const BARRIER_GEN = 1024;

// One dispatch buffer (a dynamically scheduled loop in flight).
export const D = {
  claim: 0,   // loop instance (+1) that claimed the buffer; the claimer resets it
  owner: 1,   // loop instance (+1) the buffer serves, once reset
  done: 2,    // threads finished with it
  next: LINE, // next chunk (dynamic) or iteration (guided), on its own line
  ordered: LINE + 1, // next iteration allowed into an ordered region
} as const;

export const PROCESS_WORDS = TEAMS_BASE + MAX_TEAMS * TEAM_WORDS;

export function threadWord(gtid: number, field: number): number {
  return THREADS_BASE + gtid * THREAD_WORDS + field;
}
export function teamWord(team: number, field: number): number {
  return TEAMS_BASE + team * TEAM_WORDS + field;
}
