// Composes a service from a typed config: its public and management apps, their hooks and routes, faults and downstream.
import type { Server } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import type { Hop } from './chain.ts';
import type { ServiceConfig } from './config.ts';
import { createDownstreamClient, type DownstreamOutcome, downstreamCall, type TracingOptions } from './downstream.ts';
import { type LogDestination, logDestination } from './fast/log-destination.ts';
import { requestLogger } from './fast/request-line.ts';
import { faultRoutes } from './fault-routes.ts';
import { createFaultControl, type FaultControl } from './faults.ts';
import { isShadow, REQUEST_ID_HEADER } from './headers.ts';
import { healthRoutes, type ServiceState } from './health.ts';
import { createMetrics, labelledOnce, type Metrics, metricsRoute } from './metrics.ts';
import { buildServer, closeServer, type LogStream, shadowServer } from './server.ts';

/** What a service's routes get to work with. */
export interface ServiceContext {
  readonly config: ServiceConfig;
  readonly metrics: Metrics;
  readonly faults: FaultControl;
  /** Count this request to `/` (the per-instance hit counter) and describe this hop. */
  countHop(request: FastifyRequest): Omit<Hop, 'status'>;
  /** Call the configured downstream with this request's propagated headers. */
  callDownstream(request: FastifyRequest): Promise<DownstreamOutcome>;
}

export type ServiceRoutes = (app: FastifyInstance, context: ServiceContext) => void;

export interface BuildOptions extends TracingOptions {
  /** Replaces the downstream Pool, e.g. an undici MockAgent in unit tests. */
  readonly dispatcher?: Dispatcher;
  /** Where log lines go instead of stdout, e.g. to assert on them. */
  readonly logStream?: LogStream;
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
  /** Write out the log lines still buffered (stdout is written in batches): the last step before the process exits. */
  flushLogs(): void;
}

type ShadowOf = (request: FastifyRequest) => boolean;
type InFlight = Pick<LogDestination, 'begin' | 'end'>;

/** The public port's request id header, and one log line and one duration sample per request. */
function observeRequests(
  app: FastifyInstance,
  metrics: Metrics,
  shadowOf: ShadowOf,
  logs: InFlight,
  logRequest: ReturnType<typeof requestLogger>,
): void {
  // Callback-style hooks: nothing here awaits, and an async hook costs a promise and a microtask turn per request.
  app.addHook('onRequest', (request, reply, done) => {
    logs.begin();
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  // A client that went away before its answer: the request is no longer in flight (if onResponse runs too, the count
  // only ends at zero sooner, which writes a batch early).
  app.addHook('onRequestAbort', (_request, done) => {
    logs.end();
    done();
  });
  const requestDuration = labelledOnce((...values) => metrics.requestDuration.labels(...values));
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requestDuration(route, request.method, String(reply.statusCode)).observe(reply.elapsedTime / 1000);
    logRequest?.(request, reply);
    logs.end();
    done();
  });
}

/** The per-instance hit counter: each call counts one request to `/` and describes this hop. */
function hopCounter(config: ServiceConfig, metrics: Metrics, shadowOf: ShadowOf): ServiceContext['countHop'] {
  const { name } = config.service;
  let hits = 0;
  const hitsOf = labelledOnce((...values) => metrics.hits.labels(...values));
  return (request) => {
    const shadow = shadowOf(request);
    hits += 1;
    hitsOf(name, config.version, String(shadow)).inc();
    return { service: name, version: config.version, host: config.hostname, hits, shadow };
  };
}

export function buildService(config: ServiceConfig, routes: ServiceRoutes, options: BuildOptions = {}): Service {
  const state: ServiceState = { ready: true };
  const metrics = createMetrics();
  const faults = createFaultControl(config.faults, metrics);
  const isReady = () => state.ready && faults.current.ready;
  // One destination for both apps, so their lines share one buffer and one flush.
  const logs: LogDestination = options.logStream
    ? { stream: options.logStream, begin: () => {}, end: () => {}, flush: () => {} }
    : logDestination();
  const app = buildServer(config, 'public', logs.stream);
  const management = buildServer(config, 'management', logs.stream);
  const shadow = config.shadowPort !== undefined ? shadowServer(config, app) : undefined;
  const shadowOf: ShadowOf = (request) => isShadow(request.headers.host, request.socket?.localPort, config.shadowPort);
  const downstream = config.downstream && createDownstreamClient(config.downstream, options.dispatcher);

  observeRequests(app, metrics, shadowOf, logs, requestLogger(config, logs.stream, shadowOf));
  healthRoutes(app, isReady);
  healthRoutes(management, isReady);
  faultRoutes(management, faults);
  metricsRoute(management, metrics);
  const noDownstream = async (): Promise<never> => {
    throw new Error(`${config.service.name} has no downstream configured`);
  };
  routes(app, {
    config,
    metrics,
    faults,
    countHop: hopCounter(config, metrics, shadowOf),
    callDownstream: downstream ? downstreamCall(downstream, config, metrics, options) : noDownstream,
  });

  // The shadow port stops accepting when the public one does; the pool closes once both have drained (Fastify runs
  // onClose after the public port's in-flight requests are done).
  let shadowDrained: Promise<void> | undefined;
  if (shadow) {
    app.addHook('preClose', (done) => {
      shadowDrained = closeServer(shadow);
      done();
    });
  }
  app.addHook('onClose', async () => {
    await shadowDrained;
    await downstream?.close();
  });

  return {
    config,
    app,
    management,
    ...(shadow && { shadow }),
    state,
    metrics,
    faults,
    async close() {
      await Promise.all([app.close(), management.close()]);
    },
    flushLogs: logs.flush,
  };
}
