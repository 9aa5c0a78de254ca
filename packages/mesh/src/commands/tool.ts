// `mesh kubectl|helm|istioctl ARGS`: the project's pinned builds against the local cluster, so nothing else is needed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { type Command, defineCommand } from '@mesh-demo/workspace';
import { runPaths } from '../cluster/config.ts';
import { defaultClusterConfig } from '../cluster/index.ts';
import { NotRunning, RUN_DIR } from '../control.ts';
import { MeshError } from '../errors.ts';
import { type Tools, toolPaths } from '../tools.ts';

/**
 * Runs a pinned tool on the caller's terminal with the local cluster's kubeconfig; resolves with its exit code.
 * A mesh can be running from another checkout whose tools this one has not built, so a missing binary is named, not spawned.
 */
export async function runPinnedTool(binary: string, args: readonly string[]): Promise<number> {
  if (!existsSync(binary)) throw new MeshError(`${basename(binary)} is not built in this checkout (./pnpmw mesh tools builds it)`);
  const kubeconfig = runPaths(defaultClusterConfig(RUN_DIR)).adminKubeconfig;
  const child = spawn(binary, args, { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfig } });
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new MeshError(`${basename(binary)} could not start: ${error.message}`)));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function run(tool: keyof Pick<Tools, 'kubectl' | 'helm' | 'istioctl'>, args: readonly string[]): Promise<number> {
  if (!existsSync(runPaths(defaultClusterConfig(RUN_DIR)).adminKubeconfig)) throw new NotRunning();
  return runPinnedTool((await toolPaths())[tool], args);
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
