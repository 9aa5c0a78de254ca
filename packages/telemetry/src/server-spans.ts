// One SERVER span per request from Fastify's hooks, as @fastify/otel made them, and no span at all for an unsampled parent.
import {
  type Attributes,
  context,
  isSpanContextValid,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

export interface ServerSpanOptions {
  readonly tracer: Tracer;
  /**
   * Whether the sampler follows the parent's decision (the parentbased_* samplers, whose rules for a parent are the
   * SDK's defaults: sampled parent, sampled child; unsampled parent, no record). Then an unsampled parent is known to
   * mean "no span" before one is made, and the request takes the fast path.
   */
  readonly parentBased: boolean;
  /** Paths with no span and no trace context at all: probes and scrapes. */
  readonly untraced: RegExp;
  /** The span attribute that carries the request id (Envoy's tag name, so app and sidecar spans are found together). */
  readonly requestIdAttribute: string;
}

export interface ServerSpans {
  /** Adds the hooks to an app: called from Fastify's `fastify.initialization` channel, before the app's own hooks. */
  instrument(app: FastifyInstance): void;
  /** From now on requests get no span and no context (shutdown). */
  disable(): void;
}

const kSpan = Symbol('mesh-demo server span');
const kErrorStatusSet = Symbol('mesh-demo server span error status set');

interface Traced {
  [kSpan]: Span | null;
  [kErrorStatusSet]: boolean;
}

/**
 * Kept from @fastify/otel, whose spans these replace: saved Jaeger searches and dashboards select on it. It says which
 * span is a Fastify request's server span, which it still is.
 */
const ROOT_ATTRIBUTES: Attributes = { 'fastify.root': '@fastify/otel' };

export function serverSpans(options: ServerSpanOptions): ServerSpans {
  const { tracer, parentBased, untraced, requestIdAttribute } = options;
  let enabled = true;

  function startSpan(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
    if (!enabled || untraced.test(request.url)) {
      done();
      return;
    }
    let ctx = context.active();
    if (trace.getSpan(ctx) === undefined) ctx = propagation.extract(ctx, request.headers);
    if (parentBased) {
      // The fast path: the sampler would answer "do not record" (a valid parent without the sampled flag), so no span
      // object, no attributes to clean and no context copied to hold it. The extracted context goes on as it is, so
      // the logs and the downstream call carry the parent's trace id, span id and sampling decision.
      const parent = trace.getSpanContext(ctx);
      if (parent !== undefined && (parent.traceFlags & TraceFlags.SAMPLED) === 0 && isSpanContextValid(parent)) {
        context.with(ctx, done);
        return;
      }
    }
    const route = request.routeOptions.url;
    const attributes: Attributes = { ...ROOT_ATTRIBUTES, [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_URL_PATH]: request.url };
    if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
    attributes[requestIdAttribute] = request.id;
    const span = tracer.startSpan(`${request.method} ${route ?? ''}`.trim(), { attributes, kind: SpanKind.SERVER }, ctx);
    (request as unknown as Traced)[kSpan] = span;
    context.with(trace.setSpan(ctx, span), done);
  }

  /** Ends the span with the status about to be sent: the last onSend hook of each route (as @fastify/otel's). */
  function endSpan(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void {
    const traced = request as unknown as Traced;
    const span = traced[kSpan];
    if (span !== null) {
      // A 5xx that never threw has no error status of its own yet; one that threw keeps the message onError gave it.
      if (reply.statusCode >= 500 && !traced[kErrorStatusSet]) span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
      span.end();
      traced[kSpan] = null;
    }
    done(null, payload);
  }

  /** A thrown error: the span's status says why, and the exception is recorded on it. */
  function recordError(request: FastifyRequest, _reply: FastifyReply, error: Error, done: () => void): void {
    const traced = request as unknown as Traced;
    const span = traced[kSpan];
    if (span !== null) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      span.recordException(error);
      traced[kErrorStatusSet] = true;
    }
    done();
  }

  /** A request no route answered (404) has no route hooks: its span ends once the response is sent. */
  function endUnroutedSpan(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const traced = request as unknown as Traced;
    const span = traced[kSpan];
    if (span !== null) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
      span.end();
      traced[kSpan] = null;
    }
    done();
  }

  /** Each traced route gets the span's end as its last onSend hook and the error's record as its last onError hook. */
  function wireRoute(route: RouteOptions): void {
    if (untraced.test(route.url)) return;
    route.onSend = [...asArray(route.onSend), endSpan] as RouteOptions['onSend'];
    route.onError = [...asArray(route.onError), recordError] as RouteOptions['onError'];
  }

  return {
    instrument(app) {
      app.decorateRequest(kSpan, null);
      app.decorateRequest(kErrorStatusSet, false);
      app.addHook('onRoute', wireRoute);
      app.addHook('onRequest', startSpan);
      app.addHook('onResponse', endUnroutedSpan);
    },
    disable() {
      enabled = false;
    },
  };
}

function asArray<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value as T];
}
