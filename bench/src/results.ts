// The shape of bench/results.json: every raw figure of one run, from which RESULTS.md and the plot are rendered.
import type { HeapFigures, SnapshotSummary } from './heap.ts';
import type { LoadResult } from './load.ts';
import type { OverloadLoadResult } from './overload-load.ts';

export type Skipped = { readonly skipped: string };

export interface Profile {
  readonly name: 'full' | 'quick';
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly scaling: readonly number[];
  /** Rounds over the scaling concurrencies (each point is the median of this many runs). */
  readonly scalingRounds: number;
  /** Measured seconds per scaling run. */
  readonly scalingSeconds: number;
  readonly startRuns: number;
  readonly reuseRequests: number;
  /** Overload phase: seconds of load, then seconds of RSS sampling after it (the target is 60 s after). */
  readonly overloadSeconds: number;
  readonly overloadAfterSeconds: number;
}

/** One configuration measured at the headline concurrency, once per round. */
export interface Series {
  readonly key: string;
  readonly label: string;
  readonly runs: LoadResult[] | Skipped;
}

/** Start to ready of the Fastify hello reference, ms, measured the same way in the same run. */
export type ReferenceStart = number[];

export interface ServiceFigures {
  /** Start to ready, ms, one value per start. */
  readonly startOff: number[];
  readonly startOn: number[] | Skipped;
  /** CPU time (user + system) used by the moment it was ready, ms, one value per start. */
  readonly startOffCpu: number[];
  readonly startOnCpu: number[] | Skipped;
}

export interface MemoryFigures {
  /** VmRSS after ready, before any load. */
  readonly idleMb: number;
  /** RssAnon at the same moment: private memory, without the shared pages of the node binary. */
  readonly idleAnonMb: number;
  /** VmRSS once the load phases are over. */
  readonly afterLoadMb: number;
  /** VmHWM: the peak RSS over the process's life, i.e. under load. */
  readonly peakMb: number;
}

export interface ReuseFigures {
  /** The hop whose client connections were counted, e.g. "customer → preference". */
  readonly hop: string;
  readonly warmupOpened: number;
  readonly requests: number;
  readonly opened: number;
  readonly per1000: number;
}

/** One pod's proxy (the pilot-agent and Envoy processes of istio-proxy). */
export interface ProxyMemory {
  readonly pod: string;
  readonly proxy: 'sidecar' | 'router';
  readonly agentMb: number;
  readonly envoyMb: number;
  /** VmHWM of both: their peak over their life. */
  readonly peakMb: number;
}

/**
 * CPU time (user + system, s) the mesh's Envoy processes used over one stretch of time, by where they sit: the pods'
 * sidecars, the ingress gateway's pods, the edge (the host's Envoy standing in for OpenShift's router).
 */
export interface EnvoyCpu {
  /** Requests the load generator sent over the stretch, warm-up included (0 at rest). */
  readonly requests: number;
  /** Wall time of the stretch, s. */
  readonly seconds: number;
  readonly sidecarSeconds: number;
  readonly gatewaySeconds: number;
  readonly edgeSeconds: number;
  /** How many Envoy processes each sum is over (a sidecar that carries none of the chain still idles in its sum). */
  readonly sidecars: number;
  readonly gateways: number;
  readonly edges: number;
}

/** How many times one chained request crosses an Envoy of each kind through the mesh; the plain chain crosses none. */
export interface EnvoyPasses {
  readonly edge: number;
  readonly gateway: number;
  readonly sidecarInbound: number;
  readonly sidecarOutbound: number;
}

/** The local mesh (`./pnpmw mesh`), measured in the same run. */
export interface ControlPlaneMemory {
  readonly name: string;
  readonly rssMb: number;
}

export interface MeshFigures {
  /**
   * The same chain through the mesh and without it at a fixed rate well below the mesh's saturation, interleaved by
   * round: the latency the proxies add when nothing queues. Absent in results from before it was measured.
   */
  readonly atRate?: { readonly rps: number; readonly meshed: LoadResult[]; readonly unmeshed: LoadResult[] };
  /** `mesh up` until the edge answers 200, ms: after dropping the page cache (first start), then warm. */
  readonly upColdMs: number[];
  readonly upWarmMs: number[];
  /** From `mesh apply` to the edge answering by the new step, ms; and when the apply call itself returned. */
  readonly switchVisibleMs: number[];
  readonly switchApplyMs: number[];
  /** From the apply call's return to the edge answering by the new step, ms (0 when it already did). */
  readonly switchAfterApplyMs: number[];
  /** RSS of each control-plane process at rest with step 02 running (etcd, the API server, ..., istiod, CoreDNS). */
  readonly controlPlane: ControlPlaneMemory[];
  /** Interleaved rounds at the headline concurrency: through the edge, gateway and sidecars, and the same chain without a mesh. */
  readonly meshed: LoadResult[];
  readonly unmeshed: LoadResult[];
  readonly idle: ProxyMemory[];
  readonly afterLoad: ProxyMemory[];
  /**
   * Interleaved rounds through the edge with every proxy tracing each request (the Telemetry mesh-default at 100%, as
   * the local cluster starts) and with none tracing (0%); the services do not trace in either. Absent in older results.
   */
  readonly proxyTracing?: { readonly tracing: LoadResult[]; readonly notTracing: LoadResult[] };
  /** The Envoys' CPU over each meshed round (same order as `meshed`, warm-up included). Absent in older results. */
  readonly envoyCpu?: EnvoyCpu[];
  /** The Envoys' CPU over a stretch at rest just before the rounds (requests 0): what they use with no traffic. */
  readonly envoyIdleCpu?: EnvoyCpu;
  /** The passes the per-pass figures divide by, as the run counted them from the topology. */
  readonly envoyPasses?: EnvoyPasses;
}

/** One service of the overloaded chain: its RSS (VmRSS) at each moment, MB, and the cores it was pinned to. */
export interface OverloadMemory {
  readonly name: string;
  readonly cpus: string;
  /** 1 s after it was pinned, before the load. */
  readonly idleMb: number;
  /** VmHWM read when the load ended: the peak over its life, i.e. under the load. */
  readonly peakMb: number;
  readonly endOfLoadMb: number;
  /** The last sample, afterSeconds after the load ended. */
  readonly afterMb: number;
}

/** The chain overloaded: recommendation slowed, far more polite callers than admission lets in, from a core of their own. */
export interface OverloadFigures {
  readonly clients: number;
  /** Whether the load generator ran at real-time priority on the core it shared with customer's downstreams (absent: older results, where the three services shared a core and the generator had the other). */
  readonly generatorRealtime?: boolean;
  readonly maxInFlight: number;
  readonly leafDelayMs: number;
  readonly loadSeconds: number;
  readonly afterSeconds: number;
  readonly load: OverloadLoadResult;
  readonly memory: OverloadMemory[];
  /** RSS of each service every second from the start of the load, s since then; loadEndedAt marks the end. */
  readonly samples: { readonly t: number; readonly rssMb: Record<string, number> }[];
  readonly loadEndedAt: number;
  /** CPU time (user + system) each service used during the load, s: near the load's length, their core was full. */
  readonly cpuSeconds: Record<string, number>;
  /** Connection attempts the kernel dropped during the load because a listen queue was full (machine-wide). */
  readonly listenOverflows: number;
  /** The machine's load average when the load began and ended: other work shares the cores. */
  readonly loadAverage: { readonly before: number[]; readonly after: number[] };
  /** The first request once the load was over, and how long it took (the leaf still takes its delay). */
  readonly firstAfter: { readonly status: number | string; readonly ms: number };
  /** customer's V8 heap from its metrics; with a snapshot when its RSS was not back within 25% of idle. */
  readonly heap: {
    readonly idle: HeapFigures;
    readonly endOfLoad: HeapFigures;
    readonly after: HeapFigures;
    readonly snapshot?: { readonly file: string; readonly summary: SnapshotSummary; readonly afterIt: HeapFigures };
  };
}

/** One `compose --profile mesh up --wait` of the mesh container, and the `down` after it. */
export interface MeshContainerStart {
  /** To the first 200 at the published edge, ms. */
  readonly firstOkMs: number;
  /** To `up --wait`'s return (the container healthy: the step live), ms. */
  readonly waitMs: number;
  readonly downMs: number;
}

export interface MeshContainerFigures {
  /** When these were measured; `apart` when `--container-only` added them to a full run's results afterwards. */
  readonly date: string;
  readonly apart?: boolean;
  readonly image: string;
  /** Uncompressed, as the engine counts it; and `docker save | gzip -1`, about what a registry carries. */
  readonly imageBytes: number;
  readonly compressedBytes: number;
  readonly layers: number;
  /** A new container with the page cache dropped first; then new containers with the image's files cached. */
  readonly cold: MeshContainerStart;
  readonly warm: MeshContainerStart[];
  /** Compose files laid over docker-compose.yml (CI's stand-in for privileged, where the machine needs it). */
  readonly overrides: readonly string[];
}

/** One process of a chain in the Java phase: its RSS idle (after start, before any load), after the load, and its peak. */
export interface JavaPhaseMemory {
  readonly idleMb: number;
  readonly idleAnonMb: number;
  readonly afterLoadMb: number;
  readonly peakMb: number;
}

/** One chain of the Java phase: warmed until its throughput settled (or the cap), then measured round by round. */
export interface JavaChainFigures {
  /** What the chain answered to one GET / before the load: the text chain, checked. */
  readonly answer: string;
  /** req/s of each warm-up round, in order, and whether the last two came within the tolerance (else: the cap ended it). */
  readonly warmupRps: number[];
  readonly settled: boolean;
  readonly warmupSeconds: number;
  /** The measured rounds, one per round; cpuUsPerRequest is the whole chain's (its three processes summed). */
  readonly runs: LoadResult[];
  /** Per process (customer, preference, recommendation). */
  readonly memory: Record<string, JavaPhaseMemory>;
}

export interface JavaChain {
  readonly key: 'off' | 'minimal' | 'springboot' | 'quarkus-jvm';
  readonly label: string;
  readonly figures: JavaChainFigures | Skipped;
}

/** The Java phase: our chain and the minimal Node chain beside istio-tutorial's Spring Boot and Quarkus JVM chains. */
export interface JavaFigures {
  /** `java -version`'s first line, and the upstream commit the Java sources are vendored from. */
  readonly jvm: string;
  readonly upstream: string;
  readonly connections: number;
  readonly warmup: {
    readonly roundSeconds: number;
    readonly minJvmSeconds: number;
    readonly minNodeSeconds: number;
    readonly maxSeconds: number;
    readonly tolerance: number;
  };
  readonly rounds: number;
  readonly durationSeconds: number;
  /** The machine's load average when the phase began and ended: other work shares the cores. */
  readonly loadAverage: { readonly before: number[]; readonly after: number[] };
  readonly chains: JavaChain[];
}

export interface Results {
  readonly meta: {
    readonly date: string;
    readonly profile: Profile;
    readonly node: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly loadBefore: number[];
    readonly loadAfter: number[];
    readonly telemetry: string;
    readonly jaeger: string;
    readonly elapsedSeconds: number;
  };
  /** hello, minimal, off, then one per tracing mode. */
  readonly series: Series[];
  /** Per configuration: runs[i] holds the runs (one per scaling round) at concurrency profile.scaling[i]. */
  readonly scaling: { readonly key: string; readonly label: string; readonly runs: LoadResult[][] }[];
  readonly services: Record<string, ServiceFigures>;
  readonly referenceStart: ReferenceStart;
  readonly referenceStartCpu: number[];
  /** Per configuration key (hello, minimal, off, jaeger-100, ...), per process. */
  readonly memory: Record<string, Record<string, MemoryFigures> | Skipped>;
  readonly reuse: ReuseFigures[];
  /** Absent in results from before the overload phase. */
  readonly overload?: OverloadFigures | Skipped;
  readonly mesh: MeshFigures | Skipped;
  /** Absent in results from before the mesh container. */
  readonly meshContainer?: MeshContainerFigures | Skipped;
  /** Absent in results from before the Java references (issue 24's third pass). */
  readonly java?: JavaFigures | Skipped;
}

export function isSkipped(value: unknown): value is Skipped {
  return typeof value === 'object' && value !== null && 'skipped' in value;
}
