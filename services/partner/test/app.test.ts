// partner's own facts: its own name everywhere (the original's copy reported itself as customer), calling preference.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { chainOf, JSON_HEADERS, mockDownstream, testConfig } from '@mesh-demo/kit/testing';
import { buildApp, definition } from '../src/app.ts';

const config = testConfig(definition, { VERSION: 'v3' });
const { agent, pool } = mockDownstream(config);
const service = buildApp(config, { dispatcher: agent });
after(() => Promise.all([service.close(), agent.close()]));

it('is an edge service calling preference', () => {
  assert.equal(definition.edge, true);
  assert.equal(config.downstream?.name, 'preference');
});

it('names itself partner with its VERSION in text, JSON and metrics', async () => {
  pool
    .intercept({ path: '/', method: 'GET' })
    .reply(200, chainOf({ service: 'preference' }, { service: 'recommendation', host: 'r-1' }), { headers: JSON_HEADERS })
    .times(2);
  const text = await service.app.inject({ url: '/' });
  assert.match(text.body, /^partner v3 => preference v1 => /);
  const json = await service.app.inject({ url: '/', headers: { accept: 'application/json' } });
  assert.deepEqual(json.json().chain[0], {
    service: 'partner',
    version: 'v3',
    host: 'partner-v1-test',
    hits: 2,
    shadow: false,
    status: 200,
  });
  const metrics = await service.management.inject({ url: '/metrics' });
  assert.match(metrics.body, /mesh_demo_hits_total\{service="partner",version="v3",shadow="false"\} 2/);
});
