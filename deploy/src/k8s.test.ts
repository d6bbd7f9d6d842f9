/**
 * The Kubernetes manifests, checked structurally and against the CLI: every
 * flag they pass exists on the command (read from its commander
 * definition), ports agree between args, containers, probes, Services,
 * scrape annotations and the CLI's defaults, and the workers ask for a GPU.
 */
import { coordinatorCommand } from '@kfkd/cli/commands/coordinator';
import { workerCommand } from '@kfkd/cli/commands/worker';
import { COORDINATOR_METRICS_LISTEN, WORKER_METRICS_LISTEN } from '@kfkd/cli/metrics-endpoint';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type K8sObject, deployPath, k8sFiles, yamlDocuments } from './files.ts';

interface ContainerPort {
  name: string;
  containerPort: number;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface VolumeMount {
  name: string;
  mountPath: string;
}
interface Container {
  name: string;
  image: string;
  args: string[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[];
  ports: ContainerPort[];
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  volumeMounts?: VolumeMount[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: Container[]; volumes?: { name: string; secret?: { secretName: string } }[] };
}
interface Workload extends K8sObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: PodTemplate;
    serviceName?: string;
    volumeClaimTemplates?: { metadata: { name: string }; spec: { accessModes: string[]; resources: { requests: { storage: string } } } }[];
  };
}
interface Service extends K8sObject {
  spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string | number }[] };
}

const objects: K8sObject[] = k8sFiles().flatMap((file) => yamlDocuments(file) as K8sObject[]);
const find = <T extends K8sObject>(kind: string, name: string): T => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found as T;
};
const coordinator = find<Workload>('StatefulSet', 'kfkd-coordinator');
const workers = find<Workload>('Deployment', 'kfkd-worker');
const dashboard = find<Workload>('Deployment', 'kfkd-dashboard');
const secret = find<K8sObject & { stringData: Record<string, string> }>('Secret', 'kfkd-token');
const container = (w: Workload): Container => w.spec.template.spec.containers[0];

/** The value following `flag` in args. */
function arg(c: Container, flag: string): string {
  const i = c.args.indexOf(flag);
  if (i < 0 || i + 1 >= c.args.length) throw new Error(`container ${c.name} has no ${flag} VALUE`);
  return c.args[i + 1];
}
const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));
const containerPort = (c: Container, name: string): number => {
  const port = c.ports.find((p) => p.name === name);
  if (!port) throw new Error(`container ${c.name} has no port named ${name}`);
  return port.containerPort;
};
const defaultOf = (command: Command, flag: string): unknown => command.options.find((o) => o.long === flag)?.defaultValue;

it('every manifest parses, with apiVersion, kind, name, the kfkd namespace and part-of label', () => {
  expect(objects.length).toBeGreaterThanOrEqual(8);
  for (const o of objects) {
    expect(o.apiVersion, JSON.stringify(o.metadata)).toMatch(/^[a-z0-9./]*v\d/);
    expect(o.kind).toMatch(/^[A-Z]/);
    if (o.kind === 'Kustomization') continue;
    expect(o.metadata.name).toMatch(/^[a-z0-9-]+$/);
    if (o.kind !== 'Namespace') expect(o.metadata.namespace, o.metadata.name).toBe('kfkd');
    expect(o.metadata.labels?.['app.kubernetes.io/part-of'], o.metadata.name).toBe('kfkd');
  }
});

it('the kustomization applies every manifest except the example Secret and the Operator-only PodMonitor', () => {
  const kustomization = objects.find((o) => o.kind === 'Kustomization') as K8sObject & { resources: string[] };
  for (const file of kustomization.resources) expect(existsSync(deployPath(`k8s/${file}`)), file).toBe(true);
  const expected = k8sFiles()
    .map((f) => f.slice('k8s/'.length))
    .filter((f) => !['kustomization.yaml', 'token-secret.example.yaml', 'podmonitor.yaml'].includes(f));
  expect([...kustomization.resources].sort()).toEqual(expected.sort());
});

describe.each([
  ['coordinator', coordinator, coordinatorCommand()],
  ['worker', workers, workerCommand()],
])('the %s pods', (name, workload, command) => {
  const c = container(workload);

  it('select their own template and run the command of their name with flags it defines', () => {
    expect(workload.spec.template.metadata.labels).toMatchObject(workload.spec.selector.matchLabels);
    expect(c.args[0]).toBe(name);
    const known = new Set(command.options.map((o) => o.long));
    for (const flag of c.args.filter((a) => a.startsWith('--'))) expect(known, `${name} ${flag}`).toContain(flag);
    // A flag given through the environment must exist too (KFKD_ID is --id's).
    for (const env of c.env ?? []) if (env.name !== 'KFKD_TOKEN') expect(command.options.map((o) => o.envVar), env.name).toContain(env.name);
  });

  it('serve metrics on the CLI default port, scraped through annotations, probed on /healthz', () => {
    const defaultListen = name === 'coordinator' ? COORDINATOR_METRICS_LISTEN : WORKER_METRICS_LISTEN;
    expect(defaultOf(command, '--metrics-listen')).toBe(defaultListen);
    expect(arg(c, '--metrics-listen')).toBe(defaultListen);
    const metricsPort = containerPort(c, 'metrics');
    expect(metricsPort).toBe(portOf(defaultListen));
    const annotations = workload.spec.template.metadata.annotations ?? {};
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(Number(annotations['prometheus.io/port'])).toBe(metricsPort);
    expect(annotations['prometheus.io/path']).toBe('/metrics');
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
  });

  it('read the token from the Secret mounted as a file', () => {
    const tokenFile = arg(c, '--token-file');
    const mount = c.volumeMounts?.find((m) => tokenFile.startsWith(`${m.mountPath}/`));
    expect(mount, `a volume mounted above ${tokenFile}`).toBeDefined();
    const volume = workload.spec.template.spec.volumes?.find((v) => v.name === mount!.name);
    expect(volume?.secret?.secretName).toBe(secret.metadata.name);
    expect(Object.keys(secret.stringData)).toContain(tokenFile.slice(mount!.mountPath.length + 1));
  });
});

it('the coordinator listens on the CLI default gRPC port behind its Service and keeps its run directory on a claimed volume', () => {
  const c = container(coordinator);
  const service = find<Service>('Service', 'kfkd-coordinator');
  const listen = arg(c, '--listen');
  expect(listen).toBe(defaultOf(coordinatorCommand(), '--listen'));
  expect(containerPort(c, 'grpc')).toBe(portOf(listen));
  expect(service.spec.selector).toEqual(coordinator.spec.selector.matchLabels);
  expect(service.spec.ports).toContainEqual({ name: 'grpc', port: portOf(listen), targetPort: 'grpc' });
  expect(service.spec.ports).toContainEqual({ name: 'metrics', port: containerPort(c, 'metrics'), targetPort: 'metrics' });
  expect(coordinator.spec.replicas).toBe(1);
  expect(coordinator.spec.serviceName).toBe(service.metadata.name);

  const runDir = arg(c, '--run-dir');
  const mount = c.volumeMounts!.find((m) => runDir.startsWith(`${m.mountPath}/`));
  const claim = coordinator.spec.volumeClaimTemplates?.find((t) => t.metadata.name === mount?.name);
  expect(claim, `a PersistentVolumeClaim mounted above ${runDir}`).toBeDefined();
  expect(claim!.spec.accessModes).toEqual(['ReadWriteOnce']);
  expect(arg(c, '--data').startsWith(`${mount!.mountPath}/`)).toBe(true);
});

it('each worker pod requests one GPU and reaches the coordinator through its Service', () => {
  const c = container(workers);
  expect(c.resources?.limits?.['nvidia.com/gpu']).toBe(1);
  const service = find<Service>('Service', 'kfkd-coordinator');
  const grpc = service.spec.ports.find((p) => p.name === 'grpc')!;
  expect(arg(c, '--coordinator')).toBe(`${service.metadata.name}:${grpc.port}`);
  expect(arg(c, '--backend')).toBe('tensorflow');
  expect(c.env?.find((e) => e.name === 'KFKD_ID')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
  expect(workers.spec.replicas).toBeGreaterThanOrEqual(1);
});

it('the dashboard listens on all interfaces on its container port, behind its Service, following the coordinator', () => {
  const c = container(dashboard);
  expect(c.args[0]).toBe('dashboard');
  expect(arg(c, '--listen')).toBe('0.0.0.0:8080');
  // kfkd dashboard refuses a bind beyond loopback without a sign-in.
  expect(c.args).toContain('--login');
  expect(containerPort(c, 'http')).toBe(8080);
  expect(arg(c, '--coordinator')).toBe(`kfkd-coordinator:${portOf(defaultOf(coordinatorCommand(), '--listen') as string)}`);
  expect(c.env?.find((e) => e.name === 'KFKD_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: secret.metadata.name, key: 'token' });
  const service = find<Service>('Service', 'kfkd-dashboard');
  expect(service.spec.selector).toEqual(dashboard.spec.selector.matchLabels);
  expect(service.spec.ports).toContainEqual({ name: 'http', port: 8080, targetPort: 'http' });
});

it('the PodMonitor scrapes the port named metrics, which every scraped pod has', () => {
  const monitor = find<K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string; path: string }[] } }>('PodMonitor', 'kfkd');
  expect(monitor.spec.podMetricsEndpoints).toContainEqual(expect.objectContaining({ port: 'metrics', path: '/metrics' }));
  for (const w of [coordinator, workers]) {
    expect(w.spec.template.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(container(w).ports.map((p) => p.name)).toContain('metrics');
  }
});
