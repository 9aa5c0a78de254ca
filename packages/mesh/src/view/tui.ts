// mesh view --tui: the same graph as text, redrawn in place, for a terminal without a browser.
import type { ViewGraph } from './model.ts';

const pct = (r: number) => `${(r * 100).toFixed(r > 0 && r < 0.01 ? 1 : 0)}%`;
const num = (n: number | null) => (n === null ? '-' : n < 10 ? n.toFixed(1) : n.toFixed(0));

/** The graph as lines: the step, each node with its hits, then each edge with its rate, share, errors and latency. */
export function formatGraph(graph: ViewGraph): string {
  const lines = [
    `step ${graph.step.join(' + ') || '-'}   rates over ${graph.windowSeconds} s   ${new Date(graph.at).toLocaleTimeString()}`,
    '',
  ];
  for (const node of graph.nodes) {
    if (node.kind === 'ingress') continue;
    const shadow = node.shadowHitsPerSecond > 0 ? ` + ${num(node.shadowHitsPerSecond)} shadow` : '';
    lines.push(
      `  ${`${node.app} ${node.version}`.padEnd(22)} ${String(node.pods).padStart(2)} pod(s)  ${num(node.hitsPerSecond).padStart(6)} hits/s${shadow}`,
    );
  }
  lines.push('');
  const rows = graph.edges.map((e) => [
    e.from,
    e.kind === 'mirror' ? '~~>' : e.kind === 'aborted' ? '-x>' : '-->',
    e.to,
    `${num(e.requestsPerSecond)}/s`,
    e.kind === 'request' ? pct(e.share) : e.kind,
    e.errorRate > 0 ? `err ${pct(e.errorRate)}` : '',
    e.p99Ms === null ? '' : `p50 ${num(e.p50Ms)} p99 ${num(e.p99Ms)} ms`,
    e.mtls ? 'mTLS' : '',
  ]);
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  for (const row of rows)
    lines.push(
      `  ${row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}`,
    );
  if (rows.length === 0) lines.push('  no traffic in the window: send some (./pnpmw loop)');
  for (const u of graph.unreadable) lines.push(`  stats not read from ${u.pod}: ${u.error}`);
  return lines.join('\n');
}
