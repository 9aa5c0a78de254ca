// The slice of the Kubernetes object model the local mesh reads without a schema: any object, and the fields it uses.

export type Labels = Record<string, string>;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A Deployment as far as it is read here: its pod template's service account. */
export interface Deployment extends KubeObject {
  spec: { template: { spec: { serviceAccountName?: string; [key: string]: unknown }; [key: string]: unknown }; [key: string]: unknown };
}

/** OpenShift's Route (route.openshift.io/v1): the host the edge serves and the Service it leads to. */
export interface Route extends KubeObject {
  spec: { host: string; to: { kind?: string; name: string }; port?: { targetPort: number | string } };
}

/** The API group of an object (`''` for the core group). */
export function groupOf(object: KubeObject): string {
  const slash = object.apiVersion.indexOf('/');
  return slash < 0 ? '' : object.apiVersion.slice(0, slash);
}
