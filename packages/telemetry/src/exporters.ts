// Creates the one exporter OTEL_TRACES_EXPORTER names, importing only that exporter's package (the others cost start-up).
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { ExporterName } from './settings.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Where spans go, for the warning people read when export fails. */
export function exporterTarget(name: ExporterName, env: Env): string {
  if (name === 'jaeger') {
    const endpoint = env.OTEL_EXPORTER_JAEGER_ENDPOINT?.trim();
    if (endpoint) return `jaeger ${endpoint}`;
    return `jaeger agent udp://${env.OTEL_EXPORTER_JAEGER_AGENT_HOST?.trim() || 'localhost'}:${env.OTEL_EXPORTER_JAEGER_AGENT_PORT?.trim() || '6832'}`;
  }
  if (name === 'otlp') {
    const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
    const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || 'http://localhost:4318';
    return `otlp ${traces || `${base.replace(/\/$/, '')}/v1/traces`}`;
  }
  return 'console';
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
      // Thrift over HTTP to <collector>:14268/api/traces when OTEL_EXPORTER_JAEGER_ENDPOINT is set, else UDP to the agent.
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

/**
 * Imports and builds the exporter at the first export instead of at start-up: the exporter packages are the largest part
 * of tracing's load time, and the first batch leaves a second after the first request, well after the pod is ready.
 */
export class LazyExporter implements SpanExporter {
  private loading: Promise<SpanExporter> | undefined;
  private readonly load: () => Promise<SpanExporter>;

  constructor(load: () => Promise<SpanExporter>) {
    this.load = load;
  }

  private exporter(): Promise<SpanExporter> {
    this.loading ??= this.load();
    return this.loading;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exporter().then(
      (exporter) => exporter.export(spans, done),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  async shutdown(): Promise<void> {
    if (this.loading) await (await this.loading).shutdown();
  }

  async forceFlush(): Promise<void> {
    if (this.loading) await (await this.loading).forceFlush?.();
  }
}
