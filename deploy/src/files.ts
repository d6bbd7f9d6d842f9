/** Reading deploy/'s files for the tests: YAML documents, the dashboard JSON, paths. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const DEPLOY_DIR = fileURLToPath(new URL('..', import.meta.url));

export function deployPath(relative: string): string {
  return `${DEPLOY_DIR}${relative}`;
}

/** A Kubernetes object, loosely typed: tests check the fields they need. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** Every document of a YAML file; throws on a syntax error, naming the file. */
export function yamlDocuments(relative: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(deployPath(relative), 'utf8'));
  return docs.map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${relative}: ${doc.errors[0].message}`);
    return doc.toJS() as unknown;
  });
}

export function k8sFiles(): string[] {
  return readdirSync(deployPath('k8s'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `k8s/${f}`);
}

export function readJson(relative: string): unknown {
  return JSON.parse(readFileSync(deployPath(relative), 'utf8')) as unknown;
}
