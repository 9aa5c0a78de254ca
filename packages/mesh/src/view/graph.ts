// Turns a window of scrapes (each proxy's Envoy stats merged with its app's /metrics) into the graph `mesh view` draws.

import type { ViewEdge, ViewGraph, ViewNode } from './model.ts';
import type { Sample } from './prom-text.ts';
import { type Bucket, increase, type Point, quantile } from './window.ts';

/** A pod as the view needs it: whose stats these are. */
export interface ViewPod {
  readonly name: string;
  readonly app: string;
  readonly version: string | null;
  readonly ingress: boolean;
  readonly ready: boolean;
}

/** One scrape of one pod. */
export interface Scrape {
  readonly at: number;
  readonly samples: readonly Sample[];
}

/** The chart's port numbers (values.yaml `ports`): the app's public port, the mirrors' shadow port, management. */
export interface ChartPorts {
  readonly http: number;
  readonly shadow: number;
  readonly management: number;
}

export interface GraphInput {
  readonly pods: readonly ViewPod[];
  readonly scrapes: ReadonlyMap<string, readonly Scrape[]>;
  /** For each app, the app it calls (the topology), to place columns and to name whom a fault aborted calls to. */
  readonly downstreamOf: (app: string) => string | undefined;
  readonly ports: ChartPorts;
  readonly namespace: string;
  readonly step: readonly string[];
  readonly at: number;
  /** Rates cover the scrapes of the last this many seconds; latency takes all scrapes given (Envoy flushes histograms
   * only every 5 s, so a shorter span often holds no observation at all). */
  readonly windowSeconds: number;
  readonly unreadable: readonly { readonly pod: string; readonly error: string }[];
}

const CLUSTER = /^outbound\|(\d+)\|([^|]*)\|([^.]+)\.([^.]+)\.svc\./;

const labelsMatch = (sample: Sample, want: Readonly<Record<string, string>>) =>
  Object.entries(want).every(([k, v]) => sample.labels[k] === v);

/** A counter's points in one pod's scrapes: the sum of the samples that match, per scrape. */
function points(scrapes: readonly Scrape[], name: string, want: Readonly<Record<string, string>> = {}): Point[] {
  return scrapes.map((s) => ({
    at: s.at,
    value: s.samples.filter((x) => x.name === name && labelsMatch(x, want)).reduce((sum, x) => sum + x.value, 0),
  }));
}

/** The last value of a counter in a pod's scrapes (its whole life, not the window). */
function last(scrapes: readonly Scrape[], name: string, want: Readonly<Record<string, string>>): number {
  return points(scrapes.slice(-1), name, want)[0]?.value ?? 0;
}

const workloadId = (pod: ViewPod) => (pod.ingress ? 'ingress' : `${pod.app}:${pod.version ?? 'unversioned'}`);

/** Column of an app: 1 for the apps nobody calls, then one more per hop. */
function columnOf(app: string, apps: readonly string[], downstreamOf: GraphInput['downstreamOf'], seen = new Set<string>()): number {
  if (seen.has(app)) return 1;
  seen.add(app);
  const callers = apps.filter((a) => downstreamOf(a) === app);
  return callers.length === 0 ? 1 : 1 + Math.max(...callers.map((c) => columnOf(c, apps, downstreamOf, seen)));
}

interface ClusterTraffic {
  requests: number;
  errors: number;
  buckets: Map<number, number>;
  handshakes: number;
  connections: number;
}

export function buildGraph(input: GraphInput): ViewGraph {
  const since = input.at - input.windowSeconds * 1000;
  const allScrapesOf = (pod: ViewPod) => input.scrapes.get(pod.name) ?? [];
  const scrapesOf = (pod: ViewPod) => allScrapesOf(pod).filter((s) => s.at >= since);
  const spans = [...input.scrapes.values()]
    .map((all) => all.filter((s) => s.at >= since))
    .filter((s) => s.length >= 2)
    .map((s) => (s.at(-1)!.at - s[0]!.at) / 1000);
  const windowSeconds = spans.length ? Math.max(...spans) : 0;
  const perSecond = (n: number) => (windowSeconds > 0 ? n / windowSeconds : 0);
  const live = input.pods.filter((p) => p.ready);
  const apps = [...new Set(live.filter((p) => !p.ingress).map((p) => p.app))];

  // Nodes: one per workload, with the hits its apps counted.
  const nodes = new Map<string, ViewNode>();
  for (const pod of live) {
    const id = workloadId(pod);
    const scrapes = scrapesOf(pod);
    const hits = increase(points(scrapes, 'mesh_demo_hits_total', { shadow: 'false' }));
    const shadow = increase(points(scrapes, 'mesh_demo_hits_total', { shadow: 'true' }));
    const before = nodes.get(id);
    nodes.set(id, {
      id,
      app: pod.ingress ? 'ingress' : pod.app,
      version: pod.ingress ? null : pod.version,
      kind: pod.ingress ? 'ingress' : 'workload',
      column: pod.ingress ? 0 : columnOf(pod.app, apps, input.downstreamOf),
      pods: (before?.pods ?? 0) + 1,
      hitsPerSecond: (before?.hitsPerSecond ?? 0) + perSecond(hits),
      shadowHitsPerSecond: (before?.shadowHitsPerSecond ?? 0) + perSecond(shadow),
    });
  }

  // What each destination pod's inbound listener took on the public port: splits calls sent without a subset.
  const inbound = new Map<string, number>();
  for (const pod of live.filter((p) => !p.ingress)) {
    const taken = increase(points(scrapesOf(pod), 'envoy_cluster_upstream_rq_total', { cluster_name: `inbound|${input.ports.http}||` }));
    inbound.set(workloadId(pod), (inbound.get(workloadId(pod)) ?? 0) + taken);
  }

  // Traffic per (source workload, destination app, port, subset), summed over the source's pods.
  const traffic = new Map<string, ClusterTraffic & { from: string; app: string; port: number; subset: string }>();
  const aborted = new Map<string, number>();
  for (const pod of live) {
    const scrapes = scrapesOf(pod);
    const longer = allScrapesOf(pod);
    const from = workloadId(pod);
    const clusters = new Set(
      scrapes.flatMap((s) => s.samples.filter((x) => x.name === 'envoy_cluster_upstream_rq_total').map((x) => x.labels.cluster_name ?? '')),
    );
    for (const cluster of clusters) {
      const match = CLUSTER.exec(cluster);
      if (!match || match[4] !== input.namespace) continue;
      const port = Number(match[1]);
      if (port !== input.ports.http && port !== input.ports.shadow) continue;
      const want = { cluster_name: cluster };
      const requests = increase(points(scrapes, 'envoy_cluster_upstream_rq_total', want));
      if (requests === 0) continue;
      const key = `${from}|${match[3]}|${port}|${match[2]}`;
      const entry = traffic.get(key) ?? {
        from,
        app: match[3]!,
        port,
        subset: match[2]!,
        requests: 0,
        errors: 0,
        buckets: new Map(),
        handshakes: 0,
        connections: 0,
      };
      entry.requests += requests;
      entry.errors += increase(points(scrapes, 'envoy_cluster_upstream_rq', { ...want, response_code_class: '5xx' }));
      for (const le of new Set(
        longer
          .at(-1)!
          .samples.filter((x) => x.name === 'envoy_cluster_upstream_rq_time_bucket' && x.labels.cluster_name === cluster)
          .map((x) => x.labels.le!),
      )) {
        const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
        entry.buckets.set(
          bound,
          (entry.buckets.get(bound) ?? 0) + increase(points(longer, 'envoy_cluster_upstream_rq_time_bucket', { ...want, le })),
        );
      }
      entry.handshakes += last(scrapes, 'envoy_cluster_ssl_handshake', want);
      entry.connections += last(scrapes, 'envoy_cluster_upstream_cx_total', want);
      traffic.set(key, entry);
    }
    // Calls a fault aborted at this proxy never reached a cluster: they count against the app this one calls.
    const faults = increase(
      points(scrapes, 'envoy_http_fault_aborts_injected', { http_conn_manager_prefix: `outbound_0.0.0.0_${input.ports.http}` }),
    );
    const target = pod.ingress ? undefined : input.downstreamOf(pod.app);
    if (faults > 0 && target) aborted.set(`${from}|${target}`, (aborted.get(`${from}|${target}`) ?? 0) + faults);
  }

  // Edges: a subset names the version (the chart's subsets are named after the version label); calls without one are
  // split over the app's versions in proportion to what each version's inbound listener took.
  const edges: (Omit<ViewEdge, 'share'> & { app: string })[] = [];
  for (const t of traffic.values()) {
    const versions = [...nodes.values()].filter((n) => n.app === t.app && n.kind === 'workload');
    const targets = t.subset
      ? [{ id: `${t.app}:${t.subset}`, part: 1 }]
      : (() => {
          const total = versions.reduce((sum, n) => sum + (inbound.get(n.id) ?? 0), 0);
          return versions.map((n) => ({ id: n.id, part: total > 0 ? (inbound.get(n.id) ?? 0) / total : 1 / versions.length }));
        })();
    const sorted = [...t.buckets.entries()].map(([le, count]): Bucket => ({ le, count }));
    for (const target of targets) {
      if (target.part === 0) continue;
      edges.push({
        from: t.from,
        to: target.id,
        app: t.app,
        kind: t.port === input.ports.shadow ? 'mirror' : 'request',
        requestsPerSecond: perSecond(t.requests * target.part),
        errorRate: t.errors / t.requests,
        p50Ms: quantile(0.5, sorted) ?? null,
        p99Ms: quantile(0.99, sorted) ?? null,
        mtls: t.connections > 0 && t.handshakes >= t.connections,
      });
    }
  }
  for (const [key, count] of aborted) {
    const [from, app] = key.split('|') as [string, string];
    edges.push({
      from,
      to: `${app}:*`,
      app,
      kind: 'aborted',
      requestsPerSecond: perSecond(count),
      errorRate: 1,
      p50Ms: null,
      p99Ms: null,
      mtls: false,
    });
  }

  // Merge edges that met at the same pair (several subset-less splits), then shares within each source → app.
  const merged = new Map<string, (typeof edges)[number]>();
  for (const e of edges) {
    const key = `${e.from}|${e.to}|${e.kind}`;
    const before = merged.get(key);
    merged.set(key, before ? { ...before, requestsPerSecond: before.requestsPerSecond + e.requestsPerSecond } : e);
  }
  const sent = new Map<string, number>();
  for (const e of merged.values())
    if (e.kind !== 'mirror') sent.set(`${e.from}|${e.app}`, (sent.get(`${e.from}|${e.app}`) ?? 0) + e.requestsPerSecond);
  const out: ViewEdge[] = [...merged.values()]
    .map(({ app, ...e }) => ({ ...e, share: e.kind === 'mirror' ? 0 : e.requestsPerSecond / (sent.get(`${e.from}|${app}`) || 1) }))
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.kind.localeCompare(b.kind));

  return {
    at: input.at,
    windowSeconds: Math.round(windowSeconds * 10) / 10,
    step: input.step,
    nodes: [...nodes.values()].sort((a, b) => a.column - b.column || a.id.localeCompare(b.id)),
    edges: out,
    unreadable: input.unreadable,
  };
}
