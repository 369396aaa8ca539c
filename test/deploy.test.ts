// The Kubernetes deployment (deploy/): the checked-in kustomize base is what manifests.ts renders; every object
// validates against the Kubernetes schemas (offline, from the kubernetes-models package); names, ports, labels,
// volumes and Secrets agree across objects; a host pod's init script and `faasmpi host` command line, run here
// as the pod would run them, make a working cluster that the launcher Job's command line runs a job on; and the
// image is built by setup.sh, so it installs what a machine installs.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as core from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { USAGE as RUN_USAGE } from '../cli/args.js';
import { USAGE as HOST_USAGE } from '../cli/faasmpi.js';
import { credentialFilesIn, loadCredentials } from '../cluster/trust/credentials.js';
import { issueDeploymentCredentials } from '../deploy/credentials.js';
import {
  CREDENTIALS_DIR, DEPLOYMENT, hostArgs, hostIds, jobsDir, jobsDirCommand, launcherArgs, readinessCommand, redisUrl,
} from '../deploy/manifests.js';
import { baseDir, renderBase, staleFiles } from '../deploy/render.js';
import { faasmpi, listHosts, TestCA, until } from './cluster-hosts.js';
import { faasmpicc, faasmpirun, freePort, repoRoot, tempDir } from './helpers.js';
import { startRedis } from './redis-server.js';

type Doc = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any };

/** The model class of every kind the base uses; a kind missing here fails the test rather than going unchecked. */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Service': core.Service,
  'v1/PersistentVolumeClaim': core.PersistentVolumeClaim,
  'apps/v1/StatefulSet': apps.StatefulSet,
  'apps/v1/Deployment': apps.Deployment,
  'batch/v1/Job': batch.Job,
  'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy,
};

function schemaErrors(doc: Doc): string | undefined {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) return `no schema known for ${doc.apiVersion} ${doc.kind}`;
  try {
    new Model(doc).validate();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The base's object files as applied: parsed from the checked-in YAML, not from manifests.ts. */
function baseDocs(): Map<string, Doc> {
  const kustomization = parse(readFileSync(join(baseDir, 'kustomization.yaml'), 'utf8'));
  const docs = new Map<string, Doc>();
  for (const file of kustomization.resources as string[]) {
    const parsed = parseAllDocuments(readFileSync(join(baseDir, file), 'utf8'));
    assert.equal(parsed.length, 1, `${file}: one document per file`);
    assert.deepEqual(parsed[0].errors, [], `${file}: YAML errors`);
    docs.set(file, parsed[0].toJS() as Doc);
  }
  return docs;
}

const of = (docs: Map<string, Doc>, kind: string) => [...docs.values()].filter((d) => d.kind === kind);
const podSpecs = (docs: Map<string, Doc>) => [...docs.values()].filter((d) => d.spec?.template).map((d) => ({ doc: d, pod: d.spec.template.spec, labels: d.spec.template.metadata.labels }));
const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe('deploy: the kustomize base', () => {
  test('the checked-in files are exactly what manifests.ts renders (names and ports come from one place)', () => {
    assert.deepEqual(staleFiles(), [], 'run node dist/deploy/render.js and commit deploy/kubernetes/base');
    // The check notices an edit by hand.
    const copy = tempDir('faasmpi-deploy-base-');
    for (const [file, text] of renderBase()) writeFileSync(join(copy, file), text);
    assert.deepEqual(staleFiles(copy), []);
    const file = join(copy, 'host-service.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(`port: ${DEPLOYMENT.hosts.port}`, 'port: 7651'));
    assert.deepEqual(staleFiles(copy), ['host-service.yaml']);
  });

  test('every object validates against the Kubernetes schemas, and the validator refuses broken objects', () => {
    const docs = baseDocs();
    assert.ok(docs.size >= 7);
    for (const [file, doc] of docs) assert.equal(schemaErrors(doc), undefined, file);
    // The same objects, broken: the schemas are really applied.
    const sts = structuredClone(docs.get('host-statefulset.yaml')!);
    sts.spec.template.spec.containers[0].ports[0].containerPort = 'link';
    assert.match(schemaErrors(sts)!, /containerPort must be integer/);
    const svc = structuredClone(docs.get('host-service.yaml')!);
    delete svc.spec.ports[0].port;
    assert.match(schemaErrors(svc)!, /must have required property '?port'?/);
    const job = structuredClone(docs.get('launcher-job.yaml')!);
    job.spec.template.spec.containers = 'launcher';
    assert.match(schemaErrors(job)!, /containers must be array/);
    assert.match(schemaErrors({ ...sts, kind: 'DaemonSet2' })!, /no schema known/);
  });

  test('the kustomization lists every object file and generates the Secrets the pods mount', () => {
    const kustomization = parse(readFileSync(join(baseDir, 'kustomization.yaml'), 'utf8'));
    const files = readdirSync(baseDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    assert.deepEqual([...kustomization.resources].sort(), files);
    const generated = new Set((kustomization.secretGenerator as { name: string }[]).map((s) => s.name));
    const docs = baseDocs();
    const mounted = podSpecs(docs).flatMap(({ pod }) => pod.volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName));
    assert.deepEqual(new Set(mounted), generated);
    // One certificate and key per host pod, named by the pod (its host id).
    const hostFiles = kustomization.secretGenerator.find((s: { name: string }) => s.name === DEPLOYMENT.secrets.hosts).files as string[];
    for (let i = 0; i < DEPLOYMENT.hosts.replicas; i++) {
      for (const f of [`${DEPLOYMENT.hosts.name}-${i}.cert.pem`, `${DEPLOYMENT.hosts.name}-${i}.key.pem`]) {
        assert.ok(hostFiles.includes(`${CREDENTIALS_DIR}/hosts/${f}`), f);
      }
    }
    // The keys are not checked in.
    assert.match(readFileSync(join(baseDir, '.gitignore'), 'utf8'), new RegExp(`^${CREDENTIALS_DIR}/$`, 'm'));
  });

  test('names, ports, labels, volumes and variables agree across objects', () => {
    const docs = baseDocs();
    const pods = podSpecs(docs);
    const services = of(docs, 'Service');
    // Every Service selects pods, and its target ports are named ports of those pods' containers.
    for (const svc of services) {
      const selected = pods.filter((p) => matches(svc.spec.selector, p.labels));
      assert.equal(selected.length, 1, `Service ${svc.metadata.name} selects one workload`);
      const portNames = selected[0].pod.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
      for (const p of svc.spec.ports) assert.ok(portNames.includes(p.targetPort), `${svc.metadata.name}: port ${p.targetPort}`);
    }
    // Workload selectors select their own pod templates.
    for (const { doc, labels } of pods) if (doc.spec.selector) assert.ok(matches(doc.spec.selector.matchLabels, labels), doc.metadata.name);
    // The hosts: a StatefulSet behind a headless Service, one pod per node, ready when it accepts links.
    const [sts] = of(docs, 'StatefulSet');
    const headless = services.find((s) => s.metadata.name === sts.spec.serviceName);
    assert.equal(headless?.spec.clusterIP, 'None');
    assert.equal(headless?.spec.ports[0].port, DEPLOYMENT.hosts.port);
    const anti = sts.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    assert.equal(anti.topologyKey, 'kubernetes.io/hostname');
    assert.ok(matches(anti.labelSelector.matchLabels, sts.spec.template.metadata.labels));
    const host = sts.spec.template.spec.containers.find((c: any) => c.name === 'host');
    assert.deepEqual(host.readinessProbe.exec.command, readinessCommand());
    assert.ok(host.env.some((e: any) => e.name === 'POD_NAME'), 'the readiness probe looks the pod up by name');
    // Slots and cores come from the CPU request; --advertise from the pod IP.
    const envOf = (name: string) => host.env.find((e: any) => e.name === name);
    assert.deepEqual(envOf('CPUS').valueFrom.resourceFieldRef, { containerName: 'host', resource: 'requests.cpu', divisor: '1' });
    assert.equal(envOf('POD_IP').valueFrom.fieldRef.fieldPath, 'status.podIP');
    const arg = (c: any, flag: string) => c.args[c.args.indexOf(flag) + 1];
    assert.equal(arg(host, '--slots'), '$(CPUS)');
    assert.equal(arg(host, '--advertise'), `$(POD_IP):${DEPLOYMENT.hosts.port}`);
    assert.equal(arg(host, '--port'), String(host.ports[0].containerPort));
    // Redis is reached by its Service's name and port, by hosts and launcher alike.
    const redis = services.find((s) => s.metadata.name === DEPLOYMENT.redis.name)!;
    assert.equal(redisUrl, `redis://${redis.metadata.name}:${redis.spec.ports[0].port}`);
    assert.equal(arg(host, '--redis'), redisUrl);
    // Its NetworkPolicy admits the hosts and the launcher, on Redis's port.
    const [policy] = of(docs, 'NetworkPolicy');
    assert.ok(matches(policy.spec.podSelector.matchLabels, redis.spec.selector));
    for (const { doc, labels } of pods) {
      if (doc.metadata.name !== DEPLOYMENT.redis.name) assert.ok(matches(policy.spec.ingress[0].from[0].podSelector.matchLabels, labels), `${doc.metadata.name} may reach Redis`);
    }
    assert.equal(policy.spec.ingress[0].ports[0].port, redis.spec.ports[0].port);
    // Every mount names a volume of its pod, every claim is the base's, every $(VAR) is set in its container.
    const claims = of(docs, 'PersistentVolumeClaim').map((c) => c.metadata.name);
    for (const { doc, pod } of pods) {
      const volumes = pod.volumes.map((v: any) => v.name);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        for (const m of c.volumeMounts ?? []) assert.ok(volumes.includes(m.name), `${doc.metadata.name}/${c.name}: volume ${m.name}`);
        const vars = new Set((c.env ?? []).map((e: any) => e.name));
        for (const a of [...(c.command ?? []), ...(c.args ?? [])]) {
          for (const [, v] of a.matchAll(/\$\(([A-Z_]+)\)/g)) assert.ok(vars.has(v), `${doc.metadata.name}/${c.name}: $(${v}) is not set`);
        }
        assert.equal(c.image, DEPLOYMENT.image);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
      }
      for (const v of pod.volumes) if (v.persistentVolumeClaim) assert.ok(claims.includes(v.persistentVolumeClaim.claimName));
      assert.equal(pod.securityContext.runAsUser, DEPLOYMENT.uid);
    }
    // The launcher's working directory is on the shared volume, under the directory the hosts admit.
    const [job] = of(docs, 'Job');
    const script = job.spec.template.spec.containers[0].command.at(-1) as string;
    assert.ok(script.includes(`--wdir ${jobsDir}/`));
    assert.ok(host.args.includes(jobsDir) && host.volumeMounts.some((m: any) => m.mountPath === DEPLOYMENT.shared.path));
    assert.ok(jobsDir.startsWith(`${DEPLOYMENT.shared.path}/`));
  });

  test('the commands use only flags our commands document', () => {
    const flags = (args: string[]) => args.filter((a) => a.startsWith('-'));
    for (const f of flags(hostArgs())) assert.ok(HOST_USAGE.includes(f), `faasmpi host ${f}`);
    for (const f of flags(launcherArgs())) assert.ok(RUN_USAGE.includes(f), `faasmpirun ${f}`);
  });
});

describe('deploy: host pods and the launcher Job, run here as Kubernetes would run them', () => {
  const select = join(repoRoot, 'deploy/select-host-credentials.sh');
  const ca = new TestCA();
  const issued = tempDir('faasmpi-deploy-credentials-');
  issueDeploymentCredentials(ca.dir, issued);
  const children: ChildProcess[] = [];
  after(() => { for (const c of children) c.kill('SIGKILL'); });

  const selectFor = (pod: string, to: string) => spawnSync('sh', [select, join(issued, 'hosts'), to], { encoding: 'utf8', env: { ...process.env, POD_NAME: pod } });

  test('credentials.js issues every file the Secrets are generated from; each host certificate names its pod', () => {
    const kustomization = parse(readFileSync(join(baseDir, 'kustomization.yaml'), 'utf8'));
    for (const gen of kustomization.secretGenerator as { files: string[] }[]) {
      for (const f of gen.files) assert.ok(statSync(join(issued, f.slice(CREDENTIALS_DIR.length + 1))).isFile(), f);
    }
    const user = loadCredentials(credentialFilesIn(join(issued, 'user')), 'user');
    assert.equal(user.identity.name, DEPLOYMENT.user);
  });

  test('the init script gives a pod only its own credentials, and refuses a pod without a certificate', () => {
    const tls = tempDir('faasmpi-deploy-tls-');
    const r = selectFor(hostIds[1], tls);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(tls).sort(), ['ca.pem', 'cert.pem', 'key.pem']);
    assert.equal(statSync(join(tls, 'key.pem')).mode & 0o777, 0o400);
    assert.equal(loadCredentials(credentialFilesIn(tls), 'host').identity.name, hostIds[1]);
    // A pod the operator issued no certificate for (the StatefulSet scaled up): a clear error, not a host.
    const missing = selectFor(`${DEPLOYMENT.hosts.name}-${DEPLOYMENT.hosts.replicas}`, tempDir());
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, new RegExp(`no ${DEPLOYMENT.hosts.name}-${DEPLOYMENT.hosts.replicas}\\.cert\\.pem for host .*issue one certificate per host pod`));
    // A name that would reach another directory is refused before any file is read.
    for (const bad of ['../hosts/x', '', '.hidden', 'a b']) {
      const r2 = selectFor(bad, tempDir());
      assert.equal(r2.status, 2, bad);
      assert.match(r2.stderr, /is not a host id/);
    }
  });

  test('host pods start with the manifest\'s command line, register as their pod names, and run the launcher Job\'s job', async () => {
    const redis = await startRedis();
    after(() => redis.stop());
    const shared = podDir('faasmpi-deploy-shared-');
    const localJobs = join(shared, 'jobs');
    // The pod's paths and addresses, mapped onto this machine; anything left unmapped fails the test.
    const here = (args: string[], map: [string, string][]) => args.map((a) => {
      for (const [from, to] of map) a = a.split(from).join(to);
      assert.ok(!/\$\(|\/run\/faasmpi|^\/shared|^\/var\/lib|faasmpi-redis|0\.0\.0\.0/.test(a), `unmapped in this test: ${a}`);
      return a;
    });
    // The init container that makes the jobs' directory on the (new, empty) shared volume.
    const [mkdir, ...mkdirArgs] = jobsDirCommand();
    const made = spawnSync(mkdir, here(mkdirArgs, [[jobsDir, localJobs]]), { encoding: 'utf8', ...podAccount });
    assert.equal(made.status, 0, made.stderr);
    const hosts = await Promise.all(hostIds.map(async (id) => {
      const tls = podDir('faasmpi-deploy-tls-');
      const r = selectFor(id, tls);
      assert.equal(r.status, 0, r.stderr);
      for (const f of readdirSync(tls)) chownToPod(join(tls, f));
      const port = String(await freePort());
      const args = here(hostArgs(), [
        // No revocation ConfigMap yet: its optional volume is an empty directory.
        [DEPLOYMENT.paths.hostTls, tls], [DEPLOYMENT.revocationList.path, podDir('faasmpi-deploy-crl-')], [DEPLOYMENT.paths.data, podDir('faasmpi-deploy-data-')], [jobsDir, localJobs],
        [redisUrl, redis.url], ['0.0.0.0', '127.0.0.1'], [`$(POD_IP):${DEPLOYMENT.hosts.port}`, `127.0.0.1:${port}`],
        [String(DEPLOYMENT.hosts.port), port], ['$(CPUS)', '2'],
      ]);
      const child = spawn(faasmpi, args, { stdio: ['ignore', 'pipe', 'pipe'], ...podAccount });
      children.push(child);
      let out = '', err = '';
      child.stderr!.on('data', (d) => { err += d; });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d) => { out += d; if (/ ready /.test(out)) resolve(); });
        child.once('exit', (code) => reject(new Error(`host ${id} exited with ${code}: ${err}`)));
      });
      assert.match(out, new RegExp(`faasmpi host 127\\.0\\.0\\.1:${port} ready \\(cluster ${DEPLOYMENT.cluster}, host ${id},`));
      return id;
    }));
    await until('both host pods are registered', () => listHosts(redis.url, DEPLOYMENT.cluster).length === hosts.length);
    assert.deepEqual(listHosts(redis.url, DEPLOYMENT.cluster).sort(), [...hostIds].sort());

    // The readiness probe, as the kubelet runs it in each pod: ready when registered, not ready otherwise.
    const probe = (pod: string) => {
      const [shell, flag, script] = readinessCommand();
      const env = { ...process.env, POD_NAME: pod, PATH: `${join(repoRoot, 'cli/bin')}:${process.env.PATH}` };
      return spawnSync(shell, [flag, script.split(redisUrl).join(redis.url)], { encoding: 'utf8', env }).status;
    };
    for (const id of hostIds) assert.equal(probe(id), 0, `${id} is ready`);
    assert.equal(probe(`${DEPLOYMENT.hosts.name}-${DEPLOYMENT.hosts.replicas}`), 1);
    assert.equal(probe(`${DEPLOYMENT.hosts.name}-`), 1, 'a prefix of a live host\'s name is not that host');

    // The launcher Job: compile the demo onto the shared volume, then faasmpirun with the Job's arguments.
    const jobDir = `${jobsDir}/${DEPLOYMENT.launcher.name}`.replace(jobsDir, localJobs);
    const jobMkdir = spawnSync('mkdir', ['-p', jobDir], { encoding: 'utf8', ...podAccount });
    assert.equal(jobMkdir.status, 0, jobMkdir.stderr);
    const cc = spawnSync(faasmpicc, ['-O2', join(repoRoot, 'examples/hello.c'), '-o', join(jobDir, 'hello.wasm')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    chownToPod(join(jobDir, 'hello.wasm'));
    const userDir = podDir('faasmpi-deploy-user-');
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) {
      copyFileSync(join(issued, 'user', f), join(userDir, f));
      chownToPod(join(userDir, f));
    }
    const args = here(launcherArgs(), [[DEPLOYMENT.paths.userCredentials, userDir], [jobsDir, localJobs], [redisUrl, redis.url]]);
    const run = spawnSync(faasmpirun, args, { encoding: 'utf8', timeout: 120_000, ...podAccount });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    for (let rank = 0; rank < DEPLOYMENT.launcher.np; rank++) assert.ok(lines.some((l) => l.startsWith(`[${rank}]`)), `rank ${rank}: ${run.stdout}`);
    // Two slots per host (its CPU request): the four ranks ran on both pods.
    for (const id of hostIds) assert.match(run.stdout, new RegExp(` on ${id}:`));
    assert.match(run.stdout, /pi = 3\.14159/);
  });
});

describe('deploy: the image', () => {
  const containerfile = readFileSync(join(repoRoot, 'deploy/Containerfile'), 'utf8');
  const ignore = readFileSync(join(repoRoot, '.containerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const instructions = containerfile.replace(/\\\n/g, ' ').split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#'));

  test('it is set up by setup.sh, so it installs the same Debian packages as a machine', () => {
    const runs = instructions.filter((l) => l.startsWith('RUN '));
    assert.ok(runs.some((l) => /\bbash setup\.sh --no-demo\b/.test(l)), 'the image runs setup.sh');
    assert.ok(!runs.some((l) => /apt-get install|apt install|dpkg -i/.test(l)), 'no Debian packages of its own: add them to setup.sh');
    // What the pods need from setup.sh's list: redis-server (the Redis pod), openssl (certificates), the toolchain.
    const list = /^packages=\(([^)]*)\)/m.exec(readFileSync(join(repoRoot, 'setup.sh'), 'utf8'))![1].split(/\s+/);
    for (const p of ['redis-server', 'openssl', 'clang-19', 'lld-19', 'wasi-libc']) assert.ok(list.includes(p), p);
  });

  test('its base is Debian bookworm with the Node.js the project needs, and it builds from a clean context', () => {
    const base = /^ARG BASE=(\S+)/m.exec(containerfile)![1];
    assert.match(base, /bookworm/);
    const node = Number(/node:(\d+)/.exec(base)![1]);
    const engines = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).engines.node as string;
    assert.ok(node >= Number(/\d+/.exec(engines)![0]), `node ${node} vs engines ${engines}`);
    // Dependencies and builds are made inside the image; keys never enter the context.
    for (const p of ['node_modules', 'dist', `deploy/kubernetes/base/${CREDENTIALS_DIR}`, '.git']) assert.ok(ignore.includes(p), p);
    // What the manifests run from the image is in the context.
    for (const f of ['deploy/select-host-credentials.sh', 'examples/hello.c', 'setup.sh']) {
      assert.ok(statSync(join(repoRoot, f)).isFile());
      assert.ok(!ignore.some((p) => f === p || f.startsWith(`${p}/`)), f);
    }
  });

  test('its account is the one the manifests run as', () => {
    assert.match(containerfile, new RegExp(`useradd [^\\n]*--uid ${DEPLOYMENT.uid}\\b`));
    assert.match(containerfile, new RegExp(`^USER ${DEPLOYMENT.uid}$`, 'm'));
    assert.ok(containerfile.includes(`install -d -o faasmpi -g faasmpi -m 0755 ${DEPLOYMENT.paths.data} ${DEPLOYMENT.shared.path}`));
    assert.ok(containerfile.includes(`WORKDIR ${DEPLOYMENT.paths.install}`));
  });
});

/**
 * The pods run as an unprivileged account from the start. Run as root here, the hosts would instead switch to
 * nobody after reading their credentials (`--run-as`'s default), which is not what a pod does: so the test
 * starts them as nobody, with their directories handed to it as fsGroup hands volumes to the pod's account.
 */
const podAccount = process.getuid!() === 0 ? { uid: 65534, gid: 65534 } : {};

function chownToPod(path: string): void {
  if (podAccount.uid !== undefined) chownSync(path, podAccount.uid, podAccount.gid!);
}

function podDir(prefix: string): string {
  const dir = tempDir(prefix);
  chownToPod(dir);
  return dir;
}

