// `faasmpi migrate`: an operator's request to move ranks of a running job, sent with the user's certificate to a
// host of the job (the host checks that the user owns the job and passes the request to the job's launcher,
// which answers it at the job's next migration point). Hosts are tried in turn: one whose ranks all moved away
// no longer runs the job.
import { control, type MigrateRequest } from './job-protocol.js';
import type { Credentials } from './trust/credentials.js';
import { connectLink } from './wire/link.js';

const REPLY_MS = 15_000;

/** Sends the request; resolves with the host's acceptance line, rejects with the refusals. */
export async function requestMove(job: string, request: MigrateRequest, addresses: string[], credentials: Credentials): Promise<string> {
  const problems: string[] = [];
  for (const address of addresses) {
    let link;
    try {
      link = await connectLink(address, credentials);
    } catch (e) {
      problems.push(`${address}: ${(e as Error).message}`);
      continue;
    }
    try {
      const reply = await new Promise<{ kind: string; json: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer within ${REPLY_MS / 1000} s`)), REPLY_MS);
        link.on('message', (e) => {
          if (!('control' in e) || e.control.job !== job) return;
          if (e.control.kind !== 'migrate-accepted' && e.control.kind !== 'refused') return;
          clearTimeout(timer);
          resolve(e.control);
        });
        link.on('close', (why) => { clearTimeout(timer); reject(new Error(`the host closed the link: ${why}`)); });
        link.send(control('migrate-request', job, credentials.identity.name, request));
      });
      if (reply.kind === 'migrate-accepted') return `job ${job}: the move was passed to its launcher (host ${link.peer}); it happens at the job's next migration point`;
      let message = 'refused';
      try { message = String((JSON.parse(reply.json) as { message?: unknown }).message ?? message); } catch { /* keep */ }
      // A host that does not run the job is not the last word: another one may.
      problems.push(message);
      if (!/runs no job/.test(message)) break;
    } catch (e) {
      problems.push(`${address}: ${(e as Error).message}`);
    } finally {
      link.close('request done');
    }
  }
  throw new Error(problems.join('; ') || 'no hosts to ask');
}
