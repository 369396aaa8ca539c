// faasmpirun --wait-hosts N: a launcher started together with its hosts (a Kubernetes job, a batch script) waits
// until N hosts are live in the cluster's shared state before placing, instead of failing or placing on fewer.
import { setTimeout as delay } from 'node:timers/promises';
import type { ClusterState, HostRecord } from './state/types.js';

const POLL_MS = 250;

/** The live hosts once there are at least n; an error naming how many there were when timeoutMs passes. */
export async function waitForHosts(state: ClusterState, n: number, timeoutMs: number, where: string): Promise<HostRecord[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const live = await state.liveHosts();
    if (live.length >= n) return live;
    if (Date.now() >= until) {
      throw new Error(`only ${live.length} of the ${n} hosts asked for (--wait-hosts) were live in ${where} after ${timeoutMs / 1000} s (--wait-timeout S sets the limit)`);
    }
    await delay(Math.min(POLL_MS, Math.max(0, until - Date.now())));
  }
}
