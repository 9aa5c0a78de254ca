// How a service's Fastify apps are built: the Node server settings, request ids, the error policy, logs joined to traces.
import { createServer, type Server, type ServerOptions } from 'node:http';
import { trace } from '@opentelemetry/api';
import Fastify, { type FastifyError, type FastifyInstance, LogController } from 'fastify';
import { refusingAmbiguous } from './ambiguous-request.ts';
import type { ServiceConfig } from './config.ts';
import { fastifyCompilers } from './fast/schema-compilers.ts';
import { requestIdFrom } from './headers.ts';

/** Where log lines go instead of stdout, e.g. to assert on them. */
export interface LogStream {
  write(line: string): void;
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

/** One Fastify app of a service; `port` names it on every log line (public or management). */
export function buildServer(config: ServiceConfig, port: 'public' | 'management', logStream?: LogStream): FastifyInstance {
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            base: { service: config.service.name, version: config.version, host: config.hostname, port },
            mixin: traceFields,
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
              censor: '[redacted]',
            },
            ...(logStream && { stream: logStream }),
          },
    // One line per request is written by the service's onResponse hook, with the facts that matter here.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    requestIdHeader: false,
    // A typo in a request body is an error, never silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    // The build's precompiled validators and serialisers, else Fastify's own compilers with the options above.
    schemaController: { compilersFactory: fastifyCompilers() },
    genReqId: (request) => requestIdFrom(request.headers),
    // During shutdown, requests on open keep-alive connections are still served (with Connection: close), not refused.
    return503OnClosing: false,
    // Slow clients (slowloris) are cut off: headers must arrive within 10 s and the whole request within
    // REQUEST_TIMEOUT_MS, checked every second. No idle-socket timeout: that would close keep-alive connections
    // before keepAliveTimeout (72 s, longer than undici's 4 s and what Envoy expects) and race the caller's pool.
    // Requests whose framing or target is ambiguous get 400 and a closed connection before Fastify sees them.
    serverFactory: (handler) => createServer(serverOptions(config), refusingAmbiguous(handler)),
  });
  safeErrors(app);
  return app;
}

/** A second port for the same app (config.shadowPort): hooks, routes and logs are the app's; not yet listening. */
export function shadowServer(config: ServiceConfig, app: FastifyInstance): Server {
  return createServer(
    serverOptions(config),
    refusingAmbiguous((req, res) => app.routing(req, res)),
  );
}

/** Stop accepting and resolve once the server's in-flight requests are done. */
export function closeServer(server: Server): Promise<void> {
  const closed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
  // As Fastify does for its own ports: idle keep-alive connections would hold close() open until the drain cut.
  server.closeIdleConnections();
  return closed;
}
