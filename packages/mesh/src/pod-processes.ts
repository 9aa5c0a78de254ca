// A pod's processes as the node runs them (its app, pilot-agent, Envoy), found in its network namespace: what chaos kills and the soak weighs.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import type { PodStatus } from './control.ts';

export interface PodProcess {
  readonly pid: number;
  /** The process group: a container's main process leads its own (the node starts each container detached). */
  readonly group: number;
  /** What it is: the app (node), pilot-agent, envoy, pilot-discovery (istiod), or the command's name. */
  readonly kind: string;
  readonly rssKb: number;
}

const KINDS: Record<string, string> = { node: 'app', 'pilot-agent': 'pilot-agent', envoy: 'envoy', 'pilot-discovery': 'istiod' };

/** One process as /proc shows it, or nothing if it ended meanwhile. */
export async function describeProcess(pid: number): Promise<PodProcess | undefined> {
  try {
    const [stat, cmdline, status] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
    ]);
    // The command in stat is in parentheses and may hold spaces: the fields after it are fixed.
    const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    const name = basename(cmdline.split('\0')[0] ?? '');
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return { pid, group, kind: KINDS[name] ?? name, rssKb };
  } catch {
    return undefined; // it ended while being read
  }
}

/** Every process in the pod's network namespace (`ip netns pids`), which is every process of its containers. */
export async function podProcesses(pod: PodStatus): Promise<PodProcess[]> {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'pids', pod.netns]);
  const pids = stdout.split('\n').filter(Boolean).map(Number);
  return (await Promise.all(pids.map(describeProcess))).filter((p): p is PodProcess => p !== undefined);
}

/** The main process of one container of the pod: the app's node, or the sidecar's pilot-agent (Envoy is its child). */
export async function containerMain(pod: PodStatus, container: 'app' | 'sidecar'): Promise<number> {
  const kind = container === 'app' ? 'app' : 'pilot-agent';
  const main = (await podProcesses(pod)).find((p) => p.kind === kind && p.group === p.pid);
  if (!main) throw new Error(`no ${kind} process leads a container of ${pod.name}`);
  return main.pid;
}
