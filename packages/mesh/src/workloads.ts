// The controllers a cluster runs for the chart's objects: Deployments become pods, Services get a VIP and EndpointSlices.
import { createHash, randomInt } from 'node:crypto';
import { HOST_IP } from './addresses.ts';
import { injectedLabels, type ProxyKind, statusAnnotation } from './injector.ts';
import type { Deployment, KubeObject, PodTemplate, Service } from './kube.ts';
import { resolvePort, selects } from './kube.ts';

/** Failed: its containers could not be started (say, an image the local mesh cannot run); it stays, as on a node. */
export type PodPhase = 'Starting' | 'Running' | 'Terminating' | 'Failed';

/** One pod the local mesh runs: what the API server holds for it, plus the supervisor's view of its processes. */
export interface PodRecord {
  readonly name: string;
  readonly namespace: string;
  /** The Deployment it belongs to. */
  readonly workload: string;
  readonly templateHash: string;
  readonly template: PodTemplate;
  readonly ip: string;
  readonly proxy: ProxyKind | undefined;
  readonly labels: Record<string, string>;
  phase: PodPhase;
  ready: boolean;
  /** When it started terminating (the API server's deletionTimestamp). */
  deletedAt?: string;
}

/** A stable hash of a pod template: pods are replaced when it changes, and only then (as a ReplicaSet would). */
export function templateHash(template: PodTemplate): string {
  return createHash('sha256').update(canonicalJson(template)).digest('hex').slice(0, 10);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `<deployment>-<template hash>-<5 random>`, the shape of a Kubernetes pod name. */
export function podName(deployment: string, hash: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return `${deployment}-${hash}-${suffix}`;
}

export interface PodPlan {
  /** Pods to create, one entry per missing replica. */
  readonly create: readonly { readonly deployment: Deployment; readonly hash: string }[];
  /** Pods to stop now: surplus replicas, pods of deleted Deployments, and old-template pods once replaced. */
  readonly remove: readonly PodRecord[];
}

/**
 * One reconcile step of the Deployment and ReplicaSet controllers. Old-template pods stay until every replica of the
 * new template is ready (a rolling update with surge), so a step switch never leaves a Service without endpoints.
 */
export function planPods(deployments: readonly Deployment[], pods: readonly PodRecord[]): PodPlan {
  const create: { deployment: Deployment; hash: string }[] = [];
  const remove: PodRecord[] = [];
  const live = pods.filter((p) => p.phase !== 'Terminating');
  const owned = new Set<PodRecord>();
  for (const deployment of deployments) {
    const namespace = deployment.metadata.namespace ?? '';
    const hash = templateHash(deployment.spec.template);
    const want = deployment.spec.replicas ?? 1;
    const mine = live.filter((p) => p.namespace === namespace && p.workload === deployment.metadata.name);
    for (const p of mine) owned.add(p);
    const current = mine.filter((p) => p.templateHash === hash);
    const old = mine.filter((p) => p.templateHash !== hash);
    for (let i = current.length; i < want; i++) create.push({ deployment, hash });
    // Surplus replicas go not-ready first, then newest first, keeping the pods whose counters people are watching.
    const keep = [...current].sort((a, b) => Number(b.ready) - Number(a.ready) || current.indexOf(a) - current.indexOf(b));
    if (keep.length > want) remove.push(...keep.slice(want));
    const readyCurrent = keep.slice(0, want).filter((p) => p.ready).length;
    if (readyCurrent >= want) remove.push(...old);
  }
  for (const pod of live) if (!owned.has(pod)) remove.push(pod);
  return { create, remove };
}

/** The Pod object istiod reads: labels (with the injector's), IP, readiness, and a terminating pod's deletion mark. */
export function podObject(pod: PodRecord): KubeObject {
  const containers = pod.template.spec.containers.filter((c) => c.name !== 'istio-proxy');
  // What the injector leaves in the pod spec: one istio-proxy container beside the app's.
  if (pod.proxy) containers.push({ name: 'istio-proxy', image: 'istio-proxy' });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      labels: pod.labels,
      annotations: { ...(pod.template.metadata.annotations ?? {}), ...(pod.proxy ? statusAnnotation(pod.proxy) : {}) },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${pod.workload}-${pod.templateHash}`,
          uid: `rs-${pod.workload}-${pod.templateHash}`,
          controller: true,
        },
      ],
      ...(pod.deletedAt && { deletionTimestamp: pod.deletedAt }),
    },
    spec: { ...pod.template.spec, containers, nodeName: 'local' },
    status: {
      phase: 'Running',
      podIP: pod.ip,
      podIPs: [{ ip: pod.ip }],
      hostIP: HOST_IP,
      conditions: [{ type: 'Ready', status: pod.ready && pod.phase === 'Running' ? 'True' : 'False' }],
    },
  };
}

/** A pod's labels: its template's, the ReplicaSet's pod-template-hash, and the injector's when it has a proxy. */
export function podLabels(template: PodTemplate, workload: string, hash: string, proxy: ProxyKind | undefined): Record<string, string> {
  const labels = { ...(template.metadata.labels ?? {}), 'pod-template-hash': hash };
  return proxy ? { ...labels, ...injectedLabels(labels, workload) } : labels;
}

/**
 * The EndpointSlices of every Service with a selector, as the EndpointSlice controller keeps them: one slice per port
 * mapping (pods that resolve a named targetPort to different numbers go to different slices); Failed pods are left out.
 */
export function endpointSlices(services: readonly Service[], pods: readonly PodRecord[]): KubeObject[] {
  const slices: KubeObject[] = [];
  for (const service of services) {
    const namespace = service.metadata.namespace ?? '';
    const selector = service.spec.selector;
    if (!selector || Object.keys(selector).length === 0) continue;
    const members = pods.filter((p) => p.namespace === namespace && p.phase !== 'Failed' && selects(selector, p.labels));
    const byPorts = new Map<string, { ports: object[]; pods: PodRecord[] }>();
    for (const pod of members) {
      const ports = service.spec.ports.flatMap((port) => {
        const number = resolvePort(pod.template.spec.containers, port.targetPort ?? port.port);
        if (number === undefined) return [];
        return [
          {
            name: port.name ?? '',
            port: number,
            protocol: port.protocol ?? 'TCP',
            ...(port.appProtocol && { appProtocol: port.appProtocol }),
          },
        ];
      });
      const key = JSON.stringify(ports);
      if (!byPorts.has(key)) byPorts.set(key, { ports, pods: [] });
      byPorts.get(key)!.pods.push(pod);
    }
    // A Service without pods still has its (empty) slice, as on a cluster.
    if (byPorts.size === 0) byPorts.set('[]', { ports: [], pods: [] });
    let index = 0;
    for (const group of byPorts.values()) {
      slices.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${service.metadata.name}-local${index++ === 0 ? '' : `-${index - 1}`}`,
          namespace,
          labels: {
            'kubernetes.io/service-name': service.metadata.name,
            'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
          },
        },
        addressType: 'IPv4',
        endpoints: group.pods.map((pod) => {
          const terminating = pod.phase === 'Terminating';
          return {
            addresses: [pod.ip],
            conditions: { ready: pod.ready && !terminating, serving: pod.ready, terminating },
            targetRef: { kind: 'Pod', name: pod.name, namespace },
            nodeName: 'local',
          };
        }),
        ports: group.ports,
      });
    }
  }
  return slices;
}
