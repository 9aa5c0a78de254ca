// The per-process sections of RESULTS.md: start to ready, memory, and connection reuse between hops.

import { range, table } from './report-table.ts';
import { isSkipped, type Results } from './results.ts';
import { fmt, median } from './stats.ts';

const cpuMedian = (values: number[] | { skipped: string } | undefined) =>
  Array.isArray(values) && values.length ? String(Math.round(median(values))) : '–';
const mb = (value: number | undefined) => (value === undefined ? '–' : String(Math.round(value)));

export function renderStart(results: Results): string[] {
  const rows = Object.entries(results.services).map(([name, f]) => {
    const on = isSkipped(f.startOn)
      ? `skipped: ${f.startOn.skipped}`
      : `${Math.round(median(f.startOn))} (${fmt(median(f.startOn) / median(f.startOff), '×')})`;
    return [name, range(f.startOff), cpuMedian(f.startOffCpu), on, cpuMedian(f.startOnCpu)];
  });
  rows.push(['reference: Fastify hello', range(results.referenceStart), cpuMedian(results.referenceStartCpu), '–', '–']);
  return [
    '## Per service',
    '',
    '### Start to ready',
    '',
    table(['Process', 'telemetry off: median ms (min–max)', 'off: CPU ms', 'telemetry on: median ms (× off)', 'on: CPU ms'], rows),
    '',
    `Median of ${results.meta.profile.startRuns} start(s) each, from spawn until \`/health/ready\` answers 200 (polled every 5 ms), one process at a time. ` +
      'CPU ms: user + system time the process had used when it first answered ready; on a busy machine the wall time stretches, the CPU time much less.',
    '',
  ];
}

export function renderMemory(results: Results): string[] {
  const rows: string[][] = [];
  for (const [key, figures] of Object.entries(results.memory)) {
    if (isSkipped(figures)) {
      rows.push([key, '', `skipped: ${figures.skipped}`, '', '', '']);
      continue;
    }
    for (const [name, m] of Object.entries(figures))
      rows.push([key, name, mb(m.idleMb), mb(m.idleAnonMb), mb(m.afterLoadMb), mb(m.peakMb)]);
  }
  return [
    '### Memory',
    '',
    table(['Configuration', 'Process', 'idle RSS MB', 'idle private (RssAnon) MB', 'RSS after load MB', 'peak RSS (VmHWM) MB'], rows),
    '',
    'Idle: 1 s after every process is ready, before any load. Peak: the high-water mark over the whole run, i.e. under load up to ' +
      `${Math.max(...results.meta.profile.scaling)} connections. partner takes no load (customer is the edge), so its peak is its idle.`,
    '',
  ];
}

export function renderReuse(results: Results): string[] {
  return [
    '## Connection reuse',
    '',
    table(
      ['Hop', 'opened in warm-up', 'chained requests measured', 'opened while measured', 'per 1,000 requests'],
      results.reuse.map((r) => [r.hop, String(r.warmupOpened), String(r.requests), String(r.opened), r.per1000.toFixed(2)]),
    ),
    '',
    `A counting TCP proxy in front of each downstream counts the connections its caller opens. Warm-up at ${results.meta.profile.connections} connections ` +
      'runs in 1 s steps until a step opens none (at most 10 s); with keep-alive reuse the measured requests then open none.',
    '',
  ];
}
