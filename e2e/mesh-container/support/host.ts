// What the host has of a mesh container's making: its network namespaces, links and processes, to compare around one.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface HostState {
  readonly netns: readonly string[];
  readonly links: readonly string[];
  /** Processes of the mesh (the image's paths and the mesh's own binaries), as `ps` shows them. */
  readonly processes: readonly string[];
}

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
    .filter((args) => /\/opt\/mesh-demo|pilot-discovery|pilot-agent|kube-apiserver|\bcoredns -conf/.test(args));
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
