// The host's edge, in the role of OpenShift's router: each Route of the chart becomes a localhost port (customer 8080,
// partner 8081) that forwards to the Route's Service with the Route's host, so `curl localhost:8080` enters through the
// ingress gateway exactly as `curl http://customer-mesh-demo.<domain>` does on a cluster.
import { isServiceName, LOCAL_PORTS } from '@mesh-demo/workspace';
import type { KubeObject, Route } from './kube.ts';
import { groupOf } from './kube.ts';

export interface EdgeEndpoint {
  readonly ip: string;
  readonly ports: Readonly<Record<string, number>>;
}

/** One local port and where it leads. */
export interface EdgeRoute {
  readonly name: string;
  readonly namespace: string;
  /** What the route's label app names (customer, partner). */
  readonly app: string;
  readonly localPort: number;
  readonly host: string;
  /** `<service>.<namespace>` the Route targets. */
  readonly target: string;
  readonly upstreams: readonly { readonly ip: string; readonly port: number }[];
}

/** Endpoints of a Service: the ready addresses and named ports the EndpointSlice controller published. */
export type EndpointLookup = (namespace: string, service: string) => readonly EdgeEndpoint[];

/**
 * Routes to local ports: the port is the one `pnpm start` gives that service (the README's table), so `pnpm loop` and
 * people's habits work unchanged. A Route's numeric targetPort is a pod port; a name is looked up among the endpoint
 * ports (OpenShift's rule). Two Routes of one app would want one port: the older keeps it (as OpenShift's router lets
 * the older Route keep a host), and the other is not served (route-admission.ts says so on it).
 */
export function edgeRoutes(objects: readonly KubeObject[], endpoints: EndpointLookup): EdgeRoute[] {
  const routes: EdgeRoute[] = [];
  const oldestFirst = objects
    .filter((object) => object.kind === 'Route' && groupOf(object) === 'route.openshift.io')
    .sort((a, b) => age(a).localeCompare(age(b)));
  for (const object of oldestFirst) {
    const route = object as Route;
    const app = route.metadata.labels?.app ?? route.metadata.name;
    if (!isServiceName(app) || routes.some((r) => r.app === app)) continue;
    const namespace = route.metadata.namespace ?? '';
    const targetPort = route.spec.port?.targetPort;
    const upstreams = endpoints(namespace, route.spec.to.name).flatMap((endpoint) => {
      const port =
        targetPort === undefined
          ? Object.values(endpoint.ports)[0]
          : typeof targetPort === 'number' || /^\d+$/.test(targetPort)
            ? Number(targetPort)
            : endpoint.ports[targetPort];
      return port === undefined ? [] : [{ ip: endpoint.ip, port }];
    });
    routes.push({
      name: route.metadata.name,
      namespace,
      app,
      localPort: LOCAL_PORTS[app],
      host: route.spec.host,
      target: `${route.spec.to.name}.${namespace}`,
      upstreams,
    });
  }
  return routes.sort((a, b) => a.localPort - b.localPort);
}

/** Creation time then namespace and name: a total order, so which Route keeps a port never flips between updates. */
function age(object: KubeObject): string {
  return `${String(object.metadata.creationTimestamp ?? '')} ${object.metadata.namespace}/${object.metadata.name}`;
}

const ROUTER = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
};

/** Envoy's listeners (LDS) for the routes: one per local port on 127.0.0.1, rewriting Host to the Route's host. */
export function edgeListeners(routes: readonly EdgeRoute[]): object {
  return {
    resources: routes.map((route) => ({
      '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener',
      name: `edge-${route.app}`,
      address: { socket_address: { address: '127.0.0.1', port_value: route.localPort } },
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                stat_prefix: `edge_${route.app}`,
                // The router forwards as it got it: no x-envoy-* headers, no request id of its own, Server header kept.
                server_header_transformation: 'PASS_THROUGH',
                generate_request_id: false,
                route_config: {
                  name: `edge-${route.app}`,
                  virtual_hosts: [
                    {
                      name: route.app,
                      domains: ['*'],
                      // 30 s, the OpenShift router's default timeout.
                      routes: [
                        {
                          match: { prefix: '/' },
                          route: { cluster: `edge-${route.app}`, host_rewrite_literal: route.host, timeout: '30s' },
                        },
                      ],
                    },
                  ],
                },
                http_filters: [ROUTER],
              },
            },
          ],
        },
      ],
    })),
  };
}

/** Envoy's clusters (CDS): the Route target's ready endpoints. */
export function edgeClusters(routes: readonly EdgeRoute[]): object {
  return {
    resources: routes.map((route) => ({
      '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
      name: `edge-${route.app}`,
      type: 'STATIC',
      connect_timeout: '1s',
      load_assignment: {
        cluster_name: `edge-${route.app}`,
        endpoints: [
          {
            lb_endpoints: route.upstreams.map((u) => ({
              endpoint: { address: { socket_address: { address: u.ip, port_value: u.port } } },
            })),
          },
        ],
      },
    })),
  };
}

/** The edge Envoy's bootstrap: listeners and clusters from two files it watches, admin on a unix socket. */
export function edgeBootstrap(dir: string): object {
  return {
    node: { id: 'mesh-demo-edge', cluster: 'mesh-demo-edge' },
    admin: { address: { pipe: { path: `${dir}/admin.sock` } } },
    dynamic_resources: {
      lds_config: { resource_api_version: 'V3', path_config_source: { path: `${dir}/lds.json` } },
      cds_config: { resource_api_version: 'V3', path_config_source: { path: `${dir}/cds.json` } },
    },
  };
}
