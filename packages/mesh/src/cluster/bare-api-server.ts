// etcd and kube-apiserver alone, on loopback ports of the caller's choosing: the real API machinery for tests, no node.
import { MeshError } from '../errors.ts';
import { KubeClient } from '../kube/client.ts';
import type { Tools } from '../tools.ts';
import { apiServerArgs, apiServerReady } from './apiserver.ts';
import { type ClusterConfig, runPaths } from './config.ts';
import { etcdArgs, etcdClientURL } from './etcd.ts';
import { httpOk } from './health.ts';
import { ensurePki } from './pki.ts';
import { processFiles, requireTool } from './process-step.ts';
import { type ProcessStatus, SupervisedProcess } from './processes.ts';

export interface BareApiServerOptions {
  /** Everything it writes (PKI, etcd's data, logs, pid files), and nothing else: the caller makes and removes it. */
  readonly runDir: string;
  /** Free ports on 127.0.0.1. */
  readonly ports: { readonly etcdClient: number; readonly etcdPeer: number; readonly apiServer: number };
  readonly tools: Pick<Tools, 'kube' | 'etcd'>;
}

export interface BareApiServer {
  readonly config: ClusterConfig;
  /** The admin's kubeconfig (system:masters), for kubectl and helm. */
  readonly kubeconfig: string;
  /** An admin client of the API. */
  readonly client: KubeClient;
  /** The two processes, with their pids while they run. */
  processes(): ProcessStatus[];
  /** Stops the API server, then etcd; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The local cluster's plan with every address on loopback and only these three ports: the same PKI, etcd flags and API
 * server flags as the mesh (cluster/pki.ts, etcd.ts, apiserver.ts), so a test meets the API server the mesh runs.
 * Advertised on loopback too: the API server then logs that the `kubernetes` Service's endpoint is invalid, which
 * nothing here reads.
 */
export function bareApiServerConfig({ runDir, ports }: Pick<BareApiServerOptions, 'runDir' | 'ports'>): ClusterConfig {
  const unused = 0;
  return {
    runDir,
    prefix: 'meshdemo-bare-',
    nodeName: 'bare-node',
    nodeNetns: 'unused',
    bridge: 'unused',
    hostLink: 'unused',
    podSubnet: '10.250.0.0/16',
    podPrefixLength: 16,
    hostIP: '127.0.0.1',
    nodeIP: '127.0.0.1',
    podCIDR: '10.250.1.0/24',
    serviceCIDR: '10.99.0.0/16',
    apiServerServiceIP: '10.99.0.1',
    dnsServiceIP: '10.99.0.10',
    clusterDomain: 'cluster.local',
    ports: {
      ...ports,
      controllerManager: unused,
      scheduler: unused,
      kubelet: unused,
      otlpGrpc: unused,
      otlpHttp: unused,
      jaegerQuery: unused,
      traceUi: unused,
      jaegerQueryGrpc: unused,
      jaegerHealth: unused,
      traceBridge: unused,
    },
  };
}

/** Starts etcd, then the API server, and resolves once /readyz answers; on a failure nothing is left running. */
export async function startBareApiServer(options: BareApiServerOptions): Promise<BareApiServer> {
  const { tools } = options;
  await requireTool(tools.etcd, 'etcd');
  await requireTool(tools.kube, 'kube');
  const config = bareApiServerConfig(options);
  await ensurePki(config);
  const etcd = new SupervisedProcess({
    name: 'etcd',
    command: tools.etcd,
    args: etcdArgs(config),
    ...processFiles(config, 'etcd'),
    healthy: httpOk(`${etcdClientURL(config)}/health`),
  });
  const apiServer = new SupervisedProcess({
    name: 'kube-apiserver',
    command: tools.kube,
    args: ['kube-apiserver', ...apiServerArgs(config)],
    ...processFiles(config, 'kube-apiserver'),
    healthy: apiServerReady(config),
    stopTimeoutMs: 15_000,
  });
  const stop = async () => {
    await apiServer.stop();
    await etcd.stop();
  };
  try {
    await etcd.start();
    await apiServer.start();
  } catch (error) {
    await stop();
    throw error instanceof MeshError ? error : new MeshError(`the bare API server did not start: ${(error as Error).message}`);
  }
  const kubeconfig = runPaths(config).adminKubeconfig;
  const client = KubeClient.fromKubeconfig(kubeconfig);
  return {
    config,
    kubeconfig,
    client,
    processes: () => [etcd.status(), apiServer.status()],
    async stop() {
      await client.close().catch(() => {});
      await stop();
    },
  };
}
