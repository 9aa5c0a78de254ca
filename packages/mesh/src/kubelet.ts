// The kubelet's part: runs a pod's containers (the app, and istio-proxy when injected), probes them, stops them.
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { isServiceName, type ServiceName, serviceDir, serviceEntry, TELEMETRY_NODE_ARGS } from '@mesh-demo/workspace';
import { HOST_IP } from './addresses.ts';
import { containerEnv } from './container-env.ts';
import { appContainers, CAPTURE_ARGS, PROXY_UID, proxyConfig, proxyEnv, TRUST_DOMAIN } from './injector.ts';
import type { Container } from './kube.ts';
import { resolvePort } from './kube.ts';
import { createPodNetwork, deleteNetns, inNetns, NETNS_PREFIX, signalNetns } from './network.ts';
import { type ContainerProcess, spawnContainer } from './process.ts';
import type { Tools } from './tools.ts';
import type { PodRecord } from './workloads.ts';

/** The app's user: a high, random-looking UID in group 0, as OpenShift's restricted SCC assigns (never 1337). */
export const APP_UID = 1000770000;
export const APP_GID = 0;

export interface KubeletOptions {
  readonly tools: Tools;
  readonly runDir: string;
  /** meshConfig.defaultConfig: the proxy settings every pod starts from. */
  readonly proxyDefaults: Record<string, unknown>;
  /** Called with one line per notable event (a container exits, restarts). */
  readonly say: (line: string) => void;
}

interface RunningContainer {
  readonly name: string;
  process: ContainerProcess;
  restarts: number;
}

interface PodRuntime {
  readonly pod: PodRecord;
  readonly netns: string;
  readonly containers: RunningContainer[];
  stopping: boolean;
}

/** The service a container image runs: `<registry>/<service>:<tag>` must name one of the repo's four services. */
export function serviceOfImage(image: string): ServiceName {
  const name = /([^/:@]+)(?::[^/@]*)?(?:@.*)?$/.exec(image)?.[1] ?? '';
  if (!isServiceName(name))
    throw new Error(
      `cannot run image ${image} locally: the local mesh runs the repo's own services (customer, partner, preference, recommendation)`,
    );
  return name;
}

export function netnsOf(pod: { name: string }): string {
  return `${NETNS_PREFIX}${pod.name}`;
}

export class Kubelet {
  private readonly pods = new Map<string, PodRuntime>();
  private certs: Promise<unknown> = Promise.resolve();

  private readonly options: KubeletOptions;

  constructor(options: KubeletOptions) {
    this.options = options;
  }

  podDir(pod: { name: string }): string {
    return join(this.options.runDir, 'pods', pod.name);
  }

  logFile(pod: { name: string }, container: string): string {
    return join(this.options.runDir, 'logs', pod.name, `${container}.log`);
  }

  restarts(pod: PodRecord): number {
    return this.pods.get(pod.name)?.containers.reduce((sum, c) => sum + c.restarts, 0) ?? 0;
  }

  /** Network, identity, capture, then istio-proxy and (after it is ready, when the pod asks) the app containers. */
  async start(pod: PodRecord): Promise<void> {
    const netns = netnsOf(pod);
    const runtime: PodRuntime = { pod, netns, containers: [], stopping: false };
    this.pods.set(pod.name, runtime);
    const dir = this.podDir(pod);
    await mkdir(join(this.options.runDir, 'logs', pod.name), { recursive: true });
    await mkdir(dir, { recursive: true });
    await createPodNetwork(netns, pod.ip, pod.namespace);
    if (!pod.proxy) {
      for (const container of appContainers(pod.template)) this.run(runtime, container.name, () => this.appProcess(runtime, container));
      return;
    }
    await this.issueIdentity(pod, dir);
    if (pod.proxy === 'sidecar') await inNetns(netns, this.options.tools.pilotAgent, CAPTURE_ARGS);
    // Gateways listen on their Service's target ports, 80 included (Istio sets this sysctl on gateway pods too).
    else await inNetns(netns, 'sysctl', ['-qw', 'net.ipv4.ip_unprivileged_port_start=0']);
    const config = this.proxyConfigOf(pod);
    this.run(runtime, 'istio-proxy', () => this.proxyProcess(runtime, config));
    if (pod.proxy === 'router') return;
    if (config.holdApplicationUntilProxyStarts === true) await this.waitProxyReady(runtime);
    for (const container of appContainers(pod.template)) {
      if (runtime.stopping) return;
      this.run(runtime, container.name, () => this.appProcess(runtime, container));
    }
  }

  /** The kubelet's readiness probe, through the agent's rewritten probe paths when the pod has a proxy. */
  async ready(pod: PodRecord): Promise<boolean> {
    const runtime = this.pods.get(pod.name);
    if (!runtime || runtime.stopping) return false;
    const apps = appContainers(pod.template);
    if (pod.proxy === 'router') return probe(`http://${pod.ip}:15021/healthz/ready`);
    if (!apps.every((c) => runtime.containers.find((r) => r.name === c.name)?.process.running)) return false;
    for (const container of apps) {
      const readiness = container.readinessProbe?.httpGet;
      if (!readiness) continue;
      const port = resolvePort(apps, readiness.port);
      const url = pod.proxy
        ? `http://${pod.ip}:15020/app-health/${container.name}/readyz`
        : `http://${pod.ip}:${port}${readiness.path ?? '/'}`;
      if (!(await probe(url))) return false;
    }
    return pod.proxy ? probe(`http://${pod.ip}:15021/healthz/ready`) : true;
  }

  /**
   * A pod's termination: istio-proxy gets SIGTERM at once and keeps serving for its drain duration; the app gets its
   * preStop sleep, then SIGTERM; whatever still runs at the grace period's end is killed. `fast` (mesh down) gives
   * every process 2 s.
   */
  async stop(pod: PodRecord, fast = false): Promise<void> {
    const runtime = this.pods.get(pod.name);
    if (!runtime) return;
    runtime.stopping = true;
    const grace = fast ? 2 : (pod.template.spec.terminationGracePeriodSeconds ?? 30);
    const deadline = Date.now() + grace * 1000;
    const proxy = runtime.containers.find((c) => c.name === 'istio-proxy');
    proxy?.process.signal('SIGTERM');
    const apps = runtime.containers.filter((c) => c !== proxy);
    const preStop = fast ? 0 : Math.max(0, ...appContainers(pod.template).map((c) => c.lifecycle?.preStop?.sleep?.seconds ?? 0));
    if (preStop > 0) await sleep(preStop * 1000);
    for (const app of apps) app.process.signal('SIGTERM');
    await Promise.race([Promise.all(runtime.containers.map((c) => c.process.exited)), sleep(Math.max(0, deadline - Date.now()))]);
    await deleteNetns(runtime.netns);
    await rm(this.podDir(pod), { recursive: true, force: true });
    this.pods.delete(pod.name);
  }

  /** Every pod at once, for mesh down. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.pods.values()].map((r) => signalNetns(r.netns, 'SIGTERM')));
    await Promise.all([...this.pods.values()].map((r) => this.stop(r.pod, true)));
  }

  private run(runtime: PodRuntime, name: string, start: () => ContainerProcess): void {
    const container: RunningContainer = { name, process: start(), restarts: 0 };
    runtime.containers.push(container);
    // restartPolicy Always, with the kubelet's doubling back-off (capped at 10 s here, 5 min on a node).
    const watch = async () => {
      const code = await container.process.exited;
      if (runtime.stopping) return;
      const delay = Math.min(10, 2 ** container.restarts);
      this.options.say(`${runtime.pod.name}: container ${name} exited (${code}); restarting in ${delay} s`);
      await sleep(delay * 1000);
      if (runtime.stopping) return;
      container.restarts += 1;
      container.process = start();
      void watch();
    };
    void watch();
  }

  private proxyConfigOf(pod: PodRecord): Record<string, unknown> {
    return {
      ...proxyConfig(this.options.proxyDefaults, pod.template),
      binaryPath: this.options.tools.envoy,
      configPath: join(this.podDir(pod), 'etc', 'istio', 'proxy'),
    };
  }

  private proxyProcess(runtime: PodRuntime, config: Record<string, unknown>): ContainerProcess {
    const { pod } = runtime;
    const env = proxyEnv(
      pod.proxy!,
      pod.template,
      {
        podName: pod.name,
        namespace: pod.namespace,
        podIP: pod.ip,
        hostIP: HOST_IP,
        serviceAccount: serviceAccountOf(pod),
        workload: pod.workload,
        labels: pod.labels,
      },
      config,
    );
    return spawnContainer({
      netns: runtime.netns,
      uid: PROXY_UID,
      gid: PROXY_UID,
      command: this.options.tools.pilotAgent,
      args: [
        'proxy',
        pod.proxy!,
        '--domain',
        `${pod.namespace}.svc.cluster.local`,
        '--proxyLogLevel=warning',
        '--proxyComponentLogLevel=misc:error',
        '--log_output_level=default:info',
      ],
      cwd: this.podDir(pod),
      env: {
        ...env,
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        ISTIO_BOOTSTRAP: this.options.tools.bootstrapTemplate,
        // Not a cloud: skips the agent's metadata-server probes (a 2 s wait at every start).
        CLOUD_PLATFORM: 'none',
        AUTOMEMLIMIT: 'off',
      },
      logFile: this.logFile(pod, 'istio-proxy'),
    });
  }

  private appProcess(runtime: PodRuntime, container: Container): ContainerProcess {
    const { pod } = runtime;
    const service = serviceOfImage(container.image);
    const env = containerEnv(container, {
      name: pod.name,
      namespace: pod.namespace,
      ip: pod.ip,
      hostIP: HOST_IP,
      serviceAccount: serviceAccountOf(pod),
      labels: pod.labels,
    });
    return spawnContainer({
      netns: runtime.netns,
      uid: APP_UID,
      gid: APP_GID,
      // The image's command: node loading telemetry before the service (see the Dockerfile's CMD).
      command: process.execPath,
      args: [...TELEMETRY_NODE_ARGS, serviceEntry(service)],
      cwd: serviceDir(service),
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...env },
      logFile: this.logFile(pod, container.name),
    });
  }

  /** File-mounted workload certificates for the pod's service account; pilot-agent serves them to Envoy over SDS. */
  private async issueIdentity(pod: PodRecord, dir: string): Promise<void> {
    const out = join(dir, 'var', 'run', 'secrets', 'workload-spiffe-credentials');
    const spiffe = `spiffe://${TRUST_DOMAIN}/ns/${pod.namespace}/sa/${serviceAccountOf(pod)}`;
    // One at a time: the first call creates the root CA that the others then use.
    const issued = this.certs.then(() =>
      promisify(execFile)(this.options.tools.localIstiod, [
        'cert',
        '--ca-dir',
        join(this.options.runDir, 'ca'),
        '--out',
        out,
        '--spiffe',
        spiffe,
      ]),
    );
    this.certs = issued.catch(() => {});
    await issued;
    await chownTree(dir, PROXY_UID);
  }

  private async waitProxyReady(runtime: PodRuntime): Promise<void> {
    while (!runtime.stopping) {
      if (await probe(`http://${runtime.pod.ip}:15021/healthz/ready`)) return;
      await sleep(100);
    }
  }
}

export function serviceAccountOf(pod: PodRecord): string {
  return pod.template.spec.serviceAccountName ?? 'default';
}

async function chownTree(dir: string, uid: number): Promise<void> {
  await promisify(execFile)('chown', ['-R', `${uid}:${uid}`, dir]);
}

async function probe(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.status >= 200 && response.status < 400;
  } catch {
    return false;
  }
}
