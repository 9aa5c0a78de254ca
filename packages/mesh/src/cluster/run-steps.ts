// Runs steps as their dependencies allow (in parallel where nothing orders them), timing each; undoes them on failure.
import type { ClusterStep, StepContext } from './step.ts';

export interface PlannedStep {
  readonly step: ClusterStep;
  /** Names of the steps that must be ready before this one starts. */
  readonly after: readonly string[];
}

export interface StepTiming {
  readonly name: string;
  /** Seconds from the start of the run until this step began. */
  readonly startedAt: number;
  /** Seconds the step took. */
  readonly seconds: number;
}

/** The plan in an order where every step comes after those it waits for; fails on an unknown name or a cycle. */
export function orderPlan(plan: readonly PlannedStep[]): PlannedStep[] {
  const names = new Set(plan.map(({ step }) => step.name));
  for (const { step, after } of plan)
    for (const name of after) if (!names.has(name)) throw new Error(`step ${step.name} waits for unknown step ${name}`);
  const ordered: PlannedStep[] = [];
  const placed = new Set<string>();
  while (ordered.length < plan.length) {
    const next = plan.filter(({ step, after }) => !placed.has(step.name) && after.every((name) => placed.has(name)));
    if (!next.length)
      throw new Error(
        `steps wait for each other: ${plan
          .filter(({ step }) => !placed.has(step.name))
          .map(({ step }) => step.name)
          .join(', ')}`,
      );
    for (const planned of next) {
      ordered.push(planned);
      placed.add(planned.step.name);
    }
  }
  return ordered;
}

/** A step that did not start because another failed first. */
class NotStarted extends Error {}

/**
 * Starts every step once the ones it waits for are ready. After the first failure nothing new starts; when the running
 * ones have settled, every started step is stopped, last started first, and that first failure is thrown.
 */
export async function runSteps(
  plan: readonly PlannedStep[],
  ctx: StepContext,
  onReady?: (timing: StepTiming) => void,
): Promise<StepTiming[]> {
  const began = performance.now();
  const timings: StepTiming[] = [];
  const started: ClusterStep[] = [];
  const ready = new Map<string, Promise<void>>();
  let failure: unknown;
  const run = async ({ step, after }: PlannedStep): Promise<void> => {
    await Promise.all(after.map((name) => ready.get(name)));
    if (failure !== undefined) throw new NotStarted();
    started.push(step);
    const from = performance.now();
    try {
      await step.start(ctx);
    } catch (error) {
      failure ??= error;
      throw error;
    }
    const timing = { name: step.name, startedAt: (from - began) / 1000, seconds: (performance.now() - from) / 1000 };
    timings.push(timing);
    onReady?.(timing);
  };
  for (const planned of orderPlan(plan)) ready.set(planned.step.name, run(planned));
  await Promise.allSettled(ready.values());
  if (failure !== undefined) {
    for (const step of started.reverse()) await step.stop().catch(() => {});
    throw failure;
  }
  return timings;
}
