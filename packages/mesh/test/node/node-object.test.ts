// The Node the agent registers and the status it reports, as a kubelet would: Ready, its addresses, its version, its port.
import assert from 'node:assert/strict';
import { cpus } from 'node:os';
import { describe, it } from 'node:test';
import { KUBELET_VERSION, nodeObject, nodeStatus } from '../../src/node/node-object.ts';
import { testClusterConfig } from '../cluster/test-config.ts';

const config = testClusterConfig();

interface Condition {
  type: string;
  status: string;
  reason: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
}
interface NodeStatus {
  conditions: Condition[];
  addresses: { type: string; address: string }[];
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  daemonEndpoints: { kubeletEndpoint: { Port: number } };
  nodeInfo: { kubeletVersion: string; kubeProxyVersion: string; operatingSystem: string; containerRuntimeVersion: string };
}

const NOW = new Date('2026-12-07T05:38:09.517Z');
const status = () => (nodeStatus(config, NOW) as { status: NodeStatus }).status;

describe('nodeObject', () => {
  it("registers the node under the config's name, with the hostname and OS labels and the podCIDR it hands out", () => {
    const node = nodeObject(config);
    assert.equal(node.metadata.name, 'mdtest-node');
    assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], 'mdtest-node');
    assert.equal(node.metadata.labels?.['kubernetes.io/os'], 'linux');
    assert.deepEqual(node.spec, { podCIDR: '10.247.1.0/24', podCIDRs: ['10.247.1.0/24'] });
  });
});

describe('nodeStatus', () => {
  it('reports Ready (KubeletReady) and no memory, disk or PID pressure, each stamped now in whole seconds', () => {
    const conditions = status().conditions;
    assert.deepEqual(
      conditions.map((c) => `${c.type}=${c.status} ${c.reason}`),
      [
        'MemoryPressure=False KubeletHasSufficientMemory',
        'DiskPressure=False KubeletHasNoDiskPressure',
        'PIDPressure=False KubeletHasSufficientPID',
        'Ready=True KubeletReady',
      ],
    );
    for (const c of conditions)
      assert.deepEqual([c.lastHeartbeatTime, c.lastTransitionTime], ['2026-12-07T05:38:09Z', '2026-12-07T05:38:09Z']);
  });

  it("gives the node's IP on the bridge as its InternalIP (where the API server reaches node-api) and its name as Hostname", () => {
    assert.deepEqual(status().addresses, [
      { type: 'InternalIP', address: '10.247.0.2' },
      { type: 'Hostname', address: 'mdtest-node' },
    ]);
  });

  it('reports the pinned kubelet version, from which istiod decides on native sidecars (Kubernetes >= 1.33)', () => {
    const { nodeInfo } = status();
    assert.equal(nodeInfo.kubeletVersion, KUBELET_VERSION);
    assert.equal(nodeInfo.kubeProxyVersion, KUBELET_VERSION);
    const [major, minor] = KUBELET_VERSION.replace(/^v/, '').split('.').map(Number);
    assert.ok(major! > 1 || minor! >= 33, KUBELET_VERSION);
    assert.equal(nodeInfo.operatingSystem, 'linux');
  });

  it("names node-api's port as the kubelet endpoint (the API server's logs, exec and port-forward go there)", () => {
    assert.deepEqual(status().daemonEndpoints, { kubeletEndpoint: { Port: 10251 } });
  });

  it("offers this machine's CPUs and 110 pods, all of it allocatable", () => {
    const { capacity, allocatable } = status();
    assert.equal(capacity.cpu, String(cpus().length));
    assert.equal(capacity.pods, '110');
    assert.match(capacity.memory!, /^\d+Ki$/);
    assert.deepEqual(allocatable, capacity);
  });
});
