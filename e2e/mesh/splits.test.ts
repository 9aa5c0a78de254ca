// Blue-green and canary (steps 03a, 03b): the observed split, the weights in Envoy's own route, pods that keep counting.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { recommendationWeights, splitOf } from './support/checks.ts';
import { ensureMesh } from './support/lifecycle.ts';
import { applyStep, assertShare, configDump, onePod, send, versionAt } from './support/mesh.ts';

describe('weighted routing between recommendation v1 and v2', () => {
  before(async () => {
    await ensureMesh();
    await applyStep('02-mesh');
  });

  it('02: every answer comes from recommendation v1', async () => {
    const sent = await send(40);
    assert.deepEqual(new Set(sent.map((s) => versionAt(s, 'recommendation'))), new Set(['v1']));
  });

  it("03a: about half of 200 requests reach v2, and preference's Envoy holds weights 50/50", async () => {
    const status = await applyStep('03a-blue-green-50-50');
    const split = await splitOf(200);
    assertShare(split.v2, 200, 0.5, '03a share of recommendation v2');
    assert.deepEqual(recommendationWeights(await configDump(onePod(status, 'preference'), 'dynamic_route_configs')), { v1: 50, v2: 50 });
  });

  it('03b: about three in four of 200 requests reach v2, weights 25/75, and v1 keeps its pod and its count', async () => {
    const before = await applyStep('03a-blue-green-50-50');
    const v1Pod = onePod(before, 'recommendation', 'v1').name;
    const [first] = await send(1, { concurrency: 1 });
    const status = await applyStep('03b-canary-25-75');
    assert.equal(onePod(status, 'recommendation', 'v1').name, v1Pod, 'the v1 pod was not restarted');
    const split = await splitOf(200);
    assertShare(split.v2, 200, 0.75, '03b share of recommendation v2');
    assert.deepEqual(recommendationWeights(await configDump(onePod(status, 'preference'), 'dynamic_route_configs')), { v1: 25, v2: 75 });
    // The customer pod also kept running: its counter went on from where it was.
    const [next] = await send(1, { concurrency: 1 });
    assert.ok(next!.chain!.chain[0]!.hits > first!.chain!.chain[0]!.hits + 200, 'customer kept counting across the switch');
  });
});
