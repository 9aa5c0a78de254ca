// Turns a window of scrapes (each proxy's Envoy stats merged with its app's /metrics) into the graph `mesh view` draws.

import type { ChartPorts, GraphInput, Scrape, ViewPod } from './graph-input.ts';
import { type Aborted, abortedCalls, outboundTraffic, points, type Traffic, type Window, windowOf, workloadId } from './graph-traffic.ts';
import type { ViewEdge, ViewGraph, ViewNode } from './model.ts';
import { type Bucket, increase, quantile } from './window.ts';

export type { ChartPorts, GraphInput, Scrape, ViewPod };

/** Column of an app: 1 for the apps nobody calls, then one more per hop. */
function columnOf(app: string, apps: readonly string[], downstreamOf: GraphInput['downstreamOf'], seen = new Set<string>()): number {
  if (seen.has(app)) return 1;
  seen.add(app);
  const callers = apps.filter((a) => downstreamOf(a) === app);
  return callers.length === 0 ? 1 : 1 + Math.max(...callers.map((c) => columnOf(c, apps, downstreamOf, seen)));
}

/**
 * One node per workload, with the hits its apps counted: a workload's pods are replicas, so their pods and hits add up.
 * The column follows the call chain so that the page can draw it left to right.
 */
function workloadNodes(live: readonly ViewPod[], window: Window, downstreamOf: GraphInput['downstreamOf']): ViewNode[] {
  const apps = [...new Set(live.filter((p) => !p.ingress).map((p) => p.app))];
  const nodes = new Map<string, ViewNode>();
  for (const pod of live) {
    const id = workloadId(pod);
    const hits = (shadow: 'true' | 'false') => window.perSecond(increase(points(window.recent(pod), 'mesh_demo_hits_total', { shadow })));
    const before = nodes.get(id);
    nodes.set(id, {
      id,
      app: pod.ingress ? 'ingress' : pod.app,
      version: pod.ingress ? null : pod.version,
      kind: pod.ingress ? 'ingress' : 'workload',
      column: pod.ingress ? 0 : columnOf(pod.app, apps, downstreamOf),
      pods: (before?.pods ?? 0) + 1,
      hitsPerSecond: (before?.hitsPerSecond ?? 0) + hits('false'),
      shadowHitsPerSecond: (before?.shadowHitsPerSecond ?? 0) + hits('true'),
    });
  }
  return [...nodes.values()];
}

/**
 * What each destination workload's inbound listener took on the public port, over its pods. A call sent without a
 * subset names no version; this is the only count of where such calls landed, so it is what splits them.
 */
function inboundTaken(live: readonly ViewPod[], window: Window, httpPort: number): Map<string, number> {
  const inbound = new Map<string, number>();
  for (const pod of live.filter((p) => !p.ingress)) {
    const taken = increase(points(window.recent(pod), 'envoy_cluster_upstream_rq_total', { cluster_name: `inbound|${httpPort}||` }));
    inbound.set(workloadId(pod), (inbound.get(workloadId(pod)) ?? 0) + taken);
  }
  return inbound;
}

/** An edge before shares: `app` (the destination app) groups what one source sent to one app, whichever version took it. */
type Draft = Omit<ViewEdge, 'share'> & { readonly app: string };

/**
 * The versions that took one cluster's calls, and what part of them each took. A subset names the version (the chart's
 * subsets are named after the version label); calls without one are split over the app's versions in proportion to
 * what each version's inbound listener took, or evenly while none took any.
 */
function versionTargets(t: Traffic, nodes: readonly ViewNode[], inbound: ReadonlyMap<string, number>): { id: string; part: number }[] {
  if (t.subset) return [{ id: `${t.app}:${t.subset}`, part: 1 }];
  const versions = nodes.filter((n) => n.app === t.app && n.kind === 'workload');
  const total = versions.reduce((sum, n) => sum + (inbound.get(n.id) ?? 0), 0);
  return versions.map((n) => ({ id: n.id, part: total > 0 ? (inbound.get(n.id) ?? 0) / total : 1 / versions.length }));
}

/** The edges of the traffic that reached a cluster: one per version that took a part of it; the shadow port's are mirrors. */
function trafficEdges(
  traffic: readonly Traffic[],
  nodes: readonly ViewNode[],
  inbound: ReadonlyMap<string, number>,
  window: Window,
  shadowPort: number,
): Draft[] {
  return traffic.flatMap((t) => {
    const buckets = [...t.buckets.entries()].map(([le, count]): Bucket => ({ le, count }));
    const p50Ms = quantile(0.5, buckets) ?? null;
    const p99Ms = quantile(0.99, buckets) ?? null;
    return versionTargets(t, nodes, inbound)
      .filter((target) => target.part !== 0)
      .map(
        (target): Draft => ({
          from: t.from,
          to: target.id,
          app: t.app,
          kind: t.port === shadowPort ? 'mirror' : 'request',
          requestsPerSecond: window.perSecond(t.requests * target.part),
          errorRate: t.errors / t.requests,
          p50Ms,
          p99Ms,
          mtls: t.connections > 0 && t.handshakes >= t.connections,
        }),
      );
  });
}

/** The edges of aborted calls: they reached no version, so they point at the app (`app:*`), and every one failed. */
function abortedEdges(aborted: readonly Aborted[], window: Window): Draft[] {
  return aborted.map(({ from, app, count }) => ({
    from,
    to: `${app}:*`,
    app,
    kind: 'aborted',
    requestsPerSecond: window.perSecond(count),
    errorRate: 1,
    p50Ms: null,
    p99Ms: null,
    mtls: false,
  }));
}

/** One edge per (from, to, kind): a version can take calls both through its subset's cluster and a subset-less split. */
function mergeEdges(edges: readonly Draft[]): Draft[] {
  const merged = new Map<string, Draft>();
  for (const e of edges) {
    const key = `${e.from}|${e.to}|${e.kind}`;
    const before = merged.get(key);
    merged.set(key, before ? { ...before, requestsPerSecond: before.requestsPerSecond + e.requestsPerSecond } : e);
  }
  return [...merged.values()];
}

/**
 * Each edge's share of what its source sent to the same app, as a canary split reads (25/75). Mirrors are copies on top
 * of that traffic, not part of it: they neither count in the total nor get a share.
 */
function withShares(edges: readonly Draft[]): ViewEdge[] {
  const sent = new Map<string, number>();
  for (const e of edges)
    if (e.kind !== 'mirror') sent.set(`${e.from}|${e.app}`, (sent.get(`${e.from}|${e.app}`) ?? 0) + e.requestsPerSecond);
  return edges.map(({ app, ...e }) => ({
    ...e,
    share: e.kind === 'mirror' ? 0 : e.requestsPerSecond / (sent.get(`${e.from}|${app}`) || 1),
  }));
}

/** Edges from the source to the target, then by kind: a stable order, so the page and the terminal do not reshuffle. */
const byEnds = (a: ViewEdge, b: ViewEdge) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.kind.localeCompare(b.kind);

/** The graph of one window: its nodes, then the edges of the calls that reached a version and of those a fault aborted. */
export function buildGraph(input: GraphInput): ViewGraph {
  const window = windowOf(input);
  const live = input.pods.filter((p) => p.ready);
  const nodes = workloadNodes(live, window, input.downstreamOf);
  const inbound = inboundTaken(live, window, input.ports.http);
  const edges = [
    ...trafficEdges(outboundTraffic(live, window, input), nodes, inbound, window, input.ports.shadow),
    ...abortedEdges(abortedCalls(live, window, input), window),
  ];
  return {
    at: input.at,
    windowSeconds: Math.round(window.seconds * 10) / 10,
    step: input.step,
    nodes: [...nodes].sort((a, b) => a.column - b.column || a.id.localeCompare(b.id)),
    edges: withShares(mergeEdges(edges)).sort(byEnds),
    unreadable: input.unreadable,
  };
}
