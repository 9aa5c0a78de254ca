// The slice of the Kubernetes object model the local mesh reads and writes, and the API server's defaulting of it.

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

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}

export interface Probe {
  httpGet?: { path?: string; port: number | string; scheme?: string };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
  env?: EnvVar[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
}

export interface PodTemplate {
  metadata: { name?: string; labels?: Labels; annotations?: Record<string, string> };
  spec: {
    serviceAccountName?: string;
    terminationGracePeriodSeconds?: number;
    containers: Container[];
    [key: string]: unknown;
  };
}

export interface Deployment extends KubeObject {
  spec: { replicas?: number; selector: { matchLabels: Labels }; template: PodTemplate };
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

export interface Service extends KubeObject {
  spec: { selector?: Labels; ports: ServicePort[]; clusterIP?: string; clusterIPs?: string[]; type?: string; [key: string]: unknown };
}

export interface Route extends KubeObject {
  spec: { host: string; to: { kind?: string; name: string }; port?: { targetPort: number | string } };
}

export function isKind<T extends KubeObject>(object: KubeObject, kind: string, group?: string): object is T {
  return object.kind === kind && (group === undefined || groupOf(object) === group);
}

export function groupOf(object: KubeObject): string {
  const slash = object.apiVersion.indexOf('/');
  return slash < 0 ? '' : object.apiVersion.slice(0, slash);
}

/** namespace/name, the key every controller here indexes by. */
export function keyOf(object: { metadata: ObjectMeta }): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/** Whether every selector label is on the object (a Service or Deployment selecting pods). */
export function selects(selector: Labels | undefined, labels: Labels | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/**
 * What the API server fills in that istiod relies on: TCP as the protocol of every port (istiod matches a Service's
 * named targetPort to a container port by name and protocol), targetPort = port, type ClusterIP. The chart spells most
 * of it out; generated objects and other charts may not.
 */
export function withDefaults<T extends KubeObject>(object: T): T {
  const copy = structuredClone(object);
  if (copy.kind === 'Service') {
    const service = copy as unknown as Service;
    service.spec.type ??= 'ClusterIP';
    for (const port of service.spec.ports ?? []) {
      port.protocol ??= 'TCP';
      port.targetPort ??= port.port;
    }
  }
  const template =
    copy.kind === 'Deployment'
      ? (copy as unknown as Deployment).spec.template
      : copy.kind === 'Pod'
        ? (copy as unknown as PodTemplate)
        : undefined;
  for (const container of template?.spec.containers ?? []) {
    for (const port of container.ports ?? []) port.protocol ??= 'TCP';
  }
  return copy;
}

/** A container port by the name or number a Service's targetPort or a probe gives. */
export function resolvePort(containers: readonly Container[], port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  for (const container of containers) {
    const found = container.ports?.find((p) => p.name === port);
    if (found) return found.containerPort;
  }
  return undefined;
}
