// OTLP/JSON as Jaeger's otlphttp exporter writes it, into Zipkin v2 spans: ids, tree, kinds, times, endpoints, tags, errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { otlpToZipkin, type ZipkinSpan } from '../src/otlp-to-zipkin.ts';

const TRACE = '5b8efff798038103d269b633813fc60c';
const CUSTOMER_SERVER = 'eee19b7ec3c1b174';
const CUSTOMER_CLIENT = 'eee19b7ec3c1b175';
const PREFERENCE_SERVER = '0b71ba8f6e3e7f1a';

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

function resource(service: string) {
  return {
    attributes: [str('service.name', service), str('service.version', 'v1'), str('telemetry.sdk.language', 'nodejs')],
  };
}

/** One request through customer and preference, in protojson's shape: hex ids, nanoseconds as strings, enums as numbers. */
function request(): unknown {
  return {
    resourceSpans: [
      {
        resource: resource('customer'),
        scopeSpans: [
          {
            scope: { name: '@fastify/otel', version: '0.21.2' },
            spans: [
              {
                traceId: TRACE,
                spanId: CUSTOMER_SERVER,
                parentSpanId: '',
                flags: 257,
                name: 'GET /',
                kind: 2,
                startTimeUnixNano: '1765093200123456789',
                endTimeUnixNano: '1765093200187654321',
                attributes: [
                  str('http.request.method', 'GET'),
                  str('http.route', '/'),
                  int('http.response.status_code', 200),
                  str('guid:x-request-id', 'hello-1'),
                  str('client.address', '127.0.0.1'),
                  int('client.port', 51234),
                ],
                events: [
                  {
                    timeUnixNano: '1765093200150000000',
                    name: 'downstream answered',
                    attributes: [str('downstream', 'preference')],
                  },
                ],
                status: {},
              },
            ],
          },
          {
            scope: { name: '@opentelemetry/instrumentation-undici', version: '0.34.0' },
            spans: [
              {
                traceId: TRACE,
                spanId: CUSTOMER_CLIENT,
                parentSpanId: CUSTOMER_SERVER,
                name: 'GET',
                kind: 3,
                startTimeUnixNano: '1765093200130000000',
                endTimeUnixNano: '1765093200180000000',
                attributes: [
                  str('url.full', 'http://preference:8082/'),
                  str('server.address', 'preference'),
                  int('server.port', 8082),
                  { key: 'http.request.header.accept', value: { arrayValue: { values: [{ stringValue: 'application/json' }] } } },
                  { key: 'retried', value: { boolValue: false } },
                  { key: 'ratio', value: { doubleValue: 0.25 } },
                ],
                status: { code: 1 },
              },
            ],
          },
        ],
      },
      {
        resource: resource('preference'),
        scopeSpans: [
          {
            scope: { name: '@fastify/otel' },
            spans: [
              {
                traceId: TRACE,
                spanId: PREFERENCE_SERVER,
                parentSpanId: CUSTOMER_CLIENT,
                name: 'GET /',
                kind: 2,
                startTimeUnixNano: '1765093200140000000',
                endTimeUnixNano: '1765093200140000000',
                attributes: [int('http.response.status_code', 503)],
                events: [
                  {
                    timeUnixNano: '1765093200140000000',
                    name: 'exception',
                    attributes: [str('exception.type', 'Error'), str('exception.message', 'recommendation unreachable')],
                  },
                ],
                status: { code: 2, message: 'recommendation unreachable (ECONNREFUSED)' },
              },
              {
                traceId: TRACE,
                spanId: 'aaaaaaaaaaaaaaa1',
                parentSpanId: PREFERENCE_SERVER,
                name: 'render',
                kind: 1,
                startTimeUnixNano: '1765093200141000000',
                endTimeUnixNano: '1765093200142000000',
              },
            ],
          },
        ],
      },
    ],
  };
}

function converted(input: unknown): { spans: ZipkinSpan[]; rejected: string[] } {
  const result = otlpToZipkin(input);
  assert.ok(result.ok, `expected a conversion, got: ${result.ok ? '' : result.error}`);
  return result;
}

const byId = (spans: ZipkinSpan[], id: string) => spans.find((s) => s.id === id)!;

describe('otlpToZipkin on a request of the chain', () => {
  it('keeps every span with its trace id, span id and parent, so Zipkin draws the same tree', () => {
    const { spans, rejected } = converted(request());
    assert.deepEqual(rejected, []);
    assert.deepEqual(
      spans.map((s) => [s.traceId, s.id, s.parentId]),
      [
        [TRACE, CUSTOMER_SERVER, undefined],
        [TRACE, CUSTOMER_CLIENT, CUSTOMER_SERVER],
        [TRACE, PREFERENCE_SERVER, CUSTOMER_CLIENT],
        [TRACE, 'aaaaaaaaaaaaaaa1', PREFERENCE_SERVER],
      ],
    );
    assert.ok(!('parentId' in byId(spans, CUSTOMER_SERVER)), 'a root span has no parentId field at all');
  });

  it('names each span by its resource service.name, and maps the kinds (INTERNAL has none in Zipkin)', () => {
    const { spans } = converted(request());
    assert.deepEqual(
      spans.map((s) => [s.localEndpoint.serviceName, s.name, s.kind]),
      [
        ['customer', 'GET /', 'SERVER'],
        ['customer', 'GET', 'CLIENT'],
        ['preference', 'GET /', 'SERVER'],
        ['preference', 'render', undefined],
      ],
    );
    assert.ok(!('kind' in byId(spans, 'aaaaaaaaaaaaaaa1')));
  });

  it('turns unix nanoseconds into microseconds without losing digits, and a zero-length span lasts 1 µs', () => {
    const { spans } = converted(request());
    const root = byId(spans, CUSTOMER_SERVER);
    assert.equal(root.timestamp, 1765093200123456);
    assert.equal(root.duration, 187654 - 123456);
    assert.equal(byId(spans, PREFERENCE_SERVER).duration, 1);
  });

  it('carries attributes as string tags (numbers, booleans and arrays as JSON), with the resource and scope', () => {
    const { spans } = converted(request());
    const root = byId(spans, CUSTOMER_SERVER);
    assert.equal(root.tags!['http.response.status_code'], '200');
    assert.equal(root.tags!['guid:x-request-id'], 'hello-1');
    assert.equal(root.tags!['service.version'], 'v1');
    assert.equal(root.tags!['otel.scope.name'], '@fastify/otel');
    assert.equal(root.tags!['otel.scope.version'], '0.21.2');
    assert.ok(!('service.name' in root.tags!), 'the service name is the endpoint, not a tag');
    const client = byId(spans, CUSTOMER_CLIENT);
    assert.equal(client.tags!['http.request.header.accept'], '["application/json"]');
    assert.equal(client.tags!.retried, 'false');
    assert.equal(client.tags!.ratio, '0.25');
    assert.equal(client.tags!['otel.status_code'], 'OK');
  });

  it('marks an ERROR status the way Zipkin shows a failed span: an error tag with the message', () => {
    const failed = byId(converted(request()).spans, PREFERENCE_SERVER);
    assert.equal(failed.tags!.error, 'recommendation unreachable (ECONNREFUSED)');
    assert.equal(failed.tags!['otel.status_code'], 'ERROR');
    assert.equal(failed.tags!['http.response.status_code'], '503');
    assert.ok(!('error' in byId(converted(request()).spans, CUSTOMER_SERVER).tags!), 'an unset status is no error');
  });

  it('turns events into annotations at their own time, with their attributes', () => {
    const { spans } = converted(request());
    assert.deepEqual(byId(spans, CUSTOMER_SERVER).annotations, [
      { timestamp: 1765093200150000, value: 'downstream answered {"downstream":"preference"}' },
    ]);
    assert.match(byId(spans, PREFERENCE_SERVER).annotations![0]!.value, /^exception \{"exception.type":"Error",/);
  });

  it('names the other end: the called host and port for a client span, the caller address for a server span', () => {
    const { spans } = converted(request());
    assert.deepEqual(byId(spans, CUSTOMER_CLIENT).remoteEndpoint, { serviceName: 'preference', port: 8082 });
    assert.deepEqual(byId(spans, CUSTOMER_SERVER).remoteEndpoint, { ipv4: '127.0.0.1', port: 51234 });
    assert.equal(byId(spans, PREFERENCE_SERVER).remoteEndpoint, undefined);
  });

  it('reads ids in upper case, kinds as enum names and times as numbers too, as lenient encoders write them', () => {
    const { spans } = converted({
      resourceSpans: [
        {
          resource: resource('recommendation'),
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE.toUpperCase(),
                  spanId: 'ABCDEF0123456789',
                  name: 'GET /',
                  kind: 'SPAN_KIND_SERVER',
                  startTimeUnixNano: 1_000_000,
                  endTimeUnixNano: 3_000_000,
                  status: { code: 'STATUS_CODE_ERROR' },
                },
              ],
            },
          ],
        },
      ],
    });
    assert.deepEqual(
      [spans[0]!.traceId, spans[0]!.id, spans[0]!.kind, spans[0]!.timestamp, spans[0]!.duration, spans[0]!.tags!.error],
      [TRACE, 'abcdef0123456789', 'SERVER', 1000, 2000, 'true'],
    );
  });

  it('takes an empty request (no resourceSpans) as nothing to forward', () => {
    assert.deepEqual(otlpToZipkin({}), { ok: true, spans: [], rejected: [] });
  });
});

describe('otlpToZipkin on bad input', () => {
  it('refuses what is not a request object, saying what it got, and never throws', () => {
    for (const [input, said] of [
      [null, 'got null'],
      [[], 'got an array'],
      ['spans', 'got string "spans"'],
      [42, 'got number 42'],
    ] as const) {
      assert.deepEqual(otlpToZipkin(input), {
        ok: false,
        error: `not an OTLP ExportTraceServiceRequest: expected a JSON object, ${said}`,
      });
    }
  });

  it('refuses a request whose lists are not lists, naming the place', () => {
    assert.deepEqual(otlpToZipkin({ resourceSpans: {} }), {
      ok: false,
      error: 'request.resourceSpans: expected an array, got an object',
    });
    assert.deepEqual(otlpToZipkin({ resourceSpans: [{ scopeSpans: [{ spans: 'x' }] }] }), {
      ok: false,
      error: 'resourceSpans[0].scopeSpans[0].spans: expected an array, got string "x"',
    });
    assert.deepEqual(otlpToZipkin({ resourceSpans: [7] }), { ok: false, error: 'resourceSpans[0]: expected an object, got number 7' });
  });

  it('leaves out a span with a bad id or time and names it, and keeps the rest of the batch', () => {
    const good = { traceId: TRACE, spanId: CUSTOMER_SERVER, startTimeUnixNano: '1000', endTimeUnixNano: '2000' };
    const result = otlpToZipkin({
      resourceSpans: [
        {
          resource: resource('customer'),
          scopeSpans: [
            {
              spans: [
                good,
                { ...good, traceId: 'xyz' },
                { ...good, spanId: undefined },
                { ...good, parentSpanId: '0000000000000000' },
                { ...good, startTimeUnixNano: '12.5' },
                { ...good, endTimeUnixNano: undefined },
                { ...good, attributes: 'all of them' },
                { ...good, name: 5 },
                'not a span',
              ],
            },
          ],
        },
      ],
    });
    assert.ok(result.ok);
    assert.equal(result.spans.length, 1);
    const at = 'resourceSpans[0].scopeSpans[0].spans';
    assert.deepEqual(result.rejected, [
      `${at}[1].traceId: expected 32 or 16 hex characters, got string "xyz"`,
      `${at}[2].spanId: missing`,
      `${at}[3].parentSpanId: all zeros, which OTLP calls an invalid id`,
      `${at}[4].startTimeUnixNano: expected unix nanoseconds as a string of digits, got string "12.5"`,
      `${at}[5].endTimeUnixNano: missing`,
      `${at}[6].attributes: expected an array, got string "all of them"`,
      `${at}[7].name: expected a string, got number 5`,
      `${at}[8]: expected an object, got string "not a span"`,
    ]);
  });

  it('falls back to unknown_service for a resource without service.name, as the SDKs do', () => {
    const { spans } = converted({
      resourceSpans: [
        { scopeSpans: [{ spans: [{ traceId: TRACE, spanId: CUSTOMER_SERVER, startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] },
      ],
    });
    assert.equal(spans[0]!.localEndpoint.serviceName, 'unknown_service');
  });

  it('puts only addresses Zipkin can parse into ipv4 and ipv6 (it refuses a whole request for one that does not)', () => {
    const { spans } = converted({
      resourceSpans: [
        {
          resource: resource('customer'),
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE,
                  spanId: CUSTOMER_CLIENT,
                  kind: 3,
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                  attributes: [str('network.peer.address', '::1'), str('server.address', 'not-an-ip.local'), int('server.port', 70000)],
                },
              ],
            },
          ],
        },
      ],
    });
    assert.deepEqual(spans[0]!.remoteEndpoint, { ipv6: '::1', serviceName: 'not-an-ip.local' });
  });
});
