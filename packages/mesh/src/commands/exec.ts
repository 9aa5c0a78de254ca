// `mesh exec POD -- CMD`: a command inside a pod, as its app container's user: `oc exec deploy/x -c x -- cmd` locally.
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { defineCommand, type ServiceName, serviceDir } from '@mesh-demo/workspace';
import { getStatus } from '../control.ts';
import { MeshError } from '../errors.ts';
import { APP_GID, APP_UID } from '../kubelet.ts';
import { podsOf } from './logs.ts';
import { requireRootOnLinux } from './root.ts';

export async function exec(target: string, argv: readonly string[]): Promise<number> {
  requireRootOnLinux();
  const status = await getStatus();
  const pod = podsOf(status.pods, target).find((p) => p.phase === 'Running' && p.service);
  if (!pod?.service) throw new MeshError(`no running app pod named ${target} (a pod or Deployment name, e.g. recommendation-v1)`);
  // Its traffic leaves through the sidecar (the user is not the proxy's), so it calls with the pod's identity.
  const child = spawn(
    'ip',
    ['netns', 'exec', pod.netns, 'setpriv', `--reuid=${APP_UID}`, `--regid=${APP_GID}`, '--clear-groups', '--', ...argv],
    {
      stdio: 'inherit',
      cwd: serviceDir(pod.service as ServiceName),
      env: { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOSTNAME: pod.name },
    },
  );
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
