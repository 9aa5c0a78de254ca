// customer's own facts: it is an edge named customer that calls preference and derives baggage-user-agent.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { chainOf, JSON_HEADERS, mockDownstream, testConfig } from '@mesh-demo/kit/testing';
import { buildApp, definition } from '../src/app.ts';

const config = testConfig(definition);
const { agent, pool } = mockDownstream(config);
const service = buildApp(config, { dispatcher: agent });
after(() => Promise.all([service.close(), agent.close()]));

it('calls preference at its Kubernetes name by default', () => {
  assert.equal(config.downstream?.url, 'http://preference:8080');
});

it("answers 'customer v1 => ' followed by preference's line, passing on user-agent and baggage-user-agent", async () => {
  let seen: Record<string, string> = {};
  pool.intercept({ path: '/', method: 'GET' }).reply((options) => {
    seen = options.headers as Record<string, string>;
    return {
      statusCode: 200,
      data: JSON.stringify(chainOf({ service: 'preference' }, { service: 'recommendation', host: 'r-1', hits: 3 })),
      responseOptions: { headers: JSON_HEADERS },
    };
  });
  const response = await service.app.inject({ url: '/', headers: { 'user-agent': 'Mozilla/5.0 (iPhone) Mobile Safari' } });
  assert.equal(response.body, "customer v1 => preference v1 => recommendation v1 from 'r-1': 3\n");
  assert.equal(seen['baggage-user-agent'], 'Mozilla/5.0 (iPhone) Mobile Safari');
});
