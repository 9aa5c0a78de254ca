// The control plane's pods (istiod, CoreDNS) as rows of `mesh status`'s CONTROL PLANE table, beside its processes: a
// killed istiod is restarted by the node like any container, and the table shows its restarts and how its last run ended.
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { ClusterConfig } from './cluster/config.ts';
import { runPaths } from './cluster/config.ts';
import type { ProcessState, ProcessStatus } from './cluster/processes.ts';
import { type PodState, podDir, podPaths } from './node/pod-files.ts';
import type { ContainerStatus, Pod } from './node/pod-types.ts';

/** The pods that are part of the control plane, by namespace and the label their charts give them. */
export function isControlPlanePod(pod: Pod): boolean {
  const labels = pod.metadata.labels ?? {};
  return (
    (pod.metadata.namespace === 'istio-system' && labels.app === 'istiod') ||
    (pod.metadata.namespace === 'kube-system' && labels['k8s-app'] === 'kube-dns')
  );
}

/** How a container's last run ended, in the table's words: the signal when killed by one, else the exit code. */
function lastExit(status: ContainerStatus): string | undefined {
  const ended = status.lastState.terminated;
  if (!ended) return undefined;
  // 128 + n is a death by signal n (the runtimes' convention: 137 is SIGKILL).
  const signal = Object.entries(constants.signals).find(([, n]) => n === ended.exitCode - 128)?.[0];
  return signal ?? `exit ${ended.exitCode}`;
}

function stateOf(pod: Pod, main: ContainerStatus | undefined): ProcessState {
  if (pod.metadata.deletionTimestamp) return 'stopped';
  if (main?.state.running && main.ready) return 'running';
  if (main && main.restartCount > 0) return 'restarting';
  return 'starting';
}

/** The pid of a container's main process from the node's pod.json (0 or absent: not running). */
function pidOf(config: ClusterConfig, pod: Pod, container: string): number | undefined {
  try {
    const state = JSON.parse(readFileSync(podPaths(podDir(runPaths(config).pods, pod)).state, 'utf8')) as PodState;
    const pid = state.containers.find((c) => c.name === container)?.pid;
    return pid ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** One row per control-plane pod, named by its app (`istiod`, `coredns`) and the pod, e.g. `istiod (pod)`. */
export function controlPlanePodRows(config: ClusterConfig, pods: readonly Pod[]): ProcessStatus[] {
  return pods.filter(isControlPlanePod).map((pod) => {
    const main = pod.status?.containerStatuses?.[0];
    const container = main?.name ?? pod.spec.containers[0]?.name ?? '';
    const pid = pidOf(config, pod, container);
    const exit = main ? lastExit(main) : undefined;
    return {
      name: `${pod.metadata.labels?.app ?? container} (pod)`,
      state: stateOf(pod, main),
      ...(pid !== undefined && { pid }),
      restarts: main?.restartCount ?? 0,
      ...(exit !== undefined && { lastExit: exit }),
      log: podPaths(podDir(runPaths(config).pods, pod)).log(container, main?.restartCount ?? 0),
    };
  });
}
