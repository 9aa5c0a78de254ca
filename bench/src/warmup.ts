// When a warming chain's throughput has settled: two consecutive rounds within a tolerance, after a minimum, up to a cap.
// A JVM compiles its hot paths over tens of seconds (30 s was not enough in a trial), so a fixed warm-up would be a guess.

export interface SettleRule {
  /** e.g. 0.05: the last two rounds' req/s within 5% of the larger. */
  readonly tolerance: number;
  /** Rounds that always run, however steady the first ones look (a JVM's early rounds can agree and still climb). */
  readonly minRounds: number;
  /** Rounds after which the warm-up ends settled or not (on a shared machine the noise alone can exceed 5%). */
  readonly maxRounds: number;
}

export type WarmState = 'settled' | 'capped' | 'warming';

/** Whether two throughputs are within `tolerance` of the larger one; never for a zero or missing figure. */
export function closeEnough(a: number, b: number, tolerance: number): boolean {
  if (!(a > 0 && b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tolerance * Math.max(a, b);
}

/** After the rounds so far (req/s, in order): settled, capped, or another round. */
export function warmState(rps: readonly number[], rule: SettleRule): WarmState {
  const n = rps.length;
  if (n >= Math.max(2, rule.minRounds) && closeEnough(rps[n - 1]!, rps[n - 2]!, rule.tolerance)) return 'settled';
  return n >= rule.maxRounds ? 'capped' : 'warming';
}
