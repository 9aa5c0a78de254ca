// The host's edge in the OpenShift router's role: the chart's Routes become localhost ports and Envoy listeners/clusters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOCAL_PORTS } from '@mesh-demo/workspace';
import { type EdgeEndpoint, type EdgeRoute, type EndpointLookup, edgeClusters, edgeListeners, edgeRoutes } from '../src/edge.ts';
import type { KubeObject, Route } from '../src/kube.ts';
import { customerService, gatewayApiRoute, ingressRoute } from './fixtures.ts';

/** The ingress gateway's endpoint as the cluster publishes it: its Service's port names to pod ports. */
const gatewayPod: EdgeEndpoint = { ip: '10.244.1.2', ports: { 'status-port': 15021, http2: 8080, https: 8443 } };

/** A lookup that answers for one Service and records what it was asked. */
function lookup(namespace: string, service: string, endpoints: readonly EdgeEndpoint[]): EndpointLookup & { asked: string[] } {
  const asked: string[] = [];
  const fn = (ns: string, name: string) => {
    asked.push(`${ns}/${name}`);
    return ns === namespace && name === service ? endpoints : [];
  };
  return Object.assign(fn, { asked });
}

const ingress = () => lookup('istio-system', 'istio-ingressgateway', [gatewayPod]);

describe('edgeRoutes', () => {
  it("maps the chart's customer and partner Routes to the local ports of pnpm start, in port order", () => {
    const routes = edgeRoutes([ingressRoute('partner'), ingressRoute('customer')], ingress());
    assert.deepEqual(routes, [
      {
        name: 'customer-mesh-demo',
        namespace: 'istio-system',
        app: 'customer',
        localPort: LOCAL_PORTS.customer,
        host: 'customer-mesh-demo.apps-crc.testing',
        target: 'istio-ingressgateway.istio-system',
        upstreams: [{ ip: '10.244.1.2', port: 8080 }],
      },
      {
        name: 'partner-mesh-demo',
        namespace: 'istio-system',
        app: 'partner',
        localPort: LOCAL_PORTS.partner,
        host: 'partner-mesh-demo.apps-crc.testing',
        target: 'istio-ingressgateway.istio-system',
        upstreams: [{ ip: '10.244.1.2', port: 8080 }],
      },
    ]);
    assert.deepEqual([routes[0]!.localPort, routes[1]!.localPort], [8080, 8081]);
  });

  it('gives a port wanted by two Routes of one app to the older Route, whichever comes first in the list', () => {
    const older = {
      ...ingressRoute('customer'),
      metadata: { ...ingressRoute('customer').metadata, creationTimestamp: '2026-01-01T00:00:00Z' },
    };
    const newer = { ...gatewayApiRoute(), metadata: { ...gatewayApiRoute().metadata, creationTimestamp: '2026-01-02T00:00:00Z' } };
    for (const objects of [
      [newer, older],
      [older, newer],
    ]) {
      const routes = edgeRoutes(objects, ingress());
      assert.deepEqual(
        routes.map((r) => `${r.namespace}/${r.name}`),
        ['istio-system/customer-mesh-demo'],
      );
    }
  });

  it("looks up the endpoints of the Route's Service in the Route's namespace", () => {
    const endpoints = ingress();
    edgeRoutes([ingressRoute('customer')], endpoints);
    assert.deepEqual(endpoints.asked, ['istio-system/istio-ingressgateway']);
  });

  it('resolves a named targetPort among the endpoint ports, skipping endpoints without that name', () => {
    const noHttp2: EdgeEndpoint = { ip: '10.244.1.3', ports: { 'status-port': 15021 } };
    const second: EdgeEndpoint = { ip: '10.244.1.4', ports: { http2: 8081 } };
    const [route] = edgeRoutes([ingressRoute('customer')], lookup('istio-system', 'istio-ingressgateway', [gatewayPod, noHttp2, second]));
    assert.deepEqual(route!.upstreams, [
      { ip: '10.244.1.2', port: 8080 },
      { ip: '10.244.1.4', port: 8081 },
    ]);
  });

  it("takes a numeric targetPort (flavor-gateway-api's 80) as the pod port, whatever the endpoint's port names", () => {
    const gatewayApiPod: EdgeEndpoint = { ip: '10.244.1.6', ports: { 'status-port': 15021, customer: 80 } };
    const [route] = edgeRoutes([gatewayApiRoute()], lookup('mesh-demo', 'demo-mesh-demo-gateway-istio', [gatewayApiPod]));
    assert.equal(route!.target, 'demo-mesh-demo-gateway-istio.mesh-demo');
    assert.deepEqual(route!.upstreams, [{ ip: '10.244.1.6', port: 80 }]);
    const digits = gatewayApiRoute();
    digits.spec.port = { targetPort: '8088' };
    assert.deepEqual(edgeRoutes([digits], lookup('mesh-demo', 'demo-mesh-demo-gateway-istio', [gatewayApiPod]))[0]!.upstreams, [
      { ip: '10.244.1.6', port: 8088 },
    ]);
  });

  it('takes the first endpoint port when the Route names none', () => {
    const route = ingressRoute('customer');
    delete route.spec.port;
    assert.deepEqual(edgeRoutes([route], ingress())[0]!.upstreams, [{ ip: '10.244.1.2', port: 15021 }]);
  });

  it('keeps a Route whose Service has no ready endpoint, with no upstreams', () => {
    const routes = edgeRoutes([ingressRoute('customer')], lookup('istio-system', 'istio-ingressgateway', []));
    assert.equal(routes.length, 1);
    assert.deepEqual(routes[0]!.upstreams, []);
  });

  it('skips Routes whose app is not one of the four services, and objects that are not OpenShift Routes', () => {
    const jaeger = ingressRoute('customer');
    jaeger.metadata.labels = { app: 'jaeger' };
    const notOpenShift: KubeObject = { ...ingressRoute('partner'), apiVersion: 'v1' };
    const routes = edgeRoutes([jaeger, notOpenShift, customerService()], ingress());
    assert.deepEqual(routes, []);
  });

  it('falls back to the Route name when it has no app label', () => {
    const unlabelled: Route = { ...ingressRoute('partner'), metadata: { name: 'partner', namespace: 'istio-system' } };
    assert.deepEqual(
      edgeRoutes([unlabelled], ingress()).map((r) => [r.app, r.localPort]),
      [['partner', LOCAL_PORTS.partner]],
    );
  });
});

describe('edgeListeners and edgeClusters', () => {
  type Listener = {
    name: string;
    address: { socket_address: { address: string; port_value: number } };
    filter_chains: {
      filters: {
        typed_config: { route_config: { virtual_hosts: { routes: { route: { cluster: string; host_rewrite_literal: string } }[] }[] } };
      }[];
    }[];
  };
  type Cluster = {
    name: string;
    type: string;
    load_assignment: {
      cluster_name: string;
      endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { address: string; port_value: number } } } }[] }[];
    };
  };

  const routes: EdgeRoute[] = [
    {
      name: 'customer-mesh-demo',
      namespace: 'istio-system',
      app: 'customer',
      localPort: 8080,
      host: 'customer-mesh-demo.apps-crc.testing',
      target: 'istio-ingressgateway.istio-system',
      upstreams: [
        { ip: '10.244.1.2', port: 8080 },
        { ip: '10.244.1.3', port: 8080 },
      ],
    },
    {
      name: 'partner-mesh-demo',
      namespace: 'istio-system',
      app: 'partner',
      localPort: 8081,
      host: 'partner-mesh-demo.apps-crc.testing',
      target: 'istio-ingressgateway.istio-system',
      upstreams: [],
    },
  ];

  it("give one listener per route on 127.0.0.1 at its local port, rewriting Host to the Route's host", () => {
    const { resources } = edgeListeners(routes) as { resources: Listener[] };
    assert.deepEqual(
      resources.map((l) => [l.name, l.address.socket_address.address, l.address.socket_address.port_value]),
      [
        ['edge-customer', '127.0.0.1', 8080],
        ['edge-partner', '127.0.0.1', 8081],
      ],
    );
    const routeOf = (l: Listener) => l.filter_chains[0]!.filters[0]!.typed_config.route_config.virtual_hosts[0]!.routes[0]!.route;
    assert.deepEqual(
      resources.map(routeOf).map((r) => [r.cluster, r.host_rewrite_literal]),
      [
        ['edge-customer', 'customer-mesh-demo.apps-crc.testing'],
        ['edge-partner', 'partner-mesh-demo.apps-crc.testing'],
      ],
    );
  });

  it("give one static cluster per route holding the route's upstreams", () => {
    const { resources } = edgeClusters(routes) as { resources: Cluster[] };
    assert.deepEqual(
      resources.map((c) => [c.name, c.type, c.load_assignment.cluster_name]),
      [
        ['edge-customer', 'STATIC', 'edge-customer'],
        ['edge-partner', 'STATIC', 'edge-partner'],
      ],
    );
    const addresses = (c: Cluster) =>
      c.load_assignment.endpoints[0]!.lb_endpoints.map(
        (e) => `${e.endpoint.address.socket_address.address}:${e.endpoint.address.socket_address.port_value}`,
      );
    assert.deepEqual(resources.map(addresses), [['10.244.1.2:8080', '10.244.1.3:8080'], []]);
  });

  it('give no listeners or clusters without routes', () => {
    assert.deepEqual(edgeListeners([]), { resources: [] });
    assert.deepEqual(edgeClusters([]), { resources: [] });
  });
});
