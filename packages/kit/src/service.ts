// Builds a service from its typed config: the public app (GET / and health) and the management app (health, faults,
// metrics), the hooks every request passes, and the context its routes get. Reading how GET / works starts here; the
// next file is chain-route.ts (README.md).
import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from 'undici';
import { admission } from './admission.ts';
import type { ServiceContext, ServiceRoutes } from './chain-route.ts';
import type { ServiceConfig } from './config.ts';
import { createDownstreamClient, downstreamCall, type TracingOptions } from './downstream.ts';
import { type LogDestination, logDestination } from './fast/log-destination.ts';
import { requestLogger } from './fast/request-line.ts';
import { faultRoutes } from './fault-routes.ts';
import { createFaultControl, type FaultControl } from './faults.ts';
import { isShadow, REQUEST_ID_HEADER } from './headers.ts';
import { healthRoutes, type ServiceState } from './health.ts';
import { createMetrics, labelledOnce, type Metrics, metricsRoute } from './metrics.ts';
import { buildServer, closeServer, type LogStream, shadowServer } from './server.ts';

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

type InFlight = Pick<LogDestination, 'begin' | 'end'>;

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
  const downstream = config.downstream && createDownstreamClient(config.downstream, options.dispatcher);

  const logRequest = requestLogger(config, logs.stream, (request) =>
    isShadow(request.headers.host, request.socket?.localPort, config.shadowPort),
  );
  observeRequests(app, metrics, logs, logRequest);
  // Before the routes: a shed request never reaches one (the management port is never shed).
  admission(app, config.service.name, config.admission);
  healthRoutes(app, isReady);
  healthRoutes(management, isReady);
  faultRoutes(management, faults);
  metricsRoute(management, metrics);
  const noDownstream = async (): Promise<never> => {
    throw new Error(`${config.service.name} has no downstream configured`);
  };
  // The service's own routes: GET / is chain-route.ts's, and callDownstream is downstream.ts's call to the next hop.
  const context: ServiceContext = {
    config,
    metrics,
    faults,
    callDownstream: downstream ? downstreamCall(downstream, config, metrics, options) : noDownstream,
  };
  routes(app, context);

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

/**
 * What every request on the public port passes besides its route: the x-request-id answer header (request.id is the
 * caller's x-request-id when well-formed, else a fresh UUID: headers.ts' requestIdFrom, which server.ts gives Fastify),
 * and once answered one duration sample and one log line.
 */
function observeRequests(app: FastifyInstance, metrics: Metrics, logs: InFlight, logRequest: ReturnType<typeof requestLogger>): void {
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
