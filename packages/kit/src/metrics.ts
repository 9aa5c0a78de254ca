// Prometheus metrics on a per-app registry (never the global one, so several apps can live in one test process), and their route.
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface Metrics {
  readonly registry: Registry;
  readonly requestDuration: Histogram<'http_route' | 'http_request_method' | 'http_response_status_code'>;
  readonly hits: Counter<'service' | 'version' | 'shadow'>;
  readonly downstreamDuration: Histogram<'downstream' | 'outcome'>;
  readonly faults: Counter<'kind' | 'status'>;
  readonly memoryReclaims: Counter;
}

/**
 * One labelled child per label combination, made once: prom-client's labels() hashes the labels and builds a new child
 * on every call, a per-request cost on the hot path. Holds no more entries than the metric itself has series.
 */
export function labelledOnce<C>(labels: (...values: string[]) => C): (...values: string[]) => C {
  const children = new Map<string, C>();
  return (...values) => {
    const key = values.join('\n');
    let child = children.get(key);
    if (child === undefined) {
      child = labels(...values);
      children.set(key, child);
    }
    return child;
  };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    // Label names follow OpenTelemetry's HTTP semantic conventions, as Prometheus names them.
    requestDuration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP requests served on the public port',
      labelNames: ['http_route', 'http_request_method', 'http_response_status_code'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    hits: new Counter({
      name: 'mesh_demo_hits_total',
      help: 'Requests to / by this instance, the same count the response shows; shadow="true" for mirrored requests',
      labelNames: ['service', 'version', 'shadow'],
      registers: [registry],
    }),
    downstreamDuration: new Histogram({
      name: 'mesh_demo_downstream_request_duration_seconds',
      help: 'Duration of calls to the downstream service, by outcome (ok, error_status, unreachable, timeout, invalid_response)',
      labelNames: ['downstream', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    faults: new Counter({
      name: 'mesh_demo_faults_injected_total',
      help: 'Faults injected into requests to / (kind="delay" or kind="error" with its status)',
      labelNames: ['kind', 'status'],
      registers: [registry],
    }),
    memoryReclaims: new Counter({
      name: 'mesh_demo_memory_reclaims_total',
      help: 'Memory-reducing GCs run after a burst, once the process was idle (MEMORY_RECLAIM_IDLE_MS)',
      registers: [registry],
    }),
  };
}

/** `GET /metrics` in Prometheus' text format, on the management port only. */
export function metricsRoute(management: FastifyInstance, metrics: Metrics): void {
  management.get('/metrics', { schema: { response: { 200: { type: 'string' } } } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
