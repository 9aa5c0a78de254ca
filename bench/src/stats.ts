// Small statistics and the ratio rules every headline figure follows (a ratio to a reference from the same run).
import { failed, type LoadResult } from './load.ts';
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The nearest-rank percentile (the smallest value with at least p% of the values at or below it): always a value that
 * was measured, so a p99 of shed answers is one real answer's latency, not an interpolation between two.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The ratio of each round, skipping rounds where either side is missing or zero. */
export function roundRatios(measured: readonly number[], reference: readonly number[]): number[] {
  return measured.map((value, round) => value / reference[round]!).filter(Number.isFinite);
}

/** Per-round ratios, then their median: drift of the shared machine between rounds cancels within each round. */
export function pairedRatio(measured: readonly number[], reference: readonly number[]): number {
  return median(roundRatios(measured, reference));
}

/** One point of a plot or table from several runs of the same configuration: the median of each figure. */
export function medianRun(runs: readonly LoadResult[]): { rps: number; p50: number; p99: number; failed: number } {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    failed: runs.reduce((n, r) => n + failed(r), 0),
  };
}

export interface Verdict {
  readonly met: boolean;
  /** e.g. "met", "missed by 0.07× (8% short)", "over by 12 ms". */
  readonly text: string;
}

export function atLeast(value: number, target: number, unit = '×'): Verdict {
  if (!Number.isFinite(value)) return { met: false, text: 'not measured' };
  if (value >= target) return { met: true, text: 'met' };
  const short = target - value;
  return { met: false, text: `missed by ${fmt(short, unit)} (${Math.round((100 * short) / target)}% short)` };
}

export function atMost(value: number, target: number, unit: string): Verdict {
  if (!Number.isFinite(value)) return { met: false, text: 'not measured' };
  if (value <= target) return { met: true, text: 'met' };
  const over = value - target;
  return { met: false, text: `over by ${fmt(over, unit)} (${Math.round((100 * over) / target)}% over)` };
}

export function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '–';
  if (unit === '×') return `${value.toFixed(2)}×`;
  return `${Math.round(value)} ${unit}`;
}
