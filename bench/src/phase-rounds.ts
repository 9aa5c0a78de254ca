// Phase 3: the headline rounds: every configuration at the profile's concurrency, once per round, with the CPU its
// processes (and Jaeger, for a traced one) used per request.
import type { Jaeger } from '@mesh-demo/devtools';
import { type BenchRun, describe, load, pause } from './bench-run.ts';
import { cpuSeconds, cpuUsPerRequest } from './cpu.ts';
import type { LoadResult } from './load.ts';
import type { Target, Targets } from './phase-targets.ts';
import type { Series } from './results.ts';
import { TRACING_MODES } from './telemetry.ts';

export async function measureRounds(
  run: BenchRun,
  { targets, modes, pids }: Targets,
  jaeger: Jaeger | undefined,
  tracedSkip: string | undefined,
): Promise<Series[]> {
  const { profile } = run;
  const runs = new Map<string, LoadResult[]>(targets.map((t) => [t.key, []]));
  for (let round = 1; round <= profile.rounds; round++) {
    // Each round starts one configuration later, so no configuration always follows the same one (e.g. a traced run
    // whose last spans are still being exported and ingested).
    const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]!);
    for (const target of order) {
      const traced = jaeger && modes.some((m) => m.name === target.key) ? [jaeger.pid] : [];
      const result = await measureOnce(run, target, Object.values(pids.get(target.key)!), traced);
      runs.get(target.key)!.push(result);
      run.log(`round ${round}/${profile.rounds} ${target.key} c=${profile.connections}: ${describe(result)}`);
      await pause(run, target.key);
    }
  }
  const series: Series[] = targets.map((t) => ({ key: t.key, label: t.label, runs: runs.get(t.key)! }));
  for (const mode of TRACING_MODES) {
    if (!modes.includes(mode)) series.push({ key: mode.name, label: `chain, ${mode.label}`, runs: { skipped: tracedSkip ?? 'not run' } });
  }
  return series;
}

/** One load run, with the CPU time per request of the measured processes and of the collector (when traced). */
async function measureOnce(run: BenchRun, target: Target, measured: number[], traced: number[]): Promise<LoadResult> {
  const [cpuBefore, collectorBefore] = [cpuSeconds(measured), cpuSeconds(traced)];
  const loaded = await load(
    run,
    target.url,
    run.profile.connections,
    target.meshSampleEvery ? { meshSampleEvery: target.meshSampleEvery } : {},
  );
  const requests = loaded.requests + loaded.warmupRequests;
  const perRequest = (seconds: number) => cpuUsPerRequest(seconds, requests);
  return {
    ...loaded,
    cpuUsPerRequest: perRequest(cpuSeconds(measured) - cpuBefore),
    ...(traced.length && { collectorCpuUsPerRequest: perRequest(cpuSeconds(traced) - collectorBefore) }),
  };
}
