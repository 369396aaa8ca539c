// A real redis-server for tests: started on a free loopback port with no persistence, stopped after.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './helpers.js';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops or resumes the server process (SIGSTOP/SIGCONT): a stalled Redis, for fault tests. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}


function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let failed: Error | undefined;
  child.on('error', (e) => { failed = new Error(`cannot start redis-server (run setup.sh): ${e.message}`); });
  for (let i = 0; i < 100 && !failed; i++) {
    if (await accepts(port)) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        pause: () => child.kill('SIGSTOP'),
        resume: () => child.kill('SIGCONT'),
        stop: () => new Promise((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGCONT');
          child.kill('SIGTERM');
        }),
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw failed ?? new Error(`redis-server did not start on port ${port}`);
}
