// `mesh exec POD -- CMD`: a command inside a pod's app container, through the API as `kubectl exec deploy/x -- cmd` runs it.
import { spawn } from 'node:child_process';
import { defineCommand } from '@mesh-demo/workspace';
import { runPaths } from '../cluster/config.ts';
import { defaultClusterConfig } from '../cluster/index.ts';
import { getStatus, RUN_DIR } from '../control.ts';
import { MeshError } from '../errors.ts';
import { toolPaths } from '../tools.ts';
import { podsOf } from './logs.ts';
import { requireRootOnLinux } from './root.ts';

export async function exec(target: string, argv: readonly string[]): Promise<number> {
  requireRootOnLinux();
  const status = await getStatus();
  const pod = podsOf(status.pods, target).find((p) => p.phase === 'Running');
  if (!pod) throw new MeshError(`no running pod named ${target} (a pod or Deployment name, e.g. recommendation-v1)`);
  const { kubectl } = await toolPaths();
  // The pod's own default container (its kubectl.kubernetes.io/default-container annotation), a TTY when we have one.
  const tty = process.stdin.isTTY ? ['-it'] : [];
  const child = spawn(kubectl, ['exec', ...tty, '-n', pod.namespace, pod.name, '--', ...argv], {
    stdio: 'inherit',
    env: { ...process.env, KUBECONFIG: runPaths(defaultClusterConfig(RUN_DIR)).adminKubeconfig },
  });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}

export const execCommand = defineCommand({
  name: 'exec',
  summary: 'run a command inside a pod (POD: a pod or Deployment name, e.g. recommendation-v1)',
  synopsis: 'POD -- CMD...',
  positionals: true,
  passThrough: true,
  options: {},
  run({ positionals, passThrough, fail }) {
    if (positionals.length !== 1 || passThrough.length === 0) fail('exec wants POD -- COMMAND [ARGS...]');
    return exec(positionals[0]!, passThrough);
  },
});
