// Building the view's graph from scrapes: edges by subset, mirrors, fault aborts, shares, mTLS, latency and restarts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildGraph, type GraphInput, type Scrape, type ViewPod } from '../../src/view/graph.ts';
import type { Sample } from '../../src/view/prom-text.ts';

const NS = 'mesh-demo';
const cluster = (port: number, subset: string, app: string) => `outbound|${port}|${subset}|${app}.${NS}.svc.cluster.local`;
const DOWNSTREAM: Record<string, string> = { customer: 'preference', partner: 'preference', preference: 'recommendation' };

const pods: ViewPod[] = [
  { name: 'gw-1', app: 'istio-ingressgateway', version: null, ingress: true, ready: true },
  { name: 'customer-v1-a', app: 'customer', version: 'v1', ingress: false, ready: true },
  { name: 'customer-v2-a', app: 'customer', version: 'v2', ingress: false, ready: true },
  { name: 'preference-v1-a', app: 'preference', version: 'v1', ingress: false, ready: true },
  { name: 'recommendation-v1-a', app: 'recommendation', version: 'v1', ingress: false, ready: true },
  { name: 'recommendation-v2-a', app: 'recommendation', version: 'v2', ingress: false, ready: true },
];

/** Counters of one proxy at one moment: name{labels} value, written as Envoy's Prometheus output names them. */
function sample(name: string, labels: Record<string, string>, value: number): Sample {
  return { name, labels, value };
}

function clusterSamples(
  name: string,
  requests: number,
  extra: { errors?: number; handshakes?: number; connections?: number; fastMs?: number } = {},
): Sample[] {
  const want = { cluster_name: name };
  return [
    sample('envoy_cluster_upstream_rq_total', want, requests),
    sample('envoy_cluster_upstream_rq', { ...want, response_code_class: '5xx' }, extra.errors ?? 0),
    sample('envoy_cluster_ssl_handshake', want, extra.handshakes ?? 1),
    sample('envoy_cluster_upstream_cx_total', want, extra.connections ?? 1),
    // Every request in the 5 ms bucket or below; none over 25 ms.
    sample('envoy_cluster_upstream_rq_time_bucket', { ...want, le: '1' }, 0),
    sample('envoy_cluster_upstream_rq_time_bucket', { ...want, le: '5' }, requests),
    sample('envoy_cluster_upstream_rq_time_bucket', { ...want, le: '25' }, requests),
    sample('envoy_cluster_upstream_rq_time_bucket', { ...want, le: '+Inf' }, requests),
  ];
}

function input(scrapes: Record<string, Scrape[]>, overrides: Partial<GraphInput> = {}): GraphInput {
  return {
    pods,
    scrapes: new Map(Object.entries(scrapes)),
    downstreamOf: (app) => DOWNSTREAM[app],
    ports: { http: 8080, shadow: 8090, management: 9000 },
    namespace: NS,
    step: ['03b-canary-25-75'],
    at: 4000,
    windowSeconds: 5,
    unreadable: [],
    ...overrides,
  };
}

/** Two scrapes of a pod 4 s apart: `before` then `after`. */
const over4s = (before: Sample[], after: Sample[]): Scrape[] => [
  { at: 0, samples: before },
  { at: 4000, samples: after },
];

describe('buildGraph', () => {
  it('splits preference → recommendation by subset into v1 and v2 edges with their rates and shares', () => {
    const graph = buildGraph(
      input({
        'preference-v1-a': over4s(
          [...clusterSamples(cluster(8080, 'v1', 'recommendation'), 100), ...clusterSamples(cluster(8080, 'v2', 'recommendation'), 100)],
          [...clusterSamples(cluster(8080, 'v1', 'recommendation'), 110), ...clusterSamples(cluster(8080, 'v2', 'recommendation'), 130)],
        ),
      }),
    );
    const v1 = graph.edges.find((e) => e.to === 'recommendation:v1')!;
    const v2 = graph.edges.find((e) => e.to === 'recommendation:v2')!;
    assert.deepEqual([v1.from, v1.kind, v1.requestsPerSecond, v1.share], ['preference:v1', 'request', 2.5, 0.25]);
    assert.deepEqual([v2.requestsPerSecond, v2.share], [7.5, 0.75]);
    assert.equal(graph.windowSeconds, 4);
  });

  it('draws traffic to the shadow port as a mirror edge, outside the shares of real calls', () => {
    const graph = buildGraph(
      input({
        'gw-1': over4s(
          [...clusterSamples(cluster(8080, 'v1', 'customer'), 0), ...clusterSamples(cluster(8090, 'v2', 'customer'), 0)],
          [...clusterSamples(cluster(8080, 'v1', 'customer'), 40), ...clusterSamples(cluster(8090, 'v2', 'customer'), 20)],
        ),
      }),
    );
    const mirror = graph.edges.find((e) => e.kind === 'mirror')!;
    assert.deepEqual([mirror.from, mirror.to, mirror.requestsPerSecond, mirror.share], ['ingress', 'customer:v2', 5, 0]);
    assert.equal(graph.edges.find((e) => e.kind === 'request')!.share, 1);
  });

  it('counts calls a fault aborted at the source proxy as an aborted edge to the app it calls, and 5xx as the error rate', () => {
    const fault = (n: number) => sample('envoy_http_fault_aborts_injected', { http_conn_manager_prefix: 'outbound_0.0.0.0_8080' }, n);
    const graph = buildGraph(
      input({
        'preference-v1-a': over4s(
          [...clusterSamples(cluster(8080, 'v1', 'recommendation'), 0, { errors: 0 }), fault(0)],
          [...clusterSamples(cluster(8080, 'v1', 'recommendation'), 20, { errors: 5 }), fault(20)],
        ),
      }),
    );
    const aborted = graph.edges.find((e) => e.kind === 'aborted')!;
    assert.deepEqual(
      [aborted.from, aborted.to, aborted.requestsPerSecond, aborted.errorRate, aborted.share],
      ['preference:v1', 'recommendation:*', 5, 1, 0.5],
    );
    const reached = graph.edges.find((e) => e.kind === 'request')!;
    assert.deepEqual([reached.errorRate, reached.share], [0.25, 0.5]);
  });

  it('survives a sidecar restart in the window: the counter starts again from zero and the rate stays positive', () => {
    const name = cluster(8080, 'v1', 'preference');
    const graph = buildGraph(
      input({
        'customer-v1-a': [
          { at: 0, samples: clusterSamples(name, 1000) },
          { at: 2000, samples: clusterSamples(name, 1010) },
          { at: 4000, samples: clusterSamples(name, 6) },
        ],
      }),
    );
    assert.equal(graph.edges[0]!.requestsPerSecond, (10 + 6) / 4);
  });

  it('marks mTLS only when every connection the source opened to that cluster was a TLS handshake', () => {
    const graph = buildGraph(
      input({
        'customer-v1-a': over4s(
          clusterSamples(cluster(8080, 'v1', 'preference'), 0, { handshakes: 2, connections: 2 }),
          clusterSamples(cluster(8080, 'v1', 'preference'), 8, { handshakes: 2, connections: 2 }),
        ),
        'customer-v2-a': over4s(
          clusterSamples(cluster(8080, 'v1', 'preference'), 0, { handshakes: 0, connections: 1 }),
          clusterSamples(cluster(8080, 'v1', 'preference'), 8, { handshakes: 0, connections: 1 }),
        ),
      }),
    );
    assert.deepEqual(
      graph.edges.map((e) => [e.from, e.mtls]),
      [
        ['customer:v1', true],
        ['customer:v2', false],
      ],
    );
  });

  it('reads p50 and p99 from the latency buckets, and leaves them null with no observation', () => {
    const name = cluster(8080, 'v1', 'preference');
    const graph = buildGraph(input({ 'customer-v1-a': over4s(clusterSamples(name, 0), clusterSamples(name, 10)) }));
    assert.deepEqual([graph.edges[0]!.p50Ms, graph.edges[0]!.p99Ms], [1 + 4 * 0.5, 1 + 4 * 0.99]);
    const quiet = buildGraph(input({ 'customer-v1-a': over4s(clusterSamples(name, 10), [...clusterSamples(name, 10)]) }));
    assert.deepEqual(quiet.edges, [], 'no calls in the window, no edge');
  });

  it('splits calls sent without a subset over the versions by what each version took in', () => {
    const inboundOf = (n: number) => sample('envoy_cluster_upstream_rq_total', { cluster_name: 'inbound|8080||' }, n);
    const graph = buildGraph(
      input({
        'preference-v1-a': over4s(
          clusterSamples(cluster(8080, '', 'recommendation'), 0),
          clusterSamples(cluster(8080, '', 'recommendation'), 40),
        ),
        'recommendation-v1-a': over4s([inboundOf(0)], [inboundOf(30)]),
        'recommendation-v2-a': over4s([inboundOf(0)], [inboundOf(10)]),
      }),
    );
    assert.deepEqual(
      graph.edges.map((e) => [e.to, e.requestsPerSecond, e.share]),
      [
        ['recommendation:v1', 7.5, 0.75],
        ['recommendation:v2', 2.5, 0.25],
      ],
    );
  });

  it('places the ingress in column 0 and each app one column after its callers; hits and shadow hits per workload', () => {
    const hits = (shadow: boolean, n: number) =>
      sample('mesh_demo_hits_total', { service: 'customer', version: 'v2', shadow: String(shadow) }, n);
    const graph = buildGraph(input({ 'customer-v2-a': over4s([hits(false, 0), hits(true, 0)], [hits(false, 4), hits(true, 12)]) }));
    const columns = Object.fromEntries(graph.nodes.map((n) => [n.id, n.column]));
    assert.deepEqual(columns, {
      ingress: 0,
      'customer:v1': 1,
      'customer:v2': 1,
      'preference:v1': 2,
      'recommendation:v1': 3,
      'recommendation:v2': 3,
    });
    const v2 = graph.nodes.find((n) => n.id === 'customer:v2')!;
    assert.deepEqual([v2.hitsPerSecond, v2.shadowHitsPerSecond, v2.pods], [1, 3, 1]);
  });

  it('ignores clusters of other namespaces and of the management port, and pods that are not ready', () => {
    const other = `outbound|8080|v1|thing.elsewhere.svc.cluster.local`;
    const graph = buildGraph(
      input(
        {
          'customer-v1-a': over4s(
            [...clusterSamples(other, 0), ...clusterSamples(cluster(9000, 'v1', 'preference'), 0)],
            [...clusterSamples(other, 9), ...clusterSamples(cluster(9000, 'v1', 'preference'), 9)],
          ),
        },
        { pods: pods.map((p) => (p.name === 'customer-v2-a' ? { ...p, ready: false } : p)) },
      ),
    );
    assert.deepEqual(graph.edges, []);
    assert.ok(!graph.nodes.some((n) => n.id === 'customer:v2'));
  });
});
