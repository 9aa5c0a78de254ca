// Counters into increases and histograms into quantiles over a sliding window of scrapes, surviving counter resets.

/** A counter's value at one scrape. */
export interface Point {
  readonly at: number;
  readonly value: number;
}

/**
 * How much a counter grew between the first and last point. A drop means the process behind it restarted (a new
 * sidecar or app starts from zero): the growth since the restart is the new value itself, as Prometheus' rate() takes it.
 */
export function increase(points: readonly Point[]): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const before = points[i - 1]!.value;
    const now = points[i]!.value;
    total += now >= before ? now - before : now;
  }
  return total;
}

/** A cumulative histogram bucket (upper bound `le`, in the histogram's unit) and its count's growth in the window. */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

/**
 * The q-quantile (0..1) of what a window's bucket increases describe, interpolated linearly inside the bucket the way
 * Prometheus' histogram_quantile() does; undefined with no observations. Past the last finite bound: that bound.
 */
export function quantile(q: number, buckets: readonly Bucket[]): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.le)) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      return inBucket <= 0 ? bucket.le : lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}
