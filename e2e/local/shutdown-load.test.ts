// SIGTERM under load on real processes: no in-flight request fails, readiness drops first, exit is clean and in time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import { startLoad, tally } from '../support/load.ts';
import { until } from '../support/poll.ts';

describe('shutdown under load', () => {
  let chain: LocalServices;
  before(async () => {
    chain = await startLocalServices({
      envFor: { customer: { SHUTDOWN_DELAY_MS: '500', SHUTDOWN_TIMEOUT_MS: '5000' }, preference: { SHUTDOWN_DELAY_MS: '200' } },
    });
  });
  after(() => chain?.stopAll());

  it('middle hop: preference stopped under load gives clean 503s from customer and no hung request', async (t) => {
    const load = startLoad(chain.url('customer'), 16);
    t.after(() => load.stop());
    // Whatever happens below, the next test needs preference back.
    t.after(async () => {
      if (!chain.processes.get('preference')!.running) await chain.start('preference');
    });
    await until('200 answers under load', () => load.outcomes.filter((o) => o.status === 200).length >= 200 || undefined);
    const preference = chain.processes.get('preference')!;
    preference.child.kill('SIGTERM');
    assert.equal(await preference.exited, 0);
    await until(
      'customer to answer 503 for the missing preference',
      () => load.outcomes.slice(-50).some((o) => o.status === 503) || undefined,
    );
    await load.stop();
    const counts = tally(load.outcomes);
    t.diagnostic(`outcomes: ${JSON.stringify(counts)}`);
    for (const outcome of load.outcomes) {
      assert.equal(outcome.error, undefined, `a request failed on the client side: ${JSON.stringify(counts)}`);
      // Refused once the listener is gone; reset when a pooled keep-alive socket (and its one retry) raced the close.
      if (outcome.status === 503)
        assert.match(
          outcome.body ?? '',
          /^customer v1 => Error: preference unreachable \((ECONNREFUSED|ECONNRESET|EPIPE|UND_ERR_SOCKET)\)\n$/,
        );
      else assert.equal(outcome.status, 200);
    }
  });

  it('edge: SIGTERM to customer loses no request while a balancer honours readiness', async (t) => {
    const load = startLoad(chain.url('customer'), 32);
    t.after(() => load.stop());
    await until('200 answers under load', () => load.outcomes.filter((o) => o.status === 200).length >= 200 || undefined);
    const customer = chain.processes.get('customer')!;
    const signalled = performance.now();
    customer.child.kill('SIGTERM');
    // The balancer's view: poll readiness and stop sending once it answers 503, as endpoints would.
    const notReadyAfter = await until(
      'customer readiness to answer 503',
      async () => {
        const response = await fetch(`${chain.managementUrl('customer')}/health/ready`);
        return response.status === 503 ? performance.now() - signalled : undefined;
      },
      5000,
      5,
    );
    const servedBeforeStop = load.outcomes.length;
    await load.stop();
    const code = await customer.exited;
    const exitedAfter = performance.now() - signalled;
    const counts = tally(load.outcomes);
    t.diagnostic(
      `readiness 503 after ${notReadyAfter.toFixed(0)} ms; exit after ${exitedAfter.toFixed(0)} ms; outcomes ${JSON.stringify(counts)}`,
    );
    assert.equal(code, 0);
    assert.deepEqual(Object.keys(counts), ['200'], `every request answered 200: ${JSON.stringify(counts)}`);
    assert.ok(load.outcomes.length >= servedBeforeStop);
    // Within the grace period the chart gives it (delay + drain timeout + margin), not a timing benchmark.
    assert.ok(exitedAfter < 500 + 5000 + 2000, `exited after ${exitedAfter} ms`);
  });
});
