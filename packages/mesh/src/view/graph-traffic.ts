// What a window of scrapes says for graph.ts to draw: the window itself, a counter's growth, each workload's outbound traffic.

import type { ChartPorts, GraphInput, Scrape, ViewPod } from './graph-input.ts';
import type { Sample } from './prom-text.ts';
import { type Bucket, increase, type Point } from './window.ts';

/** The scrapes the rates are taken over, and the seconds they really span. */
export interface Window {
  /** A pod's scrapes of the last `windowSeconds`: what the rates count. */
  readonly recent: (pod: ViewPod) => readonly Scrape[];
  /** All of a pod's scrapes: latency wants them, as Envoy flushes its histograms only every 5 s. */
  readonly all: (pod: ViewPod) => readonly Scrape[];
  /** The longest span any pod's recent scrapes cover, in seconds; 0 while no pod has two. */
  readonly seconds: number;
  /** A count over the window as a rate; 0 without a span to divide by. */
  readonly perSecond: (count: number) => number;
}

/**
 * The window the graph covers. Its length is what the scrapes span, not what was asked for: scrapes come when they come,
 * so dividing by `windowSeconds` would skew every rate by the gap between the asked and the scraped span.
 */
export function windowOf(input: Pick<GraphInput, 'scrapes' | 'at' | 'windowSeconds'>): Window {
  const since = input.at - input.windowSeconds * 1000;
  const inWindow = (scrapes: readonly Scrape[]) => scrapes.filter((s) => s.at >= since);
  const spans = [...input.scrapes.values()]
    .map(inWindow)
    .filter((s) => s.length >= 2)
    .map((s) => (s.at(-1)!.at - s[0]!.at) / 1000);
  const seconds = spans.length ? Math.max(...spans) : 0;
  const all = (pod: ViewPod) => input.scrapes.get(pod.name) ?? [];
  return { all, recent: (pod) => inWindow(all(pod)), seconds, perSecond: (count) => (seconds > 0 ? count / seconds : 0) };
}

/** The node a pod's counters add to: the pods of one app at one version are replicas, so the graph draws them as one. */
export const workloadId = (pod: ViewPod) => (pod.ingress ? 'ingress' : `${pod.app}:${pod.version ?? 'unversioned'}`);

const labelsMatch = (sample: Sample, want: Readonly<Record<string, string>>) =>
  Object.entries(want).every(([k, v]) => sample.labels[k] === v);

/** A counter's points in one pod's scrapes: the sum of the samples that match, per scrape. */
export function points(scrapes: readonly Scrape[], name: string, want: Readonly<Record<string, string>> = {}): Point[] {
  return scrapes.map((s) => ({
    at: s.at,
    value: s.samples.filter((x) => x.name === name && labelsMatch(x, want)).reduce((sum, x) => sum + x.value, 0),
  }));
}

/** The last value of a counter in a pod's scrapes (its whole life, not the window). */
function last(scrapes: readonly Scrape[], name: string, want: Readonly<Record<string, string>>): number {
  return points(scrapes.slice(-1), name, want)[0]?.value ?? 0;
}

/** What proxies counted on one outbound cluster: calls and 5xx in the window, TLS handshakes and connections in all. */
interface Counts {
  requests: number;
  errors: number;
  handshakes: number;
  connections: number;
}

/** One pod's counts on one cluster, with its latency buckets' growth. */
interface PodTraffic extends Counts {
  readonly buckets: readonly Bucket[];
}

/** Traffic from one source workload to one destination app on one port and subset (empty: no subset), over its pods. */
export interface Traffic extends Counts {
  readonly from: string;
  readonly app: string;
  readonly port: number;
  readonly subset: string;
  /** Latency bucket growth by upper bound (ms). */
  readonly buckets: Map<number, number>;
}

/** An outbound cluster by its Envoy name: `outbound|port|subset|app.namespace.svc.…`. */
interface Outbound {
  readonly name: string;
  readonly app: string;
  readonly port: number;
  readonly subset: string;
}

const CLUSTER = /^outbound\|(\d+)\|([^|]*)\|([^.]+)\.([^.]+)\.svc\./;

/**
 * The clusters a pod's proxy has that lead to the demo's apps: this namespace, on the public or the shadow port. The rest
 * (other namespaces, such as istiod's, and other ports, such as management) is plumbing, not the demo's traffic.
 */
function outboundClusters(scrapes: readonly Scrape[], namespace: string, ports: ChartPorts): Outbound[] {
  const names = new Set(
    scrapes.flatMap((s) => s.samples.filter((x) => x.name === 'envoy_cluster_upstream_rq_total').map((x) => x.labels.cluster_name ?? '')),
  );
  return [...names].flatMap((name) => {
    const match = CLUSTER.exec(name);
    if (!match || match[4] !== namespace) return [];
    const port = Number(match[1]);
    return port === ports.http || port === ports.shadow ? [{ name, app: match[3]!, port, subset: match[2]! }] : [];
  });
}

/**
 * The latency buckets' growth on one cluster, one per bound the last scrape lists, over all the pod's scrapes: Envoy
 * flushes its histograms only every 5 s, so the window alone often holds no observation.
 */
function latencyBuckets(all: readonly Scrape[], cluster: string): Bucket[] {
  const bounds = new Set(
    all
      .at(-1)!
      .samples.filter((x) => x.name === 'envoy_cluster_upstream_rq_time_bucket' && x.labels.cluster_name === cluster)
      .map((x) => x.labels.le!),
  );
  return [...bounds].map((le) => ({
    le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le),
    count: increase(points(all, 'envoy_cluster_upstream_rq_time_bucket', { cluster_name: cluster, le })),
  }));
}

/**
 * What one pod's proxy counted on one cluster, or undefined if it sent no call there in the window: Envoy keeps a
 * cluster for every service and subset it knows, and one that took nothing is no edge. mTLS compares lifetime totals
 * (`last`): pooled connections opened before the window carry its calls, so the window alone may see no handshake.
 */
function podClusterTraffic(recent: readonly Scrape[], all: readonly Scrape[], cluster: string): PodTraffic | undefined {
  const want = { cluster_name: cluster };
  const requests = increase(points(recent, 'envoy_cluster_upstream_rq_total', want));
  if (requests === 0) return undefined;
  return {
    requests,
    errors: increase(points(recent, 'envoy_cluster_upstream_rq', { ...want, response_code_class: '5xx' })),
    buckets: latencyBuckets(all, cluster),
    handshakes: last(recent, 'envoy_cluster_ssl_handshake', want),
    connections: last(recent, 'envoy_cluster_upstream_cx_total', want),
  };
}

/** Adds one pod's counts to its workload's: a workload's edge carries what all its replicas sent. */
function addPodTraffic(into: Traffic, pod: PodTraffic): void {
  into.requests += pod.requests;
  into.errors += pod.errors;
  for (const { le, count } of pod.buckets) into.buckets.set(le, (into.buckets.get(le) ?? 0) + count);
  into.handshakes += pod.handshakes;
  into.connections += pod.connections;
}

/** Traffic per (source workload, destination app, port, subset), summed over the source's pods. */
export function outboundTraffic(live: readonly ViewPod[], window: Window, input: Pick<GraphInput, 'namespace' | 'ports'>): Traffic[] {
  const traffic = new Map<string, Traffic>();
  for (const pod of live) {
    const from = workloadId(pod);
    const recent = window.recent(pod);
    for (const { name, app, port, subset } of outboundClusters(recent, input.namespace, input.ports)) {
      const counted = podClusterTraffic(recent, window.all(pod), name);
      if (!counted) continue;
      const key = `${from}|${app}|${port}|${subset}`;
      const total = traffic.get(key) ?? {
        from,
        app,
        port,
        subset,
        requests: 0,
        errors: 0,
        buckets: new Map(),
        handshakes: 0,
        connections: 0,
      };
      addPodTraffic(total, counted);
      traffic.set(key, total);
    }
  }
  return [...traffic.values()];
}

/** Calls a fault aborted at one workload's proxies, and the app they were meant for. */
export interface Aborted {
  readonly from: string;
  readonly app: string;
  count: number;
}

/**
 * Calls a fault aborted at each workload's proxies. They never reached a cluster, so no cluster names their
 * destination: they count against the app the topology says this one calls.
 */
export function abortedCalls(live: readonly ViewPod[], window: Window, input: Pick<GraphInput, 'downstreamOf' | 'ports'>): Aborted[] {
  const aborted = new Map<string, Aborted>();
  const prefix = `outbound_0.0.0.0_${input.ports.http}`;
  for (const pod of live) {
    const faults = increase(points(window.recent(pod), 'envoy_http_fault_aborts_injected', { http_conn_manager_prefix: prefix }));
    const app = pod.ingress ? undefined : input.downstreamOf(pod.app);
    if (!(faults > 0 && app)) continue;
    const from = workloadId(pod);
    const entry = aborted.get(`${from}|${app}`) ?? { from, app, count: 0 };
    entry.count += faults;
    aborted.set(`${from}|${app}`, entry);
  }
  return [...aborted.values()];
}
