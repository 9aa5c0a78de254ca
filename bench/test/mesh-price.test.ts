// The sidecar's price in Istio's units: vCPU per 1000 rps per pass, added latency per hop, and the table with and without the new figures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addedLatency, CHAIN_PASSES, envoyVcpu, totalPasses, vcpuPer1000RpsPerPass } from '../src/mesh-price.ts';
import { renderMesh } from '../src/report-mesh.ts';
import { renderMeshPrice } from '../src/report-mesh-price.ts';
import { type EnvoyCpu, isSkipped, type MeshFigures } from '../src/results.ts';
import { load, sampleResults } from './fixtures.ts';

function sampleMesh(): MeshFigures {
  const { mesh } = sampleResults();
  assert.ok(!isSkipped(mesh));
  return mesh;
}

const round = (requests: number, sidecarSeconds: number, gatewaySeconds: number, edgeSeconds: number): EnvoyCpu => ({
  requests,
  seconds: 3,
  sidecarSeconds,
  gatewaySeconds,
  edgeSeconds,
  sidecars: 4,
  gateways: 2,
  edges: 1,
});

test('a request through the mesh crosses 7 Envoys: edge, gateway, 3 sidecars inbound, 2 outbound', () => {
  assert.equal(totalPasses(CHAIN_PASSES), 7);
  assert.deepEqual(CHAIN_PASSES, { edge: 1, gateway: 1, sidecarInbound: 3, sidecarOutbound: 2 });
});

test('vCPU per 1000 rps per pass is CPU seconds × 1000 ÷ (requests × passes)', () => {
  // 7 CPU-seconds over 10,000 requests crossing 7 proxies: 100 µs a pass, 0.1 vCPU at 1000 passes a second.
  assert.equal(vcpuPer1000RpsPerPass(7, 10_000, 7), 0.1);
  // Istio's 0.35: 3.5 CPU-seconds for 10,000 requests through one proxy.
  assert.equal(vcpuPer1000RpsPerPass(3.5, 10_000, 1), 0.35);
});

test('no requests or no passes give no figure rather than infinity', () => {
  assert.ok(Number.isNaN(vcpuPer1000RpsPerPass(1, 0, 7)));
  assert.ok(Number.isNaN(vcpuPer1000RpsPerPass(1, 1000, 0)));
});

test('each kind of Envoy is divided by its own passes, and rounds give their median', () => {
  // Round 1: sidecars 2.5 s / (5000 × 5) = 0.1; gateway 0.5 / 5000 = 0.1; edge 1 / 5000 = 0.2; all 4 / 35000.
  // Round 2 doubles every CPU figure, round 3 triples it: the medians are round 2's.
  const cpu = [round(5000, 2.5, 0.5, 1), round(5000, 5, 1, 2), round(5000, 7.5, 1.5, 3)];
  const vcpu = envoyVcpu(cpu);
  assert.ok(vcpu);
  assert.equal(vcpu.sidecar.toFixed(3), '0.200');
  assert.equal(vcpu.gateway.toFixed(3), '0.200');
  assert.equal(vcpu.edge.toFixed(3), '0.400');
  assert.equal(vcpu.all.toFixed(4), ((1000 * 8) / (5000 * 7)).toFixed(4));
});

test('results without Envoy CPU have no vCPU figures', () => {
  assert.equal(envoyVcpu(undefined), undefined);
  assert.equal(envoyVcpu([]), undefined);
});

test('added latency per hop is the median per-round difference over 3.5 hops of 2 passes', () => {
  // p90 differences: 40 - 12 = 28, 30 - 9 = 21, 50 - 10 = 40 -> median 28 ms; 28 / 7 passes = 4; a hop of 2 = 8.
  const meshed = [
    { ...load(900), p90: 40 },
    { ...load(900), p90: 30 },
    { ...load(900), p90: 50 },
  ];
  const unmeshed = [
    { ...load(5000), p90: 12 },
    { ...load(5000), p90: 9 },
    { ...load(5000), p90: 10 },
  ];
  assert.deepEqual(addedLatency(meshed, unmeshed, 'p90'), { total: 28, perPass: 4, perHop: 8 });
});

test('rounds without p90 (older results) are left out, and none at all gives no figure', () => {
  const meshed = [load(900, 64, 30), { ...load(900, 64, 30), p90: 44 }];
  const unmeshed = [load(5000, 64, 9), { ...load(5000, 64, 9), p90: 16 }];
  assert.equal(addedLatency(meshed, unmeshed, 'p90')?.total, 28);
  assert.equal(addedLatency([load(900)], [load(5000)], 'p90'), undefined);
  // p50 is in every result: 30 - 9 = 21 in both rounds.
  assert.equal(addedLatency(meshed, unmeshed, 'p50')?.perHop, 6);
});

test('the table sets our figures beside Istio 1.16.2 published ones, with its page', () => {
  const mesh: MeshFigures = {
    ...sampleMesh(),
    meshed: [{ ...load(1000, 64, 30), p90: 44 }],
    unmeshed: [{ ...load(5000, 64, 9), p90: 16 }],
    envoyCpu: [round(5000, 2.5, 0.5, 1)],
    envoyIdleCpu: round(0, 0.03, 0, 0),
    envoyPasses: CHAIN_PASSES,
    // At the fixed rate: p90 differences 18 - 4 = 14 ms -> 2 ms a pass, 4 ms a hop; the mesh held 98 of its 100 req/s.
    atRate: { rps: 100, meshed: [{ ...load(98, 16, 6), p90: 18 }], unmeshed: [{ ...load(100, 16, 2), p90: 4 }] },
  };
  const markdown = renderMeshPrice(mesh).join('\n');
  assert.match(markdown, /\| Measure \| Here \| Istio 1\.16\.2, published \|/);
  assert.match(markdown, /\| vCPU per 1000 rps per Envoy pass, every Envoy \(7 passes a request\) \| 0\.11 \| 0\.35 per 1000 rps/);
  assert.match(markdown, /\| … the sidecars alone \(5 passes: 3 inbound, 2 outbound\) \| 0\.10 \| 0\.35 \|/);
  assert.match(markdown, /\| … the ingress gateway \(1 pass, its pods together\) \| 0\.10 \| – \|/);
  assert.match(markdown, /\| The Envoys' CPU at rest, all together \| 0\.010 vCPU over 7 Envoys \|/);
  assert.match(
    markdown,
    /\| Envoy RSS per sidecar, idle · after load \(median\) \| 72 · 82 MB \(pilot-agent 37 · 40 MB; 2 pods\) \| 40 MB/,
  );
  assert.match(markdown, /\| Envoy RSS per ingress-gateway pod, idle · after load \(median\) \| 50 · – MB/);
  // Istio's figure stands beside the fixed-rate one (theirs is taken at a fixed rate too), not the saturated one.
  assert.match(
    markdown,
    /\| Added p90 per hop \(2 Envoy passes\), at a fixed 100 req\/s \(held: 98 through the mesh, 100 without\) \| 4\.00 ms \(14\.0 ms in all, 2\.00 ms a pass\) \| 2\.65 ms at 1000 req\/s \|/,
  );
  assert.match(
    markdown,
    /\| Added p50 per hop \(2 Envoy passes\), at a fixed 100 req\/s .* \| 1\.14 ms \(4\.0 ms in all, 0\.57 ms a pass\) \| – \|/,
  );
  assert.match(markdown, /\| Added p90 per hop, saturated \(64 connections\) \| 8\.00 ms \(28\.0 ms in all, 4\.00 ms a pass\) \| – \|/);
  assert.match(markdown, /https:\/\/istio\.io\/v1\.16\/docs\/ops\/deployment\/performance-and-scalability\//);
});

test('older results render the table with "not measured" where the new figures are absent', () => {
  const markdown = renderMesh(sampleResults());
  assert.match(markdown, /\| vCPU per 1000 rps per Envoy pass, every Envoy \(7 passes a request\) \| not measured \|/);
  assert.match(markdown, /\| The Envoys' CPU at rest, all together \| not measured \|/);
  assert.match(markdown, /\| Added p90 per hop \(2 Envoy passes\), at a fixed rate \| not measured \| 2\.65 ms at 1000 req\/s \|/);
  assert.match(markdown, /\| Added p90 per hop, saturated \(64 connections\) \| not measured \| – \|/);
  assert.match(markdown, /\| Envoy RSS of the edge, at rest \| not measured \|/);
  // p50 was always measured: the fixture's 20 - 10 ms in both rounds, over 3.5 hops.
  assert.match(
    markdown,
    /\| Added p50 per hop, saturated \(64 connections, closed loop: mostly queueing\) \| 2\.86 ms \(10\.0 ms in all, 1\.43 ms a pass\) \|/,
  );
  assert.match(markdown, /7 Envoy passes more than the plain chain/);
});
