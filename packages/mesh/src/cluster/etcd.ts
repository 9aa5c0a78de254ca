// The `etcd` step: Debian's etcd on loopback, the API server's only store; a fresh data directory for each cluster.
import { rm } from 'node:fs/promises';
import { type ClusterConfig, runPaths } from './config.ts';
import { httpOk } from './health.ts';
import { processFiles, processStep, requireTool } from './process-step.ts';
import type { ClusterStep } from './step.ts';

export function etcdClientURL(config: ClusterConfig): string {
  return `http://127.0.0.1:${config.ports.etcdClient}`;
}

/** One member on loopback (plain HTTP: nothing but the API server on this machine talks to it). */
export function etcdArgs(config: ClusterConfig): string[] {
  const client = etcdClientURL(config);
  const peer = `http://127.0.0.1:${config.ports.etcdPeer}`;
  return [
    `--name=${config.nodeName}`,
    `--data-dir=${runPaths(config).etcdData}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${config.nodeName}=${peer}`,
    // One member on loopback has no one to wait for: the default 1 s election timeout only delays its first leader
    // (healthy after 0.3-1.0 s, 0.1-0.3 s with these), for 0.6 % more of a core in ticks while idle.
    '--heartbeat-interval=25',
    '--election-timeout=250',
    // zap: the default capnslog logger is deprecated and says so at every start.
    '--logger=zap',
    '--log-outputs=stderr',
  ];
}

export function etcdStep(): ClusterStep {
  return processStep('etcd', async ({ config, tools }) => {
    await requireTool(tools.etcd, 'etcd');
    // A new cluster starts empty: an old store would hold the Node and pods of a run that is gone.
    await rm(runPaths(config).etcdData, { recursive: true, force: true });
    return [
      {
        name: 'etcd',
        command: tools.etcd,
        args: etcdArgs(config),
        ...processFiles(config, 'etcd'),
        healthy: httpOk(`${etcdClientURL(config)}/health`),
      },
    ];
  });
}
