// The wasm stacks of running worker threads, for a job ended by its --timeout: through the inspector, each thread
// is paused by the debugger wherever it runs (also inside a compute loop, which nothing else can interrupt), its
// wasm frames are read, and it is resumed. A thread that does not pause in time (asleep in a wait) is left out:
// the caller describes it otherwise.
import { Session } from 'node:inspector';

interface Frame {
  functionName: string;
  location: { scriptId: string; columnNumber?: number };
}

/** threadId -> its wasm frames, innermost first, as "function (0xoffset)"; only threads that paused in time. */
export async function wasmStacks(threadIds: number[], waitMs = 1000): Promise<Map<number, string[]>> {
  const stacks = new Map<number, string[]>();
  if (threadIds.length === 0) return stacks;
  const session = new Session();
  try {
    session.connect();
  } catch {
    return stacks; // another debugger holds this process: no stacks, the job still ends
  }
  const post = (method: string, params?: object) => new Promise<unknown>((resolve) => session.post(method, params ?? {}, (_e, r) => resolve(r)));
  const wanted = new Set(threadIds.map(String));
  const sessions = new Map<string, number>(); // inspector session id -> threadId
  const wasmScripts = new Set<string>();
  let done!: () => void;
  const allDone = new Promise<void>((r) => (done = r));
  const toWorker = (sessionId: string, id: number, method: string) =>
    post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method }) });
  session.on('NodeWorker.attachedToWorker', (m) => {
    const { sessionId, workerInfo } = (m as unknown as { params: { sessionId: string; workerInfo: { title: string } } }).params;
    // The inspector numbers workers its own way; the title, "[worker N] ...", names the thread.
    const thread = /^\[worker (\d+)\]/.exec(workerInfo.title)?.[1];
    if (thread === undefined || !wanted.has(thread)) return;
    sessions.set(sessionId, Number(thread));
    void toWorker(sessionId, 1, 'Debugger.enable').then(() => toWorker(sessionId, 2, 'Debugger.pause'));
  });
  session.on('NodeWorker.receivedMessageFromWorker', (m) => {
    const { sessionId, message } = (m as unknown as { params: { sessionId: string; message: string } }).params;
    const thread = sessions.get(sessionId);
    if (thread === undefined) return;
    const msg = JSON.parse(message) as { method?: string; params?: { scriptId?: string; scriptLanguage?: string; callFrames?: Frame[] } };
    if (msg.method === 'Debugger.scriptParsed' && msg.params?.scriptLanguage === 'WebAssembly') wasmScripts.add(msg.params.scriptId!);
    else if (msg.method === 'Debugger.paused' && !stacks.has(thread)) {
      const frames = (msg.params?.callFrames ?? []).filter((f) => wasmScripts.has(f.location.scriptId));
      stacks.set(thread, frames.map((f) => `${f.functionName.replace(/^\$/, '') || '(unnamed)'} (0x${(f.location.columnNumber ?? 0).toString(16)})`));
      void toWorker(sessionId, 3, 'Debugger.resume').then(() => toWorker(sessionId, 4, 'Debugger.disable'));
      if (stacks.size === wanted.size) done();
    }
  });
  try {
    await post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    await Promise.race([allDone, new Promise((r) => setTimeout(r, waitMs).unref())]);
    for (const sessionId of sessions.keys()) await toWorker(sessionId, 5, 'Debugger.disable');
    await post('NodeWorker.disable');
  } finally {
    session.disconnect();
  }
  return stacks;
}
