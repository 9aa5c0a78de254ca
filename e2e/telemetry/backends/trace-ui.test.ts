// The trace UI against the real things: the chain exports to a real Jaeger, whose copy reaches a real Zipkin through the
// bridge (its own process); Zipkin's API and its page in Chromium show the same trace, and a dead Zipkin costs only the copy.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Jaeger, startJaeger } from '@mesh-demo/devtools';
import type { ZipkinProcess, ZipkinSpan } from '@mesh-demo/traces';
import { until as eventually } from '../../support/poll.ts';
import { completeTrace, type JaegerTrace } from '../support/jaeger.ts';
import { get, startQuietServices } from '../support/services.ts';
import { openTracePage } from '../support/trace-page.ts';
import { type BridgeProcess, completeZipkinTrace, startBridgeProcess, startTestZipkin } from '../support/zipkin.ts';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const HOPS = ['customer', 'preference', 'recommendation'] as const;

/** Each span's parent within the trace, by span id: the tree a trace view draws (undefined for the root). */
function zipkinTree(spans: readonly ZipkinSpan[]): Map<string, string | undefined> {
  const ids = new Set(spans.map((s) => s.id));
  return new Map(spans.map((s) => [s.id, s.parentId && ids.has(s.parentId) ? s.parentId : undefined]));
}

function jaegerTree(trace: JaegerTrace): Map<string, string | undefined> {
  const ids = new Set(trace.spans.map((s) => s.spanID));
  return new Map(
    trace.spans.map((s) => {
      const parent = s.references.find((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID))?.spanID;
      return [s.spanID, parent];
    }),
  );
}

describe('the trace UI: Jaeger copies every span through the bridge into Zipkin', () => {
  const state = {} as {
    zipkin: ZipkinProcess;
    bridge: BridgeProcess;
    jaeger: Jaeger;
    services: Awaited<ReturnType<typeof startQuietServices>>;
  };

  before(async () => {
    state.zipkin = await startTestZipkin();
    state.bridge = await startBridgeProcess(state.zipkin.url);
    state.jaeger = await startJaeger(undefined, { copyTo: state.bridge.url });
    state.services = await startQuietServices(
      { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: state.jaeger.otlpEndpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
      HOPS,
    );
  });
  after(async () => {
    await state.services?.stopAll();
    await state.jaeger?.stop();
    await state.bridge?.stop();
    await state.zipkin?.stop();
  });

  /** A sampled request through customer with a trace id of our own. */
  async function request(): Promise<string> {
    const traceId = hex(16);
    const { status } = await get(state.services.url('customer'), { 'x-b3-traceid': traceId, 'x-b3-spanid': hex(8), 'x-b3-sampled': '1' });
    assert.equal(status, 200);
    return traceId;
  }

  test("one request through customer is one tree in Zipkin, customer -> preference -> recommendation, with Jaeger's ids", async () => {
    const traceId = await request();
    const spans = await completeZipkinTrace(state.zipkin.url, traceId, HOPS);
    const jaeger = await completeTrace(state.jaeger, traceId, HOPS);

    assert.ok(spans.every((s) => s.traceId === traceId));
    const service = new Map(spans.map((s) => [s.id, s.localEndpoint.serviceName]));
    const tree = zipkinTree(spans);
    const roots = [...tree].filter(([, parent]) => parent === undefined).map(([id]) => service.get(id));
    assert.deepEqual(roots, ['customer'], 'one root, customer');
    const edges = [...tree].flatMap(([id, parent]) => (parent ? [`${service.get(parent)} -> ${service.get(id)}`] : [])).sort();
    assert.deepEqual(edges, ['customer -> preference', 'preference -> recommendation']);
    assert.deepEqual(
      spans.map((s) => [s.localEndpoint.serviceName, s.kind, s.name, s.tags?.['http.response.status_code']]).sort(),
      HOPS.map((hop) => [hop, 'SERVER', 'get /', '200']),
      "one server span per hop, named as Jaeger names it (Zipkin lower-cases names), with the hop's status",
    );
    assert.deepEqual(new Map([...tree].sort()), new Map([...jaegerTree(jaeger)].sort()), 'the same span ids and parents as Jaeger stored');
  });

  test("Zipkin's page in Chromium finds customer's traces and shows one with the spans of all three services", async () => {
    const traceId = await request();
    await completeZipkinTrace(state.zipkin.url, traceId, HOPS);
    const page = await openTracePage(state.zipkin.uiUrl);
    try {
      const listed = await page.searchService('customer');
      assert.ok(listed.includes(traceId), `the search lists the request's trace among customer's (it lists ${listed.join(', ')})`);
      await page.screenshot('search-customer');
      const shown = await page.openTrace(traceId);
      for (const hop of HOPS)
        assert.ok(shown.services.includes(hop), `the trace page shows ${hop}'s span (it shows ${shown.services.join(', ')})`);
      assert.equal(shown.spans, 3, 'three spans in the timeline');
      await page.screenshot('trace-customer-preference-recommendation');
    } finally {
      await page.close();
    }
  });

  test('with Zipkin killed, the chain still answers, Jaeger still stores every trace, and the bridge counts what it dropped', async () => {
    process.kill(state.zipkin.pid, 'SIGKILL');
    await state.zipkin.exited;
    const traceIds: string[] = [];
    for (let i = 0; i < 10; i++) traceIds.push(await request());
    for (const traceId of traceIds) await completeTrace(state.jaeger, traceId, HOPS);
    const stats = await eventually('the bridge to count dropped spans', async () => {
      const body = (await (await fetch(`${state.bridge.url}/stats`)).json()) as { dropped: number; lastError?: string };
      return body.dropped > 0 ? body : undefined;
    });
    assert.match(stats.lastError ?? '', /does not answer \(ECONNREFUSED\)/);
    assert.match(state.bridge.output(), /zipkin-bridge: spans are dropped: Zipkin at .* does not answer \(ECONNREFUSED\)/);
    for (const hop of HOPS) {
      assert.deepEqual(
        state.services.logs.get(hop)!.filter((line) => line.includes('telemetry:')),
        [],
        `${hop} never saw its exports fail: Jaeger took them whatever the copy's state`,
      );
    }
  });

  test('with the bridge gone too, Jaeger still stores every trace and no service sees an export fail', async () => {
    assert.equal(await state.bridge.stop(), 0, state.bridge.output());
    assert.match(state.bridge.output(), /zipkin-bridge: stopped on SIGTERM \(\d+ spans forwarded, \d+ dropped, 0 rejected\)/);
    const traceIds: string[] = [];
    for (let i = 0; i < 10; i++) traceIds.push(await request());
    for (const traceId of traceIds) await completeTrace(state.jaeger, traceId, HOPS);
    for (const hop of HOPS)
      assert.deepEqual(
        state.services.logs.get(hop)!.filter((line) => line.includes('telemetry:')),
        [],
      );
  });
});
