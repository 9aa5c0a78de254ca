// Starts tracing from settings: tracer provider, context manager, propagators, the services' server spans, undici's client spans.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { context, DiagLogLevel, diag, propagation, type TextMapPropagator, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { FastifyInstance } from 'fastify';
import { collectorUrl, probeCollector } from './collector-probe.ts';
import { CountingProcessor } from './counting-processor.ts';
import { createExporter, exporterTarget, otlpProtocol } from './exporters.ts';
import { LazyExporter } from './lazy-exporter.ts';
import { jsonLog, type Log } from './log.ts';
import { QuietExporter, spanCount } from './quiet-exporter.ts';
import { resourceAttributes } from './resource.ts';
import { serverSpans } from './server-spans.ts';
import type { PropagatorName, SamplerName, TelemetrySettings } from './settings.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Envoy's tag for the request id, so app spans and sidecar spans are found by the same Jaeger tag search. */
export const REQUEST_ID_ATTRIBUTE = 'guid:x-request-id';

/** Routes that are not the demo's traffic: probes and scrapes would otherwise fill Jaeger. */
const UNTRACED = /^\/(health\/|metrics(\?|$))/;

/** How long shutdown waits for the last export: a hung collector must not eat the pod's whole grace period. */
const FLUSH_LIMIT_MS = 2000;
/** How long shutdown waits for the collector to accept a connection before it drops the unsent spans instead. */
const SHUTDOWN_PROBE_MS = 500;
/**
 * How long after start a collector may take to come up before the one "not exported" line: in docker compose the
 * services can start while Jaeger is still opening its ports, and a warning followed by "works again" is noise.
 */
const START_GRACE_MS = 3000;
const START_PROBE_EVERY_MS = 250;
/** A collector elsewhere (DNS, another node) gets longer than one on this machine, which answers in under a millisecond. */
const START_PROBE_TIMEOUT_MS = 1000;

export interface Tracing {
  /** Header names the propagators write on outgoing requests. */
  readonly ownedHeaders: readonly string[];
  /** Whether outgoing requests get client spans (which then write the trace headers). */
  readonly clientSpans: boolean;
  shutdown(): Promise<void>;
}

export function createSampler(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

export function createPropagator(names: readonly PropagatorName[]): TextMapPropagator {
  const make = (name: PropagatorName): TextMapPropagator => {
    switch (name) {
      case 'tracecontext':
        return new W3CTraceContextPropagator();
      case 'baggage':
        return new W3CBaggagePropagator();
      case 'b3':
        return new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
      case 'b3multi':
        return new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
    }
  };
  return new CompositePropagator({ propagators: names.map(make) });
}

/**
 * Diagnostics of the SDK itself, as JSON lines like the service's own, warnings and worse only (OTEL_LOG_LEVEL to
 * change). OTEL_LOG_LEVEL alone decides what is shown: whoever raises it wants to see the SDK talk, whatever LOG_LEVEL says.
 */
function setupDiagnostics(env: Env, service: string | undefined): void {
  const level = env.OTEL_LOG_LEVEL?.trim().toUpperCase();
  const value = level && level in DiagLogLevel ? DiagLogLevel[level as keyof typeof DiagLogLevel] : DiagLogLevel.WARN;
  const log = jsonLog({ ...env, LOG_LEVEL: 'trace' }, service);
  const text = (args: unknown[]) =>
    `telemetry: ${args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`;
  diag.setLogger(
    {
      error: (...args) => log('error', text(args)),
      warn: (...args) => log('warn', text(args)),
      info: (...args) => log('info', text(args)),
      debug: (...args) => log('debug', text(args)),
      verbose: (...args) => log('debug', text(args)),
    },
    { logLevel: value, suppressOverrideMessage: true },
  );
}

/** Probes the collector for a short while after start and says once, early, when none answers. */
function announceIfUnreachable(collector: URL, exporter: QuietExporter): void {
  const deadline = Date.now() + START_GRACE_MS;
  const attempt = async (): Promise<void> => {
    const result = await probeCollector(collector, START_PROBE_TIMEOUT_MS);
    if (result.ok || exporter.down) return;
    if (Date.now() >= deadline) return exporter.markUnreachable(result.reason);
    setTimeout(() => void attempt(), START_PROBE_EVERY_MS).unref();
  };
  void attempt();
}

export async function startTracing(settings: TelemetrySettings, env: Env, entry: string | undefined, log: Log): Promise<Tracing> {
  const attributes = resourceAttributes(settings, env, entry);
  setupDiagnostics(env, attributes['service.name']);
  const protocol = otlpProtocol(env);
  if (settings.exporter === 'otlp' && protocol.warning) log('warn', `telemetry: ${protocol.warning}`);

  const target = exporterTarget(settings.exporter, env);
  const inner = new LazyExporter(() => createExporter(settings.exporter, env));
  const exporter = new QuietExporter(inner, target, log);
  const processor = new CountingProcessor(
    settings.exporter === 'console' ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter, ...settings.batch }),
  );
  const collector = collectorUrl(settings.exporter, env);
  if (collector) announceIfUnreachable(collector, exporter);
  const resource = defaultResource().merge(resourceFromAttributes(attributes));
  const provider = new TracerProvider({ resource, sampler: createSampler(settings.sampler, settings.ratio), spanProcessors: [processor] });
  const propagator = createPropagator(settings.propagators);

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(propagator);
  trace.setGlobalTracerProvider(provider);

  // One server span per request (Fastify's hook and handler spans would triple the span count for no extra insight
  // here), and none for a request whose parent was not sampled: our own hooks rather than @fastify/otel's, whose
  // onRequest hook makes a span for every request, recorded or not (issue 24: most of the SDK's cost at 1%).
  const servers = serverSpans({
    tracer: provider.getTracer('@mesh-demo/telemetry'),
    parentBased: settings.sampler.startsWith('parentbased_'),
    untraced: UNTRACED,
    requestIdAttribute: REQUEST_ID_ATTRIBUTE,
  });
  // Every Fastify() announces itself on this channel before any of its own hooks or routes: the apps stay untouched.
  const onFastify = (message: unknown) => servers.instrument((message as { fastify: FastifyInstance }).fastify);
  subscribe('fastify.initialization', onFastify);
  // Imported only when wanted: without client spans the kit injects the headers and this package is not needed.
  const undici = settings.clientSpans ? new (await import('@opentelemetry/instrumentation-undici')).UndiciInstrumentation() : undefined;
  undici?.setTracerProvider(provider);

  return {
    ownedHeaders: propagator.fields(),
    clientSpans: settings.clientSpans,
    async shutdown() {
      servers.disable();
      unsubscribe('fastify.initialization', onFastify);
      undici?.disable();
      // Nothing unsent, or a collector that does not even accept a connection: there is nothing to wait for. (The
      // exporter would retry a refused connection for up to its 10 s timeout, and the flush would wait for that.)
      const unsent = processor.ended - exporter.settled;
      if (unsent > 0 && collector) {
        const probe = await probeCollector(collector, SHUTDOWN_PROBE_MS);
        if (!probe.ok) {
          // A warning only if this is news: after the "not exported" line it is the expected end of the story.
          log(
            exporter.down ? 'info' : 'warn',
            `telemetry: ${spanCount(unsent)} not exported at shutdown: no collector answers at ${target} (${probe.reason}); not waiting for one`,
            { unsent },
          );
          return;
        }
      }
      // Export what is queued, within a limit of our own (the exporter's timeout is longer than a grace period likes).
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, FLUSH_LIMIT_MS, 'timeout')));
      const outcome = await Promise.race([provider.shutdown().then(() => 'done' as const), limit]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        const left = processor.ended - exporter.settled;
        log('warn', `telemetry: gave up flushing ${spanCount(left)} to ${target} after ${FLUSH_LIMIT_MS} ms`, { unsent: left });
      }
    },
  };
}
