// Issues the credentials the kustomize base's Secrets are generated from: one host certificate per host pod
// (its name is its host id) and one user certificate for the example launcher Job, signed by the operator's
// cluster CA, laid out in deploy/kubernetes/base/credentials/ (not checked in) as kustomization.yaml lists them.
// The CA's key stays in the operator's CA directory; only its certificate is copied.
//   node dist/deploy/credentials.js --ca DIR [--user NAME] [--out DIR]
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CertError, caFiles, issueHost, issueUser } from '../cluster/trust/certs.js';
import { CREDENTIALS_DIR, DEPLOYMENT, hostCredentialFiles, hostIds } from './manifests.js';
import { baseDir } from './render.js';

/** Issues every host's and the user's credentials from the CA in caDir into out (hosts/ and user/). */
export function issueDeploymentCredentials(caDir: string, out: string, user: string = DEPLOYMENT.user): void {
  const hosts = join(out, 'hosts'), users = join(out, 'user');
  for (const dir of [out, hosts, users]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  copyFileSync(caFiles(caDir).cert, join(hosts, 'ca.pem'));
  for (const id of hostIds) {
    // Links are checked by certificate subject, not address: pod IPs need not be known here.
    const issued = issueHost(caDir, id, [`${id}.${DEPLOYMENT.hosts.name}`]);
    const names = hostCredentialFiles(id);
    copyFileSync(issued.cert, join(hosts, names.cert));
    copyFileSync(issued.key, join(hosts, names.key));
    rmSync(issued.dir, { recursive: true }); // the pod's key lives in one place: the Secret's source
  }
  const issued = issueUser(caDir, user);
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) copyFileSync(join(issued.dir, f), join(users, f));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { values } = parseArgs({ options: { ca: { type: 'string' }, user: { type: 'string' }, out: { type: 'string' } } });
    if (!values.ca) throw new CertError('--ca DIR is required: the cluster CA (faasmpi certs init --dir DIR)');
    const out = resolve(values.out ?? join(baseDir, CREDENTIALS_DIR));
    issueDeploymentCredentials(resolve(values.ca), out, values.user);
    process.stdout.write(`issued ${hostIds.length} host certificates (${hostIds.join(', ')}) and user ${values.user ?? DEPLOYMENT.user}'s into ${out}\n`);
  } catch (e) {
    process.stderr.write(`deploy/credentials: ${(e as Error).message}\n`);
    process.exitCode = 2;
  }
}
