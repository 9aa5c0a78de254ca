// A mirrored copy that came unsampled gets a trace of its own, linked to where it was mirrored from; nothing else does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { context, propagation, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOnSampler, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { inMirroredCopyTrace } from '../src/mirrored-copy-trace.ts';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({
  sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});
const manager = new AsyncLocalStorageContextManager();

before(() => {
  manager.enable();
  context.setGlobalContextManager(manager);
  trace.setGlobalTracerProvider(provider);
});
after(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

const MIRRORED_FROM = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', isRemote: true };

/** The app's server span as the Fastify instrumentation makes it, under the proxy's span the request came with. */
function underProxySpan<T>(sampled: boolean, work: () => Promise<T>): Promise<T> {
  const parent = trace.setSpanContext(context.active(), { ...MIRRORED_FROM, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE });
  const server = trace.getTracer('test').startSpan('GET /', {}, parent);
  return context.with(trace.setSpan(parent, server), async () => {
    try {
      return await work();
    } finally {
      server.end();
    }
  });
}

const attributes = { 'mesh_demo.shadow': true, 'mesh_demo.version': 'v2', 'guid:x-request-id': 'r-1' };

test('an unsampled mirrored copy is traced as a new trace, linked to the trace it was mirrored from, with its status', async () => {
  exporter.reset();
  let inside: string | undefined;
  await underProxySpan(false, () =>
    inMirroredCopyTrace(
      true,
      attributes,
      async () => {
        inside = trace.getActiveSpan()?.spanContext().traceId;
      },
      () => 200,
    ),
  );
  await provider.forceFlush();
  const [span, ...rest] = exporter.getFinishedSpans();
  assert.equal(rest.length, 0, 'the unsampled server span is not recorded, only the copy');
  assert.ok(span);
  assert.notEqual(span.spanContext().traceId, MIRRORED_FROM.traceId);
  assert.equal(inside, span.spanContext().traceId, 'the work (and its downstream calls) runs in the new trace');
  assert.equal(span.parentSpanContext, undefined);
  // To the request's own unsampled span in the original trace: the trace id is what a UI follows.
  assert.deepEqual(
    span.links.map((l) => l.context.traceId),
    [MIRRORED_FROM.traceId],
  );
  assert.equal(span.attributes['mesh_demo.shadow'], true);
  assert.equal(span.attributes['guid:x-request-id'], 'r-1');
  assert.equal(span.attributes['http.response.status_code'], 200);
});

test('a sampled copy stays in its trace, and a request that is not a copy is never moved', async () => {
  exporter.reset();
  await underProxySpan(true, () =>
    inMirroredCopyTrace(
      true,
      attributes,
      async () => undefined,
      () => 200,
    ),
  );
  await underProxySpan(false, () =>
    inMirroredCopyTrace(
      false,
      attributes,
      async () => undefined,
      () => 200,
    ),
  );
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 1, 'only the sampled server span');
  assert.equal(spans[0]!.spanContext().traceId, MIRRORED_FROM.traceId);
});

test("without a tracer's span the work just runs, and its result and errors pass through", async () => {
  assert.equal(
    await inMirroredCopyTrace(
      true,
      attributes,
      async () => 42,
      () => 200,
    ),
    42,
  );
  await assert.rejects(
    underProxySpan(false, () =>
      inMirroredCopyTrace(
        true,
        attributes,
        async () => Promise.reject(new Error('boom')),
        () => 503,
      ),
    ),
    /boom/,
  );
});
