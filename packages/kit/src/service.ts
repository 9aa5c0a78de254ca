// Builds a service's two Fastify apps from a typed config: the public port (its routes) and the management port.
import { createServer, type Server, type ServerOptions } from 'node:http';
import { context as otelContext, propagation, trace } from '@opentelemetry/api';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import type { Dispatcher } from 'undici';
import type { Hop } from './chain.ts';
import type { ServiceConfig } from './config.ts';
import { createDownstreamClient, type DownstreamClient, type DownstreamOutcome, outcomeLabel } from './downstream.ts';
import { createFaultControl, type FaultControl, faultRoutes } from './fault-routes.ts';
import { propagatedHeaders, REQUEST_ID_HEADER, requestIdFrom } from './headers.ts';
import { healthRoutes, type ServiceState } from './health.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { isShadow } from './respond.ts';

/** What a service's routes get to work with. */
export interface ServiceContext {
  readonly config: ServiceConfig;
  readonly metrics: Metrics;
  readonly faults: FaultControl;
  /** Count this request to `/` (the per-instance hit counter) and describe this hop. */
  hop(request: FastifyRequest): Omit<Hop, 'status'>;
  /** Call the configured downstream with this request's propagated headers. */
  callDownstream(request: FastifyRequest): Promise<DownstreamOutcome>;
}

export type ServiceRoutes = (app: FastifyInstance, context: ServiceContext) => void;

export interface BuildOptions {
  /** Replaces the downstream Pool, e.g. an undici MockAgent in unit tests. */
  readonly dispatcher?: Dispatcher;
  /** Header names the tracer writes itself; they are not copied from the incoming request. */
  readonly tracerOwnedHeaders?: ReadonlySet<string>;
  /** Where log lines go instead of stdout, e.g. to assert on them. */
  readonly logStream?: { write(line: string): void };
  /** Write the active trace context into downstream calls (when tracing is on but outgoing calls are not instrumented). */
  readonly injectTraceContext?: boolean;
}

export interface Service {
  readonly config: ServiceConfig;
  /** The public port: the chain route and health. */
  readonly app: FastifyInstance;
  /** The management port: health and /metrics, never reachable through the public route. */
  readonly management: FastifyInstance;
  /** The shadow port's server (config.shadowPort): the public routes again, for mirrored copies; not yet listening. */
  readonly shadow?: Server;
  readonly state: ServiceState;
  readonly metrics: Metrics;
  readonly faults: FaultControl;
  /** Stop both apps and the downstream pool; in-flight requests finish first. */
  close(): Promise<void>;
}

/** Errors answer with a short text and never with a stack or an internal message; 5xx are logged in full instead. */
function safeErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: error.code, status }, 'bad request');
    const message = status < 500 ? error.message.replace(/[^\x20-\x7e]/g, '').slice(0, 200) : 'internal error';
    return reply.code(status).type('text/plain; charset=utf-8').send(`${message}\n`);
  });
}

/**
 * trace_id and span_id of the active span on every log line, so logs and traces join. Reading the context is cheap,
 * and without a tracer (no --import of the telemetry register module) there is no span and nothing is added.
 */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** The Node server settings of every port a service listens on. */
function serverOptions(config: ServiceConfig): ServerOptions {
  return {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: Math.min(10_000, config.requestTimeoutMs),
    connectionsCheckingInterval: 1000,
    keepAliveTimeout: 72_000,
  };
}

function fastifyFor(config: ServiceConfig, name: string, logStream?: BuildOptions['logStream']): FastifyInstance {
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            base: { service: config.service.name, version: config.version, host: config.hostname, port: name },
            mixin: traceFields,
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
              censor: '[redacted]',
            },
            ...(logStream && { stream: logStream }),
          },
    // One line per request is written in onResponse below, with the facts that matter here.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    requestIdHeader: false,
    // A typo in a request body is an error, never silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    genReqId: (request) => requestIdFrom(request.headers),
    // During shutdown, requests on open keep-alive connections are still served (with Connection: close), not refused.
    return503OnClosing: false,
    // Slow clients (slowloris) are cut off: headers must arrive within 10 s and the whole request within
    // REQUEST_TIMEOUT_MS, checked every second. No idle-socket timeout: that would close keep-alive connections
    // before keepAliveTimeout (72 s, longer than undici's 4 s and what Envoy expects) and race the caller's pool.
    serverFactory: (handler) => createServer(serverOptions(config), handler),
  });
  safeErrors(app);
  return app;
}

export function buildService(config: ServiceConfig, routes: ServiceRoutes, options: BuildOptions = {}): Service {
  const state: ServiceState = { ready: true };
  const metrics = createMetrics();
  const faults = createFaultControl(config.faults, metrics);
  const isReady = () => state.ready && faults.current.ready;
  const app = fastifyFor(config, 'public', options.logStream);
  const management = fastifyFor(config, 'management', options.logStream);
  const downstream: DownstreamClient | undefined = config.downstream && createDownstreamClient(config.downstream, options.dispatcher);
  const { name, edge } = config.service;
  let hits = 0;
  const shadowOf = (request: FastifyRequest) => isShadow(request.headers.host, request.socket?.localPort, config.shadowPort);

  // Callback-style hooks: nothing here awaits, and an async hook costs a promise and a microtask turn per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestDuration.labels(route, request.method, String(reply.statusCode)).observe(reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        shadow: shadowOf(request),
      },
      'request',
    );
    done();
  });
  healthRoutes(app, isReady);
  healthRoutes(management, isReady);
  faultRoutes(management, faults);
  management.get('/metrics', { schema: { response: { 200: { type: 'string' } } } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  const context: ServiceContext = {
    config,
    metrics,
    faults,
    hop(request) {
      const shadow = shadowOf(request);
      hits += 1;
      metrics.hits.labels(name, config.version, String(shadow)).inc();
      return { service: name, version: config.version, host: config.hostname, hits, shadow };
    },
    async callDownstream(request) {
      if (!downstream) throw new Error(`${name} has no downstream configured`);
      const headers = propagatedHeaders(request.headers, {
        names: config.propagateHeaders,
        requestId: request.id,
        edge,
        ...(options.tracerOwnedHeaders && { skip: options.tracerOwnedHeaders }),
      });
      if (options.injectTraceContext) propagation.inject(otelContext.active(), headers);
      const started = performance.now();
      const outcome = await downstream.call(headers);
      metrics.downstreamDuration.labels(downstream.name, outcomeLabel(outcome)).observe((performance.now() - started) / 1000);
      if (outcome.type === 'failure') request.log.warn({ downstream: downstream.name, failure: outcome.failure }, 'downstream call failed');
      return outcome;
    },
  };
  routes(app, context);
  // The same Fastify handler behind a second port: hooks, routes and logs are the public port's.
  const shadow = config.shadowPort !== undefined ? createServer(serverOptions(config), (req, res) => app.routing(req, res)) : undefined;

  return {
    config,
    app,
    management,
    ...(shadow && { shadow }),
    state,
    metrics,
    faults,
    async close() {
      const shadowClosed = shadow?.listening ? new Promise((resolve) => shadow.close(resolve)) : undefined;
      // As Fastify does for its own ports: idle keep-alive connections would hold close() open until the drain cut.
      shadow?.closeIdleConnections();
      await Promise.all([app.close(), management.close(), shadowClosed]);
      await downstream?.close();
    },
  };
}
