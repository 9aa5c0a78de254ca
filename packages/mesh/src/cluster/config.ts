// The local cluster's plan in one place: addresses, ports, names and directories, read by every step and the node agent.
import { join } from 'node:path';

export interface ClusterConfig {
  /** Everything the cluster writes at run time (certificates, etcd's data, logs, pods); removed by `mesh down`. */
  readonly runDir: string;
  /** Every network namespace and link of the cluster starts with this, so leftovers of a crashed run can be found. */
  readonly prefix: string;
  /** The Node's name (and host name). */
  readonly nodeName: string;
  /** The network namespace holding the pods' bridge and kube-proxy's rules: the node's own network. */
  readonly nodeNetns: string;
  readonly bridge: string;
  /** The host's end of the veth to the bridge. */
  readonly hostLink: string;
  /** The pods' subnet on the bridge (the node, the host and every pod are on it). */
  readonly podSubnet: string;
  readonly podPrefixLength: number;
  /** The bridge's address in the node's namespace: the pods' gateway, the Node's InternalIP, where node-api listens. */
  readonly nodeIP: string;
  /** The host's leg on the bridge: where the API server binds and what it advertises (not loopback, see docs). */
  readonly hostIP: string;
  /** The Node's podCIDR: the addresses the node agent gives pods. */
  readonly podCIDR: string;
  /** Services' cluster IPs; the first is the API server's `kubernetes` Service, `.10` is kube-dns. */
  readonly serviceCIDR: string;
  readonly apiServerServiceIP: string;
  readonly dnsServiceIP: string;
  readonly clusterDomain: string;
  readonly ports: {
    readonly etcdClient: number;
    readonly etcdPeer: number;
    readonly apiServer: number;
    readonly controllerManager: number;
    readonly scheduler: number;
    /** The kubelet's API (node-api) on nodeIP. */
    readonly kubelet: number;
    /** The trace collector's OTLP receivers (Jaeger) on hostIP, behind otel-collector.istio-system. */
    readonly otlpGrpc: number;
    readonly otlpHttp: number;
    /** Jaeger's query API and the trace UI, on 127.0.0.1: the same ports `./pnpmw start`'s trace stack documents. */
    readonly jaegerQuery: number;
    readonly traceUi: number;
    /** Jaeger's query gRPC and health check, and the bridge that copies spans to the trace UI: loopback, ours only. */
    readonly jaegerQueryGrpc: number;
    readonly jaegerHealth: number;
    readonly traceBridge: number;
  };
}

/** The product's cluster: one per machine, on subnets chosen to stay clear of Docker's and most VPNs' defaults. */
export function defaultClusterConfig(runDir = '/run/mesh-demo'): ClusterConfig {
  return {
    runDir,
    prefix: 'meshdemo-',
    nodeName: 'mesh-demo-node',
    nodeNetns: 'meshdemo-node',
    bridge: 'br0',
    hostLink: 'meshdemo0',
    podSubnet: '10.244.0.0/16',
    podPrefixLength: 16,
    hostIP: '10.244.0.1',
    nodeIP: '10.244.0.2',
    podCIDR: '10.244.1.0/24',
    serviceCIDR: '10.96.0.0/16',
    apiServerServiceIP: '10.96.0.1',
    dnsServiceIP: '10.96.0.10',
    clusterDomain: 'cluster.local',
    ports: {
      etcdClient: 23790,
      etcdPeer: 23800,
      apiServer: 6443,
      controllerManager: 23257,
      scheduler: 23259,
      kubelet: 10250,
      otlpGrpc: 4317,
      otlpHttp: 4318,
      jaegerQuery: 16686,
      traceUi: 9411,
      jaegerQueryGrpc: 23685,
      jaegerHealth: 23133,
      traceBridge: 23412,
    },
  };
}

/** Where each part keeps its files under the run directory. */
export function runPaths(config: ClusterConfig) {
  const { runDir } = config;
  return {
    pki: join(runDir, 'pki'),
    etcdData: join(runDir, 'etcd'),
    logs: join(runDir, 'logs'),
    pods: join(runDir, 'pods'),
    /** The admin's kubeconfig: what `mesh kubectl` and people's own tools use (`export KUBECONFIG=...`). */
    adminKubeconfig: join(runDir, 'kubeconfig'),
    kubeconfig: (identity: string) => join(runDir, 'pki', `${identity}.kubeconfig`),
  } as const;
}
