// How long and how often a run measures: the full run that bench/RESULTS.md comes from, and the quick smoke run CI does.
import type { Profile } from './results.ts';

export const PROFILES: Record<Profile['name'], Profile> = {
  // Many short rounds rather than a few long ones: on a shared machine the load shifts within seconds, and the median
  // of many same-round ratios is steadier than a few long averages.
  full: {
    name: 'full',
    warmupSeconds: 1,
    durationSeconds: 5,
    rounds: 4,
    connections: 64,
    scaling: [1, 8, 64, 256],
    scalingRounds: 2,
    scalingSeconds: 4,
    startRuns: 5,
    reuseRequests: 10_000,
    // Long enough for many rounds of shed-and-retry and for the heap to settle under load; 60 s after, as the issue asks.
    overloadSeconds: 30,
    overloadAfterSeconds: 60,
  },
  quick: {
    name: 'quick',
    warmupSeconds: 1,
    durationSeconds: 2,
    rounds: 1,
    connections: 64,
    scaling: [1, 8, 64, 256],
    scalingRounds: 1,
    scalingSeconds: 2,
    startRuns: 1,
    reuseRequests: 1_000,
    // CI's budget: the same load for long enough to shed a few rounds, and only 10 s of the minute after.
    overloadSeconds: 8,
    overloadAfterSeconds: 10,
  },
};
