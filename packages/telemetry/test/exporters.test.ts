// Where each exporter sends spans, read from OTEL_*: the one answer the warnings, the collector probe and `pnpm start` share.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createExporter, exporterEndpoint, exporterTarget } from '../src/exporters.ts';
import { JaegerHttpExporter } from '../src/jaeger-http-exporter.ts';

// Moved here from devtools' local-tracing test with the endpoint choice `pnpm start` probes.
test('the endpoint probed is the traces endpoint, else the OTLP endpoint, else localhost:4318', () => {
  const otlpEndpoint = (env: Record<string, string>) => exporterEndpoint('otlp', env)?.configured;
  assert.equal(otlpEndpoint({}), 'http://localhost:4318');
  assert.equal(otlpEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), 'http://c:4318');
  assert.equal(
    otlpEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4318/v1/traces' }),
    'http://t:4318/v1/traces',
  );
});

test('spans go to the traces endpoint as set, else to the base endpoint with /v1/traces appended, as the OTLP exporter does', () => {
  assert.equal(exporterEndpoint('otlp', {})?.url, 'http://localhost:4318/v1/traces');
  assert.equal(exporterEndpoint('otlp', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })?.url, 'http://c:4318/v1/traces');
  assert.equal(exporterEndpoint('otlp', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:4318/custom' })?.url, 'http://t:4318/custom');
});

test('the warning names the exporter and where its spans go: OTLP URL, Jaeger endpoint or agent, console', () => {
  assert.equal(exporterTarget('otlp', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), 'otlp http://c:4318/v1/traces');
  assert.equal(
    exporterTarget('jaeger', { OTEL_EXPORTER_JAEGER_ENDPOINT: 'http://j:14268/api/traces' }),
    'jaeger http://j:14268/api/traces',
  );
  assert.equal(exporterTarget('jaeger', {}), 'jaeger agent udp://localhost:6832');
  assert.equal(
    exporterTarget('jaeger', { OTEL_EXPORTER_JAEGER_AGENT_HOST: 'agent', OTEL_EXPORTER_JAEGER_AGENT_PORT: '6831' }),
    'jaeger agent udp://agent:6831',
  );
  assert.equal(exporterTarget('console', {}), 'console');
});

test('jaeger with an endpoint is our Thrift-over-HTTP exporter; without one, the package exporter sending to the agent over UDP', async () => {
  const http = await createExporter('jaeger', { OTEL_EXPORTER_JAEGER_ENDPOINT: 'http://j:14268/api/traces' });
  assert.ok(http instanceof JaegerHttpExporter);
  await http.shutdown();
  const udp = await createExporter('jaeger', {});
  assert.equal(udp.constructor.name, 'JaegerExporter');
  await udp.shutdown();
});

test('a Jaeger endpoint that is not an http(s) URL is refused by name', async () => {
  for (const endpoint of ['not a url', 'udp://agent:6832']) {
    await assert.rejects(
      createExporter('jaeger', { OTEL_EXPORTER_JAEGER_ENDPOINT: endpoint }),
      new RegExp(`^Error: OTEL_EXPORTER_JAEGER_ENDPOINT: ${JSON.stringify(endpoint)} is not an http\\(s\\) URL$`),
    );
  }
});
