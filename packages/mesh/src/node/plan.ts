// What a pod's spec asks the node for, worked out before anything runs: each container's argv, env, user, mounts and probes.
import { ContainerConfigError, containerEnv, type EnvFacts, expand } from './env.ts';
import { type ImageBinaries, type ImageConfig, imageConfig, UnknownImage } from './images.ts';
import type { ContainerSpec, Handler, Pod, Probe } from './pod-types.ts';

export type Action =
  | {
      readonly kind: 'http';
      readonly port: number;
      readonly path: string;
      readonly scheme: 'http' | 'https';
      readonly host?: string;
      readonly headers: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'tcp'; readonly port: number }
  | { readonly kind: 'exec'; readonly command: readonly string[] }
  | { readonly kind: 'sleep'; readonly seconds: number };

export interface ProbePlan {
  readonly action: Action;
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
}

export interface MountPlan {
  readonly volume: string;
  /** Where in the container. */
  readonly target: string;
  readonly subPath?: string;
  readonly readOnly: boolean;
}

/** A container ready to start; or, in `problem`, why the kubelet would not start it (reason and message). */
export interface ContainerPlan {
  readonly name: string;
  /** `init` runs to completion before the next; `sidecar` (an init container with restartPolicy Always) keeps running. */
  readonly role: 'init' | 'sidecar' | 'app';
  readonly image: string;
  readonly imageID: string;
  readonly argv: readonly string[];
  readonly workingDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
  /** The image's files, bound at their image paths. */
  readonly files: Readonly<Record<string, string>>;
  readonly mounts: readonly MountPlan[];
  readonly readOnlyRoot: boolean;
  readonly readiness?: ProbePlan;
  readonly liveness?: ProbePlan;
  readonly startup?: ProbePlan;
  readonly preStop?: Action;
}

export type ContainerOutcome =
  | { readonly plan: ContainerPlan; readonly problem?: undefined }
  | {
      readonly plan?: undefined;
      readonly problem: { readonly name: string; readonly image: string; readonly reason: string; readonly message: string };
    };

export interface PlanFacts extends EnvFacts {
  readonly binaries: ImageBinaries;
  /** The UID OpenShift's restricted SCC would set for a pod of this namespace that sets none (its uid-range's start). */
  readonly namespaceUid?: number;
}

/** A named port (`http-health`) is the container's port of that name; a number is itself. */
function portNumber(port: number | string, container: ContainerSpec): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`container ${container.name} has no port named ${port}`);
  return named.containerPort;
}

/** A probe's or hook's action, with named ports resolved. */
export function actionOf(handler: Handler, container: ContainerSpec): Action | undefined {
  if (handler.httpGet) {
    const headers = Object.fromEntries((handler.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
    return {
      kind: 'http',
      port: portNumber(handler.httpGet.port, container),
      path: handler.httpGet.path ?? '/',
      scheme: handler.httpGet.scheme?.toLowerCase() === 'https' ? 'https' : 'http',
      ...(handler.httpGet.host && { host: handler.httpGet.host }),
      headers,
    };
  }
  if (handler.tcpSocket) return { kind: 'tcp', port: portNumber(handler.tcpSocket.port, container) };
  if (handler.grpc) return { kind: 'tcp', port: handler.grpc.port };
  if (handler.exec) return { kind: 'exec', command: handler.exec.command };
  if (handler.sleep) return { kind: 'sleep', seconds: handler.sleep.seconds };
  return undefined;
}

/** A probe with the API server's defaults (period 10 s, timeout 1 s, failure 3, success 1). */
export function probePlan(probe: Probe | undefined, container: ContainerSpec): ProbePlan | undefined {
  if (!probe) return undefined;
  const action = actionOf(probe, container);
  if (!action) return undefined;
  return {
    action,
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: (probe.periodSeconds ?? 10) * 1000,
    timeoutMs: (probe.timeoutSeconds ?? 1) * 1000,
    failureThreshold: probe.failureThreshold ?? 3,
    successThreshold: probe.successThreshold ?? 1,
  };
}

/** The process a container runs: `command` replaces the image's entrypoint, `args` its cmd; $(VAR) expands in both. */
export function argvOf(container: ContainerSpec, image: ImageConfig, env: ReadonlyMap<string, string>): string[] {
  const argv = container.command
    ? [...container.command, ...(container.args ?? [])]
    : [...image.entrypoint, ...(container.args ?? image.cmd)];
  return argv.map((arg) => expand(arg, env));
}

/** The user the container runs as: its own runAsUser, the pod's, the SCC's for the namespace, else the image's. */
function identityOf(
  container: ContainerSpec,
  pod: Pod,
  image: ImageConfig,
  facts: PlanFacts,
): { uid: number; gid: number; groups: number[] } {
  const own = container.securityContext;
  const podContext = pod.spec.securityContext;
  const sccUid = own?.runAsUser === undefined && podContext?.runAsUser === undefined ? facts.namespaceUid : undefined;
  const uid = own?.runAsUser ?? podContext?.runAsUser ?? sccUid ?? image.user;
  // OpenShift runs an assigned UID in group 0, which is how images give it their files (group-writable to root).
  const gid = own?.runAsGroup ?? podContext?.runAsGroup ?? (sccUid !== undefined ? 0 : image.group);
  const groups = [...(podContext?.fsGroup !== undefined ? [podContext.fsGroup] : []), ...(podContext?.supplementalGroups ?? [])];
  return { uid, gid, groups };
}

function containerPlan(container: ContainerSpec, role: ContainerPlan['role'], pod: Pod, facts: PlanFacts): ContainerPlan {
  const image = imageConfig(container.image, facts.binaries);
  const env = containerEnv(container, pod, facts, image.env);
  const { uid, gid, groups } = identityOf(container, pod, image, facts);
  const runAsNonRoot = container.securityContext?.runAsNonRoot ?? pod.spec.securityContext?.runAsNonRoot;
  if (runAsNonRoot && uid === 0) {
    throw new ContainerConfigError(
      `container has runAsNonRoot and image will run as root (pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})", container: ${container.name})`,
    );
  }
  const volumes = new Set((pod.spec.volumes ?? []).map((v) => v.name));
  const mounts = (container.volumeMounts ?? []).map((m) => {
    if (!volumes.has(m.name)) throw new Error(`volume mount ${m.name} names no volume of the pod`);
    return { volume: m.name, target: m.mountPath, readOnly: m.readOnly === true, ...(m.subPath && { subPath: m.subPath }) };
  });
  const preStop = container.lifecycle?.preStop && actionOf(container.lifecycle.preStop, container);
  const readiness = probePlan(container.readinessProbe, container);
  const liveness = probePlan(container.livenessProbe, container);
  const startup = probePlan(container.startupProbe, container);
  return {
    name: container.name,
    role,
    image: container.image,
    imageID: image.imageID,
    argv: argvOf(container, image, new Map(Object.entries(env))),
    workingDir: container.workingDir ?? image.workingDir,
    env,
    uid,
    gid,
    groups,
    files: image.files,
    mounts,
    readOnlyRoot: container.securityContext?.readOnlyRootFilesystem === true,
    ...(readiness && { readiness }),
    ...(liveness && { liveness }),
    ...(startup && { startup }),
    ...(preStop && { preStop }),
  };
}

/**
 * Each container of the pod, in the order the kubelet starts them (init containers and native sidecars first, in
 * their order, then the app containers), planned or refused with the kubelet's reason.
 */
export function planPod(pod: Pod, facts: PlanFacts): ContainerOutcome[] {
  const init = (pod.spec.initContainers ?? []).map((c) => [c, c.restartPolicy === 'Always' ? 'sidecar' : 'init'] as const);
  const apps = pod.spec.containers.map((c) => [c, 'app'] as const);
  return [...init, ...apps].map(([container, role]) => {
    try {
      return { plan: containerPlan(container, role, pod, facts) };
    } catch (error) {
      const reason = error instanceof UnknownImage ? 'ErrImagePull' : 'CreateContainerConfigError';
      return { problem: { name: container.name, image: container.image, reason, message: (error as Error).message } };
    }
  });
}

/** The pod's /etc/resolv.conf under dnsPolicy ClusterFirst: cluster DNS first, the namespace's names searched first. */
export function resolvConf(namespace: string, dnsIP: string, domain = 'cluster.local'): string {
  return `search ${namespace}.svc.${domain} svc.${domain} ${domain}\nnameserver ${dnsIP}\noptions ndots:5\n`;
}

/** The pod's /etc/hosts, as the kubelet writes it: localhost, then the pod's IP with its host name. */
export function hostsFile(pod: Pod, podIP: string): string {
  const hostname = (pod.spec.hostname ?? pod.metadata.name).slice(0, 63);
  const fqdn = pod.spec.subdomain ? `\t${hostname}.${pod.spec.subdomain}.${pod.metadata.namespace}.svc.cluster.local` : '';
  return `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${podIP}\t${hostname}${fqdn}\n`;
}
