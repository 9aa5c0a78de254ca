// Scrapes every proxy of the local mesh once a second and keeps the last few scrapes of each, for graph.ts.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CHART_DIR, downstreamOf, isServiceName } from '@mesh-demo/workspace';
import { parse } from 'yaml';
import type { MeshStatus } from '../control.ts';
import { buildGraph, type ChartPorts, type Scrape, type ViewPod } from './graph.ts';
import type { ViewGraph } from './model.ts';
import { parsePrometheusText } from './prom-text.ts';
import { withTraceLinks } from './trace-links.ts';

/** Scrapes kept for latency: Envoy flushes its histograms every 5 s, so quantiles need a few flushes to read. */
const LATENCY_SECONDS = 15;
/** pilot-agent's status port serves Envoy's stats merged with the app's /metrics (Istio's metrics merging). */
const STATS_PORT = 15020;
/** Only these series feed the graph; the rest of a scrape (hundreds of series per proxy) is dropped on arrival. */
const KEPT = new Set([
  'envoy_cluster_upstream_rq_total',
  'envoy_cluster_upstream_rq',
  'envoy_cluster_upstream_rq_time_bucket',
  'envoy_cluster_ssl_handshake',
  'envoy_cluster_upstream_cx_total',
  'envoy_http_fault_aborts_injected',
  'mesh_demo_hits_total',
]);

/** The chart's default ports (values.yaml `ports`), which every example step keeps. */
export function chartPorts(): ChartPorts {
  const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as { ports: ChartPorts };
  return values.ports;
}

export interface ScraperOptions {
  readonly status: () => Promise<MeshStatus>;
  /** How many seconds of scrapes the rates cover: long enough to be steady, short enough to follow a step switch. */
  readonly windowSeconds: number;
  readonly fetchStats?: (ip: string, signal: AbortSignal) => Promise<string>;
}

async function fetchStats(ip: string, signal: AbortSignal): Promise<string> {
  const response = await fetch(`http://${ip}:${STATS_PORT}/stats/prometheus`, { signal });
  if (!response.ok) throw new Error(`answered ${response.status}`);
  return response.text();
}

export class Scraper {
  private readonly scrapes = new Map<string, Scrape[]>();
  private readonly ports = chartPorts();
  private latest: ViewGraph | undefined;
  private lastError: string | undefined;
  private readonly options: ScraperOptions;

  constructor(options: ScraperOptions) {
    this.options = options;
  }

  /** The graph of the last scrape round, or why there is none yet. */
  graph(): ViewGraph | { error: string } {
    return this.latest ?? { error: this.lastError ?? 'the first scrape has not finished yet' };
  }

  /** One round: the supervisor's pods, then every proxy's stats in parallel (each bounded by `timeoutMs`). */
  async scrape(timeoutMs = 900): Promise<ViewGraph> {
    let status: MeshStatus;
    try {
      status = await this.options.status();
    } catch (error) {
      // A stale graph would look live: the page says why instead, and keeps its last drawing.
      this.latest = undefined;
      this.lastError = (error as Error).message;
      throw error;
    }
    const pods = status.pods.filter((p) => p.proxy && p.ip && p.phase !== 'Terminating');
    const at = Date.now();
    const unreadable: { pod: string; error: string }[] = [];
    await Promise.all(
      pods.map(async (pod) => {
        try {
          const text = await (this.options.fetchStats ?? fetchStats)(pod.ip, AbortSignal.timeout(timeoutMs));
          const samples = parsePrometheusText(text).filter((s) => KEPT.has(s.name));
          const kept = [...(this.scrapes.get(pod.name) ?? []), { at, samples }].filter(
            (s) => s.at >= at - Math.max(LATENCY_SECONDS, this.options.windowSeconds) * 1000,
          );
          this.scrapes.set(pod.name, kept);
        } catch (error) {
          unreadable.push({ pod: pod.name, error: (error as Error).message });
        }
      }),
    );
    // Pods that went away take their scrapes with them.
    const names = new Set(pods.map((p) => p.name));
    for (const name of this.scrapes.keys()) if (!names.has(name)) this.scrapes.delete(name);
    const appPod = status.pods.find((p) => p.service);
    const namespace = appPod?.namespace ?? 'mesh-demo';
    const graph = buildGraph({
      pods: pods.map(viewPod),
      scrapes: this.scrapes,
      downstreamOf: (app) => (isServiceName(app) ? downstreamOf(app) : undefined),
      ports: this.ports,
      namespace,
      step: status.files.map((f) => basename(f).replace(/\.ya?ml$/, '')),
      at,
      windowSeconds: this.options.windowSeconds,
      unreadable,
    });
    this.latest = withTraceLinks(graph, status.traces?.ui, namespace);
    this.lastError = undefined;
    return this.latest;
  }
}

function viewPod(pod: MeshStatus['pods'][number]): ViewPod {
  return {
    name: pod.name,
    app: pod.labels.app ?? pod.workload,
    version: pod.labels.version ?? null,
    ingress: pod.proxy === 'router',
    ready: pod.ready,
  };
}
