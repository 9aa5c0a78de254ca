// Links from mesh view to the trace UI (Zipkin's Lens): the step's traces through the ingress gateway, and each edge's.
import type { ViewEdge, ViewGraph } from './model.ts';

/** How far back a link searches: the view's figures are about now, and so are the traces it links to. */
const LOOKBACK = '15m';

/**
 * Istio names each proxy's spans by its workload's canonical service and namespace (`customer.mesh-demo`); the gateway's
 * is `istio-ingressgateway.istio-ingress`, install/ossm3's gateway.
 */
export const GATEWAY_TRACE_SERVICE = 'istio-ingressgateway.istio-ingress';

function search(ui: string, params: Record<string, string>): string {
  const url = new URL(ui);
  for (const [key, value] of Object.entries({ ...params, lookback: LOOKBACK, limit: '10' })) url.searchParams.set(key, value);
  return url.toString();
}

/**
 * An edge's traces: those through the destination's proxy at the edge's version (its spans carry Istio's
 * istio.canonical_revision tag, which is the pod's `version` label). A fault's aborted calls never reached a version:
 * their traces are the source proxy's spans with the fault's response flag (FI, fault injected).
 */
export function edgeTracesUrl(ui: string, edge: ViewEdge, namespace: string): string {
  if (edge.kind === 'aborted') {
    const [app] = edge.from.split(':');
    return search(ui, {
      serviceName: `${app === 'ingress' ? GATEWAY_TRACE_SERVICE : `${app}.${namespace}`}`,
      annotationQuery: 'response_flags=FI',
    });
  }
  const [app, version] = edge.to.split(':');
  return search(ui, {
    serviceName: `${app}.${namespace}`,
    annotationQuery: `istio.canonical_revision=${version}${edge.kind === 'mirror' ? ' and mesh_demo.shadow=true' : ''}`,
  });
}

/** The graph with its trace links: the step's (every request through the gateway) and one per edge. */
export function withTraceLinks(graph: ViewGraph, ui: string | undefined, namespace: string): ViewGraph {
  if (!ui) return graph;
  return {
    ...graph,
    traces: { ui, step: search(ui, { serviceName: GATEWAY_TRACE_SERVICE }) },
    edges: graph.edges.map((edge) => ({ ...edge, traces: edgeTracesUrl(ui, edge, namespace) })),
  };
}
