// Where a pod's files live on the node, and pod.json: the contract node-api reads (logs, exec, port-forward).
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from './pod-types.ts';

/** One pod's directory, named as the kubelet names /var/log/pods entries: `<namespace>_<name>_<uid>`. */
export function podDir(podsDir: string, pod: Pick<Pod, 'metadata'>): string {
  return join(podsDir, `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`);
}

export function podPaths(dir: string) {
  return {
    dir,
    /** A container's log of its `restart`-th start, CRI format: the kubelet's own layout. */
    log: (container: string, restart: number) => join(dir, container, `${restart}.log`),
    /** A container's root and writable layer (the launcher's). */
    rootfs: (container: string) => join(dir, 'rootfs', container),
    volume: (name: string) => join(dir, 'volumes', name),
    etc: { hosts: join(dir, 'etc', 'hosts'), resolvConf: join(dir, 'etc', 'resolv.conf'), hostname: join(dir, 'etc', 'hostname') },
    state: join(dir, 'pod.json'),
  } as const;
}

/** What node-api needs to find a pod's containers: each one's main process (0 when not running) and its restarts. */
export interface PodState {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly podIP: string;
  readonly netns: string;
  readonly containers: readonly { readonly name: string; readonly pid: number; readonly restartCount: number }[];
}

/** Replaces pod.json atomically (node-api must never read half of one). */
export function writePodState(file: string, state: PodState): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state)}\n`);
  renameSync(`${file}.tmp`, file);
}
