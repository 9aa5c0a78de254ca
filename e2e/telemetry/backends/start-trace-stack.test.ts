// `./pnpmw start` with nothing set and no collector around: it runs its own Jaeger and Zipkin on the documented ports, the
// services trace into them, the trace UI has the request, and Ctrl-C stops all of it. Needs 8080-8083, 9080-9083, 4317,
// 4318, 16686 and 9411 free.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { TRACE_STACK_PORTS } from '@mesh-demo/traces';
import { defaultInstances, portIsFree } from '@mesh-demo/workspace';
import { exitOf, type Running, run, start } from '../../support/cli.ts';
import { until as eventually } from '../../support/poll.ts';
import { get } from '../support/services.ts';
import { completeZipkinTrace } from '../support/zipkin.ts';

const CUSTOMER = 'http://127.0.0.1:8080';
const PORTS = [...defaultInstances().flatMap((i) => [i.port, i.managementPort]), ...Object.values(TRACE_STACK_PORTS)];
const UI = 'http://127.0.0.1:9411';

describe('./pnpmw start and its own trace stack', () => {
  let running: Running | undefined;
  after(async () => {
    await running?.end();
  });

  test('starts Jaeger and the trace UI, traces the chain into both, and stops them after the services', async () => {
    const free = await Promise.all(PORTS.map(portIsFree));
    assert.deepEqual(
      PORTS.filter((_, i) => !free[i]),
      [],
      'start uses the README ports: the chain 8080-8083/9080-9083, the trace stack 4317, 4318, 16686 and 9411',
    );
    // No exporter and no endpoint: the case in which start looks for a collector and, finding none, brings its own.
    running = start('./pnpmw', ['start'], {
      OTEL_TRACES_EXPORTER: '',
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
    });
    await running.waitFor(/mesh-demo is up/, 'start to say the chain is up', 150_000);
    const said = running
      .output()
      .split('\n')
      .filter((l) => l.startsWith('start: tracing'));
    assert.deepEqual(said, [
      "start: tracing on: trace UI http://127.0.0.1:9411/zipkin/, Jaeger's query API http://127.0.0.1:16686 (started here, stopped with the services; --no-traces skips them)",
    ]);
    assert.match(running.output(), /http:\/\/127\.0\.0\.1:9411\/zipkin\/ +# the trace UI/, 'the hints name the trace UI');

    const id = `start-stack-${randomBytes(4).toString('hex')}`;
    assert.equal((await get(CUSTOMER, { 'x-request-id': id })).status, 200);
    // ./pnpmw trace reads the stack's Jaeger on its documented port without being told where.
    const shown = await eventually(
      `./pnpmw trace to show the request ${id}`,
      async () => {
        const out = await run('./pnpmw', ['trace', '--request-id', id]);
        return out.code === 0 ? out.stdout : undefined;
      },
      30_000,
      500,
    );
    const traceId = /^trace ([0-9a-f]{32}): 3 spans from customer, preference, recommendation,/.exec(shown)?.[1];
    assert.ok(traceId, shown);
    const spans = await completeZipkinTrace(UI, traceId, ['customer', 'preference', 'recommendation']);
    assert.equal(spans.length, 3);
    assert.ok((await fetch(`${UI}/zipkin/`)).ok, 'the UI page is served');

    running.interrupt();
    assert.equal(await exitOf(running, 'start to exit after Ctrl-C'), 0, running.output());
    assert.doesNotMatch(running.output(), /telemetry:/, "Jaeger was still there for the services' last spans");
    const freeAfter = await Promise.all(Object.values(TRACE_STACK_PORTS).map(portIsFree));
    assert.deepEqual(freeAfter, [true, true, true, true], 'Jaeger and Zipkin stopped with start');
  });
});
