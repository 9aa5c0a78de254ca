// Stock istiod as the supervisor watches it: its pod, and what its debug and metrics ports say about the mesh.
import { execFile } from 'node:child_process';
import type { ClusterConfig } from './cluster/config.ts';
import type { ProxySync } from './istiod-sync.ts';
import type { KubeClient } from './kube/client.ts';
import { pathOf } from './kube/resources.ts';
import type { KubeObject } from './kube.ts';
import type { Pod } from './node/pod-types.ts';
import { sandboxNames } from './node/sandbox.ts';

/** Istio's config kinds istiod reads (the chart's and a person's own): what must reach it before a step is live. */
export const ISTIO_CONFIG = [
  ['networking.istio.io/v1', 'virtualservices', 'VirtualService'],
  ['networking.istio.io/v1', 'destinationrules', 'DestinationRule'],
  ['networking.istio.io/v1', 'gateways', 'Gateway'],
  ['networking.istio.io/v1', 'serviceentries', 'ServiceEntry'],
  ['networking.istio.io/v1', 'sidecars', 'Sidecar'],
  ['security.istio.io/v1', 'peerauthentications', 'PeerAuthentication'],
  ['security.istio.io/v1', 'authorizationpolicies', 'AuthorizationPolicy'],
  ['security.istio.io/v1', 'requestauthentications', 'RequestAuthentication'],
  ['networking.istio.io/v1alpha3', 'envoyfilters', 'EnvoyFilter'],
] as const;

/** The running istiod pod: its address (metrics on 15014) and its network namespace (its debug port answers there). */
export interface IstiodPod {
  readonly ip: string;
  readonly netns: string;
}

export async function istiodPod(admin: KubeClient, config: ClusterConfig): Promise<IstiodPod | undefined> {
  const pods = await admin.list<Pod>(`${pathOf('Pod', 'istio-system')}?labelSelector=app%3Distiod`);
  const pod = pods.items.find((p) => p.status?.phase === 'Running' && p.status.podIP && !p.metadata.deletionTimestamp);
  return pod?.status?.podIP ? { ip: pod.status.podIP, netns: sandboxNames(config, pod).netns } : undefined;
}

/**
 * A debug page of istiod's (8080). istiod answers those only to an authenticated caller or one on its own loopback, as
 * `kubectl exec` into its pod would be: so the request is made from inside its network namespace.
 */
function debug(pod: IstiodPod, path: string): Promise<string> {
  const script = `fetch('http://127.0.0.1:8080/debug/${path}').then(async (r) => { if (r.status !== 200) throw new Error('istiod /debug/${path} answered ' + r.status); process.stdout.write(await r.text()); }).catch((e) => { console.error(e.message); process.exit(1); })`;
  return new Promise((resolve, reject) => {
    execFile(
      'nsenter',
      [`--net=/run/netns/${pod.netns}`, '--', process.execPath, '-e', script],
      { maxBuffer: 64 << 20, timeout: 10_000 },
      (error, stdout, stderr) => (error ? reject(new Error(stderr.trim() || error.message)) : resolve(stdout)),
    );
  });
}

/** Every connected proxy and the nonces it was sent and acknowledged, per xDS type (istiod's /debug/syncz). */
export async function syncz(pod: IstiodPod): Promise<ProxySync[]> {
  return JSON.parse(await debug(pod, 'syncz')) as ProxySync[];
}

async function text(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`istiod ${new URL(url).pathname} answered ${response.status}`);
  return response.text();
}

/** `Kind namespace/name` -> resourceVersion of every config object istiod holds (its /debug/configz). */
export async function configVersions(pod: IstiodPod): Promise<Map<string, string>> {
  const configs = JSON.parse(await debug(pod, 'configz')) as {
    kind?: string;
    metadata: { name: string; namespace?: string; resourceVersion?: string };
  }[];
  return new Map(configs.map((c) => [`${c.kind} ${c.metadata.namespace ?? ''}/${c.metadata.name}`, c.metadata.resourceVersion ?? '']));
}

/** Every Istio config object in the API, as istiod reads them (kind set, which a list's items leave out). */
export async function apiConfigObjects(admin: KubeClient): Promise<KubeObject[]> {
  const lists = await Promise.all(
    ISTIO_CONFIG.map(([group, plural, kind]) =>
      admin.list<KubeObject>(`/apis/${group}/${plural}`).then(
        (list) => list.items.map((o) => ({ ...o, kind })),
        () => [],
      ),
    ),
  );
  return lists.flat();
}

/** The same keys for the API's objects: what istiod must hold, at those versions, before a step is live. */
export function configKeys(objects: readonly KubeObject[]): Map<string, string> {
  return new Map(
    objects.map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, String(o.metadata.resourceVersion ?? '')]),
  );
}

/**
 * The objects an Envoy error points at: Envoy names only the xDS type it refused, but its message usually quotes the
 * offending value (a regex, a filter's name), which leads back to the object that holds it.
 */
export function suspects(error: string, objects: readonly KubeObject[]): string[] {
  const quoted = error
    .split(/[:'"\s]+/)
    .map((part) => part.trim())
    .filter((part) => part.length >= 4 && /[a-z]/i.test(part));
  return objects
    .filter((o) => quoted.some((part) => JSON.stringify(o.spec ?? {}).includes(part)))
    .map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
}

/**
 * istiod's counters of what it received and what it pushed: two equal readings a moment apart mean it is quiet (its
 * debounce has passed and its push queue is empty).
 */
export async function pushCounters(pod: IstiodPod): Promise<string> {
  const metrics = await text(`http://${pod.ip}:15014/metrics`);
  const sum = (name: string) =>
    metrics
      .split('\n')
      .filter((line) => line.startsWith(name))
      .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return `${sum('pilot_inbound_updates')}/${sum('pilot_xds_pushes')}`;
}
