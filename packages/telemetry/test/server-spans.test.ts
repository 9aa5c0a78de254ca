// The services' server spans in-process: what a span carries, when there is none (the unsampled fast path, untraced paths).
import assert from 'node:assert/strict';
import { after, beforeEach, test } from 'node:test';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import Fastify, { type FastifyInstance } from 'fastify';
import { createPropagator } from '../src/sdk.ts';
import { serverSpans } from '../src/server-spans.ts';
import { DEFAULT_PROPAGATORS } from '../src/settings.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const UNTRACED = /^\/(health\/|metrics(\?|$))/;

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contextManager);
propagation.setGlobalPropagator(createPropagator(DEFAULT_PROPAGATORS));
after(() => contextManager.disable());
beforeEach(() => exporter.reset());

/** An app like a service's: instrumented at construction, then its routes; the handler answers with what it saw. */
function appWith(options: { parentBased?: boolean; sampler?: 'parentbased' | 'always_on' } = {}) {
  const sampler =
    options.sampler === 'always_on' ? new AlwaysOnSampler() : new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) });
  const provider = new TracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const servers = serverSpans({
    tracer: provider.getTracer('test'),
    parentBased: options.parentBased ?? true,
    untraced: UNTRACED,
    requestIdAttribute: 'guid:x-request-id',
  });
  const app: FastifyInstance = Fastify({ requestIdHeader: 'x-request-id' });
  servers.instrument(app);
  const seen = () => {
    const headers: Record<string, string> = {};
    propagation.inject(context.active(), headers);
    return { active: trace.getActiveSpan()?.spanContext() ?? null, headers };
  };
  app.get('/', async () => seen());
  app.get('/health/live', async () => seen());
  app.get('/fail', async (_request, reply) => reply.code(503).send(seen()));
  app.get('/throw', async () => {
    throw new Error('boom');
  });
  return { app, servers };
}

test('a sampled parent: one SERVER span named GET /route, child of the caller, with the attributes @fastify/otel gave it', async () => {
  const { app } = appWith();
  const response = await app.inject({ url: '/?q=1', headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, 'x-request-id': 'r1' } });
  assert.equal(response.statusCode, 200);
  const [span, ...more] = exporter.getFinishedSpans();
  assert.ok(span);
  assert.equal(more.length, 0);
  assert.equal(span.name, 'GET /');
  assert.equal(span.kind, SpanKind.SERVER);
  assert.equal(span.spanContext().traceId, TRACE_ID);
  assert.equal(span.parentSpanContext?.spanId, PARENT_ID);
  assert.deepEqual(span.attributes, {
    'fastify.root': '@fastify/otel',
    'http.request.method': 'GET',
    'url.path': '/?q=1',
    'http.route': '/',
    'guid:x-request-id': 'r1',
    'http.response.status_code': 200,
  });
  assert.equal(span.status.code, SpanStatusCode.UNSET);
  assert.equal(response.json().active.spanId, span.spanContext().spanId, 'the handler runs in the span');
});

// Negative control: with the fast path's branch skipped these three fail (a span each), the others pass (checked by hand).
for (const [format, headers] of [
  ['W3C', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-00` }],
  ['B3 multi', { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': PARENT_ID, 'x-b3-sampled': '0' }],
  ['B3 single', { b3: `${TRACE_ID}-${PARENT_ID}-0` }],
] as const) {
  test(`an unsampled ${format} parent takes the fast path: no span, and the handler runs in the extracted context as it is`, async () => {
    const { app } = appWith();
    const { active, headers: sent } = (await app.inject({ url: '/', headers })).json();
    assert.equal(exporter.getFinishedSpans().length, 0);
    assert.deepEqual(
      { traceId: active.traceId, spanId: active.spanId, traceFlags: active.traceFlags, isRemote: active.isRemote },
      { traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: 0, isRemote: true },
    );
    assert.equal(sent.traceparent, `00-${TRACE_ID}-${PARENT_ID}-00`);
    assert.deepEqual([sent['x-b3-traceid'], sent['x-b3-spanid'], sent['x-b3-sampled']], [TRACE_ID, PARENT_ID, '0']);
  });
}

test('without a parent-based sampler an unsampled parent still gets a span (the fast path would skip what it records)', async () => {
  const { app } = appWith({ parentBased: false, sampler: 'always_on' });
  await app.inject({ url: '/', headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-00` } });
  assert.equal(exporter.getFinishedSpans().length, 1);
});

test('no parent: a root span with a new trace id', async () => {
  const { app } = appWith();
  const { active } = (await app.inject({ url: '/' })).json();
  const [span] = exporter.getFinishedSpans();
  assert.ok(span);
  assert.equal(span.parentSpanContext, undefined);
  assert.equal(active.traceId, span.spanContext().traceId);
});

test('a 5xx that did not throw has error status without a message; a thrown error records its message and the exception', async () => {
  const { app } = appWith();
  assert.equal((await app.inject({ url: '/fail' })).statusCode, 503);
  assert.equal((await app.inject({ url: '/throw' })).statusCode, 500);
  const [failed, thrown] = exporter.getFinishedSpans();
  assert.deepEqual(failed?.status, { code: SpanStatusCode.ERROR });
  assert.equal(failed?.attributes['http.response.status_code'], 503);
  assert.deepEqual(thrown?.status, { code: SpanStatusCode.ERROR, message: 'boom' });
  assert.equal(thrown?.events[0]?.name, 'exception');
  assert.equal(thrown?.attributes['http.response.status_code'], 500);
});

test('probes and scrapes get no span and no trace context; an unrouted request gets a span named by its method', async () => {
  const { app } = appWith();
  const probe = (await app.inject({ url: '/health/live', headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } })).json();
  assert.equal(probe.active, null);
  assert.equal((await app.inject({ url: '/nowhere' })).statusCode, 404);
  const spans = exporter.getFinishedSpans();
  assert.deepEqual(
    spans.map((s) => [s.name, s.attributes['http.route'], s.attributes['http.response.status_code']]),
    [['GET', undefined, 404]],
  );
});

test('after disable (shutdown) requests get no span', async () => {
  const { app, servers } = appWith();
  servers.disable();
  await app.inject({ url: '/', headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } });
  assert.equal(exporter.getFinishedSpans().length, 0);
});
