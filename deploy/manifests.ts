// The Kubernetes deployment of a faasmpi cluster, in one place: every name, port, path and account the
// manifests share comes from `DEPLOYMENT`, so they cannot drift apart. render.ts writes these objects as the
// kustomize base in deploy/kubernetes/base/ (checked in, and checked against this file by the tests).
//
// Trust: a host's id is its certificate's CN, and hosts link to and check each other by id, so every host pod
// needs its own certificate (one shared identity would make all pods one host: each would refuse the others'
// links as "itself" and they would overwrite each other in the registry). StatefulSet pods have stable names
// (faasmpi-host-0, -1, ...), so the operator issues one host certificate per pod name up front
// (credentials.ts) into one Secret; an init container copies only its own pod's key out of it, and the host
// container never sees the other hosts' keys. The launcher Job gets a user certificate in its own Secret.
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';

export const DEPLOYMENT = {
  /** app.kubernetes.io/part-of of every object; Redis admits only pods carrying it. */
  app: 'faasmpi',
  /** Built from deploy/Containerfile (README: Kubernetes). */
  image: 'localhost/faasmpi:latest',
  /** The account of the image (deploy/Containerfile makes it with this uid): every container runs as it. */
  uid: 10001,
  /** faasmpi --cluster: the keys of this cluster in Redis. */
  cluster: 'k8s',
  hosts: {
    name: 'faasmpi-host',
    replicas: 2,
    port: 7650,
    /** A host offers one slot per whole CPU it requests (--slots and --cores come from this request). */
    cpu: 2,
    memory: '4Gi',
  },
  redis: { name: 'faasmpi-redis', port: 6379 },
  secrets: {
    /** ca.pem plus <pod>.cert.pem and <pod>.key.pem for every host pod. */
    hosts: 'faasmpi-host-credentials',
    /** ca.pem, cert.pem, key.pem of the user the example Job runs as. */
    user: 'faasmpi-user-credentials',
  },
  /**
   * The CA's revocation list (`faasmpi certs revoke`), key crl.pem: a ConfigMap the operator creates and
   * replaces (not in the base, so applying the base never resets it). Hosts reload it as it changes.
   */
  revocationList: { configMap: 'faasmpi-crl', path: '/run/faasmpi/crl' },
  /** The example launcher Job's user (its certificate's CN). */
  user: 'demo',
  shared: { claim: 'faasmpi-shared', path: '/shared', size: '10Gi' },
  launcher: { name: 'faasmpi-hello', np: 4, waitTimeoutS: 300 },
  paths: {
    /** In the image: the repository, built, with the commands linked into /usr/local/bin by setup.sh. */
    install: '/opt/faasmpi',
    hostTls: '/run/faasmpi/tls',
    allHostCredentials: '/run/faasmpi/all-hosts',
    userCredentials: '/run/faasmpi/user',
    data: '/var/lib/faasmpi',
  },
} as const;

const D = DEPLOYMENT;

export const redisUrl = `redis://${D.redis.name}:${D.redis.port}`;
/** Jobs may run under this directory of the shared volume (--allow-wdir). */
export const jobsDir = `${D.shared.path}/jobs`;
/** The host pods' names, which are their host ids and so their certificates' CNs. */
export const hostIds = Array.from({ length: D.hosts.replicas }, (_, i) => `${D.hosts.name}-${i}`);
export const hostCredentialFiles = (id: string) => ({ cert: `${id}.cert.pem`, key: `${id}.key.pem` });

const partOf = { 'app.kubernetes.io/part-of': D.app };
const labels = (component: string) => ({ ...partOf, 'app.kubernetes.io/name': component });

/** Pods run as the image's account with nothing extra: the restricted Pod Security Standard. */
const podSecurity: IPodSecurityContext = {
  runAsNonRoot: true, runAsUser: D.uid, runAsGroup: D.uid, fsGroup: D.uid, seccompProfile: { type: 'RuntimeDefault' },
};
const containerSecurity: ISecurityContext = {
  allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
};
const tmp = { name: 'tmp', emptyDir: {} };
const tmpMount = { name: 'tmp', mountPath: '/tmp' };

export function sharedClaim(): IPersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name: D.shared.claim, labels: labels('shared') },
    // Every host reads the programs and writes working directories in it at once.
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: D.shared.size } } },
  };
}

export function redisDeployment(): IDeployment {
  const l = labels(D.redis.name);
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: D.redis.name, labels: l },
    spec: {
      replicas: 1,
      selector: { matchLabels: l },
      template: {
        metadata: { labels: l },
        spec: {
          securityContext: podSecurity,
          containers: [{
            name: 'redis',
            // The image has redis-server (setup.sh installs it). Only a registry of addresses with heartbeats:
            // nothing to persist, a restarted Redis is refilled by the next heartbeats.
            image: D.image,
            command: ['redis-server'],
            args: ['--bind', '0.0.0.0', '--port', String(D.redis.port), '--protected-mode', 'no', '--save', '', '--appendonly', 'no', '--dir', '/tmp'],
            ports: [{ name: 'redis', containerPort: D.redis.port }],
            readinessProbe: { tcpSocket: { port: 'redis' }, periodSeconds: 5 },
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
            securityContext: containerSecurity,
            volumeMounts: [tmpMount],
          }],
          volumes: [tmp],
        },
      },
    },
  };
}

export function redisService(): IService {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: D.redis.name, labels: labels(D.redis.name) },
    spec: { selector: labels(D.redis.name), ports: [{ name: 'redis', port: D.redis.port, targetPort: 'redis' }] },
  };
}

/** Redis has no password: only this cluster's pods may reach it (it holds no secret, but its registry steers placement). */
export function redisPolicy(): INetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
    metadata: { name: D.redis.name, labels: labels(D.redis.name) },
    spec: {
      podSelector: { matchLabels: labels(D.redis.name) },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: partOf } }], ports: [{ protocol: 'TCP', port: D.redis.port }] }],
    },
  };
}

/** Headless: each host pod gets a DNS name, and no virtual IP balances links (a link is to one host). */
export function hostService(): IService {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: D.hosts.name, labels: labels(D.hosts.name) },
    spec: {
      clusterIP: 'None',
      selector: labels(D.hosts.name),
      ports: [{ name: 'link', port: D.hosts.port, targetPort: 'link' }],
    },
  };
}

const env = {
  podName: { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  podIp: { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  // Whole CPUs requested (divisor 1 rounds up), the slots and cores a host offers.
  cpus: { name: 'CPUS', valueFrom: { resourceFieldRef: { containerName: 'host', resource: 'requests.cpu', divisor: '1' } } },
};

/** The `faasmpi host` command line of a host pod (Kubernetes expands $(VAR) from the container's env). */
export function hostArgs(): string[] {
  return [
    'host',
    '--tls-dir', D.paths.hostTls,
    '--crl', `${D.revocationList.path}/crl.pem`,
    '--data-dir', D.paths.data,
    '--allow-wdir', jobsDir,
    '--redis', redisUrl,
    '--cluster', D.cluster,
    '--bind', '0.0.0.0',
    '--port', String(D.hosts.port),
    '--advertise', `$(POD_IP):${D.hosts.port}`,
    '--slots', '$(CPUS)',
    '--cores', '$(CPUS)',
  ];
}

/** Makes the directory of the shared volume jobs may run under (a host pod's init container). */
export function jobsDirCommand(): string[] {
  return ['mkdir', '-p', jobsDir];
}

/** A host pod's readiness probe: its pod name is among the cluster's live hosts (`faasmpi hosts`). */
export function readinessCommand(): string[] {
  return ['sh', '-c', `faasmpi hosts --redis ${redisUrl} --cluster ${D.cluster} | grep -q "^$POD_NAME "`];
}

export function hostStatefulSet(): IStatefulSet {
  const l = labels(D.hosts.name);
  const pickCredentials: IContainer = {
    name: 'credentials',
    image: D.image,
    command: ['sh', `${D.paths.install}/deploy/select-host-credentials.sh`, D.paths.allHostCredentials, D.paths.hostTls],
    env: [env.podName],
    securityContext: containerSecurity,
    volumeMounts: [
      { name: 'all-host-credentials', mountPath: D.paths.allHostCredentials, readOnly: true },
      { name: 'tls', mountPath: D.paths.hostTls },
    ],
  };
  // `faasmpi host` refuses an --allow-wdir that does not exist, and a new shared volume is empty.
  const makeJobsDir: IContainer = {
    name: 'jobs-dir',
    image: D.image,
    command: jobsDirCommand(),
    securityContext: containerSecurity,
    volumeMounts: [{ name: 'shared', mountPath: D.shared.path }],
  };
  const host: IContainer = {
    name: 'host',
    image: D.image,
    command: ['faasmpi'],
    args: hostArgs(),
    env: [env.podName, env.podIp, env.cpus, { name: 'HOME', value: D.paths.data }],
    ports: [{ name: 'link', containerPort: D.hosts.port }],
    // Ready when Redis lists it as a live host, which is what launchers place on. (A TCP probe would be
    // logged by the host as a refused connection every period: it never completes a TLS handshake.)
    readinessProbe: { exec: { command: readinessCommand() }, initialDelaySeconds: 2, periodSeconds: 15, timeoutSeconds: 10 },
    resources: { requests: { cpu: String(D.hosts.cpu), memory: D.hosts.memory }, limits: { memory: D.hosts.memory } },
    securityContext: containerSecurity,
    volumeMounts: [
      { name: 'tls', mountPath: D.paths.hostTls, readOnly: true },
      // A whole-directory mount (not subPath): Kubernetes updates it in place when the ConfigMap changes.
      { name: 'crl', mountPath: D.revocationList.path, readOnly: true },
      { name: 'data', mountPath: D.paths.data },
      { name: 'shared', mountPath: D.shared.path },
      tmpMount,
    ],
  };
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name: D.hosts.name, labels: l },
    spec: {
      serviceName: D.hosts.name,
      replicas: D.hosts.replicas,
      // Hosts are peers: start them all at once.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: l },
      template: {
        metadata: { labels: l },
        spec: {
          securityContext: podSecurity,
          // One host runtime per node: it offers the node's CPUs as slots.
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: l }, topologyKey: 'kubernetes.io/hostname' }],
            },
          },
          // A stopping host ends its jobs' ranks cleanly on SIGTERM.
          terminationGracePeriodSeconds: 30,
          initContainers: [pickCredentials, makeJobsDir],
          containers: [host],
          volumes: [
            { name: 'all-host-credentials', secret: { secretName: D.secrets.hosts, defaultMode: 0o440 } },
            { name: 'tls', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
            { name: 'crl', configMap: { name: D.revocationList.configMap, optional: true } },
            { name: 'data', emptyDir: {} },
            { name: 'shared', persistentVolumeClaim: { claimName: D.shared.claim } },
            tmp,
          ],
        },
      },
    },
  };
}

/** The example job's shell script: compile the demo program onto the shared volume, then run it on the hosts. */
export function launcherScript(): string {
  const dir = `${jobsDir}/${D.launcher.name}`;
  return [
    `mkdir -p ${dir}`,
    `faasmpicc -O2 ${D.paths.install}/examples/hello.c -o ${dir}/hello.wasm`,
    `exec faasmpirun ${launcherArgs().join(' ')}`,
    '',
  ].join('\n');
}

/** The example job's faasmpirun arguments. */
export function launcherArgs(): string[] {
  return [
    '--redis', redisUrl,
    '--cluster', D.cluster,
    '--credentials', D.paths.userCredentials,
    '--wait-hosts', String(D.hosts.replicas),
    '--wait-timeout', String(D.launcher.waitTimeoutS),
    '--wdir', `${jobsDir}/${D.launcher.name}`,
    '--tag-output',
    '-np', String(D.launcher.np),
    `${jobsDir}/${D.launcher.name}/hello.wasm`,
  ];
}

export function launcherJob(): IJob {
  const l = labels(D.launcher.name);
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: D.launcher.name, labels: l },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels: l },
        spec: {
          restartPolicy: 'Never',
          securityContext: podSecurity,
          containers: [{
            name: 'launcher',
            image: D.image,
            command: ['sh', '-ec', launcherScript()],
            env: [{ name: 'HOME', value: '/tmp' }],
            resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '1Gi' } },
            securityContext: containerSecurity,
            volumeMounts: [
              { name: 'user-credentials', mountPath: D.paths.userCredentials, readOnly: true },
              { name: 'shared', mountPath: D.shared.path },
              tmpMount,
            ],
          }],
          volumes: [
            { name: 'user-credentials', secret: { secretName: D.secrets.user, defaultMode: 0o440 } },
            { name: 'shared', persistentVolumeClaim: { claimName: D.shared.claim } },
            tmp,
          ],
        },
      },
    },
  };
}

/** Every object of the base, by the file it is written to. */
export function manifests(): Record<string, object> {
  return {
    'shared-volume.yaml': sharedClaim(),
    'redis-deployment.yaml': redisDeployment(),
    'redis-service.yaml': redisService(),
    'redis-networkpolicy.yaml': redisPolicy(),
    'host-service.yaml': hostService(),
    'host-statefulset.yaml': hostStatefulSet(),
    'launcher-job.yaml': launcherJob(),
  };
}

/** Where credentials.ts puts the files the Secrets are generated from (relative to the base; not checked in). */
export const CREDENTIALS_DIR = 'credentials';

/** The kustomization: the objects above, and the Secrets generated from the operator's credential files. */
export function kustomization(): object {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: Object.keys(manifests()),
    secretGenerator: [
      {
        name: D.secrets.hosts,
        files: [`${CREDENTIALS_DIR}/hosts/ca.pem`, ...hostIds.flatMap((id) => Object.values(hostCredentialFiles(id)).map((f) => `${CREDENTIALS_DIR}/hosts/${f}`))],
      },
      {
        name: D.secrets.user,
        files: ['ca.pem', 'cert.pem', 'key.pem'].map((f) => `${CREDENTIALS_DIR}/user/${f}`),
      },
    ],
  };
}
