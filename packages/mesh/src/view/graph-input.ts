// What `mesh view` draws its graph from: the pods, their scrapes, the topology and the chart's ports.
import type { Sample } from './prom-text.ts';

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
