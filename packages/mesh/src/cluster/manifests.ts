// The cluster's own manifests (packages/mesh/manifests), filled in with the config's values.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterConfig } from './config.ts';

export const MANIFESTS_DIR = fileURLToPath(new URL('../../manifests/', import.meta.url));
/** Values for Istio's istio-discovery chart. */
export const ISTIOD_VALUES = join(MANIFESTS_DIR, 'istiod-values.yaml');
export const COREDNS_MANIFEST = join(MANIFESTS_DIR, 'coredns.yaml');
/** otel-collector.istio-system (the supervisor's Jaeger) and the mesh-wide Telemetry that sends every request's spans there. */
export const TRACING_MANIFEST = join(MANIFESTS_DIR, 'tracing.yaml');

/** Replaces every `{{NAME}}` with its value; a name without one is an error (a typo would otherwise ship as text). */
export function fillTemplate(text: string, values: Readonly<Record<string, string>>, source = 'template'): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${source}: no value for {{${name}}}`);
    return value;
  });
}

/** The values a manifest of the cluster may name. */
export function templateValues(config: ClusterConfig): Record<string, string> {
  return {
    CLUSTER_DOMAIN: config.clusterDomain,
    DNS_SERVICE_IP: config.dnsServiceIP,
    HOST_IP: config.hostIP,
    OTLP_GRPC_PORT: String(config.ports.otlpGrpc),
    OTLP_HTTP_PORT: String(config.ports.otlpHttp),
  };
}

export async function renderManifest(path: string, config: ClusterConfig): Promise<string> {
  return fillTemplate(await readFile(path, 'utf8'), templateValues(config), path);
}
