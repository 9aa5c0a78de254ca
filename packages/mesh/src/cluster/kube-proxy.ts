// The `proxy` step: kube-proxy in iptables mode inside the node's network namespace, so the host's rules are never touched.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { MeshError } from '../errors.ts';
import { type ClusterConfig, runPaths } from './config.ts';
import { httpOk } from './health.ts';
import { kubeProcess, processStep, requireTool } from './process-step.ts';
import { runCommand } from './run-command.ts';
import type { ClusterStep } from './step.ts';

/** kube-proxy's health port, on the node's address (inside its namespace, so it never clashes with the host's). */
export const KUBE_PROXY_HEALTHZ_PORT = 10256;
/** iptables lives in sbin, which a user's PATH may lack. */
const SBIN_PATH = '/usr/local/sbin:/usr/sbin:/sbin';

export function kubeProxyConfigFile(config: ClusterConfig): string {
  return join(config.runDir, 'kube-proxy.yaml');
}

export function kubeProxyConfiguration(config: ClusterConfig): Record<string, unknown> {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: runPaths(config).kubeconfig('kube-proxy') },
    hostnameOverride: config.nodeName,
    mode: 'iptables',
    // Traffic from outside this range to a ClusterIP is masqueraded (the host's own calls come from inside it).
    clusterCIDR: config.podSubnet,
    bindAddress: config.nodeIP,
    healthzBindAddress: `${config.nodeIP}:${KUBE_PROXY_HEALTHZ_PORT}`,
    // Loopback of the node's namespace: the host's 10249 stays free.
    metricsBindAddress: '127.0.0.1:10249',
    nodePortAddresses: ['primary'],
    // 0: leave nf_conntrack_max alone. It is read-only outside the host's namespace, and setting it is fatal there.
    conntrack: { maxPerCore: 0, min: 0 },
    iptables: { masqueradeAll: false },
    // etcd 3.4 cannot serve streaming lists (see WATCH_LIST_OFF).
    featureGates: { WatchListClient: false },
  };
}

async function requireIptables(): Promise<void> {
  await runCommand('sh', ['-c', 'command -v iptables && command -v ip6tables'], {
    env: { ...process.env, PATH: `${SBIN_PATH}:${process.env.PATH ?? ''}` },
  }).catch(() => {
    throw new MeshError('kube-proxy needs iptables and ip6tables: apt-get install iptables');
  });
}

export function kubeProxyStep(): ClusterStep {
  return processStep('proxy', async (ctx) => {
    const { config, tools } = ctx;
    await requireTool(tools.kube, 'kube');
    await requireIptables();
    await writeFile(kubeProxyConfigFile(config), stringify(kubeProxyConfiguration(config)));
    return [
      kubeProcess(
        ctx,
        'kube-proxy',
        [`--config=${kubeProxyConfigFile(config)}`],
        httpOk(`http://${config.nodeIP}:${KUBE_PROXY_HEALTHZ_PORT}/livez`),
        {
          netns: config.nodeNetns,
          env: { ...process.env, PATH: `${SBIN_PATH}:${process.env.PATH ?? ''}` },
          // /livez: its rules are in sync. (/healthz also wants its Node to exist, which is the node agent's part.) It
          // waits up to 30 s for that Node (the node agent registers it) before it serves at all.
          startTimeoutMs: 60_000,
        },
      ),
    ];
  });
}
