// A real Jaeger v2 all-in-one on free 127.0.0.1 ports (OTLP/HTTP and Jaeger Thrift/HTTP in, query API out), in-memory storage.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@mesh-demo/devtools';
import { eventually } from './poll.ts';
import { freePorts } from './ports.ts';
import { jaegerBinary } from './tools.ts';

export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: ReadonlyArray<{ refType: string; traceID: string; spanID: string }>;
  readonly processID: string;
  readonly tags: ReadonlyArray<{ key: string; value: unknown }>;
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { serviceName: string }>>;
}

export interface Jaeger {
  /** OTEL_EXPORTER_OTLP_ENDPOINT for the services. */
  readonly otlpEndpoint: string;
  /** OTEL_EXPORTER_JAEGER_ENDPOINT for the services. */
  readonly thriftEndpoint: string;
  readonly queryUrl: string;
  /** The trace with this id, or undefined while Jaeger has none. */
  trace(traceId: string): Promise<JaegerTrace | undefined>;
  stop(): Promise<void>;
  /** Start again on the same ports (storage is in memory, so it starts empty). */
  restart(): Promise<void>;
}

function config(ports: Record<'otlp' | 'thrift' | 'query' | 'queryGrpc' | 'health', number>): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp, jaeger]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${ports.health}
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${ports.query}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports.otlp}
  jaeger:
    protocols:
      thrift_http:
        endpoint: 127.0.0.1:${ports.thrift}
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

export async function startJaeger(): Promise<Jaeger> {
  const binary = jaegerBinary();
  const [otlp, thrift, query, queryGrpc, health] = (await freePorts(5)) as [number, number, number, number, number];
  const dir = join(REPO_ROOT, 'e2e', '.work', `jaeger-${process.pid}-${otlp}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'config.yaml');
  writeFileSync(file, config({ otlp, thrift, query, queryGrpc, health }));
  const queryUrl = `http://127.0.0.1:${query}`;
  let child: ChildProcess | undefined;
  const output: string[] = [];

  async function start(): Promise<void> {
    const current = spawn(binary, ['--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = current;
    current.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    current.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    try {
      await eventually('jaeger to answer its query API', async () => {
        if (current.exitCode !== null) throw new Error(`jaeger exited ${current.exitCode}: ${output.join('').slice(-500)}`);
        const [q, o] = await Promise.all([
          fetch(`${queryUrl}/api/services`, { signal: AbortSignal.timeout(1000) }),
          fetch(`http://127.0.0.1:${otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(1000) }),
        ]);
        return q.ok && o.status < 500 ? true : undefined;
      }, 30_000);
    } catch (error) {
      current.kill('SIGKILL');
      throw error;
    }
  }

  async function stop(): Promise<void> {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGTERM');
    await exited;
  }

  await start();
  return {
    otlpEndpoint: `http://127.0.0.1:${otlp}`,
    thriftEndpoint: `http://127.0.0.1:${thrift}/api/traces`,
    queryUrl,
    async trace(traceId) {
      const response = await fetch(`${queryUrl}/api/traces/${traceId}`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 404) return undefined;
      if (!response.ok) throw new Error(`jaeger query answered ${response.status}`);
      const body = (await response.json()) as { data?: JaegerTrace[] };
      return body.data?.[0];
    },
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}

/** Service name of each span, by span id. */
export function servicesBySpan(trace: JaegerTrace): Map<string, string> {
  return new Map(trace.spans.map((span) => [span.spanID, trace.processes[span.processID]?.serviceName ?? '?']));
}

/** True when some span of `child` has a parent span in `parent`: the edge a trace view draws between the two services. */
export function hasEdge(trace: JaegerTrace, parent: string, child: string): boolean {
  const service = servicesBySpan(trace);
  return trace.spans.some(
    (span) => service.get(span.spanID) === child && span.references.some((r) => r.refType === 'CHILD_OF' && service.get(r.spanID) === parent),
  );
}

export function serviceNames(trace: JaegerTrace): Set<string> {
  return new Set(servicesBySpan(trace).values());
}
