// What the host has of a mesh container's making: its network namespaces, links and processes, to compare around one.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface HostState {
  readonly netns: readonly string[];
  readonly links: readonly string[];
  /**
   * Processes the mesh container runs (its entry, the supervisor, the control plane, the proxies, CoreDNS, anything
   * under the mesh's run directory), as `ps` shows them; not a build of the image, which runs the same tools' names.
   */
  readonly processes: readonly string[];
}

const MESH_PROCESS =
  /packages\/mesh\/src\/(container\/main|supervisor)\.ts|\/run\/mesh-demo\/|pilot-discovery |pilot-agent |kube-apiserver|\bcoredns -conf|\benvoy -c /;

export async function hostState(): Promise<HostState> {
  const netns = (await run('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter(Boolean);
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout
    .split('\n')
    .map((line) => line.split(': ')[1]?.split('@')[0] ?? '')
    .filter(Boolean);
  const processes = (await run('ps', ['-eo', 'args'])).stdout
    .split('\n')
    .filter((args) => MESH_PROCESS.test(args) && !args.startsWith('go '));
  return { netns, links, processes };
}

/** What `after` has that `before` had not, per kind; empty lists when the host is as it was. */
export function added(before: HostState, after: HostState): Record<keyof HostState, string[]> {
  const diff = (a: readonly string[], b: readonly string[]) => b.filter((item) => !a.includes(item));
  return {
    netns: diff(before.netns, after.netns),
    links: diff(before.links, after.links),
    processes: diff(before.processes, after.processes),
  };
}
