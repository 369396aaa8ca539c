// Samples how busy the rest of the machine is, for HostLoad: CPU time of all processes (/proc/stat) minus this
// process's own (/proc/self/stat, which includes all its worker threads), over the last interval. Runs on the
// host's main thread, which only does networking and control, so a sample never delays a Faaslet. It also
// counts the threads of other processes that want a core (runnable ones in /proc/loadavg, less this host's own
// running Faaslets and the sampler), smoothed over about a second: busy cores alone cannot tell one competing
// process from twenty.
import { readFileSync } from 'node:fs';
import type { HostLoad } from '../mpi/transport/host-load.js';

const INTERVAL_MS = 100;

interface Sample { busy: number; total: number; self: number }

function read(): Sample | undefined {
  try {
    // "cpu  user nice system idle iowait irq softirq steal ..." in clock ticks, summed over all CPUs.
    const cpu = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const idle = cpu[3] + cpu[4];
    const total = cpu.reduce((a, b) => a + b, 0);
    // Fields after the ")" of the command name: utime and stime are the 12th and 13th.
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { busy: total - idle, total, self: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined; // no /proc: nothing is known about other processes, so only our own count limits spinning
  }
}

/** Runnable threads of the whole machine now ("1/93" in /proc/loadavg: the runnable ones, this reader included). */
function runnableNow(): number | undefined {
  try {
    const n = Number(readFileSync('/proc/loadavg', 'latin1').split(' ')[3]?.split('/')[0]);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Weight of a new sample in the runnable count's moving average (a few samples, a few hundred ms). */
const SMOOTHING = 0.3;

export class MachineLoadSampler {
  private last: Sample | undefined = read();
  /** Runnable threads of other processes, smoothed; the first sample (taken at once, before any job) as it is. */
  private runnable: number | undefined;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly load: HostLoad, private readonly machineCores: number) {
    this.sampleRunnable();
    if (this.last) this.timer = setInterval(() => this.sample(), INTERVAL_MS).unref();
  }

  private sampleRunnable(): void {
    const runnable = runnableNow();
    if (runnable === undefined) return;
    const others = Math.max(0, runnable - 1 - this.load.running());
    this.runnable = this.runnable === undefined ? others : this.runnable + SMOOTHING * (others - this.runnable);
    this.load.setExternalRunnableMilli(this.runnable * 1000);
  }

  private sample(): void {
    this.sampleRunnable();
    const now = read();
    const last = this.last;
    this.last = now;
    if (!now || !last || now.total <= last.total) return;
    const others = Math.max(0, now.busy - last.busy - (now.self - last.self));
    this.load.setExternalMilliCores((others / (now.total - last.total)) * this.machineCores * 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
