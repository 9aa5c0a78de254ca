// Helm 4's server-side apply of a chart object, and who owns a container's image afterwards (the object's managedFields).
import type { KubeClient, KubeObject } from '@mesh-demo/mesh';

/**
 * Helm 4's field manager: cmd/helm/helm.go sets kube.ManagedFieldsManager = "helm" (helm.sh/helm/v4 v4.3.2), and
 * pkg/kube/client.go patchResourceServerSide applies the whole object as an apply patch with Force from
 * --force-conflicts, false unless given.
 */
export const HELM_FIELD_MANAGER = 'helm';

/** The object's path in the API: Deployments only, which is all these tests apply. */
export function deploymentPath(namespace: string, name = ''): string {
  return `/apis/apps/v1/namespaces/${namespace}/deployments${name ? `/${name}` : ''}`;
}

/** What `helm upgrade --install` (Helm 4) sends for one object: PATCH application/apply-patch+yaml as "helm", no force. */
export function applyAsHelm(client: KubeClient, object: KubeObject, { force = false } = {}): Promise<KubeObject> {
  const namespace = object.metadata.namespace;
  if (!namespace) throw new Error(`${object.kind}/${object.metadata.name} has no namespace`);
  const query = `fieldManager=${HELM_FIELD_MANAGER}&force=${force}`;
  return client.call('PATCH', `${deploymentPath(namespace, object.metadata.name)}?${query}`, object, 'application/apply-patch+yaml');
}

interface ManagedFieldsEntry {
  readonly manager: string;
  readonly operation: string;
  readonly fieldsV1?: Record<string, unknown>;
}

/** The field managers that own `.spec.template.spec.containers[name=<container>].image` of a Deployment. */
export function imageOwners(deployment: KubeObject, container: string): string[] {
  const entries = (deployment.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  const path = ['f:spec', 'f:template', 'f:spec', 'f:containers', `k:{"name":"${container}"}`, 'f:image'];
  return entries
    .filter((entry) => {
      let node: unknown = entry.fieldsV1;
      for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
      return node !== undefined;
    })
    .map((entry) => entry.manager);
}
