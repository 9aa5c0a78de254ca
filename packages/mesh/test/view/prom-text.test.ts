// Reading Prometheus text scrapes: Envoy's stats with Istio's cluster names, and prom-client's app metrics.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePrometheusText } from '../../src/view/prom-text.ts';

describe('parsePrometheusText', () => {
  it('reads names, labels (with the | , = and escaped quotes of real label values) and values', () => {
    const samples = parsePrometheusText(
      [
        '# TYPE envoy_cluster_upstream_rq_total counter',
        'envoy_cluster_upstream_rq_total{cluster_name="outbound|8080|v1|recommendation.mesh-demo.svc.cluster.local"} 42',
        'envoy_cluster_upstream_rq_time_bucket{cluster_name="inbound|8080||",le="+Inf"} 7',
        'mesh_demo_hits_total{service="customer",version="v1",shadow="false"} 3 1733050000000',
        'odd{a="x,y=z",b="say \\"hi\\""} 1.5e3',
        'process_start_time_seconds 1733050000',
      ].join('\n'),
    );
    assert.deepEqual(samples, [
      {
        name: 'envoy_cluster_upstream_rq_total',
        labels: { cluster_name: 'outbound|8080|v1|recommendation.mesh-demo.svc.cluster.local' },
        value: 42,
      },
      { name: 'envoy_cluster_upstream_rq_time_bucket', labels: { cluster_name: 'inbound|8080||', le: '+Inf' }, value: 7 },
      { name: 'mesh_demo_hits_total', labels: { service: 'customer', version: 'v1', shadow: 'false' }, value: 3 },
      { name: 'odd', labels: { a: 'x,y=z', b: 'say "hi"' }, value: 1500 },
      { name: 'process_start_time_seconds', labels: {}, value: 1733050000 },
    ]);
  });

  it('skips comments, blank and malformed lines instead of failing the whole scrape', () => {
    const samples = parsePrometheusText('\n# HELP x y\nnot a sample\nbroken{a="1" 2\ngood 1\nbad_value{} abc\n');
    assert.deepEqual(samples, [{ name: 'good', labels: {}, value: 1 }]);
  });

  it('reads +Inf, -Inf and NaN values', () => {
    const values = parsePrometheusText('a +Inf\nb -Inf\nc NaN').map((s) => s.value);
    assert.equal(values[0], Number.POSITIVE_INFINITY);
    assert.equal(values[1], Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(values[2]));
  });
});
