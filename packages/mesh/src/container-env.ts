// A container's environment as the kubelet builds it: literal values, the downward API, and $(VAR) references.
import type { Container } from './kube.ts';

export interface PodFacts {
  readonly name: string;
  readonly namespace: string;
  readonly ip: string;
  readonly hostIP: string;
  readonly serviceAccount: string;
  readonly labels: Record<string, string>;
}

function fieldValue(path: string, pod: PodFacts): string {
  switch (path) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return pod.namespace;
    case 'status.podIP':
      return pod.ip;
    case 'status.hostIP':
      return pod.hostIP;
    case 'spec.serviceAccountName':
      return pod.serviceAccount;
    case 'spec.nodeName':
      return 'local';
  }
  const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (label) return pod.labels[label[1]!] ?? '';
  throw new Error(`fieldRef ${path} is not supported by the local mesh`);
}

/**
 * `$(NAME)` is replaced by NAME's value when NAME was defined earlier in the list (later or unknown names stay as
 * written), and `$$` is a literal `$`: the kubelet's expansion rules.
 */
export function expand(value: string, defined: ReadonlyMap<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && defined.has(name) ? defined.get(name)! : match;
  });
}

/**
 * The env of one container of a pod; HOSTNAME is the pod name, as in every Kubernetes container (set by the runtime,
 * so `$(HOSTNAME)` in the list does not expand, as with the kubelet).
 */
export function containerEnv(container: Container, pod: PodFacts): Record<string, string> {
  const defined = new Map<string, string>();
  for (const variable of container.env ?? []) {
    if (variable.valueFrom?.fieldRef) defined.set(variable.name, fieldValue(variable.valueFrom.fieldRef.fieldPath, pod));
    else if (variable.valueFrom) throw new Error(`env ${variable.name}: only fieldRef sources are supported by the local mesh`);
    else defined.set(variable.name, expand(variable.value ?? '', defined));
  }
  return { HOSTNAME: pod.name, ...Object.fromEntries(defined) };
}
