// When a warming chain's throughput has settled: three consecutive rounds within a tolerance, after a minimum, up to a cap.
// A JVM compiles its hot paths over tens of seconds (30 s was not enough in a trial), so a fixed warm-up would be a guess.

export interface SettleRule {
  /** e.g. 0.05: the last three rounds' req/s within 5% of the largest. */
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

/**
 * After the rounds so far (req/s, in order): settled, capped, or another round. Three rounds, not two: a JVM slowed by a
 * busy machine can give two slow rounds that agree and then climb on (Spring Boot did, 263 then 270 req/s, then 1,827
 * in the measured rounds), and three that agree leave no room for a climb of more than the tolerance.
 */
export function warmState(rps: readonly number[], rule: SettleRule): WarmState {
  const n = rps.length;
  const last = rps.slice(-3);
  const flat = last.length === 3 && last.every((r) => closeEnough(r, Math.max(...last), rule.tolerance));
  if (n >= rule.minRounds && flat) return 'settled';
  return n >= rule.maxRounds ? 'capped' : 'warming';
}
