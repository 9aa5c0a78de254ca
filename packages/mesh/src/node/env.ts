// A container's environment as the kubelet builds it: envFrom, env with the downward API and key refs, service links, $(VAR).
import type { ContainerSpec, EnvVar, Pod } from './pod-types.ts';
import { type Allocatable, resourceValue } from './quantity.ts';

/** A Service as its links are written into the env of the pods of its namespace. */
export interface ServiceLink {
  readonly name: string;
  readonly clusterIP: string;
  readonly ports: readonly { readonly name?: string; readonly port: number; readonly protocol?: string }[];
}

export interface EnvFacts {
  readonly podIP: string;
  readonly hostIP: string;
  readonly nodeName: string;
  readonly allocatable: Allocatable;
  /** A ConfigMap's or Secret's data (Secrets decoded), or undefined when there is none of that name. */
  readonly configMap: (name: string) => Readonly<Record<string, string>> | undefined;
  readonly secret: (name: string) => Readonly<Record<string, string>> | undefined;
  /** The Services of the pod's namespace (service links), and the API server's own (`kubernetes` in `default`). */
  readonly services: readonly ServiceLink[];
  readonly apiServer: ServiceLink;
}

/** What the kubelet reports as CreateContainerConfigError: a reference that cannot be resolved (yet). */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
}

/**
 * `$(NAME)` is replaced by NAME's value when NAME is defined (earlier in the list, or by a service link); unknown names
 * stay as written, and `$$` is a literal `$`: the kubelet's expansion rules.
 */
export function expand(value: string, defined: ReadonlyMap<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && defined.has(name) ? defined.get(name)! : match;
  });
}

/** A downward API field of the pod: what `fieldRef` reads, for env and for downwardAPI volume files. */
export function fieldValue(path: string, pod: Pod, facts: Pick<EnvFacts, 'podIP' | 'hostIP' | 'nodeName'>): string {
  const { metadata } = pod;
  switch (path) {
    case 'metadata.name':
      return metadata.name;
    case 'metadata.namespace':
      return metadata.namespace ?? 'default';
    case 'metadata.uid':
      return metadata.uid;
    case 'spec.nodeName':
      return facts.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return facts.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP;
    case 'metadata.labels':
      return formatMap(metadata.labels ?? {});
    case 'metadata.annotations':
      return formatMap(metadata.annotations ?? {});
  }
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) return (keyed[1] === 'labels' ? metadata.labels : metadata.annotations)?.[keyed[2]!] ?? '';
  throw new ContainerConfigError(`fieldRef ${path} is not a supported downward API field`);
}

/** Labels or annotations as a downwardAPI file holds them: `key="value"` lines, sorted, values quoted as Go does. */
export function formatMap(map: Readonly<Record<string, string>>): string {
  return Object.keys(map)
    .sort()
    .map((key) => `${key}=${JSON.stringify(map[key])}`)
    .join('\n');
}

/** `FOO_BAR_SERVICE_HOST` and the Docker-link style variables of one Service, as the kubelet writes them. */
export function serviceLinkEnv(link: ServiceLink): Record<string, string> {
  const name = link.name.toUpperCase().replace(/-/g, '_');
  const first = link.ports[0];
  if (!first) return {};
  const env: Record<string, string> = {
    [`${name}_SERVICE_HOST`]: link.clusterIP,
    [`${name}_SERVICE_PORT`]: String(first.port),
  };
  for (const port of link.ports) {
    const protocol = (port.protocol ?? 'TCP').toLowerCase();
    if (port.name) env[`${name}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, '_')}`] = String(port.port);
    const prefix = `${name}_PORT_${port.port}_${protocol.toUpperCase()}`;
    env[prefix] = `${protocol}://${link.clusterIP}:${port.port}`;
    env[`${prefix}_PROTO`] = protocol;
    env[`${prefix}_PORT`] = String(port.port);
    env[`${prefix}_ADDR`] = link.clusterIP;
  }
  env[`${name}_PORT`] = `${(first.protocol ?? 'TCP').toLowerCase()}://${link.clusterIP}:${first.port}`;
  return env;
}

function keyRef(
  kind: 'ConfigMap' | 'Secret',
  data: Readonly<Record<string, string>> | undefined,
  ref: { name: string; key: string; optional?: boolean },
): string | undefined {
  if (data === undefined) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`${kind.toLowerCase()} "${ref.name}" not found`);
  }
  if (!(ref.key in data)) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind} ${ref.name}`);
  }
  return data[ref.key];
}

function variableValue(
  variable: EnvVar,
  container: ContainerSpec,
  pod: Pod,
  facts: EnvFacts,
  defined: ReadonlyMap<string, string>,
): string | undefined {
  const from = variable.valueFrom;
  if (!from) return expand(variable.value ?? '', defined);
  if (from.fieldRef) return fieldValue(from.fieldRef.fieldPath, pod, facts);
  if (from.resourceFieldRef) {
    const target = pod.spec.containers.find((c) => c.name === (from.resourceFieldRef!.containerName || container.name)) ?? container;
    return resourceValue(from.resourceFieldRef, target, facts.allocatable);
  }
  if (from.configMapKeyRef) return keyRef('ConfigMap', facts.configMap(from.configMapKeyRef.name), from.configMapKeyRef);
  if (from.secretKeyRef) return keyRef('Secret', facts.secret(from.secretKeyRef.name), from.secretKeyRef);
  return undefined;
}

/**
 * The env of one container, in the kubelet's order: service links (the API server's always; the namespace's unless
 * `enableServiceLinks: false`) underneath, then envFrom, then env in order; HOSTNAME is the pod's host name, set by
 * the runtime (so `$(HOSTNAME)` in the list does not expand). The image's own env comes first of all (the runtime's).
 */
export function containerEnv(
  container: ContainerSpec,
  pod: Pod,
  facts: EnvFacts,
  imageEnv: Readonly<Record<string, string>>,
): Record<string, string> {
  const links: Record<string, string> = { ...serviceLinkEnv(facts.apiServer) };
  if (pod.spec.enableServiceLinks !== false) for (const link of facts.services) Object.assign(links, serviceLinkEnv(link));
  const defined = new Map<string, string>(Object.entries(links));
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    if (!ref) continue;
    const data = source.configMapRef ? facts.configMap(ref.name) : facts.secret(ref.name);
    if (data === undefined) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${source.configMapRef ? 'configmap' : 'secret'} "${ref.name}" not found`);
    }
    for (const [key, value] of Object.entries(data)) defined.set(`${source.prefix ?? ''}${key}`, value);
  }
  for (const variable of container.env ?? []) {
    const value = variableValue(variable, container, pod, facts, defined);
    if (value !== undefined) defined.set(variable.name, value);
  }
  const hostname = (pod.spec.hostname ?? pod.metadata.name).slice(0, 63);
  return { ...imageEnv, HOSTNAME: hostname, ...Object.fromEntries(defined) };
}
