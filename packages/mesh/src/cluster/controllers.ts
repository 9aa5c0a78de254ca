// The `controllers` step: kube-controller-manager (node lifecycle on) and kube-scheduler, each with its own identity.
import { type ClusterConfig, runPaths } from './config.ts';
import { httpOk } from './health.ts';
import { pkiFiles } from './pki-plan.ts';
import { kubeProcess, processStep, requireTool } from './process-step.ts';
import type { ClusterStep } from './step.ts';

/**
 * Every controller but those of a cloud or of a CNI that allocates node ranges: the node agent registers the Node with
 * its podCIDR, and nobody programs routes or load balancers here. The node lifecycle controller stays on: it is what
 * marks a silent node NotReady (and removes the not-ready taint, see untaintNode).
 */
export const CONTROLLERS = '*,-node-ipam-controller,-cloud-node-lifecycle-controller,-node-route-controller,-service-lb-controller';

/**
 * Streaming lists need etcd's RequestWatchProgress, which Debian's etcd 3.4.23 lacks: every informer would try, log an
 * error and fall back to list-then-watch (58 lines at the controller-manager's start). So they list-then-watch at once.
 */
export const WATCH_LIST_OFF = 'WatchListClient=false';

/** Both read their identity, and check callers of their secure port, with one kubeconfig. */
function identityArgs(kubeconfig: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    // One of each on one machine: nothing to elect.
    '--leader-elect=false',
    '--profiling=false',
    `--feature-gates=${WATCH_LIST_OFF}`,
  ];
}

export function controllerManagerArgs(config: ClusterConfig): string[] {
  const pki = pkiFiles(config);
  return [
    ...identityArgs(runPaths(config).kubeconfig('controller-manager'), config.ports.controllerManager),
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.ca.cert}`,
    // Each controller acts as its own service account (kube-system/*-controller), as in kubeadm's clusters.
    '--use-service-account-credentials=true',
    `--cluster-signing-cert-file=${pki.ca.cert}`,
    `--cluster-signing-key-file=${pki.ca.key}`,
    `--controllers=${CONTROLLERS}`,
    // The controllers start one after another, each with its own service account's client, and those first calls
    // (its token, discovery) went through the default client limit of 20 requests/s: 4 s before Deployments got pods.
    // One local API server with nothing else to protect takes more.
    '--kube-api-qps=200',
    '--kube-api-burst=400',
  ];
}

export function schedulerArgs(config: ClusterConfig): string[] {
  return [...identityArgs(runPaths(config).kubeconfig('scheduler'), config.ports.scheduler)];
}

export function controllersStep(): ClusterStep {
  return processStep('controllers', async (ctx) => {
    await requireTool(ctx.tools.kube, 'kube');
    const { ports } = ctx.config;
    return [
      kubeProcess(
        ctx,
        'kube-controller-manager',
        controllerManagerArgs(ctx.config),
        httpOk(`https://127.0.0.1:${ports.controllerManager}/healthz`, 'self-signed'),
      ),
      kubeProcess(ctx, 'kube-scheduler', schedulerArgs(ctx.config), httpOk(`https://127.0.0.1:${ports.scheduler}/readyz`, 'self-signed')),
    ];
  });
}
