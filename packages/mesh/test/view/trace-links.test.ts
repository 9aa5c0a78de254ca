// mesh view's links to the trace UI: the step's search through the gateway, and one search per edge by its destination.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ViewEdge, ViewGraph } from '../../src/view/model.ts';
import { edgeTracesUrl, withTraceLinks } from '../../src/view/trace-links.ts';

const UI = 'http://127.0.0.1:9411/zipkin/';
const edge = (from: string, to: string, kind: ViewEdge['kind'] = 'request'): ViewEdge => ({
  from,
  to,
  kind,
  requestsPerSecond: 1,
  share: 1,
  errorRate: 0,
  p50Ms: null,
  p99Ms: null,
  mtls: true,
});
const params = (url: string) => Object.fromEntries(new URL(url).searchParams);

describe('trace links', () => {
  it("an edge searches the destination's proxy spans at the edge's version, as Istio tags them", () => {
    const url = edgeTracesUrl(UI, edge('preference:v1', 'recommendation:v2'), 'mesh-demo');
    assert.ok(url.startsWith(UI));
    assert.deepEqual(params(url), {
      serviceName: 'recommendation.mesh-demo',
      annotationQuery: 'istio.canonical_revision=v2',
      lookback: '15m',
      limit: '10',
    });
  });

  it("a mirror edge asks for the shadow copies' spans, and an aborted one for the source proxy's fault-injected calls", () => {
    assert.equal(
      params(edgeTracesUrl(UI, edge('ingress', 'customer:v2', 'mirror'), 'mesh-demo')).annotationQuery,
      'istio.canonical_revision=v2 and mesh_demo.shadow=true',
    );
    assert.deepEqual(params(edgeTracesUrl(UI, edge('preference:v1', 'recommendation:*', 'aborted'), 'mesh-demo')), {
      serviceName: 'preference.mesh-demo',
      annotationQuery: 'response_flags=FI',
      lookback: '15m',
      limit: '10',
    });
    assert.equal(
      params(edgeTracesUrl(UI, edge('ingress', 'customer:*', 'aborted'), 'mesh-demo')).serviceName,
      'istio-ingressgateway.istio-ingress',
    );
  });

  it('a graph gets the step link and one per edge only when a trace UI runs', () => {
    const graph: ViewGraph = {
      at: 0,
      windowSeconds: 5,
      step: ['02-mesh'],
      nodes: [],
      edges: [edge('ingress', 'customer:v1')],
      unreadable: [],
    };
    assert.equal(withTraceLinks(graph, undefined, 'mesh-demo'), graph);
    const linked = withTraceLinks(graph, UI, 'mesh-demo');
    assert.equal(params(linked.traces!.step).serviceName, 'istio-ingressgateway.istio-ingress');
    assert.equal(params(linked.edges[0]!.traces!).serviceName, 'customer.mesh-demo');
  });
});
