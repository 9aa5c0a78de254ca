// The local mesh's Envoy processes by where they sit (sidecars, the ingress gateway, the edge) and the CPU time they use over a stretch of load.
import { readFileSync } from 'node:fs';
import { type MeshStatus, podProcesses } from '@mesh-demo/mesh';
import { clockTicks, parseCpuTicks } from './cpu.ts';
import type { EnvoyCpu } from './results.ts';

type Where = 'sidecar' | 'gateway' | 'edge';
type EnvoyPids = Record<Where, number[]>;

/** Every Envoy: each running pod's (a gateway's pod is `router`), and the edge's on the host, which `mesh status` lists. */
export async function envoyPids(status: MeshStatus): Promise<EnvoyPids> {
  const pids: EnvoyPids = { sidecar: [], gateway: [], edge: [] };
  for (const pod of status.pods.filter((p) => p.proxy && p.phase === 'Running')) {
    for (const process of await podProcesses(pod))
      if (process.kind === 'envoy') pids[pod.proxy === 'router' ? 'gateway' : 'sidecar'].push(process.pid);
  }
  const edge = status.processes.find((p) => p.name === 'edge (envoy)')?.pid;
  if (edge) pids.edge.push(edge);
  return pids;
}

/** CPU seconds so far by pid; a process that ended meanwhile is left out (its pid then counts on neither side). */
function cpuByPid(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      out.set(pid, parseCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')) / clockTicks());
    } catch {
      // ended: a restarted proxy's new pid is not in this stretch's list either
    }
  }
  return out;
}

/** What the Envoys used while `work` ran, with the requests `work` says it sent. */
export async function envoyCpuOver<T>(
  pids: EnvoyPids,
  work: () => Promise<T>,
  requestsOf: (result: T) => number,
): Promise<{ result: T; cpu: EnvoyCpu }> {
  const all = [...pids.sidecar, ...pids.gateway, ...pids.edge];
  const before = cpuByPid(all);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const after = cpuByPid(all);
  const used = (list: readonly number[]) =>
    list.reduce((sum, pid) => sum + (before.has(pid) && after.has(pid) ? after.get(pid)! - before.get(pid)! : 0), 0);
  return {
    result,
    cpu: {
      requests: requestsOf(result),
      seconds,
      sidecarSeconds: used(pids.sidecar),
      gatewaySeconds: used(pids.gateway),
      edgeSeconds: used(pids.edge),
      sidecars: pids.sidecar.length,
      gateways: pids.gateway.length,
      edges: pids.edge.length,
    },
  };
}
