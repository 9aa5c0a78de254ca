// Mirroring (steps 04a, 04b) on Istio's defaults for >= 1.28: customer v2 gets the copies and counts them as shadows.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { MeshStatus } from '@mesh-demo/mesh';
import { until } from '../support/poll.ts';
import { ensureMesh } from './support/lifecycle.ts';
import { accessLog, applyStep, assertShare, counter, onePod, podMetrics, send, settledCounter } from './support/mesh.ts';

const SHADOW_HITS = 'mesh_demo_hits_total{service="customer",version="v2",shadow="true"}';
const LIVE_HITS = 'mesh_demo_hits_total{service="customer",version="v2",shadow="false"}';

/** customer v2's shadow and live hit counters, read the way Prometheus reads them (the agent's merged metrics). */
async function v2Hits(status: MeshStatus): Promise<{ shadow: number; live: number }> {
  const metrics = await podMetrics(onePod(status, 'customer', 'v2'));
  return { shadow: counter(metrics, SHADOW_HITS), live: counter(metrics, LIVE_HITS) };
}

describe('mirroring customer v1 to customer v2', () => {
  before(async () => {
    await ensureMesh();
  });

  it('04a: every request is mirrored to v2, counted there as a shadow, while the caller only sees v1', async () => {
    const status = await applyStep('04a-mirror-customer');
    const start = await v2Hits(status);
    const sent = await send(100);
    assert.deepEqual(
      new Set(sent.map((s) => `${s.status} ${s.chain?.chain[0]?.version} shadow=${s.chain?.chain[0]?.shadow}`)),
      new Set(['200 v1 shadow=false']),
    );
    // The copies are fire-and-forget: wait (bounded) until v2 has counted all of them.
    const end = await until('customer v2 to count 100 shadow hits', async () => {
      const hits = await v2Hits(status);
      return hits.shadow - start.shadow >= 100 ? hits : undefined;
    });
    assert.equal(end.shadow - start.shadow, 100);
    assert.equal(end.live - start.live, 0, 'no live request reached v2');
  });

  it('04a: the copy reaches v2 with the Host the caller sent (no -shadow suffix on Istio >= 1.28), on the shadow port', async () => {
    const status = await applyStep('04a-mirror-customer');
    const [sent] = await send(1, { concurrency: 1 });
    const requestId = sent!.requestId;
    const pod = onePod(status, 'customer', 'v2');
    // Envoy flushes its access log once a second: wait for the copy's line, on customer v2's shadow port.
    const copy = await until("customer v2's sidecar to log the mirrored copy", () =>
      accessLog(status, pod).find((l) => l.request_id === requestId && String(l.upstream_cluster).startsWith('inbound|8090|')),
    );
    assert.equal(copy.authority, 'customer-mesh-demo.apps-crc.testing');
  });

  it('04b: about half of 200 requests are mirrored', async () => {
    const status = await applyStep('04b-mirror-customer-50');
    const start = await v2Hits(status);
    const sent = await send(200);
    assert.equal(sent.filter((s) => s.status === 200 && s.chain?.chain[0]?.version === 'v1').length, 200);
    const v2 = onePod(status, 'customer', 'v2');
    const end = { shadow: await settledCounter(v2, SHADOW_HITS), live: await settledCounter(v2, LIVE_HITS) };
    assertShare(end.shadow - start.shadow, 200, 0.5, '04b mirrored share');
    assert.equal(end.live - start.live, 0);
  });
});
