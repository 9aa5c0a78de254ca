// The management ports' /metrics as a real Prometheus scrapes them: hit counts by service and version equal what was sent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LocalServices } from '@mesh-demo/devtools';
import { until as eventually } from '../../support/poll.ts';
import { type Prometheus, startPrometheus } from '../support/prometheus.ts';
import { get, startQuietServices } from '../support/services.ts';

let chain: LocalServices;
let prometheus: Prometheus;

before(async () => {
  chain = await startQuietServices({ OTEL_TRACES_EXPORTER: 'none' });
  const names = ['customer', 'partner', 'preference', 'recommendation'] as const;
  prometheus = await startPrometheus(names.map((name) => new URL(chain.managementUrl(name)).host));
});
after(async () => {
  await chain?.stopAll();
  await prometheus?.stop();
});

test('Prometheus counts the hits by service and version that were sent through customer and partner', async () => {
  const fromCustomer = 7;
  const fromPartner = 5;
  for (let i = 0; i < fromCustomer; i++) assert.equal((await get(chain.url('customer'))).status, 200);
  for (let i = 0; i < fromPartner; i++) assert.equal((await get(chain.url('partner'))).status, 200);
  const expected = {
    customer: fromCustomer,
    partner: fromPartner,
    preference: fromCustomer + fromPartner,
    recommendation: fromCustomer + fromPartner,
  };
  const seen = await eventually(
    'Prometheus to have scraped the final counts',
    async () => {
      const result = await prometheus.query('sum by (service, version) (mesh_demo_hits_total)');
      const counts = Object.fromEntries(result.filter((r) => r.metric.version === 'v1').map((r) => [r.metric.service, Number(r.value[1])]));
      return Object.entries(expected).every(([service, n]) => counts[service] === n) ? counts : undefined;
    },
    30_000,
    500,
  );
  assert.deepEqual(seen, expected);
  const targets = await prometheus.query('up{job="mesh-demo"}');
  assert.equal(targets.length, 4);
  assert.ok(
    targets.every((t) => t.value[1] === '1'),
    'all four management ports are up',
  );
});
