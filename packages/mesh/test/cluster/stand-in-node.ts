// The tests' stand-in for the node agent's registration: a Node that reports Ready at the node's address (admin credential).
import { type ClusterConfig, runPaths } from '../../src/cluster/config.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { pathOf } from '../../src/kube/resources.ts';

export async function registerReadyNode(config: ClusterConfig): Promise<void> {
  const client = KubeClient.fromKubeconfig(runPaths(config).adminKubeconfig);
  try {
    await client.create(pathOf('Node'), {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: config.nodeName, labels: { 'kubernetes.io/hostname': config.nodeName, 'kubernetes.io/os': 'linux' } },
      spec: { podCIDR: config.podCIDR, podCIDRs: [config.podCIDR] },
    });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await client.patch(pathOf('Node', undefined, config.nodeName, 'status'), {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'test stand-in',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
        addresses: [
          { type: 'InternalIP', address: config.nodeIP },
          { type: 'Hostname', address: config.nodeName },
        ],
        capacity: { cpu: '2', memory: '4Gi', pods: '110' },
        allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
        nodeInfo: { kubeletVersion: 'v1.34.2', operatingSystem: 'linux', architecture: 'amd64' },
      },
    });
  } finally {
    await client.close();
  }
}
