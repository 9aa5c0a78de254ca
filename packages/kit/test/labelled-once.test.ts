// labelledOnce: one prom-client child per label combination, counting into the same series as labels() would.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createMetrics, labelledOnce } from '../src/metrics.ts';

it('hands back the same child for the same labels and a new one for others, counting into the metric', async () => {
  const metrics = createMetrics();
  const hits = labelledOnce((...values) => metrics.hits.labels(...values));
  assert.equal(hits('recommendation', 'v1', 'false'), hits('recommendation', 'v1', 'false'));
  assert.notEqual(hits('recommendation', 'v1', 'false'), hits('recommendation', 'v1', 'true'));
  hits('recommendation', 'v1', 'false').inc();
  hits('recommendation', 'v1', 'false').inc();
  hits('recommendation', 'v1', 'true').inc();
  const text = await metrics.registry.metrics();
  assert.match(text, /mesh_demo_hits_total\{service="recommendation",version="v1",shadow="false"\} 2/);
  assert.match(text, /mesh_demo_hits_total\{service="recommendation",version="v1",shadow="true"\} 1/);
});
