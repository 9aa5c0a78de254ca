// What every RESULTS.md section shares: a series' runs by key, the same-run throughput ratio, and a markdown table.
import { failed, type LoadResult } from './load.ts';
import { isSkipped, type Results } from './results.ts';
import { median, pairedRatio } from './stats.ts';

export const runsOf = (results: Results, key: string): LoadResult[] | undefined => {
  const series = results.series.find((s) => s.key === key);
  return series && !isSkipped(series.runs) ? series.runs : undefined;
};
export const rps = (runs: readonly LoadResult[]) => runs.map((r) => r.rps);
export { failed };

/** Ratio of one configuration's throughput to another's, paired round by round. */
export function throughputRatio(results: Results, key: string, referenceKey: string): number {
  const measured = runsOf(results, key);
  const reference = runsOf(results, referenceKey);
  return measured && reference ? pairedRatio(rps(measured), rps(reference)) : Number.NaN;
}

export function skipReason(results: Results, key: string): string | undefined {
  const series = results.series.find((s) => s.key === key);
  return series && isSkipped(series.runs) ? series.runs.skipped : undefined;
}

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Median (min–max), rounded: a figure and how far it moved. */
export const range = (values: readonly number[]) =>
  `${Math.round(median(values))} (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))})`;
