// Traces in a real Jaeger: one piece from the edge through every hop, for B3 and W3C callers, with both exporters.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { until as eventually } from '../../support/poll.ts';
import { completeTrace, hasEdge, type JaegerTrace, serviceNames } from '../support/jaeger.ts';
import { get, tracedServices } from '../support/services.ts';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function assertChain(trace: JaegerTrace, traceId: string, edge: 'customer' | 'partner'): void {
  assert.equal(trace.traceID, traceId);
  assert.ok(
    trace.spans.every((s) => s.traceID === traceId),
    'every span carries the incoming trace id',
  );
  assert.deepEqual([...serviceNames(trace)].sort(), [edge, 'preference', 'recommendation'].sort());
  assert.ok(hasEdge(trace, edge, 'preference'), `${edge} -> preference is a parent/child edge`);
  assert.ok(hasEdge(trace, 'preference', 'recommendation'), 'preference -> recommendation is a parent/child edge');
}

const SERVER_SPANS_ONLY = 3;

for (const exporter of ['otlp', 'jaeger'] as const) {
  describe(`exporter ${exporter} into a real Jaeger`, () => {
    const traced = tracedServices({ OTEL_TRACES_EXPORTER: exporter, OTEL_BSP_SCHEDULE_DELAY: '100', LOG_LEVEL: 'info' });

    for (const edge of ['customer', 'partner'] as const) {
      test(`B3 headers into ${edge} give one trace with that id through preference and recommendation`, async () => {
        const traceId = hex(16);
        const { status } = await get(traced.services.url(edge), { 'x-b3-traceid': traceId, 'x-b3-spanid': hex(8), 'x-b3-sampled': '1' });
        assert.equal(status, 200);
        const trace = await completeTrace(traced.jaeger, traceId, [edge, 'preference', 'recommendation']);
        assertChain(trace, traceId, edge);
        assert.equal(trace.spans.length, SERVER_SPANS_ONLY, 'one server span per hop by default');
      });

      test(`a W3C traceparent into ${edge} gives one trace with that id through every hop`, async () => {
        const traceId = hex(16);
        const { status } = await get(traced.services.url(edge), { traceparent: `00-${traceId}-${hex(8)}-01` });
        assert.equal(status, 200);
        assertChain(await completeTrace(traced.jaeger, traceId, [edge, 'preference', 'recommendation']), traceId, edge);
      });
    }

    test('without trace headers each request gets its own complete trace, found by its x-request-id and named in its logs', async () => {
      const ids = [`no-headers-${hex(4)}`, `no-headers-${hex(4)}`, `no-headers-${hex(4)}`];
      for (const id of ids) assert.equal((await get(traced.services.url('customer'), { 'x-request-id': id })).status, 200);
      const traceIds = new Set<string>();
      for (const id of ids) {
        const logged = await eventually(`customer's request log line for ${id}`, async () =>
          traced.services.logs.get('customer')!.find((l) => l.includes(`"request_id":"${id}"`) && l.includes('"msg":"request"')),
        );
        const traceId = String((JSON.parse(logged) as { trace_id?: string }).trace_id);
        assert.match(traceId, /^[0-9a-f]{32}$/);
        const trace = await completeTrace(traced.jaeger, traceId, ['customer', 'preference', 'recommendation']);
        assertChain(trace, traceId, 'customer');
        const tagged = trace.spans.filter((s) => s.tags.some((t) => t.key === 'guid:x-request-id' && t.value === id));
        assert.equal(tagged.length, 3, 'each server span records the x-request-id');
        traceIds.add(traceId);
      }
      assert.equal(traceIds.size, ids.length, 'one trace per request');
    });

    test('x-b3-sampled: 0 in means nothing of that trace is exported', async () => {
      const unsampled = hex(16);
      assert.equal(
        (await get(traced.services.url('customer'), { 'x-b3-traceid': unsampled, 'x-b3-spanid': hex(8), 'x-b3-sampled': '0' })).status,
        200,
      );
      // A sampled request sent after it: once its spans are in from every hop, anything of the first would be too.
      const marker = hex(16);
      assert.equal(
        (await get(traced.services.url('customer'), { 'x-b3-traceid': marker, 'x-b3-spanid': hex(8), 'x-b3-sampled': '1' })).status,
        200,
      );
      await completeTrace(traced.jaeger, marker, ['customer', 'preference', 'recommendation']);
      assert.equal(await traced.jaeger.trace(unsampled), undefined);
    });

    test('with Jaeger stopped requests keep succeeding, and after a restart traces arrive again', async () => {
      await traced.jaeger.stop();
      for (let i = 0; i < 20; i++) assert.equal((await get(traced.services.url('customer'))).status, 200);
      await traced.jaeger.restart();
      await eventually(
        'a trace sent after the restart to arrive',
        async () => {
          const traceId = hex(16);
          assert.equal(
            (await get(traced.services.url('customer'), { 'x-b3-traceid': traceId, 'x-b3-spanid': hex(8), 'x-b3-sampled': '1' })).status,
            200,
          );
          return completeTrace(traced.jaeger, traceId, ['customer', 'preference', 'recommendation'], 5000).catch(() => undefined);
        },
        60_000,
        500,
      );
    });
  });
}

describe('with client spans (OTEL_NODE_ENABLED_INSTRUMENTATIONS=fastify,undici) into a real Jaeger', () => {
  const traced = tracedServices({
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'fastify,undici',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });

  test('B3 headers into customer give one trace with that id: a server span per hop and a client span per call, nested', async () => {
    const traceId = hex(16);
    assert.equal(
      (await get(traced.services.url('customer'), { 'x-b3-traceid': traceId, 'x-b3-spanid': hex(8), 'x-b3-sampled': '1' })).status,
      200,
    );
    const trace = await completeTrace(traced.jaeger, traceId, ['customer', 'preference', 'recommendation']);
    assertChain(trace, traceId, 'customer');
    assert.equal(trace.spans.length, 5);
  });
});
