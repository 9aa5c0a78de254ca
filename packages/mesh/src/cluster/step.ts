// The one shape every part of the local cluster has (kind's "actions"): a name, start, stop, and a status to show.
import type { Tools } from '../tools.ts';
import type { ClusterConfig } from './config.ts';
import type { ProcessStatus } from './processes.ts';

/** What a step is given: the cluster's plan, the binaries, and a way to tell the user what happens. */
export interface StepContext {
  readonly config: ClusterConfig;
  readonly tools: Tools;
  say(line: string): void;
}

export type StepState = 'pending' | 'starting' | 'ready' | 'failed' | 'stopped';

export interface StepStatus {
  readonly name: string;
  readonly state: StepState;
  /** The step's long-running processes (none for a step that only writes files or applies objects). */
  readonly processes: readonly ProcessStatus[];
  /** Why it failed, in one line. */
  readonly error?: string;
}

export interface ClusterStep {
  readonly name: string;
  /** Resolves when the step's part is ready (a process answers its health check, objects are accepted). */
  start(ctx: StepContext): Promise<void>;
  /** Stops what start began; safe to call when it never started. */
  stop(): Promise<void>;
  status(): StepStatus;
}

/** What a step does, without the bookkeeping of its state. */
export interface StepActions {
  start(ctx: StepContext): Promise<void>;
  stop?(): Promise<void>;
  processes?(): readonly ProcessStatus[];
}

/** A step from its actions: tracks pending -> starting -> ready | failed -> stopped, and keeps the failure's line. */
export function defineStep(name: string, actions: StepActions): ClusterStep {
  let state: StepState = 'pending';
  let error: string | undefined;
  return {
    name,
    async start(ctx) {
      state = 'starting';
      error = undefined;
      try {
        await actions.start(ctx);
        state = 'ready';
      } catch (failure) {
        state = 'failed';
        error = (failure as Error).message;
        throw failure;
      }
    },
    async stop() {
      await actions.stop?.();
      if (state !== 'pending') state = 'stopped';
    },
    status: () => ({ name, state, processes: actions.processes?.() ?? [], ...(error !== undefined && { error }) }),
  };
}
