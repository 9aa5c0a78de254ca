// kubectl and helm as the cluster's admin: the pinned builds, the admin kubeconfig, and a failure as one line.
import { join } from 'node:path';
import type { Tools } from '../tools.ts';
import { type ClusterConfig, runPaths } from './config.ts';
import { type CommandResult, runCommand } from './run-command.ts';

export interface AdminTools {
  readonly config: ClusterConfig;
  readonly tools: Pick<Tools, 'kube' | 'helm'>;
}

/** `kubectl <args>` through the kube binary (`kube kubectl`), optionally fed `input` on stdin (`-f -`). */
export function kubectl({ config, tools }: AdminTools, args: readonly string[], input?: string): Promise<CommandResult> {
  return runCommand(tools.kube, ['kubectl', `--kubeconfig=${runPaths(config).adminKubeconfig}`, ...args], {
    label: `kubectl ${args
      .filter((arg) => !arg.startsWith('-'))
      .slice(0, 2)
      .join(' ')}`,
    ...(input !== undefined && { input }),
  });
}

/** `helm <args>`, with helm's cache and config kept in the run directory rather than the user's home. */
export function helm({ config, tools }: AdminTools, args: readonly string[]): Promise<CommandResult> {
  const home = join(config.runDir, 'helm');
  return runCommand(tools.helm, [...args, `--kubeconfig=${runPaths(config).adminKubeconfig}`], {
    label: `helm ${args.slice(0, 2).join(' ')}`,
    env: {
      ...process.env,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
    },
  });
}
