// Creates the one exporter OTEL_TRACES_EXPORTER names, importing only that exporter's package (the others cost start-up).
// Only type imports at the top: `pnpm start` reads exporterEndpoint through the light ./probe entry, without OpenTelemetry.
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { ExporterName } from './settings.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface ExporterEndpoint {
  /** The endpoint as set: the variable that wins, else the default. */
  readonly configured: string;
  /** Where spans are sent: for OTLP's base endpoint that is <base>/v1/traces, as the exporter appends it. */
  readonly url: string;
}

/**
 * Where the exporter sends spans, read from the variables its package reads; undefined for console, which prints. The
 * Jaeger exporter without an endpoint sends to its agent over UDP, given here as a udp:// URL.
 */
export function exporterEndpoint(name: ExporterName, env: Env): ExporterEndpoint | undefined {
  switch (name) {
    case 'otlp': {
      const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
      if (traces) return { configured: traces, url: traces };
      const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || 'http://localhost:4318';
      return { configured: base, url: `${base.replace(/\/$/, '')}/v1/traces` };
    }
    case 'jaeger': {
      const endpoint =
        env.OTEL_EXPORTER_JAEGER_ENDPOINT?.trim() ||
        `udp://${env.OTEL_EXPORTER_JAEGER_AGENT_HOST?.trim() || 'localhost'}:${env.OTEL_EXPORTER_JAEGER_AGENT_PORT?.trim() || '6832'}`;
      return { configured: endpoint, url: endpoint };
    }
    case 'console':
      return undefined;
  }
}

/** Where spans go, for the warning people read when export fails. */
export function exporterTarget(name: ExporterName, env: Env): string {
  const endpoint = exporterEndpoint(name, env);
  if (!endpoint) return name;
  return `${name}${endpoint.url.startsWith('udp:') ? ' agent' : ''} ${endpoint.url}`;
}

/** The OTLP protocol asked for; http/protobuf unless http/json (grpc is not bundled: it costs start-up and a native-ish stack). */
export function otlpProtocol(env: Env): { protocol: 'http/protobuf' | 'http/json'; warning?: string } {
  const raw = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  if (!raw || raw === 'http/protobuf') return { protocol: 'http/protobuf' };
  if (raw === 'http/json') return { protocol: 'http/json' };
  return {
    protocol: 'http/protobuf',
    warning: `OTEL_EXPORTER_OTLP_PROTOCOL: ${JSON.stringify(raw)} is not supported here; using http/protobuf`,
  };
}

export async function createExporter(name: ExporterName, env: Env): Promise<SpanExporter> {
  switch (name) {
    case 'jaeger': {
      // Thrift over HTTP to <collector>:14268/api/traces when OTEL_EXPORTER_JAEGER_ENDPOINT is set: the package's
      // content, encoded by jaeger-thrift.ts at a fraction of its cost (docs/telemetry.md). Else UDP to the agent
      // through the package itself, which splits batches into datagrams.
      const endpoint = env.OTEL_EXPORTER_JAEGER_ENDPOINT?.trim();
      if (endpoint) {
        const { JaegerHttpExporter } = await import('./jaeger-http-exporter.ts');
        return new JaegerHttpExporter(endpoint, env);
      }
      const { JaegerExporter } = await import('@opentelemetry/exporter-jaeger');
      return new JaegerExporter() as unknown as SpanExporter;
    }
    case 'otlp': {
      if (otlpProtocol(env).protocol === 'http/json') {
        const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
        return new OTLPTraceExporter();
      }
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
      return new OTLPTraceExporter();
    }
    case 'console': {
      // JSON lines like the rest of the service's output, not the SDK's multi-line object dump.
      const { JsonConsoleExporter } = await import('./json-console-exporter.ts');
      return new JsonConsoleExporter();
    }
  }
}
