// The local cluster: the objects of the current step, the pods that run them, and the control loop that converges the two.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { type AddressPool, podAddresses, serviceAddresses } from './addresses.ts';
import { type EdgeEndpoint, type EdgeRoute, edgeRoutes } from './edge.ts';
import { EdgeProxy } from './edge-proxy.ts';
import { MeshError } from './errors.ts';
import { type InjectionContext, injectionFor } from './injector.ts';
import { Istiod, pushesDone } from './istiod.ts';
import { lastingRejections, type Rejection, rejections, unsynced } from './istiod-sync.ts';
import type { Deployment, KubeObject, Service } from './kube.ts';
import { groupOf, isKind, keyOf, resolvePort, selects, withDefaults } from './kube.ts';
import { Kubelet } from './kubelet.ts';
import { checkSubnetFree, setupBridge } from './network.ts';
import { gatewayApiInfrastructure, ingressGateway, meshConfig, namespaces, smcpIngressGateway } from './platform.ts';
import type { Tools } from './tools.ts';
import { endpointSlices, type PodRecord, planPods, podLabels, podName, podObject } from './workloads.ts';

/** API groups istiod's API server takes; the rest the local platform reads itself (Routes, ServiceMeshMember) or skips. */
const ISTIOD_GROUPS = new Set(['', 'apps', 'discovery.k8s.io', 'networking.k8s.io', 'gateway.networking.k8s.io']);
const PLATFORM_KINDS = new Set(['Route', 'ServiceMeshMember']);

export interface StepSummary {
  readonly files: readonly string[];
  /** Kinds in the step that nothing runs here (e.g. a PodMonitor), so people know they were not exercised. */
  readonly ignored: readonly string[];
}

/**
 * The step's objects an Envoy error quotes: Envoy names only the xDS type it refused, but its message usually quotes
 * the offending value (a regex, a header name), which leads back to the VirtualService or HTTPRoute that holds it.
 */
export function suspects(error: string, objects: readonly KubeObject[]): string[] {
  const quoted = error
    .split(/: /)
    .map((part) => part.trim())
    .filter((part) => part.length >= 3);
  return objects
    .filter(
      (o) =>
        groupOf(o) !== '' &&
        groupOf(o) !== 'apps' &&
        quoted.some((part) => JSON.stringify(o.spec ?? {}).includes(JSON.stringify(part).slice(1, -1))),
    )
    .map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
}

/** Chart objects plus what the platform adds for them (the ingress gateway, Gateway API gateways). */
function withPlatform(chart: readonly KubeObject[]): KubeObject[] {
  // Service Mesh 2 (a ServiceMeshMember names its control plane): the gateway is the SMCP's, in the SMCP's namespace.
  const member = chart.find((o) => o.kind === 'ServiceMeshMember' && groupOf(o) === 'maistra.io');
  const controlPlane = (member?.spec as { controlPlaneRef?: { namespace?: string } } | undefined)?.controlPlaneRef?.namespace;
  const gateway = controlPlane ? smcpIngressGateway(controlPlane) : ingressGateway();
  const platform = [...gateway, ...gatewayApiInfrastructure(chart)].map(withDefaults);
  return [...platform, ...chart];
}

export class LocalCluster {
  private chart: KubeObject[] = [];
  /** The chart plus the platform's objects for it, and who joins the mesh: both change only when apply() does. */
  private desired: KubeObject[] = [];
  private context: InjectionContext = { memberNamespaces: new Set() };
  private step: StepSummary = { files: [], ignored: [] };
  readonly pods: PodRecord[] = [];
  private readonly clusterIPs = new Map<string, string>();
  private readonly podPool: AddressPool = podAddresses();
  private readonly servicePool: AddressPool = serviceAddresses();
  private pushed = '';
  private lastPush = 0;
  /** istiod's count of changes received just before the last write: a count past it means it has seen the write. */
  private inboundBefore = 0;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private failures = new Map<string, string>();
  readonly startedAt = Date.now();

  readonly istiod: Istiod;
  readonly edge: EdgeProxy;
  readonly kubelet: Kubelet;
  private readonly say: (line: string) => void;

  private constructor(istiod: Istiod, edge: EdgeProxy, kubelet: Kubelet, say: (line: string) => void) {
    this.istiod = istiod;
    this.edge = edge;
    this.kubelet = kubelet;
    this.say = say;
  }

  /** The bridge, istiod and the edge; pods come with the first step. */
  static async boot(tools: Tools, runDir: string, say: (line: string) => void): Promise<LocalCluster> {
    await checkSubnetFree();
    await setupBridge();
    const meshConfigFile = join(runDir, 'mesh.yaml');
    await writeFile(meshConfigFile, stringify(meshConfig()));
    const started = performance.now();
    const istiod = await Istiod.start(tools, runDir, meshConfigFile);
    say(`istiod ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const edge = await EdgeProxy.start(tools.envoy, runDir);
    const proxyDefaults = (meshConfig().defaultConfig ?? {}) as Record<string, unknown>;
    const kubelet = new Kubelet({ tools, runDir, proxyDefaults, say });
    const cluster = new LocalCluster(istiod, edge, kubelet, say);
    cluster.loop = cluster.run();
    return cluster;
  }

  get current(): StepSummary {
    return this.step;
  }

  get objects(): readonly KubeObject[] {
    return this.chart;
  }

  /**
   * Makes the rendered step the cluster's state, then waits until it is running: every pod ready, every proxy holding
   * the config istiod sent last, nothing rejected. Pods whose template did not change keep running (and counting).
   */
  async apply(objects: readonly KubeObject[], files: readonly string[], say: (line: string) => void, timeoutMs = 120_000): Promise<void> {
    const defaulted = objects.map(withDefaults);
    const context = this.injectionContext(defaulted);
    const deployments = defaulted.filter((o): o is Deployment => isKind(o, 'Deployment', 'apps'));
    const meshed = deployments.filter((d) => injectionFor(d.spec.template, d.metadata.namespace ?? '', context));
    if (meshed.length === 0) {
      throw new MeshError(
        'nothing in this step joins the mesh (mesh.enabled=false?): the local mesh runs the mesh steps; run a chain without a mesh with ./pnpmw start',
      );
    }
    const ignored = [...new Set(defaulted.filter((o) => !this.readsKind(o)).map((o) => `${o.kind}.${groupOf(o)}`))];
    this.chart = defaulted;
    this.desired = withPlatform(defaulted);
    this.context = context;
    this.step = { files, ignored };
    this.failures.clear();
    const since = Date.now();
    await this.tick();
    await this.converge(since, say, timeoutMs);
  }

  /** Pod and object state for `mesh status`. */
  async syncState(): Promise<{ unsynced: string[]; rejected: Rejection[] }> {
    const proxies = await this.istiod.syncz();
    return { unsynced: unsynced(proxies), rejected: rejections(proxies) };
  }

  routes(): EdgeRoute[] {
    return edgeRoutes(this.chart, (namespace, name) => this.endpointsOf(namespace, name));
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.edge.stop();
    await this.kubelet.stopAll();
    this.istiod.process.signal('SIGTERM');
    await Promise.race([this.istiod.process.exited, sleep(3000)]);
  }

  private readsKind(object: KubeObject): boolean {
    return ISTIOD_GROUPS.has(groupOf(object)) || groupOf(object).endsWith('istio.io') || PLATFORM_KINDS.has(object.kind);
  }

  private injectionContext(objects: readonly KubeObject[]): InjectionContext {
    // A ServiceMeshMember joins its namespace to the control plane it names; this control plane stands in for any.
    const members = objects
      .filter((o) => o.kind === 'ServiceMeshMember' && groupOf(o) === 'maistra.io')
      .map((o) => o.metadata.namespace ?? '');
    return { memberNamespaces: new Set(members) };
  }

  private services(objects: readonly KubeObject[]): Service[] {
    const inUse = new Set(this.clusterIPs.values());
    return objects
      .filter((o): o is Service => isKind(o, 'Service', ''))
      .map((service) => {
        const key = keyOf(service);
        let ip = this.clusterIPs.get(key);
        if (!ip) {
          ip = this.servicePool.allocate(inUse);
          inUse.add(ip);
          this.clusterIPs.set(key, ip);
        }
        return { ...service, spec: { ...service.spec, clusterIP: ip, clusterIPs: [ip] } };
      });
  }

  private endpointsOf(namespace: string, name: string): EdgeEndpoint[] {
    const service = this.desired.find(
      (o): o is Service => isKind(o, 'Service', '') && o.metadata.name === name && o.metadata.namespace === namespace,
    );
    if (!service) return [];
    return this.pods
      .filter((p) => p.namespace === namespace && p.ready && p.phase === 'Running' && selects(service.spec.selector, p.labels))
      .map((pod) => {
        const ports: Record<string, number> = {};
        for (const port of service.spec.ports) {
          const number = resolvePort(pod.template.spec.containers, port.targetPort ?? port.port);
          if (number !== undefined && port.name) ports[port.name] = number;
        }
        return { ip: pod.ip, ports };
      });
  }

  /** The control loop: probe pods, create and retire them, push the API server's objects, update the edge. */
  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.tick();
      } catch (error) {
        this.say(`control loop: ${(error as Error).message}`);
      }
      await sleep(200);
    }
  }

  private ticking: Promise<void> | undefined;

  /** One pass of the loop; concurrent callers share the pass in progress, then run one more. */
  private async tick(): Promise<void> {
    while (this.ticking) await this.ticking;
    this.ticking = this.pass().finally(() => (this.ticking = undefined));
    await this.ticking;
  }

  private readonly probedAt = new WeakMap<PodRecord, number>();

  private async pass(): Promise<void> {
    // Readiness probes: a starting pod on every pass (it joins its Service as soon as it is ready), a running one once a
    // second (the chart's own readiness period is 5 s; more often would only spend the CPU the services need).
    const now = Date.now();
    const due = this.pods.filter((p) => p.phase === 'Starting' || (p.phase === 'Running' && now - (this.probedAt.get(p) ?? 0) >= 1000));
    await Promise.all(
      due.map(async (pod) => {
        this.probedAt.set(pod, now);
        const ready = await this.kubelet.ready(pod);
        if (pod.phase === 'Terminating' || pod.phase === 'Failed') return;
        if (ready && pod.phase === 'Starting') pod.phase = 'Running';
        pod.ready = ready;
      }),
    );
    const desired = this.desired;
    const deployments = desired.filter((o): o is Deployment => isKind(o, 'Deployment', 'apps'));
    const plan = planPods(deployments, this.pods);
    const context = this.context;
    const created: PodRecord[] = [];
    for (const { deployment, hash } of plan.create) {
      const namespace = deployment.metadata.namespace ?? '';
      const template = deployment.spec.template;
      const proxy = injectionFor(template, namespace, context);
      const pod: PodRecord = {
        name: podName(deployment.metadata.name, hash),
        namespace,
        workload: deployment.metadata.name,
        templateHash: hash,
        template,
        ip: this.podPool.allocate(new Set(this.pods.map((p) => p.ip))),
        proxy,
        labels: podLabels(template, deployment.metadata.name, hash, proxy),
        phase: 'Starting',
        ready: false,
      };
      this.pods.push(pod);
      created.push(pod);
    }
    for (const pod of plan.remove) {
      pod.phase = 'Terminating';
      pod.deletedAt = new Date().toISOString();
    }
    // The API server first: a sidecar must find its Pod there when it connects, and callers must stop sending to a
    // terminating pod before its processes get SIGTERM.
    await this.push(desired);
    for (const pod of created) {
      this.kubelet.start(pod).catch((error: Error) => {
        pod.phase = 'Failed';
        this.failures.set(pod.name, error.message);
        this.say(`${pod.name}: ${error.message}`);
      });
    }
    for (const pod of plan.remove) {
      void this.kubelet.stop(pod).finally(() => {
        this.pods.splice(this.pods.indexOf(pod), 1);
      });
    }
    await this.edge.update(this.routes());
  }

  private async push(desired: readonly KubeObject[]): Promise<void> {
    const forIstiod = desired.filter((o) => ISTIOD_GROUPS.has(groupOf(o)) || groupOf(o).endsWith('istio.io'));
    const services = this.services(forIstiod);
    const others = forIstiod.filter((o) => !isKind(o, 'Service', ''));
    const objects = [...namespaces(desired), ...services, ...others, ...this.pods.map(podObject), ...endpointSlices(services, this.pods)];
    const text = JSON.stringify(objects);
    if (text === this.pushed) return;
    this.inboundBefore = (await this.istiod.pushes()).inbound;
    await this.istiod.replaceObjects(objects);
    this.pushed = text;
    this.lastPush = Date.now();
  }

  /** Waits until the step runs as applied, failing fast on a pod that cannot start or a config Envoy rejects. */
  private async converge(since: number, say: (line: string) => void, timeoutMs: number): Promise<void> {
    const deadline = since + timeoutMs;
    const rejectionsSeen = new Map<string, number>();
    let reported = '';
    while (Date.now() < deadline) {
      await this.tick();
      const failed = [...this.failures.entries()];
      if (failed.length) throw new MeshError(`pod ${failed[0]![0]} cannot start: ${failed[0]![1]}`);
      const live = this.pods.filter((p) => p.phase !== 'Terminating');
      const plan = planPods(
        this.desired.filter((o): o is Deployment => isKind(o, 'Deployment', 'apps')),
        this.pods,
      );
      const waiting = live.filter((p) => !p.ready).map((p) => p.name);
      const proxies = await this.istiod.syncz();
      // Only pushes of this step count: a rejection of the step before stays in force until istiod pushes this one, and
      // shows against that push until the proxy answers it, so a rejection must last to count.
      const rejected = lastingRejections(rejections(proxies, since), rejectionsSeen, Date.now());
      if (rejected.length) {
        const first = rejected[0]!;
        const culprits = suspects(first.error, this.chart);
        throw new MeshError(
          `Envoy rejected the config for ${first.proxy} (${first.type}): ${first.error}${culprits.length ? `; it comes from ${culprits.join(', ')}` : ''}. The proxies keep the last config they accepted`,
        );
      }
      const connected = new Set(proxies.map((p) => p.proxy));
      const liveProxies = new Set(live.filter((p) => p.proxy).map((p) => `${p.name}.${p.namespace}`));
      const missing = [...liveProxies].filter((id) => !connected.has(id));
      // A terminating pod's proxy is draining: it may no longer take pushes, and nothing routes to it any more.
      const behind = unsynced(proxies.filter((p) => liveProxies.has(p.proxy)));
      // Until istiod has pushed the last change, "in sync" only means "in sync with the step before".
      const settled = pushesDone(await this.istiod.pushes(), this.inboundBefore, Date.now() - this.lastPush);
      const status = `${live.length - waiting.length}/${live.length} pods ready`;
      if (status !== reported) {
        reported = status;
        say(status);
      }
      if (
        plan.create.length === 0 &&
        plan.remove.length === 0 &&
        waiting.length === 0 &&
        missing.length === 0 &&
        behind.length === 0 &&
        settled
      )
        return;
      await sleep(100);
    }
    const late = this.pods.filter((p) => p.phase !== 'Terminating' && !p.ready).map((p) => p.name);
    throw new MeshError(
      `the step did not converge within ${timeoutMs / 1000} s${late.length ? `; not ready: ${late.join(', ')}` : '; proxies still syncing'}`,
    );
  }
}
