// The tracing modes, driven only by the standard OTEL_* env and the telemetry package's --import, and whether they can run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_DIR, REPO_ROOT, serviceDir, TELEMETRY_NODE_ARGS } from '@mesh-demo/workspace';

const PACKAGE = join(REPO_ROOT, 'packages', 'telemetry');
/** The register module as the services run it: bundled beside each service's main (checked on one of them). */
const REGISTER = join(serviceDir('customer'), BUNDLE_DIR, 'register.js');

export type TracingModeName = 'jaeger-100' | 'otlp-100' | 'parentbased-1';

export interface TracingMode {
  readonly name: TracingModeName;
  readonly label: string;
  env(endpoints: { jaeger: string; otlp: string }): Record<string, string>;
  /** Requests arrive as from a mesh ingress that samples 1 in N (traceparent on every request). */
  readonly meshSampleEvery?: number;
}

export const TRACING_MODES: readonly TracingMode[] = [
  {
    name: 'jaeger-100',
    label: 'tracing on, 100%, jaeger exporter',
    env: ({ jaeger }) => ({
      OTEL_TRACES_EXPORTER: 'jaeger',
      OTEL_EXPORTER_JAEGER_ENDPOINT: jaeger,
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    }),
  },
  {
    name: 'otlp-100',
    label: 'tracing on, 100%, otlp exporter',
    env: ({ otlp }) => ({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: otlp, OTEL_TRACES_SAMPLER: 'parentbased_always_on' }),
  },
  {
    name: 'parentbased-1',
    label: 'tracing on, 1% parent-based (mesh-sampled), otlp',
    env: ({ otlp }) => ({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.01',
    }),
    meshSampleEvery: 100,
  },
];

/** Why traced modes cannot run here, or undefined when they can. */
export function telemetryMissing(): string | undefined {
  if (!existsSync(join(PACKAGE, 'package.json'))) return 'telemetry package not present';
  if (!existsSync(REGISTER)) return 'services not bundled (services/customer/dist/bundle/register.js missing: pnpm build)';
  return undefined;
}

/** Node flags that load the instrumentation before the service, as a container's NODE_OPTIONS would. */
export function telemetryNodeArgs(): string[] {
  return [...TELEMETRY_NODE_ARGS];
}

/** Env for "tracing off": the product's own switch (the register module still loads, as in the image, and stays idle). */
export const TRACING_OFF_ENV: Record<string, string> = { OTEL_TRACES_EXPORTER: 'none' };

/** Node flags for "tracing off": the same --import as the image when the package exists, so off is measured as shipped. */
export function offNodeArgs(): string[] {
  return telemetryMissing() ? [] : telemetryNodeArgs();
}
