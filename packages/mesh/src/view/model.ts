// What `mesh view` shows, as the page and the terminal view receive it from GET /api/graph.

/** A workload (an app at one version, over its pods) or the ingress gateway. */
export interface ViewNode {
  /** `app:version` for a workload, `ingress` for the gateway. */
  readonly id: string;
  readonly app: string;
  readonly version: string | null;
  readonly kind: 'ingress' | 'workload';
  /** Left to right: 0 for the ingress, then one column per hop of the chain (customer and partner 1, ...). */
  readonly column: number;
  /** Ready pods of this workload now. */
  readonly pods: number;
  /** Requests to `/` per second that the app counted (mesh_demo_hits_total), mirrored copies apart. */
  readonly hitsPerSecond: number;
  readonly shadowHitsPerSecond: number;
}

/**
 * Traffic from one node to another over the window. `request`: calls routed to that version; `mirror`: copies the
 * source's proxy sent to the shadow port; `aborted`: calls the source's proxy failed on purpose (a fault) before
 * choosing any version, so `to` is the destination app (`app:*`).
 */
export interface ViewEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'request' | 'mirror' | 'aborted';
  readonly requestsPerSecond: number;
  /** This edge's part of everything `from` sent to the same app (mirrors apart), 0..1. */
  readonly share: number;
  /** Answers of 5xx (or aborted calls) over all calls on this edge, 0..1. */
  readonly errorRate: number;
  /** Latency the source's proxy measured (request sent to response complete) over the last 15 s of scrapes: Envoy
   * flushes its histograms every 5 s. Null with no observation. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** The source's proxy spoke mutual TLS to the destination (its TLS handshakes grew in the window). */
  readonly mtls: boolean;
  /** The trace UI's search for this edge's traces (view/trace-links.ts); absent when no trace UI runs. */
  readonly traces?: string;
}

export interface ViewGraph {
  /** When the last scrape ended (epoch ms), and how many seconds of scrapes the rates cover. */
  readonly at: number;
  readonly windowSeconds: number;
  /** The step files `mesh up`/`apply` last ran. */
  readonly step: readonly string[];
  readonly nodes: readonly ViewNode[];
  readonly edges: readonly ViewEdge[];
  /** Pods whose stats could not be read in the last scrape, with why. */
  readonly unreadable: readonly { readonly pod: string; readonly error: string }[];
  /** The trace UI, and its search for the step's traces (every request through the ingress gateway). */
  readonly traces?: { readonly ui: string; readonly step: string };
}
