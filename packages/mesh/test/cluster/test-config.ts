// A second cluster's plan for tests: names, subnets, ports and directory that the product's cluster (or another run) never uses.
import type { ClusterConfig } from '../../src/cluster/config.ts';

export function testClusterConfig(): ClusterConfig {
  return {
    runDir: '/run/mesh-demo-test',
    prefix: 'mdtest-',
    nodeName: 'mdtest-node',
    nodeNetns: 'mdtest-node',
    bridge: 'mdtestbr0',
    hostLink: 'mdtest0',
    podSubnet: '10.247.0.0/16',
    podPrefixLength: 16,
    hostIP: '10.247.0.1',
    nodeIP: '10.247.0.2',
    podCIDR: '10.247.1.0/24',
    serviceCIDR: '10.98.0.0/16',
    apiServerServiceIP: '10.98.0.1',
    dnsServiceIP: '10.98.0.10',
    clusterDomain: 'cluster.local',
    ports: {
      etcdClient: 33790,
      etcdPeer: 33800,
      apiServer: 6446,
      controllerManager: 33257,
      scheduler: 33259,
      kubelet: 10251,
      otlpGrpc: 34317,
      otlpHttp: 34318,
      jaegerQuery: 36686,
      traceUi: 39411,
      jaegerQueryGrpc: 33685,
      jaegerHealth: 33133,
      traceBridge: 33412,
    },
  };
}
