// Graceful shutdown of a real process: SIGTERM with requests in flight loses none, readiness drops first, exit is clean.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import { get, type HeldDownstream, heldDownstream } from '../support/http.ts';
import { until } from '../support/poll.ts';

describe('graceful shutdown with requests in flight', () => {
  let chain: LocalServices;
  let held: HeldDownstream;
  before(async () => {
    held = await heldDownstream();
    chain = await startLocalServices({ envFor: { preference: { RECOMMENDATION_URL: held.url, SHUTDOWN_DELAY_MS: '1000' } } });
  });
  after(async () => {
    held.release();
    await chain?.stopAll();
    await held?.close();
  });

  it('finishes every in-flight request after SIGTERM to the middle hop, reports not-ready, then exits 0', async () => {
    const inFlight = Array.from({ length: 12 }, () => get(chain.url('customer')));
    await until('12 requests to reach the held downstream', () => held.received() >= 12 || undefined);

    const preference = chain.processes.get('preference')!;
    preference.child.kill('SIGTERM');
    const ready = await until('preference readiness to turn 503', async () => {
      const response = await fetch(`${chain.managementUrl('preference')}/health/ready`);
      return response.status === 503 ? response.status : undefined;
    });
    assert.equal(ready, 503);

    held.release();
    const answers = await Promise.all(inFlight);
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(12).fill(200),
    );
    for (const answer of answers) assert.match(answer.body, /^customer v1 => preference v1 => recommendation v1 from 'held': \d+\n$/);
    assert.equal(await preference.exited, 0);
    assert.ok(
      chain.logs.get('preference')!.some((line) => line.includes('"msg":"stopped"')),
      'logged a clean stop',
    );
  });

  it('answers 503 naming preference, promptly, once preference is gone', async () => {
    const answer = await get(chain.url('customer'));
    assert.equal(answer.status, 503);
    assert.equal(answer.body, 'customer v1 => Error: preference unreachable (ECONNREFUSED)\n');
  });
});
