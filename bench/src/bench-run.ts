// What every phase of a run shares: its profile, its log, what to stop on the way out, and load sized by the profile.
import { setTimeout as sleep } from 'node:timers/promises';
import { failed, type LoadResult, runLoad } from './load.ts';
import type { Profile } from './results.ts';
import { TRACING_MODES } from './telemetry.ts';

export interface BenchRun {
  readonly profile: Profile;
  readonly log: (message: string) => void;
  /** Stops for everything started so far; `stopAll` runs them newest first, also on Ctrl-C. */
  readonly cleanups: Cleanups;
}

export class Cleanups {
  readonly #stops: (() => Promise<unknown>)[] = [];

  push(...stops: (() => Promise<unknown>)[]): void {
    this.#stops.push(...stops);
  }

  async stopAll(): Promise<void> {
    for (const stop of this.#stops.splice(0).reverse()) await stop().catch(() => undefined);
  }
}

export function load(
  run: BenchRun,
  url: string,
  connections: number,
  extra: { meshSampleEvery?: number; seconds?: number; rate?: number } = {},
): Promise<LoadResult> {
  const { seconds = run.profile.durationSeconds, ...rest } = extra;
  return runLoad({ url, connections, durationSeconds: seconds, warmupSeconds: run.profile.warmupSeconds, ...rest });
}

export function describe(result: LoadResult): string {
  const errors = failed(result);
  return `${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms${errors ? `, ${errors} failed` : ''}`;
}

/** Between runs; after a traced run long enough for the batch exporter (5 s schedule) to drain into Jaeger. */
export function pause(run: BenchRun, key: string): Promise<void> {
  return sleep(run.profile.name === 'quick' ? 200 : TRACING_MODES.some((m) => m.name === key) ? 4000 : 1000);
}
