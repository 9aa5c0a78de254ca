// `mesh kubectl|helm|istioctl ARGS`: the project's pinned builds against the local cluster, so nothing else is needed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Command, defineCommand } from '@mesh-demo/workspace';
import { runPaths } from '../cluster/config.ts';
import { defaultClusterConfig } from '../cluster/index.ts';
import { NotRunning, RUN_DIR } from '../control.ts';
import { type Tools, toolPaths } from '../tools.ts';

/** Runs the tool with the local cluster's kubeconfig and the caller's terminal; resolves with its exit code. */
async function run(tool: keyof Pick<Tools, 'kubectl' | 'helm' | 'istioctl'>, args: readonly string[]): Promise<number> {
  const kubeconfig = runPaths(defaultClusterConfig(RUN_DIR)).adminKubeconfig;
  if (!existsSync(kubeconfig)) throw new NotRunning();
  const binary = (await toolPaths())[tool];
  const child = spawn(binary, args, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfig } });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}

/** The tool's own arguments pass untouched, flags included: everything after the command name is theirs. */
function passThrough(name: 'kubectl' | 'helm' | 'istioctl', what: string): Command {
  return defineCommand({
    name,
    summary: `${what}, on the local cluster (KUBECONFIG=${runPaths(defaultClusterConfig(RUN_DIR)).adminKubeconfig})`,
    synopsis: 'ARGS...',
    rawArgs: true,
    run: ({ passThrough: args }) => run(name, args),
  });
}

export const kubectlCommand = passThrough('kubectl', 'the pinned kubectl (Kubernetes v1.34)');
export const helmCommand = passThrough('helm', 'the pinned helm');
export const istioctlCommand = passThrough('istioctl', 'the pinned istioctl (the local Istio)');
