// The server spans of a sampled request in a real Jaeger: names, kinds, tags and parent links, held against a golden capture.
// The golden file (../fixtures/server-spans.json) was captured from @fastify/otel's spans, before the services' own server
// span instrumentation replaced it (issue 24): UPDATE_SERVER_SPANS=1 writes it again. Negative control: change one tag,
// name or parent in it and the matching test fails.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { completeTrace, type JaegerSpan, type JaegerTrace, servicesBySpan } from '../support/jaeger.ts';
import { get, tracedServices } from '../support/services.ts';

const GOLDEN = new URL('../fixtures/server-spans.json', import.meta.url);
const HOPS = ['customer', 'preference', 'recommendation'];
/** The instrumentation's own name and version: the one thing allowed to differ (it names the code, not the request). */
const SCOPE_TAGS = new Set(['otel.scope.name', 'otel.scope.version']);

interface SpanShape {
  readonly service: string;
  readonly name: string;
  /** `caller` for the span whose parent is the incoming header's, else the service of the parent span. */
  readonly parent: string;
  readonly tags: readonly string[];
  readonly events: readonly string[];
}

/** A trace as its spans' shapes, outermost hop first; ids, times and the instrumentation's name are left out. */
function shapes(trace: JaegerTrace, callerSpanId: string): SpanShape[] {
  const services = servicesBySpan(trace);
  const shape = (span: JaegerSpan & { logs?: ReadonlyArray<{ fields: ReadonlyArray<{ key: string }> }> }): SpanShape => {
    const ref = span.references.find((r) => r.refType === 'CHILD_OF');
    return {
      service: services.get(span.spanID)!,
      name: span.operationName,
      parent: ref?.spanID === callerSpanId ? 'caller' : (services.get(ref?.spanID ?? '') ?? 'none'),
      tags: span.tags
        .filter((t) => !SCOPE_TAGS.has(t.key))
        .map((t) => `${t.key}=${JSON.stringify(t.value)}`)
        .sort(),
      events: (span.logs ?? []).map((log) => log.fields.map((f) => f.key).join(',')),
    };
  };
  return trace.spans.map(shape).sort((a, b) => HOPS.indexOf(a.service) - HOPS.indexOf(b.service));
}

const update = process.env.UPDATE_SERVER_SPANS === '1';
const golden: Record<string, SpanShape[]> = update ? {} : JSON.parse(readFileSync(GOLDEN, 'utf8'));
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function holds(key: string, actual: SpanShape[]): void {
  if (update) {
    golden[key] = actual;
    return;
  }
  assert.ok(golden[key], `no golden capture for ${key} (UPDATE_SERVER_SPANS=1 on the old code writes it)`);
  assert.deepEqual(actual, golden[key]);
}

describe('server spans into a real Jaeger (otlp)', () => {
  const traced = tracedServices({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_BSP_SCHEDULE_DELAY: '100', LOG_LEVEL: 'info' });

  test('a sampled W3C request: one SERVER span per hop named GET /, with the same tags, each the child of the hop before', async () => {
    const [traceId, parentId] = [hex(16), hex(8)];
    const headers = { traceparent: `00-${traceId}-${parentId}-01`, 'x-request-id': 'server-spans-ok' };
    assert.equal((await get(traced.services.url('customer'), headers)).status, 200);
    holds('sampled, 200', shapes(await completeTrace(traced.jaeger, traceId, HOPS), parentId));
  });

  test('a 503 from recommendation: every hop answers 5xx and its span has error status, without an exception event', async () => {
    const recommendation = traced.services.url('recommendation');
    assert.equal((await fetch(`${recommendation}/misbehave`)).status, 200);
    try {
      const [traceId, parentId] = [hex(16), hex(8)];
      const headers = { 'x-b3-traceid': traceId, 'x-b3-spanid': parentId, 'x-b3-sampled': '1', 'x-request-id': 'server-spans-503' };
      assert.equal((await get(traced.services.url('customer'), headers)).status, 503);
      holds('sampled, 503', shapes(await completeTrace(traced.jaeger, traceId, HOPS), parentId));
    } finally {
      await fetch(`${recommendation}/behave`);
    }
  });

  test('/health/ and /metrics are not traced, and a 404 still gets its span', async () => {
    const traceId = hex(16);
    const parentId = hex(8);
    const headers = { traceparent: `00-${traceId}-${parentId}-01`, 'x-request-id': 'server-spans-untraced' };
    const management = traced.services.managementUrl('recommendation');
    for (const path of ['/health/ready', '/health/live', '/metrics']) {
      await fetch(`${management}${path}`, { headers });
      await fetch(`${traced.services.url('recommendation')}${path}`, { headers });
    }
    assert.equal((await fetch(`${traced.services.url('recommendation')}/no-such-path`, { headers })).status, 404);
    const trace = await completeTrace(traced.jaeger, traceId, ['recommendation']);
    holds('untraced paths and a 404', shapes(trace, parentId));
  });
});

after(() => {
  if (update) writeFileSync(GOLDEN, `${JSON.stringify(golden, null, 2)}\n`);
});
