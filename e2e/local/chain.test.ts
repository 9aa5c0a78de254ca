// The four services as real processes over 127.0.0.1: the chain line, counters, a stopped and restarted leaf.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import { get, getJson } from '../support/http.ts';
import { until } from '../support/poll.ts';

describe('the chain as four real processes', () => {
  let chain: LocalServices;
  before(async () => {
    chain = await startLocalServices();
  });
  after(() => chain?.stopAll());

  it('answers the chain line from customer and from partner', async () => {
    const customer = await get(chain.url('customer'));
    assert.equal(customer.status, 200);
    assert.equal(customer.body, "customer v1 => preference v1 => recommendation v1 from 'recommendation-v1-local': 1\n");
    const partner = await get(chain.url('partner'));
    assert.equal(partner.body, "partner v1 => preference v1 => recommendation v1 from 'recommendation-v1-local': 2\n");
  });

  it('counts hits per service: each hop its own counter', async () => {
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await getJson(chain.url('customer'))).body.chain.map((hop) => `${hop.service}:${hop.hits}`));
    await getJson(chain.url('partner'));
    const last = (await getJson(chain.url('customer'))).body.chain.map((hop) => `${hop.service}:${hop.hits}`);
    // Two requests came before this test (one customer, one partner).
    assert.deepEqual(seen, [
      ['customer:2', 'preference:3', 'recommendation:3'],
      ['customer:3', 'preference:4', 'recommendation:4'],
      ['customer:4', 'preference:5', 'recommendation:5'],
    ]);
    assert.deepEqual(last, ['customer:5', 'preference:7', 'recommendation:7']);
  });

  it('answers 503 naming recommendation once it is stopped', async () => {
    assert.equal(await chain.stop('recommendation'), 0, 'recommendation exits 0 on SIGTERM');
    const answer = await get(chain.url('customer'));
    assert.equal(answer.status, 503);
    assert.equal(answer.body, 'customer v1 => Error: 503 - preference v1 => Error: recommendation unreachable (ECONNREFUSED)\n');
  });

  it('recovers with no stale-connection error after recommendation restarts', async () => {
    await chain.start('recommendation');
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await get(chain.url('customer'))).status);
    assert.deepEqual(statuses, Array(20).fill(200));
  });

  it('answers 503 from recommendation misbehaving, nested at every hop', async () => {
    assert.equal((await get(`${chain.url('recommendation')}/misbehave`)).status, 200);
    const answer = await get(chain.url('partner'));
    assert.equal(answer.status, 503);
    assert.equal(
      answer.body,
      "partner v1 => Error: 503 - preference v1 => Error: 503 - recommendation misbehavior from 'recommendation-v1-local'\n",
    );
    await get(`${chain.url('recommendation')}/behave`);
    await until('recommendation to behave again', async () => (await get(chain.url('customer'))).status === 200 || undefined);
  });
});
