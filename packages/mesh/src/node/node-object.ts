// The Node as the node agent registers and reports it, and the Lease that says it is alive, kept as a kubelet keeps them.
import { cpus, totalmem } from 'node:os';
import type { ClusterConfig } from '../cluster/config.ts';
import { type KubeClient, KubeError } from '../kube/client.ts';
import { pathOf } from '../kube/resources.ts';
import type { KubeObject } from '../kube.ts';

/** The release the node reports: istiod decides on native sidecars from it (Kubernetes >= 1.33 has them on). */
export const KUBELET_VERSION = 'v1.34.2';

/** The Node object the agent creates: its name, the node's labels, and the podCIDR it hands out addresses from. */
export function nodeObject(config: ClusterConfig): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: config.nodeName,
      labels: {
        'kubernetes.io/hostname': config.nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': process.arch === 'arm64' ? 'arm64' : 'amd64',
        'node.kubernetes.io/instance-type': 'mesh-demo-local',
      },
    },
    spec: { podCIDR: config.podCIDR, podCIDRs: [config.podCIDR] },
  };
}

/** The status a kubelet reports: Ready, its addresses, what it can hold, and where its own API listens. */
export function nodeStatus(config: ClusterConfig, now = new Date()): Record<string, unknown> {
  const time = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string, status: 'True' | 'False', reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: time,
    lastTransitionTime: time,
  });
  const capacity = { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110', 'ephemeral-storage': '50Gi' };
  return {
    status: {
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'mesh-demo node agent is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: config.nodeIP },
        { type: 'Hostname', address: config.nodeName },
      ],
      capacity,
      allocatable: capacity,
      daemonEndpoints: { kubeletEndpoint: { Port: config.ports.kubelet } },
      nodeInfo: {
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
        containerRuntimeVersion: 'mesh-demo://node-agent',
        osImage: 'mesh-demo local node',
        kernelVersion: '',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    },
  };
}

/**
 * Registers the Node (with the node's own credential: the Node authorizer and NodeRestriction then treat the agent as
 * this node's kubelet), reports its status, and renews its Lease every 10 s until `signal` aborts; the status is
 * reported again every minute, as a kubelet does without changes.
 */
export async function keepNode(config: ClusterConfig, node: KubeClient, signal: AbortSignal, say: (line: string) => void): Promise<void> {
  const path = pathOf('Node', undefined, config.nodeName);
  if (!(await node.find(path))) await node.create(pathOf('Node'), nodeObject(config));
  // A plain PATCH of the status subresource: the Node authorizer lets a node patch its status, not get it first.
  await node.patch(`${path}/status`, nodeStatus(config));
  const leasePath = pathOf('Lease', 'kube-node-lease', config.nodeName);
  let beats = 0;
  while (!signal.aborted) {
    // A MicroTime: microseconds, which toISOString's milliseconds become with three more digits.
    const now = new Date().toISOString().replace('Z', '000Z');
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: config.nodeName, namespace: 'kube-node-lease' },
      spec: { holderIdentity: config.nodeName, leaseDurationSeconds: 40, renewTime: now },
    };
    try {
      await node.apply(leasePath, lease, 'mesh-demo-node-agent');
      if (++beats % 6 === 0) await node.patch(`${path}/status`, nodeStatus(config));
    } catch (error) {
      // The API server restarting: the lease is renewed at the next beat, as a kubelet would retry.
      if (!(error instanceof KubeError) || error.status >= 500) say(`node lease: ${(error as Error).message}`);
    }
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
  }
}
