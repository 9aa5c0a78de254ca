// `mesh status`: the step, the edge, every pod with its proxy, and whether every proxy holds istiod's latest config.

import { defineCommand } from '@mesh-demo/workspace';
import { getStatus, type MeshStatus } from '../control.ts';

function age(since: number): string {
  const seconds = Math.round((Date.now() - since) / 1000);
  return seconds < 120 ? `${seconds}s` : `${Math.round(seconds / 60)}m`;
}

export function formatStatus(status: MeshStatus): string {
  const lines = [`local mesh up ${age(status.startedAt)}, step ${status.files.join(' + ') || '(none yet)'}`];
  if (status.ignored.length) lines.push(`not run here: ${status.ignored.join(', ')}`);
  lines.push('', 'EDGE');
  for (const edge of status.edge) lines.push(`  ${edge.url.padEnd(22)} -> ${edge.host} via ${edge.target} (${edge.endpoints} ready)`);
  lines.push('', 'PODS');
  const rows = status.pods.map((p) => [
    p.namespace,
    p.name,
    p.phase === 'Terminating' || !p.ready ? p.phase.toLowerCase() : 'ready',
    p.ip,
    p.proxy ?? '-',
    String(p.restarts),
  ]);
  const header = ['NAMESPACE', 'NAME', 'STATUS', 'IP', 'PROXY', 'RESTARTS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  if (status.apiError) lines.push(`  unknown: ${status.apiError}`);
  else for (const row of [header, ...rows]) lines.push(`  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`);
  lines.push('', 'CONTROL PLANE');
  const processRows = status.processes.map((p) => [p.name, p.state, String(p.pid ?? '-'), String(p.restarts), p.lastExit ?? '']);
  const processHeader = ['PROCESS', 'STATE', 'PID', 'RESTARTS', 'LAST EXIT'];
  const processWidths = processHeader.map((h, i) => Math.max(h.length, ...processRows.map((r) => r[i]!.length)));
  for (const row of [processHeader, ...processRows])
    lines.push(`  ${row.map((cell, i) => cell.padEnd(processWidths[i]!)).join('  ')}`.trimEnd());
  lines.push('', `traces: ${status.traces.ui} (the trace UI), ${status.traces.query} (Jaeger's query API, ./pnpmw trace)`);
  if (status.apiError || status.configError) {
    lines.push(
      `config: unknown until ${status.apiError ? 'the API server' : 'istiod'} answers again${status.configError && !status.apiError ? ` (${status.configError})` : ''}`,
    );
    return lines.join('\n');
  }
  const proxies = status.pods.filter((p) => p.proxy).length;
  lines.push(
    status.unsynced.length === 0
      ? `config: all ${proxies} proxies hold istiod's latest push`
      : `config: still syncing ${status.unsynced.join(', ')}`,
    status.rejected.length === 0
      ? 'rejected by Envoy: nothing'
      : `rejected by Envoy:\n${status.rejected.map((r) => `  ${r.proxy} ${r.type}: ${r.error}`).join('\n')}`,
  );
  return lines.join('\n');
}

export async function printStatus(): Promise<void> {
  console.log(formatStatus(await getStatus()));
}

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'pods, proxies in sync, and where the edge is',
  run: () => printStatus().then(() => 0),
});
