// Logs: one JSON line per request with its request id, and never a secret from the request.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forwardRoutes } from '../src/chain-route.ts';
import { buildService } from '../src/service.ts';
import { chainOf, JSON_HEADERS, mockDownstream, testConfig } from '../src/testing.ts';

it('logs one line per request with request_id and shadow, and no authorization or cookie value even at trace level', async () => {
  const lines: string[] = [];
  const config = testConfig({ name: 'customer', edge: true, downstream: 'preference' }, { LOG_LEVEL: 'trace' });
  const { agent, pool } = mockDownstream(config);
  const service = buildService(config, forwardRoutes, { dispatcher: agent, logStream: { write: (line) => void lines.push(line) } });
  pool.intercept({ path: '/', method: 'GET' }).reply(503, 'RBAC: access denied Bearer-secret-token');
  pool.intercept({ path: '/', method: 'GET' }).reply(200, chainOf({ service: 'preference' }), { headers: JSON_HEADERS });
  await service.app.inject({
    url: '/',
    headers: { authorization: 'Bearer secret-token', cookie: 'session=cookie-secret', 'x-request-id': 'req-42' },
  });
  await service.app.inject({ url: '/', headers: { authorization: 'Bearer secret-token', host: 'customer-shadow' } });
  await service.close();
  await agent.close();

  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const requests = entries.filter((e) => e.msg === 'request');
  assert.equal(requests.length, 2);
  assert.equal(requests[0]!.request_id, 'req-42');
  assert.equal(requests[0]!.status, 503);
  assert.equal(requests[1]!.shadow, true);
  const all = lines.join('\n');
  assert.doesNotMatch(all, /Bearer secret-token|cookie-secret/);
});
