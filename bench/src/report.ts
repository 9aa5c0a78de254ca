// Renders bench/RESULTS.md from one run's results: targets as same-run ratios first, absolute figures beside them.
import type { LoadResult } from './load.ts';
import { renderMesh } from './report-mesh.ts';
import { isSkipped, type MemoryFigures, type Results, type Series } from './results.ts';
import { atLeast, atMost, fmt, median, medianRun, pairedRatio, roundRatios, type Verdict } from './stats.ts';

const runsOf = (results: Results, key: string): LoadResult[] | undefined => {
  const series = results.series.find((s) => s.key === key);
  return series && !isSkipped(series.runs) ? series.runs : undefined;
};
const rps = (runs: readonly LoadResult[]) => runs.map((r) => r.rps);
const failed = (r: LoadResult) => r.non2xx + r.errors + r.timeouts;

/** Ratio of one configuration's throughput to another's, paired round by round. */
export function throughputRatio(results: Results, key: string, referenceKey: string): number {
  const measured = runsOf(results, key);
  const reference = runsOf(results, referenceKey);
  return measured && reference ? pairedRatio(rps(measured), rps(reference)) : Number.NaN;
}

function skipReason(results: Results, key: string): string | undefined {
  const series = results.series.find((s) => s.key === key);
  return series && isSkipped(series.runs) ? series.runs.skipped : undefined;
}

interface TargetRow {
  readonly measure: string;
  readonly target: string;
  readonly value: string;
  readonly verdict: Verdict | string;
  readonly absolute: string;
}

function throughputTarget(results: Results, measure: string, key: string, referenceKey: string, target: number): TargetRow {
  const skipped = skipReason(results, key);
  if (skipped) return { measure, target: `≥ ${target}×`, value: '–', verdict: `skipped: ${skipped}`, absolute: '' };
  if (!runsOf(results, key) || !runsOf(results, referenceKey))
    return { measure, target: `≥ ${target}×`, value: '–', verdict: 'not measured', absolute: '' };
  const ratio = throughputRatio(results, key, referenceKey);
  const measured = rps(runsOf(results, key)!);
  const reference = rps(runsOf(results, referenceKey)!);
  const rounds = roundRatios(measured, reference);
  const spread = rounds.length > 1 ? ` (rounds ${fmt(Math.min(...rounds), '×')}–${fmt(Math.max(...rounds), '×')})` : '';
  const absolute = `${Math.round(median(measured))} vs ${Math.round(median(reference))} req/s`;
  return { measure, target: `≥ ${target}×`, value: `${fmt(ratio, '×')}${spread}`, verdict: atLeast(ratio, target), absolute };
}

const REFERENCE_KEYS = new Set(['hello', 'minimal']);

function startTarget(results: Results): TargetRow {
  const measure = 'Start to ready, telemetry on (slowest service, median)';
  const entries = Object.entries(results.services);
  const hello = median(results.referenceStart);
  if (entries.some(([, f]) => isSkipped(f.startOn))) {
    const reason = entries.map(([, f]) => f.startOn).find(isSkipped)!.skipped;
    const [worst, off] = entries.map(([name, f]) => [name, median(f.startOff)] as const).reduce((a, b) => (b[1] > a[1] ? b : a));
    return {
      measure,
      target: '≤ 400 ms',
      value: '–',
      verdict: `skipped: ${reason}`,
      absolute: `telemetry off: slowest ${Math.round(off)} ms (${worst}), ${fmt(off / hello, '×')} the hello reference (${Math.round(hello)} ms)`,
    };
  }
  const on = entries.map(([name, f]) => [name, median(f.startOn as number[])] as const);
  const [worst, ms] = on.reduce((a, b) => (b[1] > a[1] ? b : a));
  const figures = results.services[worst]!;
  const off = median(figures.startOff);
  const cpu = Array.isArray(figures.startOnCpu)
    ? `; CPU used by then ${Math.round(median(figures.startOnCpu))} ms (hello ${Math.round(median(results.referenceStartCpu))} ms)`
    : '';
  return {
    measure,
    target: '≤ 400 ms',
    value: `${Math.round(ms)} ms (${worst})`,
    verdict: atMost(ms, 400, 'ms'),
    absolute: `${fmt(ms / off, '×')} its start with telemetry off (${Math.round(off)} ms), ${fmt(ms / hello, '×')} the hello reference (${Math.round(hello)} ms)${cpu}`,
  };
}

function memoryTarget(results: Results): TargetRow {
  const measure = 'Idle RSS per service (largest, any configuration)';
  let worst: { m?: MemoryFigures; where: string } = { where: '' };
  for (const [key, figures] of Object.entries(results.memory)) {
    if (isSkipped(figures) || REFERENCE_KEYS.has(key)) continue;
    for (const [name, m] of Object.entries(figures)) if (!worst.m || m.idleMb > worst.m.idleMb) worst = { m, where: `${name}, ${key}` };
  }
  if (!worst.m) return { measure, target: '≤ 90 MB', value: '–', verdict: 'not measured', absolute: '' };
  const minimal = results.memory.minimal;
  const hop = minimal && !isSkipped(minimal) ? median(Object.values(minimal).map((m) => m.idleMb)) : Number.NaN;
  return {
    measure,
    target: '≤ 90 MB',
    value: `${Math.round(worst.m.idleMb)} MB (${worst.where})`,
    verdict: atMost(worst.m.idleMb, 90, 'MB'),
    absolute: `${fmt(worst.m.idleMb / hop, '×')} a minimal-chain hop (${Math.round(hop)} MB); private (RssAnon) ${Math.round(worst.m.idleAnonMb)} MB`,
  };
}

const verdictText = (v: Verdict | string) => (typeof v === 'string' ? v : v.met ? '✅ met' : `❌ ${v.text}`);

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

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

const range = (values: readonly number[]) =>
  `${Math.round(median(values))} (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))})`;
const cpu = (values: readonly (number | undefined)[]) => {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? String(Math.round(median(known))) : '–';
};
const mb = (value: number | undefined) => (value === undefined ? '–' : String(Math.round(value)));

export function renderMarkdown(results: Results): string {
  const { meta } = results;
  const p = meta.profile;
  const out: string[] = [];
  out.push('# Benchmark results', '');
  out.push(
    `Written by \`pnpm bench${p.name === 'quick' ? ' --quick' : ''}\` on ${meta.date.slice(0, 16).replace('T', ' ')} UTC: ${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}, ` +
      `load average ${meta.loadBefore.map((l) => l.toFixed(1)).join(' ')} before and ${meta.loadAfter.map((l) => l.toFixed(1)).join(' ')} after, ${meta.elapsedSeconds} s in all. ` +
      'How it is measured, and what limits each missed target: [README](README.md#notes-on-the-committed-run).',
    '',
  );
  out.push(
    `Every headline figure is a ratio to a reference measured in the same run: each of ${p.rounds} round(s) measures every configuration ` +
      `once (${p.warmupSeconds} s warm-up, then ${p.durationSeconds} s at ${p.connections} connections), the ratio is taken within each round, ` +
      'and the table shows the median of those ratios. Absolute figures are medians too; on this shared machine they move from run to run, the ratios much less.',
    '',
  );
  out.push(`Telemetry: ${meta.telemetry}. Jaeger: ${meta.jaeger}.`, '');

  out.push('## Targets', '');
  const targets: TargetRow[] = [
    throughputTarget(results, 'Features on, tracing off, vs the minimal chain', 'off', 'minimal', 0.85),
    throughputTarget(results, 'Tracing on at 100% (jaeger exporter), vs tracing off', 'jaeger-100', 'off', 0.6),
    throughputTarget(results, 'Tracing on at 100% (otlp exporter), vs tracing off', 'otlp-100', 'off', 0.6),
    throughputTarget(results, '1% parent-based sampling, vs tracing off', 'parentbased-1', 'off', 0.9),
    startTarget(results),
    memoryTarget(results),
  ];
  out.push(
    table(
      ['Measure', 'Target', 'Measured', 'Result', 'Absolute'],
      targets.map((t) => [t.measure, t.target, t.value, verdictText(t.verdict), t.absolute]),
    ),
    '',
  );

  out.push(`## The chain at ${p.connections} connections`, '');
  out.push(
    '`customer → preference → recommendation` (and the references) as real processes on 127.0.0.1; throughput counts 2xx answers only.',
    '',
  );
  out.push(
    table(
      [
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
      ],
      results.series.map((s) => seriesRow(results, s)),
    ),
    '',
  );
  out.push(
    "CPU µs / request: user + system CPU time of all the configuration's processes (from `/proc/<pid>/stat`) over warm-up and run, " +
      'divided by the requests sent; median over the rounds. A second view of the cost, not a steadier one: on this shared machine it rises ' +
      "when the machine is busy too (fewer requests per wake-up, shared caches), so compare it within a run. Jaeger's is its own process, collecting the spans.",
    '',
  );

  out.push('## Scaling', '');
  out.push(
    `Each point: median of ${p.scalingRounds} run(s) (${p.warmupSeconds} s warm-up, ${p.scalingSeconds} s measured), configurations interleaved at each concurrency.`,
    '',
  );
  out.push('![Throughput and latency against concurrency](scaling.svg)', '');
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
  out.push(table(head, rows), '');

  out.push('## Per service', '');
  out.push('### Start to ready', '');
  const cpuMedian = (values: number[] | { skipped: string } | undefined) =>
    Array.isArray(values) && values.length ? String(Math.round(median(values))) : '–';
  const startRows = Object.entries(results.services).map(([name, f]) => {
    const on = isSkipped(f.startOn)
      ? `skipped: ${f.startOn.skipped}`
      : `${Math.round(median(f.startOn))} (${fmt(median(f.startOn) / median(f.startOff), '×')})`;
    return [name, range(f.startOff), cpuMedian(f.startOffCpu), on, cpuMedian(f.startOnCpu)];
  });
  startRows.push(['reference: Fastify hello', range(results.referenceStart), cpuMedian(results.referenceStartCpu), '–', '–']);
  out.push(
    table(['Process', 'telemetry off: median ms (min–max)', 'off: CPU ms', 'telemetry on: median ms (× off)', 'on: CPU ms'], startRows),
    '',
  );
  out.push(
    `Median of ${p.startRuns} start(s) each, from spawn until \`/health/ready\` answers 200 (polled every 5 ms), one process at a time. ` +
      'CPU ms: user + system time the process had used when it first answered ready; on a busy machine the wall time stretches, the CPU time much less.',
    '',
  );
  out.push('### Memory', '');
  const memoryRows: string[][] = [];
  for (const [key, figures] of Object.entries(results.memory)) {
    if (isSkipped(figures)) {
      memoryRows.push([key, '', `skipped: ${figures.skipped}`, '', '', '']);
      continue;
    }
    for (const [name, m] of Object.entries(figures))
      memoryRows.push([key, name, mb(m.idleMb), mb(m.idleAnonMb), mb(m.afterLoadMb), mb(m.peakMb)]);
  }
  out.push(
    table(['Configuration', 'Process', 'idle RSS MB', 'idle private (RssAnon) MB', 'RSS after load MB', 'peak RSS (VmHWM) MB'], memoryRows),
    '',
  );
  out.push(
    'Idle: 1 s after every process is ready, before any load. Peak: the high-water mark over the whole run, i.e. under load up to ' +
      `${Math.max(...p.scaling)} connections. partner takes no load (customer is the edge), so its peak is its idle.`,
    '',
  );

  out.push('## Connection reuse', '');
  out.push(
    table(
      ['Hop', 'opened in warm-up', 'chained requests measured', 'opened while measured', 'per 1,000 requests'],
      results.reuse.map((r) => [r.hop, String(r.warmupOpened), String(r.requests), String(r.opened), r.per1000.toFixed(2)]),
    ),
    '',
  );
  out.push(
    `A counting TCP proxy in front of each downstream counts the connections its caller opens. Warm-up at ${p.connections} connections ` +
      'runs in 1 s steps until a step opens none (at most 10 s); with keep-alive reuse the measured requests then open none.',
    '',
  );
  out.push(renderMesh(results));
  return `${out.join('\n')}`;
}
