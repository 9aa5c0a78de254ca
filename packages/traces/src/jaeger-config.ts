// Jaeger v2's config: in memory, every listener on the address given, and optionally a copy of each span to an OTLP/HTTP endpoint.
import { stringify } from 'yaml';

export interface JaegerPorts {
  readonly otlpGrpc: number;
  readonly otlpHttp: number;
  /** The query API and its (UI-less) page. */
  readonly query: number;
  /** The query API over gRPC: always given, or Jaeger would open it on 0.0.0.0:16685. */
  readonly queryGrpc: number;
  /** Jaeger Thrift over HTTP (the `jaeger` exporter's endpoint); without it that receiver is left out. */
  readonly thrift?: number;
  /** healthcheckv2's HTTP endpoint (200 once the pipelines run); without it that extension is left out. */
  readonly health?: number;
}

export interface JaegerConfigOptions {
  /** Where the query API and health check listen. Default 127.0.0.1. */
  readonly host?: string;
  /** Where the receivers (OTLP, Thrift) listen, when spans come from elsewhere than the query's callers. Default: host. */
  readonly otlpHost?: string;
  readonly ports: JaegerPorts;
  /** An OTLP/HTTP base URL that gets a copy of every span as OTLP/JSON (the Zipkin bridge); none when unset. */
  readonly copyTo?: string;
  /** Traces the in-memory store keeps. Default 100 000. */
  readonly maxTraces?: number;
}

/** The pipeline and exporter that carry the copy; named so the e2e tests and a supervisor's status can find them. */
export const COPY_PIPELINE = 'traces/ui';
export const COPY_EXPORTER = 'otlphttp/ui';

/**
 * The YAML to run `jaeger --config <file>` with. The copy runs in a pipeline of its own, behind its own batch
 * processor: the receivers hand a batch to each pipeline in turn and an exporter's error travels back up its pipeline,
 * so an exporter that fails or fills its queue right behind the receivers would fail the services' own exports. Behind a
 * batch processor its failures end there, and Jaeger's storage pipeline never waits on the bridge.
 */
export function jaegerConfig(options: JaegerConfigOptions): string {
  const { ports } = options;
  const host = options.host ?? '127.0.0.1';
  const otlpHost = options.otlpHost ?? host;
  const at = (where: string, port: number) => `${where.includes(':') ? `[${where}]` : where}:${port}`;
  const receivers = ports.thrift === undefined ? ['otlp'] : ['otlp', 'jaeger'];
  const pipelines: Record<string, unknown> = {
    traces: { receivers, processors: ['batch'], exporters: ['jaeger_storage_exporter'] },
  };
  const processors: Record<string, unknown> = { batch: {} };
  const exporters: Record<string, unknown> = { jaeger_storage_exporter: { trace_storage: 'memstore' } };
  if (options.copyTo) {
    pipelines[COPY_PIPELINE] = { receivers, processors: ['batch/ui'], exporters: [COPY_EXPORTER] };
    // Small batches: the bridge answers each at once, and the UI should show a request within a second of it.
    processors['batch/ui'] = { timeout: '200ms', send_batch_size: 512, send_batch_max_size: 2048 };
    exporters[COPY_EXPORTER] = {
      endpoint: options.copyTo,
      encoding: 'json',
      compression: 'none',
      timeout: '5s',
      // A copy for a UI is not worth holding on to: a bridge that is down costs the UI those spans, nothing else.
      retry_on_failure: { enabled: false },
      sending_queue: { enabled: true, num_consumers: 2, queue_size: 100 },
    };
  }
  const extensions = ['jaeger_storage', 'jaeger_query', ...(ports.health === undefined ? [] : ['healthcheckv2'])];
  const config = {
    service: {
      extensions,
      pipelines,
      telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
    },
    extensions: {
      ...(ports.health === undefined ? {} : { healthcheckv2: { use_v2: true, http: { endpoint: at(host, ports.health) } } }),
      jaeger_query: {
        storage: { traces: 'memstore' },
        http: { endpoint: at(host, ports.query) },
        grpc: { endpoint: at(host, ports.queryGrpc) },
      },
      jaeger_storage: { backends: { memstore: { memory: { max_traces: options.maxTraces ?? 100_000 } } } },
    },
    receivers: {
      otlp: {
        protocols: { grpc: { endpoint: at(otlpHost, ports.otlpGrpc) }, http: { endpoint: at(otlpHost, ports.otlpHttp) } },
      },
      ...(ports.thrift === undefined ? {} : { jaeger: { protocols: { thrift_http: { endpoint: at(otlpHost, ports.thrift) } } } }),
    },
    processors,
    exporters,
  };
  const copy = options.copyTo ? `, a copy of every span to ${options.copyTo} (OTLP/JSON)` : '';
  return `# Written by @mesh-demo/traces: in-memory Jaeger, no self-telemetry port${copy}.\n${stringify(config)}`;
}
