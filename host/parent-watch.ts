// Preloaded (node --import) into a host process started for one launcher (faasmpirun --local-hosts): the
// launcher holds the write end of our stdin, and the OS closes it however the launcher ends, even by SIGKILL.
// Its end stops this host as SIGTERM would, and for certain shortly after.
import { isMainThread } from 'node:worker_threads';

const GRACE_MS = 5000;

function launcherGone(): void {
  setTimeout(() => process.exit(1), GRACE_MS).unref();
  process.kill(process.pid, 'SIGTERM');
}

// Worker threads inherit --import: only the process's main thread watches (a worker's stdin is its own).
if (isMainThread) {
  process.stdin.on('end', launcherGone);
  process.stdin.on('error', launcherGone);
  process.stdin.resume();
  // Watching must not keep the host alive once it has stopped by itself.
  (process.stdin as unknown as { unref?: () => void }).unref?.();
}
