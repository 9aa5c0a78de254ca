// Real SDK spans of every shape an exporter meets, for the Jaeger Thrift tests here and in e2e (a real Jaeger).
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type ReadableSpan, TracerProvider } from '@opentelemetry/sdk-trace';

/**
 * `count` traces of three spans each, ended child first: a server span (attributes of every type, UTF-8, events, one
 * with an attribute dropped by the limit), a client span with an error status and a link, an internal span past the
 * attribute limit. One resource for all, with a number among its attributes.
 */
export function sampleSpans(count = 1): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'preference',
      'service.version': 'v1',
      'k8s.pod.name': 'preference-v1-x',
      replicas: 2,
    }),
    spanLimits: { attributeCountLimit: 8, attributePerEventCountLimit: 1 },
    spanProcessors: [{ onStart() {}, onEnd: (s) => ended.push(s), forceFlush: async () => {}, shutdown: async () => {} }],
  });
  const tracer = provider.getTracer('@mesh-demo/telemetry', '0.1.0');
  for (let i = 0; i < count; i++) {
    const server = tracer.startSpan('GET /', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'url.path': `/${i}`,
        'guid:x-request-id': `é-✓-${i}-😀`,
        'fastify.root': '@fastify/otel',
      },
    });
    server.setAttributes({ 'http.response.status_code': 200, ratio: 0.25, cached: false, tags: ['a', 'b'] });
    server.addEvent('retry', { attempt: 2, reason: 'reset', dropped: true });
    server.addEvent('plain');
    const ctx = trace.setSpan(ROOT_CONTEXT, server);
    const client = tracer.startSpan(
      'GET',
      { kind: SpanKind.CLIENT, links: [{ context: server.spanContext(), attributes: { why: 'x' } }] },
      ctx,
    );
    client.setStatus({ code: SpanStatusCode.ERROR, message: 'recommendation timed out' });
    client.end();
    const internal = tracer.startSpan('render', { kind: SpanKind.INTERNAL }, ctx);
    internal.setStatus({ code: SpanStatusCode.OK });
    for (let a = 0; a < 12; a++) internal.setAttribute(`a${a}`, a);
    internal.end();
    server.end();
  }
  return ended;
}
