// A step made of supervised processes (etcd, the API server, ...): started together, stopped together, reported each.
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { MeshError } from '../errors.ts';
import { type ClusterConfig, runPaths } from './config.ts';
import type { HealthCheck } from './health.ts';
import { type ProcessSpec, SupervisedProcess } from './processes.ts';
import { type ClusterStep, defineStep, type StepContext } from './step.ts';

/** A process's log and pid file under the run directory. */
export function processFiles(config: ClusterConfig, name: string): { readonly logFile: string; readonly pidFile: string } {
  return { logFile: join(runPaths(config).logs, `${name}.log`), pidFile: join(pidDir(config), `${name}.pid`) };
}

/** Where the cluster's processes record their pids (stopCluster reads it after a crash). */
export function pidDir(config: ClusterConfig): string {
  return join(config.runDir, 'pids');
}

/** One of Kubernetes' own commands through the kube binary (`kube kube-apiserver <flags>`), logged and recorded by name. */
export function kubeProcess(
  { config, tools }: Pick<StepContext, 'config' | 'tools'>,
  name: string,
  flags: readonly string[],
  healthy: HealthCheck,
  more: Partial<ProcessSpec> = {},
): ProcessSpec {
  return { name, command: tools.kube, args: [name, ...flags], ...processFiles(config, name), healthy, ...more };
}

/** Fails with one line naming the missing binary (or file, like a jar: `read`) and how to get it. */
export async function requireTool(path: string, tool: string, mode: 'run' | 'read' = 'run'): Promise<void> {
  await access(path, mode === 'run' ? constants.X_OK : constants.R_OK).catch(() => {
    throw new MeshError(`${tool} is missing (${path}): run tools/install-tools.sh ${tool}, or ./pnpmw mesh up, which builds it`);
  });
}

/**
 * The step: `prepare` checks the tools and writes what the processes read (config files, a fresh data directory),
 * then returns their specs; they start in parallel and the step is ready when every one is healthy.
 */
export function processStep(name: string, prepare: (ctx: StepContext) => Promise<readonly ProcessSpec[]>): ClusterStep {
  let processes: SupervisedProcess[] = [];
  return defineStep(name, {
    async start(ctx) {
      processes = (await prepare(ctx)).map((spec) => new SupervisedProcess(spec));
      const started = await Promise.allSettled(processes.map((process) => process.start()));
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) {
        await Promise.all(processes.map((process) => process.stop()));
        throw failed.reason;
      }
    },
    async stop() {
      await Promise.all(processes.map((process) => process.stop()));
    },
    processes: () => processes.map((process) => process.status()),
  });
}
