/**
 * The Kubernetes manifests: every document passes the Kubernetes schema
 * (kubernetes-models), and they are checked against the CLI: the flags
 * they pass exist on the command (read from its commander definition),
 * ports agree between args, containers, probes, Services, scrape
 * annotations and the CLI's defaults, the Jobs react to the exit codes as
 * the exit-code table says, pods run as the image's non-root user, and each
 * role mounts only its own credentials.
 */
import { coordinatorCommand } from '@kfkd/cli/commands/coordinator';
import { dashboardCommand } from '@kfkd/cli/commands/dashboard';
import { workerCommand } from '@kfkd/cli/commands/worker';
import { COORDINATOR_METRICS_LISTEN, WORKER_METRICS_LISTEN } from '@kfkd/cli/metrics-endpoint';
import type { Command } from 'commander';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IService } from 'kubernetes-models/v1/Service';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type K8sObject, deployPath, k8sFiles, yamlDocuments } from './files.ts';
import { schemaErrors } from './k8s-schema.ts';
import { EXIT_BUG, EXIT_COMPLETE, EXIT_FAILED, EXIT_NO_DEVICE, EXIT_REFUSED, EXIT_SIGINT, EXIT_SIGTERM, EXIT_USAGE } from '@kfkd/cli/failure';

/** How a Job must react to each exit code of kfkd (README "Exit codes"; apps/cli/src/failure.ts owns them). */
const FAIL_JOB = [EXIT_USAGE, EXIT_REFUSED];
const IGNORE = [EXIT_SIGINT, EXIT_SIGTERM];
/** Counted against backoffLimit: no rule may name them. */
const COUNTED = [EXIT_FAILED, EXIT_NO_DEVICE, EXIT_BUG];

/** The health endpoints on the metrics listener (CONTRACT.md, libs/metrics). */
const LIVENESS_PATH = '/livez';
const READINESS_PATH = '/readyz';
const CREDENTIALS_DIR = '/etc/kfkd/credentials';
/** The image's user (deploy/docker/Dockerfile.gpu). */
const IMAGE_UID = Number(/useradd [^\n]*--uid (\d+)/.exec(readFileSync(deployPath('docker/Dockerfile.gpu'), 'utf8'))?.[1]);

const documents = k8sFiles().flatMap((file) => yamlDocuments(file).map((document) => ({ file, document })));
const objects = documents.map((d) => d.document as K8sObject);
const find = <T>(kind: string, name: string): T & K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found as T & K8sObject;
};
const coordinator = find<IJob>('Job', 'kfkd-coordinator');
const workers = find<IJob>('Job', 'kfkd-worker');
const dashboard = find<IDeployment>('Deployment', 'kfkd-dashboard');
const coordinatorService = find<IService>('Service', 'kfkd-coordinator');
const template = (w: IJob | IDeployment): IPodTemplateSpec => w.spec!.template;
const container = (w: IJob | IDeployment): IContainer => template(w).spec!.containers[0];

/** The value following `flag` in args. */
function arg(c: IContainer, flag: string): string {
  const args = c.args ?? [];
  const i = args.indexOf(flag);
  if (i < 0 || i + 1 >= args.length) throw new Error(`container ${c.name} has no ${flag} VALUE`);
  return args[i + 1];
}
const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));
const containerPort = (c: IContainer, name: string): number => {
  const port = c.ports?.find((p) => p.name === name);
  if (!port) throw new Error(`container ${c.name} has no port named ${name}`);
  return port.containerPort;
};
const defaultOf = (command: Command, flag: string): unknown => command.options.find((o) => o.long === flag)?.defaultValue;
const httpGet = (probe: IProbe | undefined): unknown => probe?.httpGet && { path: probe.httpGet.path, port: probe.httpGet.port };

describe('schema', () => {
  it.each(documents.map((d) => [`${d.file}: ${(d.document as K8sObject).kind} ${(d.document as K8sObject).metadata?.name}`, d.document]))(
    '%s passes the Kubernetes schema',
    (_, document) => {
      if ((document as K8sObject).kind === 'Kustomization') return; // not an API object; checked below
      expect(schemaErrors(document)).toBeNull();
    },
  );

  it('every file the kustomization applies exists and passes the schema', () => {
    const kustomization = objects.find((o) => o.kind === 'Kustomization') as K8sObject & { resources: string[] };
    expect(kustomization.resources.length).toBeGreaterThanOrEqual(4);
    for (const file of kustomization.resources) {
      expect(existsSync(deployPath(`k8s/${file}`)), file).toBe(true);
      for (const document of yamlDocuments(`k8s/${file}`)) expect(schemaErrors(document), file).toBeNull();
    }
  });

  it('rejects a field of the wrong type, a missing required field and an unknown kind', () => {
    const broken = structuredClone(workers) as unknown as { spec: { completions: unknown; template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } } };
    broken.spec.completions = 'two';
    expect(schemaErrors(broken)).toMatch(/spec\/completions must be integer/);
    const noName = structuredClone(coordinator) as unknown as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    delete noName.spec.template.spec.containers[0].name;
    expect(schemaErrors(noName)).toMatch(/containers\/0 must have required property name/);
    expect(schemaErrors({ ...coordinator, kind: 'CronJob' })).toMatch(/no schema known/);
  });
});

it('every manifest has a name, the kfkd namespace and the part-of label', () => {
  expect(objects.length).toBeGreaterThanOrEqual(9);
  for (const o of objects) {
    if (o.kind === 'Kustomization') continue;
    expect(o.metadata.name).toMatch(/^[a-z0-9-]+$/);
    if (o.kind !== 'Namespace') expect(o.metadata.namespace, o.metadata.name).toBe('kfkd');
    expect(o.metadata.labels?.['app.kubernetes.io/part-of'], o.metadata.name).toBe('kfkd');
  }
});

it('the kustomization applies every manifest except the Prometheus Operator ones', () => {
  const kustomization = objects.find((o) => o.kind === 'Kustomization') as K8sObject & { resources: string[] };
  const expected = k8sFiles()
    .map((f) => f.slice('k8s/'.length))
    .filter((f) => !['kustomization.yaml', 'podmonitor.yaml', 'prometheusrule.yaml'].includes(f));
  expect([...kustomization.resources].sort()).toEqual(expected.sort());
  expect(objects.filter((o) => o.kind === 'Secret'), 'Secrets come from `kfkd certs`, not from a file').toEqual([]);
});

describe.each([
  ['coordinator', coordinator, coordinatorCommand(), COORDINATOR_METRICS_LISTEN],
  ['worker', workers, workerCommand(), WORKER_METRICS_LISTEN],
] as const)('the %s Job', (name, job, command, defaultMetricsListen) => {
  const c = container(job);

  it('runs its pods to completion: restartPolicy Never, retried up to backoffLimit, one pod per index at a time', () => {
    expect(template(job).spec!.restartPolicy).toBe('Never');
    expect(job.spec!.backoffLimit).toBeGreaterThanOrEqual(1);
    expect(job.spec!.podReplacementPolicy).toBe('Failed');
    expect(job.spec!.template.metadata?.labels).toMatchObject({ 'app.kubernetes.io/name': job.metadata!.name });
  });

  it('fails at once on exit codes 2 and 3, ignores 130/143 and disruptions, counts the rest', () => {
    const rules = job.spec!.podFailurePolicy!.rules;
    const codes = (action: string): number[] =>
      rules.filter((r) => r.action === action && r.onExitCodes).flatMap((r) => {
        expect(r.onExitCodes!.operator).toBe('In');
        expect(r.onExitCodes!.containerName).toBe(c.name);
        // The API wants the values sorted.
        expect(r.onExitCodes!.values).toEqual([...r.onExitCodes!.values].sort((a, b) => a - b));
        return r.onExitCodes!.values;
      });
    expect(codes('FailJob').sort()).toEqual([...FAIL_JOB].sort());
    expect(codes('Ignore').sort((a, b) => a - b)).toEqual([...IGNORE].sort((a, b) => a - b));
    expect(rules.map((r) => r.action).sort()).toEqual(['FailJob', 'Ignore', 'Ignore']);
    for (const code of [...COUNTED, EXIT_COMPLETE]) expect(rules.flatMap((r) => r.onExitCodes?.values ?? [])).not.toContain(code);
    expect(rules).toContainEqual({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] });
  });

  it('runs the command of its name with flags it defines', () => {
    expect(c.args?.[0]).toBe(name);
    const known = new Set(command.options.map((o) => o.long));
    for (const flag of (c.args ?? []).filter((a) => a.startsWith('--'))) {
      expect(known, `${name} ${flag}`).toContain(flag);
    }
    // A flag given through the environment must exist too (KFKD_ID is --id's).
    for (const env of c.env ?? []) if (env.name.startsWith('KFKD_')) expect(command.options.map((o) => o.envVar), env.name).toContain(env.name);
  });

  it('serves metrics on the CLI default port, scraped through annotations, probed on /livez and /readyz', () => {
    expect(defaultOf(command, '--metrics-listen')).toBe(defaultMetricsListen);
    expect(arg(c, '--metrics-listen')).toBe(defaultMetricsListen);
    const metricsPort = containerPort(c, 'metrics');
    expect(metricsPort).toBe(portOf(defaultMetricsListen));
    const annotations = template(job).metadata?.annotations ?? {};
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(Number(annotations['prometheus.io/port'])).toBe(metricsPort);
    expect(annotations['prometheus.io/path']).toBe('/metrics');
    expect(httpGet(c.livenessProbe)).toEqual({ path: LIVENESS_PATH, port: 'metrics' });
    expect(httpGet(c.readinessProbe)).toEqual({ path: READINESS_PATH, port: 'metrics' });
    // A startup probe holds liveness off while the process loads; it must be liveness, not readiness.
    if (c.startupProbe) expect(httpGet(c.startupProbe)).toEqual({ path: LIVENESS_PATH, port: 'metrics' });
  });
});

describe.each([
  ['coordinator', coordinator, 'kfkd-coordinator'],
  ['worker', workers, 'kfkd-worker'],
  ['dashboard', dashboard, 'kfkd-viewer'],
] as const)('the %s pods', (name, workload, secretName) => {
  const pod = template(workload).spec!;

  it("run as the image's non-root user with a read-only root, no privileges and the runtime's seccomp profile", () => {
    expect(IMAGE_UID).toBe(10001);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: IMAGE_UID,
      runAsGroup: IMAGE_UID,
      fsGroup: IMAGE_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      expect(c.securityContext, c.name).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
    // Node, CUDA and the libraries want a writable /tmp.
    const c = container(workload);
    const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir, 'an emptyDir at /tmp').toBeDefined();
  });

  it(`mount ${secretName} and no other Secret at ${CREDENTIALS_DIR}, given with --credentials`, () => {
    const c = container(workload);
    expect(arg(c, '--credentials')).toBe(CREDENTIALS_DIR);
    const mount = c.volumeMounts?.find((m) => m.mountPath === CREDENTIALS_DIR);
    expect(mount?.readOnly).toBe(true);
    // A whole directory, not a subPath: rotated tokens reach the process.
    expect(mount?.subPath).toBeUndefined();
    expect(pod.volumes?.find((v) => v.name === mount?.name)?.secret?.secretName).toBe(secretName);
    const secrets = [
      ...(pod.volumes ?? []).flatMap((v) => (v.secret ? [v.secret.secretName] : [])),
      ...pod.containers.flatMap((k) => (k.env ?? []).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : []))),
      ...pod.containers.flatMap((k) => (k.envFrom ?? []).flatMap((e) => (e.secretRef ? [e.secretRef.name] : []))),
    ];
    expect(secrets).toEqual([secretName]);
  });

  it('carry the run label Prometheus turns into `run`', () => {
    expect(template(workload).metadata?.labels?.['app.kubernetes.io/instance']).toBe(template(coordinator).metadata?.labels?.['app.kubernetes.io/instance']);
    expect(template(workload).metadata?.labels?.['app.kubernetes.io/instance']).toMatch(/^[a-z0-9-]+$/);
  });
});

it('the coordinator is one pod behind a headless Service, on the CLI default gRPC port', () => {
  const c = container(coordinator);
  expect(coordinator.spec!.completions).toBe(1);
  expect(coordinator.spec!.parallelism).toBe(1);
  const listen = arg(c, '--listen');
  expect(listen).toBe(defaultOf(coordinatorCommand(), '--listen'));
  expect(containerPort(c, 'grpc')).toBe(portOf(listen));
  expect(coordinatorService.spec!.clusterIP).toBe('None');
  expect(template(coordinator).metadata?.labels).toMatchObject(coordinatorService.spec!.selector!);
  expect(template(workers).metadata?.labels).not.toMatchObject(coordinatorService.spec!.selector!);
  expect(coordinatorService.spec!.ports).toContainEqual({ name: 'grpc', port: portOf(listen), targetPort: 'grpc' });
  expect(coordinatorService.spec!.ports).toContainEqual({ name: 'metrics', port: containerPort(c, 'metrics'), targetPort: 'metrics' });
});

it('the coordinator keeps its run directory and data on a 10Gi claim, and starts once training.csv exists', () => {
  const c = container(coordinator);
  const pod = template(coordinator).spec!;
  const runDir = arg(c, '--run-dir');
  const data = arg(c, '--data');
  const mount = c.volumeMounts!.find((m) => runDir.startsWith(`${m.mountPath}/`));
  const claimName = pod.volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
  const claim = find<IPersistentVolumeClaim>('PersistentVolumeClaim', claimName ?? '');
  expect(claim.spec!.accessModes).toEqual(['ReadWriteOnce']);
  expect(claim.spec!.resources!.requests!.storage).toBe('10Gi');
  expect(data.startsWith(`${mount!.mountPath}/`)).toBe(true);

  // The data arrives under a temporary name and is renamed: waiting for the
  // file to exist (-f), not to be non-empty (-s), is then enough.
  const init = pod.initContainers!.find((k) => k.name === 'wait-for-data')!;
  const script = (init.command ?? []).join(' ');
  expect(script).toContain(`until [ -f ${data} ]`);
  expect(init.volumeMounts).toContainEqual({ name: mount!.name, mountPath: mount!.mountPath });
  const readme = readFileSync(deployPath('../README.md'), 'utf8');
  expect(readme).toContain(`${data}.part -c ${init.name}`);
  expect(readme).toMatch(new RegExp(`exec [^\\n]*-c ${init.name} -- mv ${data}\\.part ${data}`));
});

it('the workers are an Indexed Job of N GPU pods, at least --min-workers, each with a stable id', () => {
  const c = container(workers);
  expect(workers.spec!.completionMode).toBe('Indexed');
  expect(workers.spec!.parallelism).toBe(workers.spec!.completions);
  expect(workers.spec!.completions).toBeGreaterThanOrEqual(Number(arg(container(coordinator), '--min-workers')));
  expect(c.resources?.limits?.['nvidia.com/gpu']).toBe(1);
  const grpc = coordinatorService.spec!.ports!.find((p) => p.name === 'grpc')!;
  expect(arg(c, '--coordinator')).toBe(`${coordinatorService.metadata!.name}:${grpc.port}`);

  // Demand the GPU: exit 4 rather than train on the CPU.
  expect(arg(c, '--backend')).toBe('tensorflow-gpu');
  const choices = workerCommand().options.find((o) => o.long === '--backend')?.argChoices ?? [];
  expect(choices).toContain('tensorflow-gpu');

  // KFKD_ID (--id) = kfkd-worker-<completion index>, the same for a replacement pod.
  const env = c.env ?? [];
  const index = env.findIndex((e) => e.valueFrom?.fieldRef?.fieldPath === "metadata.annotations['batch.kubernetes.io/job-completion-index']");
  const id = env.findIndex((e) => e.name === 'KFKD_ID');
  expect(index).toBeGreaterThanOrEqual(0);
  expect(id, 'a variable refers only to those defined before it').toBeGreaterThan(index);
  expect(env[id].value).toBe(`kfkd-worker-$(${env[index].name})`);
  expect(workerCommand().options.find((o) => o.long === '--id')?.envVar).toBe('KFKD_ID');
});

it("a NetworkPolicy lets only workers reach a worker's Peer port (its --peer-listen), and anyone its metrics port", () => {
  const policy = find<INetworkPolicy>('NetworkPolicy', 'kfkd-worker');
  const c = container(workers);
  const labels = template(workers).metadata!.labels!;
  const selects = (selector: Record<string, string> | undefined): boolean => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
  expect(selects(policy.spec!.podSelector.matchLabels)).toBe(true);
  expect(Object.keys(policy.spec!.podSelector.matchLabels ?? {}).length).toBeGreaterThan(0);
  expect(policy.spec!.policyTypes).toEqual(['Ingress']);
  const rules = policy.spec!.ingress!;
  const rule = (port: string) => rules.find((r) => r.ports?.some((p) => p.port === port));
  // The Peer port: the --peer-listen port, from worker pods only.
  expect(portOf(arg(c, '--peer-listen'))).toBe(containerPort(c, 'peer'));
  const peers = rule('peer')!;
  expect(peers.ports).toEqual([{ port: 'peer', protocol: 'TCP' }]);
  expect(peers.from).toHaveLength(1);
  expect(peers.from![0].namespaceSelector).toBeUndefined();
  expect(selects(peers.from![0].podSelector?.matchLabels)).toBe(true);
  // Metrics and probes from anywhere; no other port is open.
  expect(rule('metrics')!.from).toBeUndefined();
  expect(rules.flatMap((r) => r.ports!.map((p) => p.port)).sort()).toEqual(['metrics', 'peer']);
});

it('the dashboard is a Deployment on all interfaces of its pod behind a login, watching the coordinator', () => {
  const c = container(dashboard);
  expect(c.args?.[0]).toBe('dashboard');
  const known = new Set(dashboardCommand().options.map((o) => o.long));
  for (const flag of (c.args ?? []).filter((a) => a.startsWith('--'))) expect(known, flag).toContain(flag);
  expect(arg(c, '--listen')).toBe('0.0.0.0:8080');
  // kfkd dashboard refuses a bind beyond loopback without a sign-in.
  expect(c.args).toContain('--login');
  expect(containerPort(c, 'http')).toBe(8080);
  expect(arg(c, '--coordinator')).toBe(`kfkd-coordinator:${portOf(defaultOf(coordinatorCommand(), '--listen') as string)}`);
  // The kubelet's probes would not pass the Host/Origin checks and the login: TCP.
  // /healthz is the one path the dashboard answers without a sign-in or a known Host (apps/dashboard access.test.ts).
  expect(c.readinessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
  expect(c.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
  const service = find<IService>('Service', 'kfkd-dashboard');
  expect(service.spec!.selector).toEqual(dashboard.spec!.selector.matchLabels);
  expect(service.spec!.ports).toContainEqual({ name: 'http', port: 8080, targetPort: 'http' });
});

it('the PodMonitor scrapes the port named metrics of every scraped pod and labels the run', () => {
  const monitor = find<{ spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string; path: string; relabelings?: unknown[] }[] } }>(
    'PodMonitor',
    'kfkd',
  );
  const [endpoint] = monitor.spec.podMetricsEndpoints;
  expect(endpoint).toMatchObject({ port: 'metrics', path: '/metrics' });
  expect(endpoint.relabelings).toContainEqual({ sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'run' });
  for (const w of [coordinator, workers]) {
    expect(template(w).metadata?.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(container(w).ports?.map((p) => p.name)).toContain('metrics');
  }
});
