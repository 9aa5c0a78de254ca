// Tracing without a backend: what each hop forwards with tracing on and off, and that a dead collector never hurts a request.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LocalServices } from '@mesh-demo/devtools';
import { freePort } from '@mesh-demo/workspace';
import { until as eventually } from '../support/poll.ts';
import { startSink } from './support/capture.ts';
import { capturedServices, get, startQuietServices } from './support/services.ts';

const TRACE_ID = '463ac35c9f6413ad48485a3953bb6124';
const SPAN_ID = 'a2fb4a1d1a96d312';
const B3_IN = { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': SPAN_ID, 'x-b3-sampled': '1', 'x-request-id': 'e2e-propagation-1' };
// The one "down" line, whether the start-up probe or a failed export said it first.
const EXPORT_FAILED = /telemetry: traces are not exported/;
const EXPORT_BACK = /telemetry: span export to .* works again \((\d+) spans? dropped\)/;

/** The lines of a service's output that are not one JSON object each: every line a service writes must be JSON. */
function notJson(lines: readonly string[]): string[] {
  return lines.filter((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return typeof value !== 'object' || value === null;
    } catch {
      return true;
    }
  });
}

describe('tracing on, collector down', () => {
  let collectorPort: number;
  const chain = capturedServices(async () => {
    collectorPort = await freePort();
    return {
      OTEL_TRACES_EXPORTER: 'jaeger',
      OTEL_EXPORTER_JAEGER_ENDPOINT: `http://127.0.0.1:${collectorPort}/api/traces`,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '8',
      LOG_LEVEL: 'info',
    };
  }, ['preference', 'customer']);

  test('each hop forwards the incoming trace id with a span id of its own, so spans nest instead of being siblings', async () => {
    const { status } = await get(chain.services.url('customer'), B3_IN);
    assert.equal(status, 200);
    const forwarded = chain.capture.requests.at(-1)!;
    assert.equal(forwarded['x-b3-traceid'], TRACE_ID);
    assert.match(String(forwarded['x-b3-spanid']), /^[0-9a-f]{16}$/);
    assert.notEqual(forwarded['x-b3-spanid'], SPAN_ID, 'the caller span id must not be forwarded as ours');
    assert.equal(forwarded['x-b3-sampled'], '1');
    assert.match(String(forwarded.traceparent), new RegExp(`^00-${TRACE_ID}-${forwarded['x-b3-spanid']}-01$`));
    assert.equal(forwarded['x-request-id'], 'e2e-propagation-1', 'x-request-id is forwarded unchanged');
  });

  test('by default a hop names its own server span as the parent downstream (no client spans: fewer, and still nested)', async () => {
    await get(chain.services.url('customer'), { ...B3_IN, 'x-request-id': 'e2e-server-parent' });
    const forwarded = chain.capture.requests.at(-1)!;
    const logged = await eventually('the request log line of preference', async () =>
      chain.services.logs.get('preference')!.find((l) => l.includes('"request_id":"e2e-server-parent"') && l.includes('"msg":"request"')),
    );
    assert.equal(forwarded['x-b3-spanid'], (JSON.parse(logged) as { span_id?: string }).span_id);
  });

  test('malformed b3, traceparent and baggage are ignored: the request succeeds and a fresh, valid trace starts', async () => {
    const bad = {
      b3: 'not-a-b3',
      'x-b3-traceid': 'xyz',
      'x-b3-spanid': '0',
      traceparent: '00-zz-yy-01',
      baggage: ';;;===',
      'x-request-id': 'e2e-malformed',
    };
    const { status } = await get(chain.services.url('customer'), bad);
    assert.equal(status, 200);
    const forwarded = chain.capture.requests.at(-1)!;
    assert.match(String(forwarded['x-b3-traceid']), /^[0-9a-f]{32}$/);
    assert.notEqual(forwarded['x-b3-traceid'], '0'.repeat(32));
    assert.match(String(forwarded.traceparent), new RegExp(`^00-${forwarded['x-b3-traceid']}-[0-9a-f]{16}-01$`));
    assert.equal(forwarded.b3, undefined, 'the malformed single-header b3 is not passed on');
  });

  test('log lines carry the trace id and the span id of the request', async () => {
    await get(chain.services.url('customer'), { ...B3_IN, 'x-request-id': 'e2e-log-line' });
    const line = await eventually('the request log line of customer', async () =>
      chain.services.logs.get('customer')!.find((l) => l.includes('"request_id":"e2e-log-line"') && l.includes('"msg":"request"')),
    );
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.equal(entry.trace_id, TRACE_ID);
    assert.match(String(entry.span_id), /^[0-9a-f]{16}$/);
    assert.notEqual(entry.span_id, SPAN_ID, "the span is this hop's server span, not the caller's");
  });

  test('requests succeed while the collector is down; each service warns once, and once more when export works again', async () => {
    for (let i = 0; i < 30; i++) assert.equal((await get(chain.services.url('customer'))).status, 200);
    for (const name of ['customer', 'preference'] as const) {
      await eventually(
        `${name} to warn that span export failed`,
        async () => chain.services.logs.get(name)!.some((l) => EXPORT_FAILED.test(l)) || undefined,
      );
    }
    for (let i = 0; i < 30; i++) assert.equal((await get(chain.services.url('customer'))).status, 200);
    const sink = await startSink(collectorPort);
    try {
      for (const name of ['customer', 'preference'] as const) {
        const back = await eventually(`${name} to say that span export works again`, async () => {
          await get(chain.services.url('customer'));
          return chain.services.logs.get(name)!.find((l) => EXPORT_BACK.test(l));
        });
        const dropped = Number(EXPORT_BACK.exec(back)![1]);
        assert.ok(dropped > 8, `${name} dropped ${dropped} spans, more than one batch, under one warning`);
        assert.equal(chain.services.logs.get(name)!.filter((l) => EXPORT_FAILED.test(l)).length, 1, `${name} warned once, not per batch`);
      }
      assert.ok(sink.posts > 0);
    } finally {
      await sink.close();
    }
  });
});

describe('tracing on, no collector anywhere (OTLP to a port nobody listens on)', () => {
  const HOPS = ['customer', 'preference', 'recommendation'] as const;
  let chain: LocalServices;

  before(async () => {
    chain = await startQuietServices(
      {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
        SHUTDOWN_DELAY_MS: '0',
        LOG_LEVEL: 'info',
      },
      HOPS,
    );
  });
  after(async () => {
    await chain?.stopAll();
  });

  test('at start each service says once, as a JSON warning, that traces are not exported and how to turn tracing off', async () => {
    for (const name of HOPS) {
      const line = await eventually(`${name} to say that traces are not exported`, async () =>
        chain.logs.get(name)!.find((l) => EXPORT_FAILED.test(l)),
      );
      const entry = JSON.parse(line) as { level: number; service: string; msg: string };
      assert.equal(entry.level, 40);
      assert.equal(entry.service, name);
      assert.match(entry.msg, /no collector answers at otlp http:\/\/127\.0\.0\.1:\d+\/v1\/traces \(ECONNREFUSED\)/);
      assert.match(entry.msg, /OTEL_TRACES_EXPORTER=none/);
    }
    for (let i = 0; i < 5; i++) assert.equal((await get(chain.url('customer'))).status, 200);
    for (const name of HOPS) assert.equal(chain.logs.get(name)!.filter((l) => l.includes('telemetry:')).length, 1, `${name} said it once`);
  });

  test('SIGTERM right after a request does not wait for the absent collector: each hop exits 0, naming the spans it did not export', async () => {
    assert.equal((await get(chain.url('customer'), { 'x-request-id': 'e2e-last-before-sigterm' })).status, 200);
    const codes = await Promise.all(HOPS.map((name) => chain.stop(name)));
    assert.deepEqual(codes, [0, 0, 0]);
    for (const name of HOPS) {
      const lines = chain.logs.get(name)!;
      const unsent = lines.find((l) => /telemetry: \d+ spans? not exported at shutdown: no collector answers/.test(l));
      assert.ok(unsent, `${name} says which spans it did not export:\n${lines.slice(-4).join('\n')}`);
      assert.ok(!lines.some((l) => l.includes('gave up flushing')), `${name} did not sit out the flush limit`);
      assert.ok(lines.at(-1)!.includes('"msg":"stopped"'), `${name} stopped cleanly after it`);
    }
  });

  test('every line each service wrote, from start to stop, is JSON', () => {
    for (const name of HOPS) assert.deepEqual(notJson(chain.logs.get(name)!), [], name);
  });
});

describe('tracing off (OTEL_TRACES_EXPORTER=none)', () => {
  const chain = capturedServices({ OTEL_TRACES_EXPORTER: 'none' }, ['preference', 'customer']);

  test('trace headers are forwarded exactly as they came, so the mesh still joins the spans', async () => {
    const { status } = await get(chain.services.url('customer'), { ...B3_IN, traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    assert.equal(status, 200);
    const forwarded = chain.capture.requests.at(-1)!;
    assert.equal(forwarded['x-b3-traceid'], TRACE_ID);
    assert.equal(forwarded['x-b3-spanid'], SPAN_ID);
    assert.equal(forwarded.traceparent, `00-${TRACE_ID}-${SPAN_ID}-01`);
    assert.equal(chain.services.logs.get('customer')!.filter((l) => l.includes('telemetry:')).length, 0, 'no telemetry output at all');
  });
});

describe('tracing on with client spans (OTEL_NODE_ENABLED_INSTRUMENTATIONS=fastify,undici)', () => {
  const chain = capturedServices(
    { OTEL_TRACES_EXPORTER: 'console', OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'fastify,undici', LOG_LEVEL: 'info' },
    ['preference', 'customer'],
  );

  test('each hop names its client span as the parent, a child of its server span, and forwards the headers once', async () => {
    const { status } = await get(chain.services.url('customer'), { ...B3_IN, 'x-request-id': 'e2e-client-spans' });
    assert.equal(status, 200);
    const forwarded = chain.capture.requests.at(-1)!;
    assert.equal(forwarded['x-b3-traceid'], TRACE_ID);
    const logged = await eventually('the request log line of preference', async () =>
      chain.services.logs.get('preference')!.find((l) => l.includes('"request_id":"e2e-client-spans"') && l.includes('"msg":"request"')),
    );
    const entry = JSON.parse(logged) as { trace_id?: string; span_id?: string };
    assert.equal(entry.trace_id, TRACE_ID);
    assert.match(String(forwarded['x-b3-spanid']), /^[0-9a-f]{16}$/);
    assert.notEqual(forwarded['x-b3-spanid'], entry.span_id, 'the parent named downstream is the client span, not the server span');
    assert.equal(
      forwarded.traceparent,
      `00-${TRACE_ID}-${forwarded['x-b3-spanid']}-01`,
      'one traceparent, not one from the kit and one from undici',
    );
  });

  test('OTEL_TRACES_EXPORTER=console prints each span as one JSON line, so the output stays all JSON', async () => {
    await get(chain.services.url('customer'), { ...B3_IN, 'x-request-id': 'e2e-console-span' });
    const span = await eventually("customer's server span on its output", async () =>
      chain.services.logs
        .get('customer')!
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find(
          (e) =>
            e.msg === 'span' &&
            e.kind === 'SERVER' &&
            (e.attributes as Record<string, unknown>)['guid:x-request-id'] === 'e2e-console-span',
        ),
    );
    assert.equal(span.trace_id, TRACE_ID);
    assert.equal(span.name, 'GET /');
    assert.equal(typeof span.duration_ms, 'number');
    for (const name of ['customer', 'preference'] as const) assert.deepEqual(notJson(chain.services.logs.get(name)!), [], name);
  });
});
