// SHADOW_PORT on a real process: what arrives there is a shadow hit (answer, log line, metric); the public port's is not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import { freePort } from '@mesh-demo/workspace';
import { get, getJson } from '../support/http.ts';

describe('the shadow port, where the chart points mirrors', () => {
  let chain: LocalServices;
  let shadowPort: number;
  before(async () => {
    shadowPort = await freePort();
    chain = await startLocalServices({ only: ['recommendation'], envFor: { recommendation: { SHADOW_PORT: String(shadowPort) } } });
  });
  after(() => chain?.stopAll());

  it('marks a request on the shadow port as a shadow hit and one on the public port as live, sharing one counter', async () => {
    const live = await getJson(chain.url('recommendation'));
    const shadow = await getJson(`http://127.0.0.1:${shadowPort}`);
    assert.deepEqual(
      [live.body.chain[0], shadow.body.chain[0]].map((hop) => [hop?.hits, hop?.shadow]),
      [
        [1, false],
        [2, true],
      ],
    );
  });

  it('counts shadow hits under shadow="true" in mesh_demo_hits_total and logs them with "shadow":true', async () => {
    const metrics = (await get(`${chain.managementUrl('recommendation')}/metrics`)).body;
    assert.match(metrics, /^mesh_demo_hits_total\{service="recommendation",version="v1",shadow="true"\} 1$/m);
    assert.match(metrics, /^mesh_demo_hits_total\{service="recommendation",version="v1",shadow="false"\} 1$/m);
    const lines = chain.logs.get('recommendation')!.filter((line) => line.includes('"msg":"request"'));
    assert.deepEqual(
      lines.map((line) => JSON.parse(line).shadow),
      [false, true],
    );
  });

  it('a port already in use as PORT or MANAGEMENT_PORT is refused at start with one line', async () => {
    const refused = await startLocalServices({
      only: ['recommendation'],
      envFor: { recommendation: { SHADOW_PORT: '9999', MANAGEMENT_PORT: '9999' } },
    }).then(
      (c) => c.stopAll().then(() => ''),
      (error: Error) => error.message,
    );
    assert.match(refused, /invalid SHADOW_PORT: must differ from PORT and MANAGEMENT_PORT \(got 9999\)/);
  });
});
