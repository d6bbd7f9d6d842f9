/**
 * Schema validation of Kubernetes documents with kubernetes-models: the
 * OpenAPI schema of the Kubernetes API (and of the Prometheus Operator's
 * CRDs), compiled into validators. It checks types, enums and required
 * fields; like `kubectl apply --validate=false` it lets unknown fields pass,
 * so the tests read the fields they rely on by name.
 */
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { PodMonitor, PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

interface Validating {
  validate(): void;
}

/** The kinds deploy/k8s may contain, by `apiVersion/kind`; a kind not listed fails the tests until it is added here. */
const MODELS: Readonly<Record<string, new (data: never) => Validating>> = {
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'batch/v1/Job': Job,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

/** Why `document` is not a valid object of its apiVersion and kind, or null when it is. */
export function schemaErrors(document: unknown): string | null {
  if (typeof document !== 'object' || document === null) return 'not a YAML mapping';
  const { apiVersion, kind } = document as { apiVersion?: unknown; kind?: unknown };
  const Model = MODELS[`${String(apiVersion)}/${String(kind)}`];
  if (!Model) return `no schema known for apiVersion ${String(apiVersion)} kind ${String(kind)} (add it to deploy/src/k8s-schema.ts)`;
  try {
    new Model(document as never).validate();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
