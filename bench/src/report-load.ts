// The load sections of RESULTS.md: every configuration at the headline concurrency, then scaling across concurrencies.

import { failed, rps, runsOf, table, throughputRatio } from './report-table.ts';
import type { Results, Series } from './results.ts';
import { isSkipped } from './results.ts';
import { fmt, median, medianRun, pairedRatio } from './stats.ts';

const cpu = (values: readonly (number | undefined)[]) => {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? String(Math.round(median(known))) : '–';
};

function seriesRow(results: Results, series: Series): string[] {
  if (isSkipped(series.runs)) return [series.label, `skipped: ${series.runs.skipped}`, '', '', '', '', '', '', '', ''];
  const runs = series.runs;
  const ratio = (ref: string) => (series.key === ref ? '1.00×' : fmt(throughputRatio(results, series.key, ref), '×'));
  return [
    series.label,
    String(Math.round(median(rps(runs)))),
    ratio('hello'),
    ratio('minimal'),
    runsOf(results, 'off') ? ratio('off') : '–',
    median(runs.map((r) => r.p50)).toFixed(1),
    median(runs.map((r) => r.p99)).toFixed(1),
    String(runs.reduce((n, r) => n + failed(r), 0)),
    cpu(runs.map((r) => r.cpuUsPerRequest)),
    cpu(runs.map((r) => r.collectorCpuUsPerRequest)),
  ];
}

export function renderHeadline(results: Results): string[] {
  const head = [
    'Configuration',
    'req/s',
    '× hello',
    '× minimal chain',
    '× tracing off',
    'p50 ms',
    'p99 ms',
    'failed',
    'CPU µs / request',
    'Jaeger CPU µs / request',
  ];
  return [
    `## The chain at ${results.meta.profile.connections} connections`,
    '',
    '`customer → preference → recommendation` (and the references) as real processes on 127.0.0.1; throughput counts 2xx answers only.',
    '',
    table(
      head,
      results.series.map((s) => seriesRow(results, s)),
    ),
    '',
    "CPU µs / request: user + system CPU time of all the configuration's processes (from `/proc/<pid>/stat`) over warm-up and run, " +
      'divided by the requests sent; median over the rounds. A second view of the cost, not a steadier one: on this shared machine it rises ' +
      "when the machine is busy too (fewer requests per wake-up, shared caches), so compare it within a run. Jaeger's is its own process, collecting the spans.",
    '',
  ];
}

export function renderScaling(results: Results): string[] {
  const p = results.meta.profile;
  const head = ['Configuration', ...p.scaling.map((c) => `c=${c}: req/s · p50 · p99 ms`)];
  const rows = results.scaling.map((s) => [
    s.label,
    ...s.runs.map((runs) => {
      const m = medianRun(runs);
      return `${Math.round(m.rps)} · ${m.p50} · ${m.p99}${m.failed ? ` (${m.failed} failed)` : ''}`;
    }),
  ]);
  const minimal = results.scaling.find((s) => s.key === 'minimal');
  for (const s of results.scaling) {
    if (s.key === 'minimal' || !minimal) continue;
    rows.push([
      `${s.key}: throughput × minimal chain`,
      ...s.runs.map((runs, i) => fmt(pairedRatio(rps(runs), rps(minimal.runs[i]!)), '×')),
    ]);
  }
  return [
    '## Scaling',
    '',
    `Each point: median of ${p.scalingRounds} run(s) (${p.warmupSeconds} s warm-up, ${p.scalingSeconds} s measured), configurations interleaved at each concurrency.`,
    '',
    '![Throughput and latency against concurrency](scaling.svg)',
    '',
    table(head, rows),
    '',
  ];
}
