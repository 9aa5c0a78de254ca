// The node agent: the kubelet's loop over the pods the scheduler bound to this node, with the node's own credential.

import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { ClusterConfig } from '../cluster/config.ts';
import type { KubeClient } from '../kube/client.ts';
import { pathOf } from '../kube/resources.ts';
import type { KubeObject } from '../kube.ts';
import type { ServiceLink } from './env.ts';
import type { ImageBinaries } from './images.ts';
import { keepNode } from './node-object.ts';
import type { PlanFacts } from './plan.ts';
import { podDir, writePodState } from './pod-files.ts';
import { PodRunner } from './pod-runner.ts';
import type { Pod } from './pod-types.ts';
import { type IstioCni, prepareIstioCni } from './sandbox.ts';
import { kubeVolumeApi } from './volumes.ts';

export interface AgentOptions {
  readonly config: ClusterConfig;
  /** The API as this node (system:node:<name>): the Node authorizer scopes it to this node's pods, as for a kubelet. */
  readonly client: KubeClient;
  readonly binaries: ImageBinaries;
  readonly cni: IstioCni;
  readonly podsDir: string;
  readonly say: (line: string) => void;
}

/** `10.244.1.0/24` -> its hosts .2 to .254 (.1 is left for a gateway, as IPAM plugins leave it). */
function podAddresses(cidr: string): string[] {
  const [base] = cidr.split('/') as [string];
  const prefix = base.split('.').slice(0, 3).join('.');
  return Array.from({ length: 253 }, (_, i) => `${prefix}.${i + 2}`);
}

interface ServiceObject extends KubeObject {
  spec: { clusterIP?: string; ports?: { name?: string; port: number; protocol?: string }[] };
}

export class NodeAgent {
  private readonly options: AgentOptions;
  private readonly runners = new Map<string, PodRunner>();
  private readonly addresses: string[];
  private readonly stop = new AbortController();
  private readonly allocatable = { cpu: cpus().length, memory: totalmem() };

  constructor(options: AgentOptions) {
    this.options = options;
    this.addresses = podAddresses(options.config.podCIDR);
  }

  /** Registers the Node, then runs every pod bound to it until stopped. */
  async start(): Promise<void> {
    const { config, client, say } = this.options;
    await prepareIstioCni(this.options.cni, readFileSync(this.options.cni.kubeconfig, 'utf8'));
    void keepNode(config, client, this.stop.signal, say).catch((error: Error) => say(`node: ${error.message}`));
    void client.watch<Pod>(
      `${pathOf('Pod')}?fieldSelector=${encodeURIComponent(`spec.nodeName=${config.nodeName}`)}`,
      (event) => this.onPod(event.type, event.object),
      this.stop.signal,
    );
  }

  /** The pods running now: their names, for `mesh status`. */
  get pods(): readonly string[] {
    return [...this.runners.keys()];
  }

  private onPod(type: string, pod: Pod): void {
    const runner = this.runners.get(pod.metadata.uid);
    if (type === 'DELETED') {
      // Deleted without us (a force delete): stop what runs, as the kubelet's housekeeping does.
      if (runner) void runner.kill().finally(() => this.runners.delete(pod.metadata.uid));
      return;
    }
    if (runner) {
      runner.update(pod);
      return;
    }
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
      // A pod this agent no longer runs (finished before a restart of the agent) only needs its deletion done.
      if (pod.metadata.deletionTimestamp) void this.remove(pod);
      return;
    }
    const ip = this.addresses.find((a) => ![...this.runners.values()].some((r) => r.podIP === a));
    if (!ip) {
      this.options.say(`no pod address left in ${this.options.config.podCIDR} for ${pod.metadata.name}`);
      return;
    }
    const created = new PodRunner(pod, podDir(this.options.podsDir, pod), ip, {
      config: this.options.config,
      cni: this.options.cni,
      volumeApi: kubeVolumeApi(this.options.client),
      factsFor: (p, podIP) => this.facts(p, podIP),
      report: (p, body) => this.options.client.patch(pathOf('Pod', p.metadata.namespace, p.metadata.name, 'status'), body).then(() => {}),
      remove: async (p) => {
        await this.remove(p);
        this.runners.delete(p.metadata.uid);
      },
      event: (p, eventType, reason, message) => void this.event(p, eventType, reason, message),
      writeState: writePodState,
      say: this.options.say,
    });
    this.runners.set(pod.metadata.uid, created);
    void created.start();
  }

  private async remove(pod: Pod): Promise<void> {
    await this.options.client
      .delete(pathOf('Pod', pod.metadata.namespace, pod.metadata.name), { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } })
      .catch(() => {});
  }

  /** What a pod's plan reads from the API: its namespace's Services (links), ConfigMaps and Secrets, the SCC's uid. */
  private async facts(pod: Pod, podIP: string): Promise<PlanFacts> {
    const { client, config } = this.options;
    const namespace = pod.metadata.namespace ?? 'default';
    const toLink = (s: ServiceObject): ServiceLink | undefined =>
      s.spec.clusterIP && s.spec.clusterIP !== 'None'
        ? { name: s.metadata.name, clusterIP: s.spec.clusterIP, ports: s.spec.ports ?? [] }
        : undefined;
    const [services, api, configMaps, secrets, ns] = await Promise.all([
      client.list<ServiceObject>(pathOf('Service', namespace)).catch(() => ({ items: [] as ServiceObject[] })),
      client.find<ServiceObject>(pathOf('Service', 'default', 'kubernetes')),
      this.keyed('ConfigMap', pod),
      this.keyed('Secret', pod),
      client.find<KubeObject>(pathOf('Namespace', undefined, namespace)),
    ]);
    const range = ns?.metadata.annotations?.['openshift.io/sa.scc.uid-range'];
    const sccUid = range ? Number(range.split('/')[0]) : undefined;
    return {
      podIP,
      hostIP: config.nodeIP,
      nodeName: config.nodeName,
      allocatable: this.allocatable,
      configMap: (name) => configMaps.get(name),
      secret: (name) => secrets.get(name),
      services: services.items.flatMap((s) => toLink(s) ?? []),
      apiServer: (api && toLink(api)) ?? {
        name: 'kubernetes',
        clusterIP: config.apiServerServiceIP,
        ports: [{ name: 'https', port: 443 }],
      },
      binaries: this.options.binaries,
      ...(sccUid !== undefined && Number.isInteger(sccUid) && { namespaceUid: sccUid }),
    };
  }

  /** The ConfigMaps or Secrets the pod's env names (the Node authorizer lets a node read only those). */
  private async keyed(kind: 'ConfigMap' | 'Secret', pod: Pod): Promise<Map<string, Record<string, string>>> {
    const names = new Set<string>();
    for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      for (const v of c.env ?? []) {
        const ref = kind === 'ConfigMap' ? v.valueFrom?.configMapKeyRef : v.valueFrom?.secretKeyRef;
        if (ref) names.add(ref.name);
      }
      for (const from of c.envFrom ?? []) {
        const ref = kind === 'ConfigMap' ? from.configMapRef : from.secretRef;
        if (ref) names.add(ref.name);
      }
    }
    const found = new Map<string, Record<string, string>>();
    for (const name of names) {
      const object = await this.options.client.find<KubeObject & { data?: Record<string, string> }>(
        pathOf(kind, pod.metadata.namespace, name),
      );
      if (!object) continue;
      const data = object.data ?? {};
      found.set(
        name,
        kind === 'Secret' ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])) : data,
      );
    }
    return found;
  }

  private async event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const namespace = pod.metadata.namespace ?? 'default';
    await this.options.client
      .create(pathOf('Event', namespace), {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${pod.metadata.name}.`, namespace },
        involvedObject: { kind: 'Pod', namespace, name: pod.metadata.name, uid: pod.metadata.uid, apiVersion: 'v1' },
        reason,
        message,
        type,
        source: { component: 'kubelet', host: this.options.config.nodeName },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      } as unknown as KubeObject)
      .catch(() => {});
  }

  /** Every pod stopped at once (mesh down): no hooks, no reports. */
  async shutdown(): Promise<void> {
    this.stop.abort();
    await Promise.all([...this.runners.values()].map((r) => r.kill()));
    this.runners.clear();
  }
}
