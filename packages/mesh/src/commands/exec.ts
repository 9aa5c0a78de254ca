// `mesh exec POD -- CMD`: a command inside a pod's app container, through the API as `kubectl exec deploy/x -- cmd` runs it.
import { defineCommand } from '@mesh-demo/workspace';
import { getStatus } from '../control.ts';
import { MeshError } from '../errors.ts';
import { toolPaths } from '../tools.ts';
import { podsOf } from './logs.ts';
import { requireRootOnLinux } from './root.ts';
import { runPinnedTool } from './tool.ts';

export async function exec(target: string, argv: readonly string[]): Promise<number> {
  requireRootOnLinux();
  const status = await getStatus();
  const pod = podsOf(status.pods, target).find((p) => p.phase === 'Running');
  if (!pod) throw new MeshError(`no running pod named ${target} (a pod or Deployment name, e.g. recommendation-v1)`);
  const { kubectl } = await toolPaths();
  // The pod's own default container (its kubectl.kubernetes.io/default-container annotation), a TTY when we have one.
  const tty = process.stdin.isTTY ? ['-it'] : [];
  return runPinnedTool(kubectl, ['exec', ...tty, '-n', pod.namespace, pod.name, '--', ...argv]);
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
