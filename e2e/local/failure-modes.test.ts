// How the chain fails, on real processes: killed, slow, restarted and broken downstreams, and faults at every hop.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import type { ServiceName } from '@mesh-demo/workspace';
import { type Chaos, chaosServer } from '../support/chaos.ts';
import { get } from '../support/http.ts';

async function setFaults(chain: LocalServices, name: ServiceName, faults: object): Promise<void> {
  const response = await fetch(`${chain.managementUrl(name)}/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  assert.equal(response.status, 200, await response.text());
}

describe('failure modes of a real chain', () => {
  let chain: LocalServices;
  before(async () => {
    chain = await startLocalServices({ envFor: { preference: { DOWNSTREAM_TIMEOUT_MS: '500' } } });
  });
  after(() => chain?.stopAll());

  it('answers 504 at the hop whose downstream is slower than its timeout, after about the timeout, never the full delay', async (t) => {
    // Cleared even when an assertion fails, so one failure does not cascade into the next test.
    t.after(() => setFaults(chain, 'recommendation', {}));
    await setFaults(chain, 'recommendation', { delayMs: 3000 });
    const started = Date.now();
    const direct = await get(chain.url('preference'));
    const elapsed = Date.now() - started;
    assert.equal(direct.status, 504);
    assert.equal(direct.body, 'preference v1 => Error: recommendation timed out after 500 ms\n');
    assert.ok(elapsed < 3000, `answered after ${elapsed} ms, before the 3000 ms delay`);
    const edge = await get(chain.url('customer'));
    assert.equal(edge.status, 503);
    assert.equal(edge.body, 'customer v1 => Error: 504 - preference v1 => Error: recommendation timed out after 500 ms\n');
  });

  it('nests a fault at every hop with the right statuses', async (t) => {
    t.after(async () => {
      for (const name of ['customer', 'preference', 'recommendation'] as const) await setFaults(chain, name, {});
    });
    await setFaults(chain, 'recommendation', { errorRate: 1, errorStatus: 500 });
    await setFaults(chain, 'preference', { delayMs: 20 });
    await setFaults(chain, 'customer', { delayMs: 20 });
    const answer = await get(chain.url('customer'));
    assert.equal(answer.status, 503);
    assert.equal(
      answer.body,
      "customer v1 => Error: 503 - preference v1 => Error: 500 - recommendation misbehavior from 'recommendation-v1-local'\n",
    );
    await setFaults(chain, 'preference', { errorRate: 1, errorStatus: 502 });
    const middle = await get(chain.url('partner'));
    assert.equal(middle.status, 503);
    assert.equal(middle.body, "partner v1 => Error: 502 - preference misbehavior from 'preference-v1-local'\n");
    for (const name of ['customer', 'preference', 'recommendation'] as const) await setFaults(chain, name, {});
    assert.equal((await get(chain.url('customer'))).status, 200);
  });

  it('answers 503 naming the downstream, promptly, when it is killed outright', async (t) => {
    t.after(async () => {
      if (!chain.processes.get('recommendation')!.running) await chain.start('recommendation');
    });
    assert.equal(await chain.stop('recommendation', 'SIGKILL'), 'SIGKILL');
    const answer = await get(chain.url('preference'));
    assert.equal(answer.status, 503);
    assert.equal(answer.body, 'preference v1 => Error: recommendation unreachable (ECONNREFUSED)\n');
    await chain.start('recommendation');
    assert.equal((await get(chain.url('customer'))).status, 200, 'the first request after the restart succeeds');
  });
});

describe('a downstream that breaks HTTP', () => {
  let chain: LocalServices;
  let chaos: Chaos;
  before(async () => {
    chaos = await chaosServer();
    chain = await startLocalServices({ envFor: { preference: { RECOMMENDATION_URL: chaos.url, DOWNSTREAM_MAX_BODY_BYTES: '65536' } } });
  });
  after(async () => {
    await chain?.stopAll();
    await chaos?.close();
  });

  const cases: Array<[Chaos['mode'], number, RegExp]> = [
    ['garbage', 502, /^preference v1 => Error: recommendation sent a response that is not a chain\n$/],
    ['huge', 502, /^preference v1 => Error: recommendation response exceeded 65536 bytes\n$/],
    ['cut', 502, /^preference v1 => Error: recommendation broke off its response \(UND_ERR_SOCKET\)\n$/],
    ['not-http', 502, /^preference v1 => Error: recommendation answered with something that is not HTTP\n$/],
  ];
  for (const [mode, status, body] of cases) {
    it(`answers ${status} cleanly when the downstream sends ${mode}`, async () => {
      chaos.mode = mode;
      const answer = await get(chain.url('preference'));
      assert.equal(answer.status, status);
      assert.match(answer.body, body);
      if (mode === 'huge')
        assert.ok(chaos.written() < 50 * 1024 * 1024, `read was bounded: ${chaos.written()} bytes written before the hang-up`);
      const edge = await get(chain.url('customer'));
      assert.equal(edge.status, 503);
      assert.ok(edge.body.startsWith(`customer v1 => Error: ${status} - preference v1 => Error: recommendation `), edge.body);
    });
  }
});
