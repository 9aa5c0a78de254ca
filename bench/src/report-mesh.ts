// The mesh section of RESULTS.md: its targets, the sidecars' price against the same chain without them, proxy memory.
import { failed } from './load.ts';
import { isSkipped, type MeshFigures, type Results } from './results.ts';
import { atMost, fmt, median, pairedRatio } from './stats.ts';

const verdict = (v: ReturnType<typeof atMost>) => (v.met ? '✅ met' : `❌ ${v.text}`);
const ms = (values: readonly number[]) => `${Math.round(median(values))} ms (${values.map(Math.round).join(', ')})`;

/** Median of per-round ratios, as for every other headline figure. */
export function sidecarRatios(mesh: MeshFigures): { throughput: number; p99: number } {
  return {
    throughput: pairedRatio(
      mesh.meshed.map((r) => r.rps),
      mesh.unmeshed.map((r) => r.rps),
    ),
    p99: pairedRatio(
      mesh.meshed.map((r) => r.p99),
      mesh.unmeshed.map((r) => r.p99),
    ),
  };
}

export function renderMesh(results: Results): string {
  const out = ['## The local mesh', ''];
  if (isSkipped(results.mesh)) return [...out, `Skipped: ${results.mesh.skipped}.`, ''].join('\n');
  const mesh = results.mesh;
  const { throughput, p99 } = sidecarRatios(mesh);
  const rps = (runs: MeshFigures['meshed']) => Math.round(median(runs.map((r) => r.rps)));
  const p99ms = (runs: MeshFigures['meshed']) => median(runs.map((r) => r.p99));
  const failures = mesh.meshed.reduce((n, r) => n + failed(r), 0);
  const sidecars = mesh.idle.filter((m) => m.proxy === 'sidecar').map((m) => m.agentMb + m.envoyMb);
  const loaded = mesh.afterLoad.filter((m) => m.proxy === 'sidecar').map((m) => m.agentMb + m.envoyMb);
  out.push(
    "`./pnpmw mesh` on this machine: istiod, the ingress gateway, the edge and the step's pods, each app beside its Envoy " +
      'sidecar. The chain without a mesh runs in the same rounds (interleaved), with the same services and settings (tracing off).',
    '',
  );
  out.push(
    [
      '| Measure | Target | Measured | Result |',
      '|---|---|---|---|',
      `| \`mesh up\` to the first 200 at the edge, warm (median, runs) | ≤ 10 s | ${ms(mesh.upWarmMs)} | ${verdict(atMost(median(mesh.upWarmMs), 10_000, 'ms'))} |`,
      `| \`mesh up\` to the first 200, cold (page cache dropped first) | – | ${ms(mesh.upColdMs)} | reported |`,
      `| A step switch visible at the edge (\`mesh apply\` to the new routing) | ≤ 1 s | ${ms(mesh.switchVisibleMs)} | ${verdict(atMost(median(mesh.switchVisibleMs), 1000, 'ms'))} |`,
      `| Throughput through the mesh, × the chain without it | reported | ${fmt(throughput, '×')} (${rps(mesh.meshed)} vs ${rps(mesh.unmeshed)} req/s${failures ? `, ${failures} failed` : ''}) | reported |`,
      `| p99 through the mesh, × the chain without it | reported | ${fmt(p99, '×')} (${p99ms(mesh.meshed)} vs ${p99ms(mesh.unmeshed)} ms) | reported |`,
      `| RSS of one sidecar (pilot-agent + Envoy), idle · after load (median) | reported | ${Math.round(median(sidecars))} · ${Math.round(median(loaded))} MB | reported |`,
    ].join('\n'),
    '',
  );
  out.push(
    'Through the mesh a request crosses the edge Envoy (the Route), the ingress gateway, and two sidecars per hop (the ' +
      "caller's outbound, the callee's inbound, with mutual TLS): 8 Envoy passes more than the plain chain, on the same two cores as " +
      `the services and the load generator. The apply call returns once every proxy acknowledged the push: ${ms(mesh.switchApplyMs)}.`,
    '',
  );
  const rows = mesh.idle.map((m) => {
    const after = mesh.afterLoad.find((a) => a.pod === m.pod);
    return `| ${m.pod} | ${m.proxy} | ${Math.round(m.agentMb)} | ${Math.round(m.envoyMb)} | ${after ? Math.round(after.agentMb + after.envoyMb) : '–'} | ${after ? Math.round(after.peakMb) : '–'} |`;
  });
  out.push('| Pod | Proxy | pilot-agent MB | Envoy MB | both after load MB | peak MB |', '|---|---|---|---|---|---|', ...rows, '');
  return out.join('\n');
}
