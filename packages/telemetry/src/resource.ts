// The resource every span carries: service name and version, pod and namespace where known, then OTEL_RESOURCE_ATTRIBUTES.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_VERSION } from '@mesh-demo/kit/version';
import type { TelemetrySettings } from './settings.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The service's own name when OTEL_SERVICE_NAME is unset: the package of the entry script (`@mesh-demo/customer` -> customer). */
export function serviceNameOf(entry: string | undefined): string | undefined {
  if (!entry) return undefined;
  // The nearest package.json that has a name: services/x/dist/bundle/package.json only says "type": "module".
  for (let dir = dirname(entry), up = 0; up < 4; dir = dirname(dir), up++) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (typeof manifest.name === 'string') return manifest.name.replace(/^@[^/]+\//, '');
    } catch {
      // No package.json here (or not JSON): look one level up.
    }
  }
  return undefined;
}

/**
 * The service's version: VERSION, else the kit's default. Spans and telemetry's own log lines read it here, the kit its
 * validated config with the same default, so all three say the same version.
 */
export function versionOf(env: Env): string {
  return env.VERSION?.trim() || DEFAULT_VERSION;
}

/**
 * Attributes in increasing precedence: what the process knows (VERSION, the downward-API POD_NAME / POD_NAMESPACE,
 * HOSTNAME), then OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME, as the spec orders them.
 */
export function resourceAttributes(settings: TelemetrySettings, env: Env, entry: string | undefined): Record<string, string> {
  const known: Record<string, string> = {};
  // The one road of VERSION into spans. This module runs (--import) before the app has a config, and a provider's
  // resource is fixed when it is made, so the kit's validated config cannot reach it; the kit therefore never writes
  // service.version itself. A VERSION the kit refuses stops the process before any span exists, and an unset one is
  // the kit's default here too, so both always agree.
  known['service.version'] = versionOf(env);
  const pod = env.POD_NAME?.trim();
  if (pod) known['k8s.pod.name'] = pod;
  const namespace = env.POD_NAMESPACE?.trim();
  if (namespace) {
    known['k8s.namespace.name'] = namespace;
    known['service.namespace'] = namespace;
  }
  const host = env.HOSTNAME?.trim();
  if (host) known['service.instance.id'] = host;
  const attributes: Record<string, string> = { ...known, ...settings.resourceAttributes };
  attributes['service.name'] = settings.serviceName ?? serviceNameOf(entry) ?? 'unknown_service:node';
  return attributes;
}
