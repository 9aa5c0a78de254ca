// The API paths of the kinds the local mesh's own parts read and write (node agent, router, supervisor); others go through kubectl.

interface Resource {
  /** `v1` for the core group, else `<group>/<version>`. */
  readonly apiVersion: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

const RESOURCES: Readonly<Record<string, Resource>> = {
  Pod: { apiVersion: 'v1', plural: 'pods', namespaced: true },
  Node: { apiVersion: 'v1', plural: 'nodes', namespaced: false },
  Namespace: { apiVersion: 'v1', plural: 'namespaces', namespaced: false },
  ConfigMap: { apiVersion: 'v1', plural: 'configmaps', namespaced: true },
  Secret: { apiVersion: 'v1', plural: 'secrets', namespaced: true },
  Service: { apiVersion: 'v1', plural: 'services', namespaced: true },
  ServiceAccount: { apiVersion: 'v1', plural: 'serviceaccounts', namespaced: true },
  Event: { apiVersion: 'v1', plural: 'events', namespaced: true },
  EndpointSlice: { apiVersion: 'discovery.k8s.io/v1', plural: 'endpointslices', namespaced: true },
  Lease: { apiVersion: 'coordination.k8s.io/v1', plural: 'leases', namespaced: true },
  Deployment: { apiVersion: 'apps/v1', plural: 'deployments', namespaced: true },
  Route: { apiVersion: 'route.openshift.io/v1', plural: 'routes', namespaced: true },
};

export type ResourceKind = keyof typeof RESOURCES;

/**
 * The path of a kind's collection (no name) or of one object, in a namespace or across all of them (no namespace):
 * `/api/v1/namespaces/mesh-demo/pods/customer-v1-abc`, `/apis/route.openshift.io/v1/routes`.
 */
export function pathOf(kind: ResourceKind, namespace?: string, name?: string, subresource?: string): string {
  const resource = RESOURCES[kind];
  if (!resource) throw new Error(`no API path known for kind ${kind}`);
  const root = resource.apiVersion === 'v1' ? '/api/v1' : `/apis/${resource.apiVersion}`;
  const scope = resource.namespaced && namespace ? `/namespaces/${namespace}` : '';
  return `${root}${scope}/${resource.plural}${name ? `/${name}` : ''}${subresource ? `/${subresource}` : ''}`;
}
