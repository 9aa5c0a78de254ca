// Finding the collector's endpoint from OTEL_* and probing it with a real TCP connect on 127.0.0.1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { promisify } from 'node:util';
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

test('with unref: false, a probe awaited at top level by a process doing nothing else settles with its answer', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const probe = new URL('../src/collector-probe.ts', import.meta.url).href;
  const script = `const { probeCollector } = await import(${JSON.stringify(probe)});
console.log(JSON.stringify(await probeCollector(new URL('http://127.0.0.1:${port}'), 1000, { unref: false })));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  assert.deepEqual(JSON.parse(stdout), { ok: false, reason: 'ECONNREFUSED' });
});
