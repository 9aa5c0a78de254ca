// `./pnpmw start`'s tracing default with real processes: off, in one line, when no collector answers; on and into a real
// Jaeger when one does. On the README's fixed ports (8080-8083, 9080-9083), so those must be free.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import { type Jaeger, startJaeger } from '@mesh-demo/devtools';
import { defaultInstances, freePort, portIsFree } from '@mesh-demo/workspace';
import { exitOf, type Running, run, start } from '../../support/cli.ts';
import { until as eventually } from '../../support/poll.ts';
import { get } from '../support/services.ts';

const CUSTOMER = 'http://127.0.0.1:8080';
const PORTS = defaultInstances().flatMap((i) => [i.port, i.managementPort]);

describe('./pnpmw start and tracing', () => {
  let running: Running | undefined;
  let jaeger: Jaeger | undefined;
  afterEach(async () => {
    await running?.end();
    await jaeger?.stop();
    running = undefined;
    jaeger = undefined;
  });

  /** `./pnpmw start` with OTEL_TRACES_EXPORTER unset (empty), exporting to `endpoint` if it traces. */
  async function runStart(endpoint: string): Promise<Running> {
    const free = await Promise.all(PORTS.map(portIsFree));
    assert.deepEqual(
      PORTS.filter((_, i) => !free[i]),
      [],
      'start uses the README ports 8080-8083 and 9080-9083',
    );
    const started = start('./pnpmw', ['start'], { OTEL_TRACES_EXPORTER: '', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    await started.waitFor(/mesh-demo is up/, 'start to say the chain is up', 90_000);
    return started;
  }

  test('with no collector answering, one line says tracing is off and why; the service says nothing of telemetry and stops at once', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    running = await runStart(nobody);
    const said = running
      .output()
      .split('\n')
      .filter((l) => l.startsWith('start: tracing'));
    assert.deepEqual(said, [
      `start: tracing off: no collector answers at ${nobody} (ECONNREFUSED). To trace, start one (docs/telemetry.md) and run this again, or set OTEL_TRACES_EXPORTER=otlp`,
    ]);
    assert.equal((await get(CUSTOMER)).status, 200);

    running.interrupt();
    assert.equal(await exitOf(running, 'start to exit after Ctrl-C'), 0, running.output());
    assert.doesNotMatch(running.output(), /telemetry:/, 'no service line about telemetry at start or at stop');
    for (const name of ['customer', 'partner', 'preference', 'recommendation'])
      assert.match(running.output(), new RegExp(`${name} v1 +\\| .*stopped`));
  });

  test("with a real Jaeger answering, one line says tracing is on, and ./pnpmw trace finds the request's three spans in that Jaeger", async () => {
    jaeger = await startJaeger();
    running = await runStart(jaeger.otlpEndpoint);
    assert.match(
      running.output(),
      new RegExp(
        `^start: tracing on: a collector answers at ${jaeger.otlpEndpoint} \\(OTEL_TRACES_EXPORTER=none turns tracing off\\)$`,
        'm',
      ),
    );
    assert.match(running.output(), /trace --last +# the last request's trace/, 'the hints name the trace command');

    const id = `start-tracing-${randomBytes(4).toString('hex')}`;
    assert.equal((await get(CUSTOMER, { 'x-request-id': id })).status, 200);
    const shown = await eventually(
      `./pnpmw trace to show the request ${id}`,
      async () => {
        const out = await run('./pnpmw', ['trace', '--request-id', id, '--jaeger', jaeger!.queryUrl]);
        return out.code === 0 ? out.stdout : undefined;
      },
      30_000,
      500,
    );
    assert.match(shown, /^trace [0-9a-f]{32}: 3 spans from customer, preference, recommendation,/);
    assert.match(shown, /^ {3}└─ recommendation GET \/ +\+[\d.]+ ms +[\d.]+ ms +200$/m);

    running.interrupt();
    assert.equal(await exitOf(running, 'start to exit after Ctrl-C'), 0, running.output());
    assert.doesNotMatch(running.output(), /telemetry:/, 'the collector took every span: nothing to say');
  });
});
