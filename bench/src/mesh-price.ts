// The sidecar's price in Istio's own units (vCPU per 1000 rps per proxy, added latency per hop), and Istio's published figures beside it.
import type { LoadResult } from './load.ts';
import type { EnvoyCpu, EnvoyPasses, MeshFigures } from './results.ts';
import { median } from './stats.ts';

/**
 * One request of the bench through the mesh (step 02-mesh, customer's Route): the edge Envoy, the ingress gateway,
 * then customer, preference and recommendation each behind a sidecar. Every sidecar takes the request in (3 inbound
 * passes); customer's and preference's also send their call on to the next hop (2 outbound). recommendation calls
 * nobody, and the gateway is itself the caller's proxy of the first hop, so no sidecar sends it outbound: 7 passes.
 */
export const CHAIN_PASSES: EnvoyPasses = { edge: 1, gateway: 1, sidecarInbound: 3, sidecarOutbound: 2 };

export const totalPasses = (passes: EnvoyPasses): number => passes.edge + passes.gateway + passes.sidecarInbound + passes.sidecarOutbound;

/**
 * Istio's hop, as its latency test runs it (client → client's sidecar → server's sidecar → server): one call between
 * two meshed workloads crosses two Envoys. The added latency per hop is the whole added latency over passes ÷ 2.
 */
export const PASSES_PER_HOP = 2;

/**
 * vCPU per 1000 requests per second through one proxy pass: CPU seconds ÷ (requests × passes) is the CPU one pass
 * takes per request; at 1000 passes a second that is 1000 × as many CPU seconds each second, i.e. vCPU.
 */
export function vcpuPer1000RpsPerPass(cpuSeconds: number, requests: number, passes: number): number {
  if (!(requests > 0) || !(passes > 0)) return Number.NaN;
  return (1000 * cpuSeconds) / (requests * passes);
}

export interface EnvoyVcpu {
  /** Every Envoy's CPU over every pass. */
  readonly all: number;
  /** The sidecars' CPU over the sidecar passes (inbound and outbound). */
  readonly sidecar: number;
  /** The ingress gateway's pods' CPU over its one pass. */
  readonly gateway: number;
  readonly edge: number;
}

/** Per round, then the median of the rounds (as every other figure of the bench); undefined when not measured. */
export function envoyVcpu(cpu: readonly EnvoyCpu[] | undefined, passes: EnvoyPasses = CHAIN_PASSES): EnvoyVcpu | undefined {
  if (!cpu?.length) return undefined;
  const sidecarPasses = passes.sidecarInbound + passes.sidecarOutbound;
  const of = (pick: (round: EnvoyCpu) => number, n: number) =>
    median(cpu.map((round) => vcpuPer1000RpsPerPass(pick(round), round.requests, n)).filter(Number.isFinite));
  return {
    all: of((r) => r.sidecarSeconds + r.gatewaySeconds + r.edgeSeconds, totalPasses(passes)),
    sidecar: of((r) => r.sidecarSeconds, sidecarPasses),
    gateway: of((r) => r.gatewaySeconds, passes.gateway),
    edge: of((r) => r.edgeSeconds, passes.edge),
  };
}

export interface AddedLatency {
  /** Through the mesh minus the plain chain, ms: the median of the per-round differences. */
  readonly total: number;
  /** total ÷ the Envoy passes. */
  readonly perPass: number;
  /** total ÷ (passes ÷ 2): per call between two Envoys, Istio's hop. */
  readonly perHop: number;
}

/**
 * What the mesh adds to a latency percentile, round by round (both sides ran in the same round, at the same
 * concurrency), then the median. A difference of percentiles is not the percentile of a proxy's own delay: it spreads
 * the end-to-end tail evenly over the passes, which is how Istio's figure is read too. Rounds without the percentile
 * (p90 in older results) are left out; undefined when none has it.
 */
export function addedLatency(
  meshed: readonly LoadResult[],
  unmeshed: readonly LoadResult[],
  pick: 'p50' | 'p90',
  passes: EnvoyPasses = CHAIN_PASSES,
): AddedLatency | undefined {
  const differences = meshed.flatMap((m, round) => {
    const u = unmeshed[round];
    const a = m[pick];
    const b = u?.[pick];
    return typeof a === 'number' && typeof b === 'number' ? [a - b] : [];
  });
  if (!differences.length) return undefined;
  const total = median(differences);
  const n = totalPasses(passes);
  return { total, perPass: total / n, perHop: (total * PASSES_PER_HOP) / n };
}

/** The same figures straight from a run's mesh results (older results give undefined where they lack the data). */
export function meshPrice(mesh: MeshFigures): {
  vcpu?: EnvoyVcpu;
  p50?: AddedLatency;
  p90?: AddedLatency;
  p50AtRate?: AddedLatency;
  p90AtRate?: AddedLatency;
} {
  const passes = mesh.envoyPasses ?? CHAIN_PASSES;
  return {
    vcpu: envoyVcpu(mesh.envoyCpu, passes),
    p50: addedLatency(mesh.meshed, mesh.unmeshed, 'p50', passes),
    p90: addedLatency(mesh.meshed, mesh.unmeshed, 'p90', passes),
    ...(mesh.atRate && {
      p50AtRate: addedLatency(mesh.atRate.meshed, mesh.atRate.unmeshed, 'p50', passes),
      p90AtRate: addedLatency(mesh.atRate.meshed, mesh.atRate.unmeshed, 'p90', passes),
    }),
  };
}

/**
 * Istio's "Performance and Scalability" page for 1.16 (the summary is the same from 1.10 to 1.16; 1.6 said 0.5 vCPU,
 * 50 MB and 3.12 ms, and from 1.21 on the page no longer gives a per-proxy summary).
 */
export const ISTIO_PUBLISHED = {
  version: '1.16.2',
  url: 'https://istio.io/v1.16/docs/ops/deployment/performance-and-scalability/',
  vcpuPer1000Rps: 0.35,
  memoryMbPer1000Rps: 40,
  p90AddedMs: 2.65,
} as const;
