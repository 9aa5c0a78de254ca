// Spans still waiting in the batch processor when SIGTERM arrives reach a real Jaeger: shutdown flushes, it does not cut.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { get, tracedChain } from '../support/chain.ts';
import { serviceNames, type JaegerTrace } from '../support/jaeger.ts';
import { until as eventually } from '../../support/poll.ts';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const HOPS = ['customer', 'preference', 'recommendation'];

for (const exporter of ['otlp', 'jaeger'] as const) {
  describe(`graceful shutdown with the ${exporter} exporter`, () => {
    const traced = tracedChain({
      OTEL_TRACES_EXPORTER: exporter,
      // The batch timer would only fire in ten minutes: any span that arrives was sent by the shutdown flush.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      SHUTDOWN_DELAY_MS: '0',
    }, ['customer', 'preference', 'recommendation']);

    test('exports the spans still batched at SIGTERM before the process exits, from every hop', async () => {
      const { chain, jaeger } = traced;
      const traceIds = [hex(16), hex(16), hex(16)];
      for (const traceId of traceIds) {
        const { status } = await get(chain.url('customer'), { 'x-b3-traceid': traceId, 'x-b3-spanid': hex(8), 'x-b3-sampled': '1' });
        assert.equal(status, 200);
      }
      for (const traceId of traceIds) assert.equal(await jaeger.trace(traceId), undefined, 'nothing exported before shutdown');

      const codes = await Promise.all(HOPS.map((name) => chain.stop(name as 'customer', 'SIGTERM')));
      assert.deepEqual(codes, [0, 0, 0], 'every hop exits 0 after flushing');

      // The exports finished before exit; Jaeger may still be writing them to its store, hence the (short) poll.
      for (const traceId of traceIds) {
        const trace = await eventually(`trace ${traceId} from every hop in Jaeger after shutdown`, async () => {
          const found = await jaeger.trace<JaegerTrace>(traceId);
          return found && HOPS.every((s) => serviceNames(found).has(s)) ? found : undefined;
        }, 10_000);
        assert.equal(trace.spans.length, 3, 'one server span per hop');
      }
    });
  });
}
