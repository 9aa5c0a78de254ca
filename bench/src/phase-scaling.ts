// Phase 4: scaling: the ceiling, the chain, and the chain fully traced, at each concurrency (interleaved per concurrency).
import { type BenchRun, describe, load, pause } from './bench-run.ts';
import type { LoadResult } from './load.ts';
import type { Target } from './phase-targets.ts';
import type { Results } from './results.ts';

export async function measureScaling(run: BenchRun, targets: readonly Target[]): Promise<Results['scaling']> {
  const { profile } = run;
  const scaled = targets.filter((t) => ['minimal', 'off', 'jaeger-100'].includes(t.key));
  const scaling = scaled.map((t) => ({ key: t.key, label: t.label, runs: profile.scaling.map(() => [] as LoadResult[]) }));
  for (let round = 1; round <= profile.scalingRounds; round++) {
    for (const [point, connections] of profile.scaling.entries()) {
      for (const [index, target] of scaled.entries()) {
        const result = await load(run, target.url, connections, { seconds: profile.scalingSeconds });
        scaling[index]!.runs[point]!.push(result);
        run.log(`scaling round ${round}/${profile.scalingRounds} ${target.key} c=${connections}: ${describe(result)}`);
        await pause(run, target.key);
      }
    }
  }
  return scaling;
}
