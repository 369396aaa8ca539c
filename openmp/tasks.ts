// Explicit tasks. A task lives in guest memory: a header of ours, then the kmp_task_t clang fills in, then its
// shared-variable block. Deferred tasks go to the team's queue (any thread of the team may run them: at
// barriers, taskwait, taskgroup ends and taskyield); a full queue, a team of one or a final task runs the new
// task at once. Header word `count` is 1 while the task runs plus one per unfinished child, so the header
// outlives the task until its last child is done (children decrement it).
import { OmpError } from './errors.js';
import { M, TASK_RING } from './layout.js';
import type { OmpGuest } from './guest.js';
import type { Frame } from './frame.js';
import type { Waiting } from './wait.js';

export const HDR = 32;
const H = { parent: 0, count: 4, group: 8, flags: 12, size: 16, final: 20, deferred: 24 } as const;
const FLAG_FINAL = 2, FLAG_DESTRUCTORS = 8;
// kmp_task_t (wasm32): shareds, routine, part_id, data1 (destructors thunk), data2
const TASK_SHAREDS = 0, TASK_ROUTINE = 4, TASK_DATA1 = 12;

/** What a thread is running: an implicit task (a region) or an explicit task, and its open taskgroup. */
interface TaskCtx {
  hdr: number;
  group: number;
  final: boolean;
  /**
   * clang splits an untied task into parts: at a scheduling point inside it, the task submits itself again and
   * its entry returns, to be called again for the next part. We run the next part at once on the same thread
   * (running an untied task as if tied is allowed), so the resubmission only sets this flag.
   */
  resume?: boolean;
}


/**
 * An empty array that holds objects from the start. A fresh [] has another hidden class until its first push:
 * code V8 optimised during the warm-up (on warm-up stacks long since grown) deoptimised at a job's first region.
 */
function objectArray<T>(): T[] {
  const a: (T | undefined)[] = [undefined];
  a.pop();
  return a as T[];
}

export class Tasks {
  private readonly stack: TaskCtx[] = objectArray<TaskCtx>();

  constructor(
    private readonly g: OmpGuest,
    private readonly waiting: Waiting,
    private readonly frame: () => Frame,
    private readonly gtid: () => number,
  ) {}

  private i32(ptr: number): number { return Atomics.load(this.g.i32View(ptr), ptr >> 2); }
  private set(ptr: number, v: number): void { Atomics.store(this.g.i32View(ptr), ptr >> 2, v); }
  private add(ptr: number, v: number): number { return Atomics.add(this.g.i32View(ptr), ptr >> 2, v); }

  /** Starts an implicit task (a thread's part of a region) with its header at `hdr`. */
  beginImplicit(hdr: number): void {
    // Only this thread sees the header until it creates a task: plain stores, then one atomic for the count.
    for (let i = 0; i < HDR; i += 4) this.set(hdr + i, 0);
    this.set(hdr + H.count, 1);
    this.stack.push({ hdr, group: 0, final: false });
  }
  endImplicit(): void {
    this.stack.pop();
  }

  private get current(): TaskCtx {
    return this.stack[this.stack.length - 1];
  }

  get inFinal(): boolean {
    return this.current?.final ?? false;
  }

  /** __kmpc_omp_task_alloc */
  alloc(flags: number, sizeofTask: number, sizeofShareds: number, entry: number): number {
    const taskBytes = (sizeofTask + 7) & ~7;
    const size = HDR + taskBytes + sizeofShareds;
    const hdr = this.g.alloc(size, 8);
    this.g.mem.bytes(hdr, size).fill(0);
    const cur = this.current;
    this.set(hdr + H.parent, cur.hdr);
    this.set(hdr + H.count, 1);
    this.set(hdr + H.flags, flags);
    this.set(hdr + H.size, size);
    this.set(hdr + H.final, (flags & FLAG_FINAL) !== 0 || cur.final ? 1 : 0);
    const task = hdr + HDR;
    this.set(task + TASK_SHAREDS, sizeofShareds > 0 ? task + taskBytes : 0);
    this.set(task + TASK_ROUTINE, entry);
    return task;
  }

  /** The task becomes a child of its parent (and a member of the open taskgroup). */
  private adopt(task: number): number {
    const hdr = task - HDR;
    this.add(this.i32(hdr + H.parent) + H.count, 1);
    const group = this.current.group;
    this.set(hdr + H.group, group);
    if (group) this.add(group, 1);
    return hdr;
  }

  /** __kmpc_omp_task: defer the task (or run it now when it cannot be deferred). */
  submit(task: number): void {
    const cur = this.current;
    if (cur.hdr === task - HDR) {
      cur.resume = true;
      return;
    }
    const hdr = this.adopt(task);
    const f = this.frame();
    if (f.words && !this.current.final && this.enqueue(f.words, hdr)) return;
    this.execute(hdr);
  }

  private enqueue(w: Int32Array, hdr: number): boolean {
    this.lockQueue(w);
    const head = w[M.taskHead], tail = w[M.taskTail];
    if (tail - head >= TASK_RING) {
      Atomics.store(w, M.taskLock, 0);
      return false;
    }
    this.set(hdr + H.deferred, 1);
    Atomics.add(w, M.activeTasks, 1);
    w[M.tasks + (tail % TASK_RING)] = hdr;
    Atomics.store(w, M.taskTail, tail + 1);
    Atomics.store(w, M.taskLock, 0);
    // Threads asleep in a barrier run queued tasks when woken.
    if (Atomics.load(w, M.barrierSleepers) > 0) Atomics.notify(w, M.barrier);
    return true;
  }

  private lockQueue(w: Int32Array): void {
    while (Atomics.compareExchange(w, M.taskLock, 0, 1) !== 0) { /* held for a few instructions only */ }
  }

  /** Runs one queued task of the team, if there is one. */
  runOne(): boolean {
    const w = this.frame().words;
    if (!w || Atomics.load(w, M.taskHead) === Atomics.load(w, M.taskTail)) return false;
    this.lockQueue(w);
    const head = w[M.taskHead];
    if (head === w[M.taskTail]) {
      Atomics.store(w, M.taskLock, 0);
      return false;
    }
    const hdr = w[M.tasks + (head % TASK_RING)];
    Atomics.store(w, M.taskHead, head + 1);
    Atomics.store(w, M.taskLock, 0);
    this.execute(hdr);
    return true;
  }

  private execute(hdr: number): void {
    // Tasks it creates belong to its taskgroup too: a taskgroup waits for all descendants.
    const ctx: TaskCtx = { hdr, group: this.i32(hdr + H.group), final: this.i32(hdr + H.final) !== 0 };
    this.stack.push(ctx);
    try {
      this.runParts(ctx, true);
    } finally {
      this.stack.pop();
    }
    this.finish(hdr);
  }

  /** Calls the task's entry (the first time if `first`), and again for each further part of an untied task. */
  private runParts(ctx: TaskCtx, first: boolean): void {
    const task = ctx.hdr + HDR;
    const entry = this.g.fn(this.i32(task + TASK_ROUTINE)) as (gtid: number, task: number) => number;
    if (!first && !ctx.resume) return;
    do {
      ctx.resume = false;
      entry(this.gtid(), task);
    } while (ctx.resume);
  }

  private finish(hdr: number): void {
    const task = hdr + HDR;
    const flags = this.i32(hdr + H.flags);
    if (flags & FLAG_DESTRUCTORS) (this.g.fn(this.i32(task + TASK_DATA1)) as (g: number, t: number) => void)(this.gtid(), task);
    const parent = this.i32(hdr + H.parent);
    const group = this.i32(hdr + H.group);
    const deferred = this.i32(hdr + H.deferred) !== 0;
    if (group) this.add(group, -1);
    this.release(hdr);
    this.releaseParent(parent);
    if (deferred) {
      const w = this.frame().words;
      if (w) Atomics.sub(w, M.activeTasks, 1);
    }
  }

  /** Drops one reference to an explicit task's header; frees it with the last. */
  private release(hdr: number): void {
    if (this.add(hdr + H.count, -1) === 1) this.g.free(hdr);
  }

  private releaseParent(parent: number): void {
    // An implicit task's header is never freed (its count never drops to 0: it holds its own reference).
    const old = this.add(parent + H.count, -1);
    if (old === 1) this.g.free(parent);
  }

  /** __kmpc_omp_taskwait: until every child of the current task has finished. */
  taskwait(): void {
    const hdr = this.current.hdr;
    const idx = (hdr + H.count) >> 2;
    for (let v = this.i32(hdr + H.count); v !== 1; v = this.i32(hdr + H.count)) {
      if (this.runOne()) continue;
      this.waiting.untilChanged(this.g.i32View(hdr + H.count), idx, v, undefined, () => this.runOne());
    }
  }

  taskyield(): void {
    this.runOne();
  }

  /** A task with dependences: run once every earlier sibling has finished (a safe order for any dependence). */
  submitWithDeps(task: number): void {
    this.taskwait();
    this.execute(this.adopt(task));
  }

  /** __kmpc_omp_task_begin_if0 / complete_if0: an undeferred task whose body the caller runs itself. */
  beginIf0(task: number): void {
    const hdr = this.adopt(task);
    this.stack.push({ hdr, group: this.i32(hdr + H.group), final: this.i32(hdr + H.final) !== 0 });
  }
  completeIf0(task: number): void {
    const hdr = task - HDR;
    const ctx = this.current;
    if (ctx.hdr !== hdr) throw new OmpError('__kmpc_omp_task_complete_if0 for a task that is not running');
    try {
      this.runParts(ctx, false); // the caller ran the first part; an untied task may have more
    } finally {
      this.stack.pop();
    }
    this.finish(hdr);
  }

  taskgroupBegin(): void {
    const group = this.g.alloc(16, 8);
    this.set(group, 0);
    this.set(group + 4, this.current.group);
    this.current.group = group;
  }

  taskgroupEnd(): void {
    const group = this.current.group;
    if (!group) throw new OmpError('__kmpc_end_taskgroup without a taskgroup');
    for (let v = this.i32(group); v !== 0; v = this.i32(group)) {
      if (this.runOne()) continue;
      this.waiting.untilChanged(this.g.i32View(group), group >> 2, v, undefined, () => this.runOne());
    }
    this.current.group = this.i32(group + 4);
    this.g.free(group);
  }

  /**
   * __kmpc_taskloop: splits the pattern task's iterations [*lb, *ub] (step st) into tasks. sched 0: default,
   * 1: grainsize, 2: num_tasks. taskDup (if any) fixes each copy's private data (lastprivate flag).
   */
  taskloop(task: number, ifVal: number, lbPtr: number, ubPtr: number, st: bigint, nogroup: number, sched: number, grain: bigint, taskDup: number): void {
    const hdr = task - HDR;
    const lb = this.g.readInt(lbPtr, '8'), ub = this.g.readInt(ubPtr, '8');
    const step = Number(st);
    const trip = step > 0 ? (lb > ub ? 0 : Math.floor((ub - lb) / step) + 1) : (lb < ub ? 0 : Math.floor((lb - ub) / -step) + 1);
    const nthreads = this.frame().nthreads;
    let ntasks: number;
    if (sched === 1) ntasks = Math.max(1, Math.floor(trip / Math.max(1, Number(grain))));
    else if (sched === 2) ntasks = Math.max(1, Number(grain));
    else ntasks = nthreads * 4;
    ntasks = Math.min(ntasks, trip);
    if (!nogroup) this.taskgroupBegin();
    const size = this.i32(hdr + H.size);
    const lbOff = lbPtr - task, ubOff = ubPtr - task;
    const shareds = this.i32(task + TASK_SHAREDS);
    let first = 0;
    for (let k = 0; k < ntasks; k++) {
      const count = Math.floor(trip / ntasks) + (k < trip % ntasks ? 1 : 0);
      const copyHdr = this.g.alloc(size, 8);
      const bytes = this.g.mem.all(Math.max(hdr, copyHdr) + size);
      bytes.copyWithin(copyHdr, hdr, hdr + size);
      const copy = copyHdr + HDR;
      this.set(copyHdr + H.count, 1);
      if (shareds) this.set(copy + TASK_SHAREDS, copy + (shareds - task));
      this.g.writeInt(copy + lbOff, '8', lb + first * step);
      this.g.writeInt(copy + ubOff, '8', lb + (first + count - 1) * step);
      if (taskDup) (this.g.fn(taskDup) as (d: number, s: number, last: number) => void)(copy, task, k === ntasks - 1 ? 1 : 0);
      if (ifVal) this.submit(copy);
      else this.execute(this.adopt(copy));
      first += count;
    }
    if (!nogroup) this.taskgroupEnd();
    this.g.free(hdr); // the pattern task itself never runs
  }
}
