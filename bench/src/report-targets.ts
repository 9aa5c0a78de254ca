// The targets section of RESULTS.md: each target as a same-run ratio (or a bound), its verdict, and absolute figures beside it.

import { rps, runsOf, skipReason, table, throughputRatio } from './report-table.ts';
import { isSkipped, type MemoryFigures, type Results } from './results.ts';
import { atLeast, atMost, fmt, median, roundRatios, type Verdict } from './stats.ts';

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

/**
 * The services' own share of a tracing mode's cost: their CPU per request with tracing off against with it on, the
 * collector's CPU left out (it is a process of its own, here on the same two cores, on a cluster elsewhere). As a
 * throughput ratio: what the services would serve on the same CPU. Paired by round, like every other ratio.
 */
function servicesShareTarget(results: Results, measure: string, key: string, referenceKey: string, target: number): TargetRow {
  const skipped = skipReason(results, key);
  if (skipped) return { measure, target: `≥ ${target}×`, value: '–', verdict: `skipped: ${skipped}`, absolute: '' };
  const cpuOf = (k: string) => (runsOf(results, k) ?? []).map((r) => r.cpuUsPerRequest);
  const traced = cpuOf(key);
  const off = cpuOf(referenceKey);
  if (!traced.length || !off.length || [...traced, ...off].some((v) => v === undefined))
    return { measure, target: `≥ ${target}×`, value: '–', verdict: 'not measured', absolute: '' };
  const rounds = roundRatios(off as number[], traced as number[]);
  const ratio = median(rounds);
  const spread = rounds.length > 1 ? ` (rounds ${fmt(Math.min(...rounds), '×')}–${fmt(Math.max(...rounds), '×')})` : '';
  const collector = (runsOf(results, key) ?? []).map((r) => r.collectorCpuUsPerRequest).filter((v): v is number => v !== undefined);
  const absolute =
    `services ${Math.round(median(traced as number[]))} vs ${Math.round(median(off as number[]))} µs CPU per request` +
    (collector.length ? `; the collector ${Math.round(median(collector))} µs more` : '');
  return { measure, target: `≥ ${target}×`, value: `${fmt(ratio, '×')}${spread}`, verdict: atLeast(ratio, target), absolute };
}

const REFERENCE_KEYS = new Set(['hello', 'minimal']);

/** Start to ready with telemetry on, two targets: within 1.5× the Fastify hello of the same run, and 300 ms outright. */
const START_VS_HELLO = 1.5;
const START_MS = 300;

function startTargets(results: Results): TargetRow[] {
  const relative = 'Start to ready, telemetry on (slowest service, median), vs the Fastify hello';
  const absolute = 'Start to ready, telemetry on (slowest service, median)';
  const entries = Object.entries(results.services);
  const hello = median(results.referenceStart);
  if (entries.some(([, f]) => isSkipped(f.startOn))) {
    const reason = entries.map(([, f]) => f.startOn).find(isSkipped)!.skipped;
    const [worst, off] = entries.map(([name, f]) => [name, median(f.startOff)] as const).reduce((a, b) => (b[1] > a[1] ? b : a));
    const detail = `telemetry off: slowest ${Math.round(off)} ms (${worst}), ${fmt(off / hello, '×')} the hello reference (${Math.round(hello)} ms)`;
    return [
      { measure: relative, target: `≤ ${START_VS_HELLO}×`, value: '–', verdict: `skipped: ${reason}`, absolute: detail },
      { measure: absolute, target: `≤ ${START_MS} ms`, value: '–', verdict: `skipped: ${reason}`, absolute: '' },
    ];
  }
  const on = entries.map(([name, f]) => [name, median(f.startOn as number[])] as const);
  const [worst, ms] = on.reduce((a, b) => (b[1] > a[1] ? b : a));
  const figures = results.services[worst]!;
  const off = median(figures.startOff);
  const cpu = Array.isArray(figures.startOnCpu)
    ? `; CPU used by then ${Math.round(median(figures.startOnCpu))} ms (hello ${Math.round(median(results.referenceStartCpu))} ms)`
    : '';
  return [
    {
      measure: relative,
      target: `≤ ${START_VS_HELLO}×`,
      value: `${fmt(ms / hello, '×')} (${worst})`,
      verdict: atMost(ms / hello, START_VS_HELLO, '×'),
      absolute: `${Math.round(ms)} vs ${Math.round(hello)} ms${cpu}`,
    },
    {
      measure: absolute,
      target: `≤ ${START_MS} ms`,
      value: `${Math.round(ms)} ms (${worst})`,
      verdict: atMost(ms, START_MS, 'ms'),
      absolute: `${fmt(ms / off, '×')} its start with telemetry off (${Math.round(off)} ms)`,
    },
  ];
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

export function renderTargets(results: Results): string[] {
  const targets: TargetRow[] = [
    throughputTarget(results, 'Features on, tracing off, vs the minimal chain', 'off', 'minimal', 0.85),
    throughputTarget(results, 'Tracing on at 100% (jaeger exporter), vs tracing off', 'jaeger-100', 'off', 0.6),
    servicesShareTarget(
      results,
      "… the services' own CPU per request only (the collector's left out), vs tracing off",
      'jaeger-100',
      'off',
      0.6,
    ),
    throughputTarget(results, 'Tracing on at 100% (otlp exporter), vs tracing off', 'otlp-100', 'off', 0.6),
    throughputTarget(results, '1% parent-based sampling, vs tracing off', 'parentbased-1', 'off', 0.9),
    ...startTargets(results),
    memoryTarget(results),
  ];
  return [
    '## Targets',
    '',
    table(
      ['Measure', 'Target', 'Measured', 'Result', 'Absolute'],
      targets.map((t) => [t.measure, t.target, t.value, verdictText(t.verdict), t.absolute]),
    ),
    '',
  ];
}
