// Drawing a Jaeger trace as a tree: nesting and order, the columns, a failed span, and spans whose parent is elsewhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duration, type JaegerTrace, renderTrace, spanStatus } from '../src/trace-tree.ts';

const T0 = 1_796_000_000_000_000; // µs
type Span = JaegerTrace['spans'][number];

function span(spanID: string, service: string, start: number, length: number, parent?: string, tags: Record<string, unknown> = {}): Span {
  return {
    spanID,
    operationName: 'GET /',
    references: parent ? [{ refType: 'CHILD_OF', spanID: parent }] : [],
    startTime: T0 + start,
    duration: length,
    processID: service,
    tags: Object.entries({ 'http.response.status_code': 200, ...tags }).map(([key, value]) => ({ key, value })),
  };
}

function trace(spans: Span[]): JaegerTrace {
  const processes = Object.fromEntries(spans.map((s) => [s.processID, { serviceName: s.processID }]));
  return { traceID: '463ac35c9f6413ad48485a3953bb6124', spans, processes };
}

test('a chain of three prints a header and one indented row per hop, parent above child, with start, duration and status', () => {
  // Listed out of order on purpose: Jaeger does not promise an order either.
  const text = renderTrace(
    trace([
      span('c', 'recommendation', 4000, 260, 'b'),
      span('a', 'customer', 0, 12_300, 'caller-span'),
      span('b', 'preference', 2000, 6420, 'a'),
    ]),
  );
  assert.equal(
    text,
    [
      `trace 463ac35c9f6413ad48485a3953bb6124: 3 spans from customer, preference, recommendation, 12.3 ms, started ${new Date(T0 / 1000).toISOString()}`,
      '',
      'SPAN                           START  DURATION  STATUS',
      'customer GET /              +0.00 ms   12.3 ms  200',
      '└─ preference GET /         +2.00 ms   6.42 ms  200',
      '   └─ recommendation GET /  +4.00 ms   0.26 ms  200',
    ].join('\n'),
  );
});

test('siblings come in start order, with ├─ before the last └─, and a client span is marked as one', () => {
  const text = renderTrace(
    trace([
      span('root', 'customer', 0, 9000),
      span('late', 'partner', 5000, 100, 'root'),
      span('early', 'preference', 1000, 100, 'root', { 'span.kind': 'client' }),
      span('leaf', 'recommendation', 1500, 50, 'early'),
    ]),
  );
  const rows = text
    .split('\n')
    .slice(3)
    .map((row) => row.replace(/\s+\+.*$/, ''));
  assert.deepEqual(rows, ['customer GET /', '├─ preference GET / (client)', '│  └─ recommendation GET /', '└─ partner GET /']);
});

test('a failed span shows ERROR with its HTTP status, or ERROR alone without one', () => {
  assert.equal(spanStatus(span('a', 'x', 0, 1, undefined, { 'otel.status_code': 'ERROR', 'http.response.status_code': 503 })), 'ERROR 503');
  assert.equal(spanStatus({ ...span('a', 'x', 0, 1), tags: [{ key: 'error', value: true }] }), 'ERROR');
  assert.equal(spanStatus({ ...span('a', 'x', 0, 1), tags: [] }), 'ok');
});

test('durations read as ms below a second and as seconds above', () => {
  assert.deepEqual([duration(420), duration(12_345), duration(1_250_000)], ['0.42 ms', '12.3 ms', '1.25 s']);
});

test('spans that reference each other in a loop are each printed once, and nothing hangs', () => {
  const looped = trace([span('root', 'customer', 0, 10), span('x', 'preference', 1, 5, 'y'), span('y', 'recommendation', 2, 5, 'x')]);
  const rows = renderTrace(looped)
    .split('\n')
    .slice(3)
    .map((row) => row.replace(/\s+\+.*$/, ''));
  assert.deepEqual(
    rows,
    ['customer GET /', 'preference GET /', '└─ recommendation GET /'],
    'the loop, which no root leads to, starts from its earliest span',
  );
});

test("a mesh trace tells the proxies' spans from the apps': gateway or sidecar, in or out, where to, and Envoy's response flags", () => {
  const proxy = (node: string, kind: 'server' | 'client', extra: Record<string, unknown> = {}) => ({
    component: 'proxy',
    'span.kind': kind,
    'http.method': 'GET',
    response_flags: '-',
    ...(kind === 'server' && { node_id: node }),
    ...extra,
  });
  const spans = [
    span('g-in', 'istio-ingressgateway.istio-ingress', 0, 9000, undefined, proxy('router~10.244.1.9~gw.istio-ingress~x', 'server')),
    span(
      'g-out',
      'istio-ingressgateway.istio-ingress',
      100,
      8800,
      'g-in',
      proxy('', 'client', { upstream_cluster: 'outbound|8080||customer.mesh-demo.svc.cluster.local' }),
    ),
    span('c-in', 'customer.mesh-demo', 200, 8500, 'g-out', proxy('sidecar~10.244.1.7~customer.mesh-demo~x', 'server')),
    span('c-app', 'customer', 300, 8000, 'c-in', { 'mesh_demo.shadow': true }),
    span(
      'c-out',
      'customer.mesh-demo',
      400,
      3000,
      'c-app',
      proxy('', 'client', {
        upstream_cluster: 'outbound|8080|v2|preference.mesh-demo.svc.cluster.local',
        'http.status_code': '503',
        error: 'true',
        response_flags: 'FI',
      }),
    ),
  ];
  // Jaeger gives every proxy span of one Envoy the same process; the client spans carry no node id of their own.
  const text = renderTrace({
    traceID: 'abc',
    spans: spans.map((s) => ({ ...s, tags: s.tags!.filter((t) => t.key !== 'http.response.status_code' || s.processID === 'customer') })),
    processes: Object.fromEntries(spans.map((s) => [s.processID, { serviceName: s.processID }])),
  });
  const labels = text
    .split('\n')
    .slice(3)
    .map((row) => {
      const columns = row.trim().split(/\s{2,}/);
      return `${columns[0]} | ${columns.at(-1)}`;
    });
  assert.deepEqual(labels, [
    'istio-ingressgateway.istio-ingress [gateway in] GET GET / | ok',
    '└─ istio-ingressgateway.istio-ingress [gateway out] -> customer.mesh-demo:8080 | ok',
    '└─ customer.mesh-demo [sidecar in] GET GET / | ok',
    '└─ customer GET / (shadow) | 200',
    '└─ customer.mesh-demo [sidecar out] -> preference.mesh-demo:8080 v2 | ERROR 503 FI',
  ]);
});
