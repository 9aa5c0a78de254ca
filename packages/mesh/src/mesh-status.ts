// `mesh status` from the cluster itself: pods as the API has them, proxies as istiod has them, the edge, and every process.
import { isServiceName } from '@mesh-demo/workspace';
import type { ClusterConfig } from './cluster/config.ts';
import type { ProcessStatus } from './cluster/processes.ts';
import { traceUrls } from './cluster/traces.ts';
import type { MeshStatus, PodStatus } from './control.ts';
import { controlPlanePodRows } from './control-plane-pods.ts';
import type { EdgeRoute } from './edge.ts';
import { istiodPod, syncz } from './istiod-debug.ts';
import { rejections, unsynced } from './istiod-sync.ts';
import type { KubeClient } from './kube/client.ts';
import { pathOf } from './kube/resources.ts';
import type { Pod } from './node/pod-types.ts';
import { sandboxNames } from './node/sandbox.ts';

/** The pods `mesh status`, `logs`, `exec` and `view` are about: the step's, and the ingress gateways. */
function shown(pod: Pod): boolean {
  const ns = pod.metadata.namespace ?? '';
  return ns !== 'kube-system' && pod.metadata.labels?.app !== 'istiod';
}

/** Which proxy istiod injected: a sidecar, a gateway (the `gateway` template: the proxy is the pod), or none. */
export function proxyOf(pod: Pod): PodStatus['proxy'] {
  const proxy = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === 'istio-proxy');
  if (!proxy) return null;
  // pilot-agent's own word for it: `proxy sidecar` or `proxy router` (a gateway: the proxy is the pod).
  return proxy.args?.[1] === 'router' ? 'router' : 'sidecar';
}

/** A pod's line in the status: its phase as `kubectl get pods` words it, ready, restarts, its app's service. */
export function podStatusOf(config: ClusterConfig, pod: Pod): PodStatus {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const owner = pod.metadata.ownerReferences?.[0]?.name ?? pod.metadata.name;
  const hash = pod.metadata.labels?.['pod-template-hash'];
  const app = pod.spec.containers.find((c) => c.name !== 'istio-proxy');
  const service = app ? /([^/:@]+)(?::[^/@]*)?(?:@.*)?$/.exec(app.image)?.[1] : undefined;
  return {
    namespace: pod.metadata.namespace ?? 'default',
    name: pod.metadata.name,
    workload: hash ? owner.replace(new RegExp(`-${hash}$`), '') : owner,
    ip: pod.status?.podIP ?? '',
    netns: sandboxNames(config, pod).netns,
    proxy: proxyOf(pod),
    phase: pod.metadata.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Pending'),
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    restarts: statuses.reduce((sum, s) => sum + s.restartCount, 0),
    service: service && isServiceName(service) ? service : null,
    labels: pod.metadata.labels ?? {},
  };
}

export interface StatusSources {
  readonly config: ClusterConfig;
  readonly admin: KubeClient;
  readonly startedAt: number;
  readonly files: readonly string[];
  readonly ignored: readonly string[];
  readonly edge: readonly EdgeRoute[];
  readonly processes: readonly ProcessStatus[];
}

export async function meshStatus(sources: StatusSources): Promise<MeshStatus> {
  const { config, admin } = sources;
  const base = {
    startedAt: sources.startedAt,
    files: sources.files,
    ignored: sources.ignored,
    edge: sources.edge.map((r) => ({
      app: r.app,
      url: `http://localhost:${r.localPort}`,
      host: r.host,
      target: r.target,
      endpoints: r.upstreams.length,
    })),
    runDir: config.runDir,
    traces: traceUrls(config),
  };
  let all: Pod[];
  try {
    all = (await admin.list<Pod>(pathOf('Pod'))).items;
  } catch (error) {
    // The status is most wanted when something is down: the processes still tell which, and that it is coming back.
    const apiError = `the API server does not answer (${(error as Error).message})`;
    return { ...base, pods: [], unsynced: [], rejected: [], processes: sources.processes, apiError };
  }
  let configError: string | undefined;
  const proxies = await istiodPod(admin, config)
    .then((address) => {
      if (!address) throw new Error('no istiod pod is running');
      return syncz(address);
    })
    .catch((error: Error) => {
      configError = `istiod does not answer (${error.message})`;
      return [];
    });
  return {
    ...base,
    ...(configError !== undefined && { configError }),
    pods: all
      .filter(shown)
      .map((pod) => podStatusOf(config, pod))
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)),
    unsynced: unsynced(proxies),
    rejected: rejections(proxies),
    processes: [...sources.processes, ...controlPlanePodRows(config, all)],
  };
}
