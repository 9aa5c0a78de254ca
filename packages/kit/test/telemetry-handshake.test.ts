// Which headers the kit leaves to the tracer, and that logs without a tracer carry no trace fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namesToCopy, propagatedHeaders } from '../src/headers.ts';
import { traceFields } from '../src/server.ts';
import { publishTelemetryHandshake, type TelemetryHandshake, telemetryHandshake, tracerOwnedHeaders } from '../src/telemetry-handshake.ts';

const handshake = (tracing: boolean, ownedHeaders: string[] = []): TelemetryHandshake => ({
  tracing,
  clientSpans: tracing,
  ownedHeaders,
  shutdown: async () => {},
});

test('without the telemetry module, or with tracing off, the kit copies trace headers as they came', () => {
  assert.equal(tracerOwnedHeaders(undefined), undefined);
  assert.equal(tracerOwnedHeaders(handshake(false)), undefined);
});

test("with tracing on, every trace-context header is the tracer's, and baggage only when a propagator writes it", () => {
  const owned = tracerOwnedHeaders(handshake(true, ['traceparent', 'tracestate', 'X-B3-TraceId']))!;
  for (const name of [
    'x-b3-traceid',
    'x-b3-spanid',
    'x-b3-parentspanid',
    'x-b3-sampled',
    'x-b3-flags',
    'b3',
    'traceparent',
    'tracestate',
  ]) {
    assert.ok(owned.has(name), name);
  }
  assert.equal(owned.has('baggage'), false);
  assert.equal(tracerOwnedHeaders(handshake(true, ['baggage']))!.has('baggage'), true);
});

test('owned headers are not copied downstream, while x-request-id and routing headers still are', () => {
  const owned = tracerOwnedHeaders(handshake(true, ['traceparent']))!;
  const out = propagatedHeaders(
    { 'x-b3-spanid': 'a2fb4a1d1a96d312', traceparent: '00-463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-01', 'end-user': 'jason' },
    { names: namesToCopy(['x-b3-spanid', 'traceparent', 'end-user'], owned), requestId: 'r-1', edge: false },
  );
  assert.deepEqual(out, { 'end-user': 'jason', 'x-request-id': 'r-1' });
});

test('with no tracer registered there is no active span, so log lines get no trace fields', () => {
  assert.deepEqual(traceFields(), {});
});

test('what the telemetry module publishes is what the kit reads: the key is one', () => {
  const published = handshake(true, ['traceparent']);
  publishTelemetryHandshake(published);
  try {
    assert.equal(telemetryHandshake(), published);
  } finally {
    delete (globalThis as Record<symbol, unknown>)[Symbol.for('mesh-demo.telemetry')];
  }
});
