// preference's own facts: the middle hop calls recommendation and passes the edge's headers on unchanged.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { chainOf, JSON_HEADERS, mockDownstream, testConfig } from '@mesh-demo/kit/testing';
import { buildApp, definition } from '../src/app.ts';

const config = testConfig(definition, { RECOMMENDATION_URL: 'http://127.0.0.1:18083' });
const { agent, pool } = mockDownstream(config);
const service = buildApp(config, { dispatcher: agent });
after(() => Promise.all([service.close(), agent.close()]));

it('reads its downstream URL from RECOMMENDATION_URL', () => {
  assert.equal(config.downstream?.name, 'recommendation');
  assert.equal(config.downstream?.url, 'http://127.0.0.1:18083');
});

it('prefixes itself and forwards baggage-user-agent and user-preference as they came', async () => {
  let seen: Record<string, string> = {};
  pool.intercept({ path: '/', method: 'GET' }).reply((options) => {
    seen = options.headers as Record<string, string>;
    return {
      statusCode: 200,
      data: JSON.stringify(chainOf({ service: 'recommendation', host: 'r-9', hits: 5 })),
      responseOptions: { headers: JSON_HEADERS },
    };
  });
  const response = await service.app.inject({
    url: '/',
    headers: { 'baggage-user-agent': 'Firefox', 'user-preference': 'v2', 'user-agent': 'curl' },
  });
  assert.equal(response.body, "preference v1 => recommendation v1 from 'r-9': 5\n");
  assert.equal(seen['baggage-user-agent'], 'Firefox');
  assert.equal(seen['user-preference'], 'v2');
});
