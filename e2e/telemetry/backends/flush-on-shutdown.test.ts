// Spans still batched at SIGTERM reach a real Jaeger (shutdown flushes, it does not cut), and a Jaeger that is gone is not waited for.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { until as eventually } from '../../support/poll.ts';
import { type JaegerTrace, serviceNames } from '../support/jaeger.ts';
import { get, tracedServices } from '../support/services.ts';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const HOPS = ['customer', 'preference', 'recommendation'] as const;
const UNSENT_AT_SHUTDOWN = /telemetry: \d+ spans? not exported at shutdown/;

/** Every line a service writes is JSON: the telemetry lines of shutdown included. */
function notJson(lines: readonly string[]): string[] {
  return lines.filter((line) => {
    try {
      return typeof JSON.parse(line) !== 'object';
    } catch {
      return true;
    }
  });
}

for (const exporter of ['otlp', 'jaeger'] as const) {
  // The batch timer would only fire in ten minutes: any span that arrives was sent by the shutdown flush.
  const env = { OTEL_TRACES_EXPORTER: exporter, OTEL_BSP_SCHEDULE_DELAY: '600000', SHUTDOWN_DELAY_MS: '0', LOG_LEVEL: 'info' };

  describe(`graceful shutdown with the ${exporter} exporter`, () => {
    const traced = tracedServices(env, HOPS);

    test('exports the spans still batched at SIGTERM before the process exits, from every hop, the last request included', async () => {
      const { services: chain, jaeger } = traced;
      const traceIds = [hex(16), hex(16), hex(16)];
      for (const traceId of traceIds) {
        const { status } = await get(chain.url('customer'), { 'x-b3-traceid': traceId, 'x-b3-spanid': hex(8), 'x-b3-sampled': '1' });
        assert.equal(status, 200);
      }
      for (const traceId of traceIds) assert.equal(await jaeger.trace(traceId), undefined, 'nothing exported before shutdown');

      const codes = await Promise.all(HOPS.map((name) => chain.stop(name)));
      assert.deepEqual(codes, [0, 0, 0], 'every hop exits 0 after flushing');

      // The exports finished before exit; Jaeger may still be writing them to its store, hence the (short) poll.
      for (const traceId of traceIds) {
        const trace = await eventually(
          `trace ${traceId} from every hop in Jaeger after shutdown`,
          async () => {
            const found = await jaeger.trace<JaegerTrace>(traceId);
            return found && HOPS.every((s) => serviceNames(found).has(s)) ? found : undefined;
          },
          10_000,
        );
        assert.equal(trace.spans.length, 3, 'one server span per hop');
      }
      for (const name of HOPS) {
        const lines = chain.logs.get(name)!;
        assert.deepEqual(
          lines.filter((l) => l.includes('telemetry:')),
          [],
          `${name} has nothing to say about telemetry when the collector took everything`,
        );
        assert.deepEqual(notJson(lines), [], `${name} wrote only JSON`);
      }
    });
  });

  describe(`graceful shutdown with the ${exporter} exporter after Jaeger went away`, () => {
    const traced = tracedServices(env, HOPS);

    test('does not wait for the collector that is gone: every hop exits 0 and says, in JSON, how many spans it did not export', async () => {
      const { services: chain, jaeger } = traced;
      const traceId = hex(16);
      assert.equal((await get(chain.url('customer'), { 'x-b3-traceid': traceId, 'x-b3-spanid': hex(8), 'x-b3-sampled': '1' })).status, 200);
      await jaeger.stop();

      const codes = await Promise.all(HOPS.map((name) => chain.stop(name)));
      assert.deepEqual(codes, [0, 0, 0]);
      for (const name of HOPS) {
        const lines = chain.logs.get(name)!;
        const unsent = lines.find((l) => UNSENT_AT_SHUTDOWN.test(l));
        assert.ok(unsent, `${name} names the spans it dropped:\n${lines.slice(-4).join('\n')}`);
        assert.equal((JSON.parse(unsent) as { unsent: number }).unsent, 1, 'the one server span of the request');
        assert.ok(!lines.some((l) => l.includes('gave up flushing')), `${name} did not sit out the flush limit`);
        assert.deepEqual(notJson(lines), [], `${name} wrote only JSON`);
      }
    });
  });
}
