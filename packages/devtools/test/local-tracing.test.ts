// `pnpm start`'s tracing default against real sockets: on when something accepts on the OTLP port, off (and said) when not.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { freePort } from '@mesh-demo/workspace';
import { localTracing } from '../src/local-tracing.ts';

async function listening(): Promise<{ server: Server; url: string }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

test('with nothing set, a collector that accepts on the OTLP endpoint turns tracing on, and the line says where', async () => {
  const { server, url } = await listening();
  try {
    const tracing = await localTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: url });
    assert.equal(tracing.on, true);
    assert.deepEqual(tracing.env, {});
    assert.match(
      tracing.line,
      new RegExp(`^start: tracing on: a collector answers at ${url} \\(OTEL_TRACES_EXPORTER=none turns tracing off\\)$`),
    );
  } finally {
    server.close();
  }
});

test('with nothing set and nobody on the OTLP port, tracing is off for the services, and the line says why and how to get it', async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  const tracing = await localTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: url });
  assert.equal(tracing.on, false);
  assert.deepEqual(tracing.env, { OTEL_TRACES_EXPORTER: 'none' });
  assert.equal(
    tracing.line,
    `start: tracing off: no collector answers at ${url} (ECONNREFUSED). To trace, start one (docs/telemetry.md) and run this again, or set OTEL_TRACES_EXPORTER=otlp`,
  );
});

test('an OTEL_TRACES_EXPORTER or OTEL_SDK_DISABLED that is set is obeyed without probing anything', async () => {
  const nobody = `http://127.0.0.1:${await freePort()}`;
  const forced = await localTracing({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: nobody });
  assert.deepEqual([forced.on, forced.env], [true, {}]);
  assert.match(forced.line, /^start: tracing on, OTEL_TRACES_EXPORTER=otlp as set/);
  const off = await localTracing({ OTEL_TRACES_EXPORTER: 'none' });
  assert.deepEqual([off.on, off.env, off.line], [false, {}, 'start: tracing off (OTEL_TRACES_EXPORTER=none)']);
  assert.equal((await localTracing({ OTEL_SDK_DISABLED: 'true' })).line, 'start: tracing off (OTEL_SDK_DISABLED=true)');
});
