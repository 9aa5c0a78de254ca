// The edge in the role of OpenShift's router: it watches Routes and their Services' EndpointSlices in the API and keeps
// the host's Envoy (127.0.0.1:8080, :8081) pointed at the ready endpoints, with each Route's host.

import { type EdgeEndpoint, type EdgeRoute, edgeRoutes } from './edge.ts';
import { EdgeProxy } from './edge-proxy.ts';
import type { KubeClient } from './kube/client.ts';
import { pathOf } from './kube/resources.ts';
import type { KubeObject, Route } from './kube.ts';
import { admissionOf, admissionPatch, statusSays } from './route-admission.ts';

interface EndpointSlice extends KubeObject {
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[];
  ports?: { name?: string; port?: number }[];
}

/** A Service's ready endpoints from its EndpointSlices (the `kubernetes.io/service-name` label names the Service). */
export function endpointsOf(slices: Iterable<EndpointSlice>, namespace: string, service: string): EdgeEndpoint[] {
  const out: EdgeEndpoint[] = [];
  for (const slice of slices) {
    if (slice.metadata.namespace !== namespace || slice.metadata.labels?.['kubernetes.io/service-name'] !== service) continue;
    const ports = Object.fromEntries((slice.ports ?? []).flatMap((p) => (p.port === undefined ? [] : [[p.name ?? '', p.port]])));
    for (const endpoint of slice.endpoints ?? []) {
      // No condition means ready (the API's own default); a pod still starting or draining is not a destination.
      if (endpoint.conditions?.ready === false) continue;
      for (const ip of endpoint.addresses) out.push({ ip, ports });
    }
  }
  return out;
}

export class Router {
  private readonly proxy: EdgeProxy;
  private readonly client: KubeClient;
  private readonly say: (line: string) => void;
  private readonly routes = new Map<string, Route>();
  private readonly slices = new Map<string, EndpointSlice>();
  private readonly stop = new AbortController();
  private current: EdgeRoute[] = [];

  private constructor(proxy: EdgeProxy, client: KubeClient, say: (line: string) => void) {
    this.proxy = proxy;
    this.client = client;
    this.say = say;
  }

  /** Starts the edge's Envoy and the two watches; the edge serves as soon as a Route has a ready endpoint. */
  static async start(envoy: string, runDir: string, client: KubeClient, say: (line: string) => void): Promise<Router> {
    const router = new Router(await EdgeProxy.start(envoy, runDir), client, say);
    const key = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
    const track =
      <T extends KubeObject>(store: Map<string, T>) =>
      (event: { type: string; object: T }) => {
        if (event.type === 'DELETED') store.delete(key(event.object));
        else store.set(key(event.object), event.object);
        router.refresh().catch((error: Error) => say(`edge: ${error.message}`));
      };
    // A list's items come without kind and apiVersion; the edge reads them by both.
    const asRoute = (event: { type: string; object: Route }) =>
      track(router.routes)({ ...event, object: { ...event.object, apiVersion: 'route.openshift.io/v1', kind: 'Route' } });
    void client.watch<Route>(pathOf('Route'), asRoute, router.stop.signal);
    void client.watch<EndpointSlice>(pathOf('EndpointSlice'), track(router.slices), router.stop.signal);
    return router;
  }

  get pid(): number {
    return this.proxy.pid;
  }

  get running(): boolean {
    return this.proxy.running;
  }

  /** The edge as it is now: each local port, the Route's host, and how many endpoints it forwards to. */
  get edge(): readonly EdgeRoute[] {
    return this.current;
  }

  private updating: Promise<void> = Promise.resolve();

  /** One update at a time: the proxy's files are replaced in turn, and the last change always lands. */
  private refresh(): Promise<void> {
    this.updating = this.updating.then(async () => {
      this.current = edgeRoutes([...this.routes.values()], (namespace, service) => endpointsOf(this.slices.values(), namespace, service));
      await this.proxy.update(this.current);
      await this.admit();
    });
    return this.updating;
  }

  /** Records on each Route whether the edge serves it, as OpenShift's router does (status.ingress, Admitted). */
  private async admit(): Promise<void> {
    for (const route of this.routes.values()) {
      const admission = admissionOf(route, this.current);
      if (statusSays(route, admission)) continue;
      const { namespace, name } = route.metadata;
      // A Route deleted meanwhile has no status to write: its DELETED event follows.
      await this.client
        .patch(pathOf('Route', namespace, name, 'status'), admissionPatch(route, admission, new Date()))
        .catch((error: Error) => this.say(`edge: status of route ${namespace}/${name}: ${error.message}`));
    }
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.proxy.stop();
  }
}
