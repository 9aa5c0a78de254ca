// Finding the collector's endpoint from OTEL_* and probing it with a real TCP connect on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { collectorUrl, probeCollector } from '../src/collector-probe.ts';

test('the OTLP endpoint is the traces endpoint, else the base endpoint, else localhost:4318', () => {
  assert.equal(collectorUrl('otlp', {})?.href, 'http://localhost:4318/');
  assert.equal(collectorUrl('otlp', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' })?.host, 'otel:4318');
  assert.equal(
    collectorUrl('otlp', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://t:443/v1/traces' })
      ?.host,
    't',
  );
});

test('the Jaeger exporter is probed only over HTTP: the UDP agent and console have nothing to connect to', () => {
  assert.equal(collectorUrl('jaeger', { OTEL_EXPORTER_JAEGER_ENDPOINT: 'http://jaeger:14268/api/traces' })?.host, 'jaeger:14268');
  assert.equal(collectorUrl('jaeger', {}), undefined);
  assert.equal(collectorUrl('console', {}), undefined);
  assert.equal(collectorUrl('otlp', { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }), undefined);
});

test('a listening port answers the probe; the same port closed is refused, with the error code as the reason', async () => {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(`http://127.0.0.1:${port}/v1/traces`);
  assert.deepEqual(await probeCollector(url, 1000), { ok: true });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.deepEqual(await probeCollector(url, 1000), { ok: false, reason: 'ECONNREFUSED' });
});
