// `pnpm start`'s tracing default: against real sockets (on when something accepts on the OTLP port, off and said when not), and
// with a stand-in trace stack (started only when nothing answers, no endpoint is set and it is installed).
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

/** A trace stack stand-in: what it is said to lack, whether it starts, and whether it was started and stopped. */
function starter(missing: { tools: Array<'jaeger' | 'zipkin'>; java: boolean }, fails?: string) {
  const state = { started: 0, stopped: 0 };
  const stack = {
    otlpEndpoint: 'http://127.0.0.1:4318',
    queryUrl: 'http://127.0.0.1:16686',
    uiUrl: 'http://127.0.0.1:9411/zipkin/',
    stop: async () => {
      state.stopped += 1;
    },
  };
  return {
    state,
    starter: {
      missing: () => missing,
      start: async () => {
        state.started += 1;
        if (fails) throw new Error(fails);
        return stack;
      },
    },
  };
}
const nobodyThere = async () => ({ ok: false, reason: 'ECONNREFUSED' }) as const;
const DEFAULT_OFF =
  'start: tracing off: no collector answers at http://localhost:4318 (ECONNREFUSED). To trace, start one (docs/telemetry.md) and run this again, or set OTEL_TRACES_EXPORTER=otlp';

test('with nothing set and nobody on the OTLP port, start runs its own trace stack when installed and points the services at it', async () => {
  const { state, starter: stack } = starter({ tools: [], java: false });
  const tracing = await localTracing({}, { starter: stack, probe: nobodyThere });
  assert.equal(state.started, 1);
  assert.equal(tracing.on, true);
  assert.deepEqual(tracing.env, { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
  assert.equal(
    tracing.line,
    "start: tracing on: trace UI http://127.0.0.1:9411/zipkin/, Jaeger's query API http://127.0.0.1:16686 (started here, stopped with the services; --no-traces skips them)",
  );
  await tracing.stack!.stop();
  assert.equal(state.stopped, 1);
});

test('when the trace stack is not installed, tracing is off with the same line as before plus the one command that installs it', async () => {
  const tools = await localTracing({}, { starter: starter({ tools: ['jaeger', 'zipkin'], java: false }).starter, probe: nobodyThere });
  assert.deepEqual([tools.on, tools.env, tools.stack], [false, { OTEL_TRACES_EXPORTER: 'none' }, undefined]);
  assert.equal(
    tools.line,
    `${DEFAULT_OFF}; for start's own Jaeger and trace UI, install them once: bash tools/install-tools.sh jaeger zipkin`,
  );
  const java = await localTracing({}, { starter: starter({ tools: [], java: true }).starter, probe: nobodyThere });
  assert.equal(
    java.line,
    `${DEFAULT_OFF}; for start's own Jaeger and trace UI, install them once: bash tools/apt-install.sh --no-install-recommends openjdk-17-jre-headless`,
  );
});

test('a trace stack that fails to start leaves tracing off, and the line says why', async () => {
  const { starter: stack } = starter({ tools: [], java: false }, 'port 9411 (the trace UI) in use by another program');
  const tracing = await localTracing({}, { starter: stack, probe: nobodyThere });
  assert.deepEqual([tracing.on, tracing.env], [false, { OTEL_TRACES_EXPORTER: 'none' }]);
  assert.equal(
    tracing.line,
    "start: tracing off: no collector answers at http://localhost:4318 (ECONNREFUSED), and start's own trace stack did not start: port 9411 (the trace UI) in use by another program",
  );
});

test("no trace stack is started with --no-traces, with an OTLP endpoint of the user's own, or when a collector answers", async () => {
  const { state, starter: stack } = starter({ tools: [], java: false });
  assert.equal((await localTracing({}, { stack: false, starter: stack, probe: nobodyThere })).line, DEFAULT_OFF);
  const own = await localTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, { starter: stack, probe: nobodyThere });
  assert.match(own.line, /^start: tracing off: no collector answers at http:\/\/collector:4318 \(ECONNREFUSED\)\. To trace, start one/);
  const answering = await localTracing({}, { starter: stack, probe: async () => ({ ok: true }) });
  assert.equal(answering.on, true);
  assert.equal(state.started, 0);
});
