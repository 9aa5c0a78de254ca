// The cluster's add-ons, each a step: OpenShift's Route CRD, CoreDNS as kubeadm deploys it, Istio from its own charts, the gateway.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { INSTALL_DIR, pinnedVersions } from '@mesh-demo/workspace';
import { MeshError } from '../errors.ts';
import { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube.ts';
import { helm, kubectl } from './admin-cli.ts';
import { type ClusterConfig, runPaths } from './config.ts';
import { COREDNS_MANIFEST, ISTIOD_VALUES, renderManifest } from './manifests.ts';
import { requireTool } from './process-step.ts';
import { type ClusterStep, defineStep, type StepContext } from './step.ts';

export const ISTIO_NAMESPACE = 'istio-system';
/** The ingress gateway as the walkthrough's Service Mesh 3 install deploys it (gateway injection), applied as it is. */
export const GATEWAY_INSTALL_FILE = join(INSTALL_DIR, 'ossm3', '20-gateway.yaml');
/** Ours in managedFields: server-side apply keeps no last-applied annotation (the Route CRD alone is 30 kB). */
const FIELD_MANAGER = 'mesh-demo';

const apply = (ctx: StepContext, args: readonly string[], input?: string) =>
  kubectl(ctx, ['apply', '--server-side', '--force-conflicts', `--field-manager=${FIELD_MANAGER}`, ...args], input);

/** The chart renders Routes, and the edge serves them: their CRD is what an OpenShift cluster has. */
export function routesCrdStep(): ClusterStep {
  return defineStep('routes', {
    async start(ctx) {
      await requireTool(ctx.tools.kube, 'kube');
      await apply(ctx, ['-f', ctx.tools.routesCrd]).catch((error: Error) => {
        throw new MeshError(`${error.message} (the CRD comes from tools/install-tools.sh routes-crd)`);
      });
    },
  });
}

/** CoreDNS's objects; its pod waits for the node agent like any other. */
export function dnsStep(): ClusterStep {
  return defineStep('dns', {
    async start(ctx) {
      await apply(ctx, ['-f', '-'], await renderManifest(COREDNS_MANIFEST, ctx.config));
    },
  });
}

/**
 * Istio as a cluster installs it: `base` (CRDs, the default validator), then `istio-discovery` (istiod, the injector).
 * No node is needed: istiod's pod waits to be scheduled, and the webhooks fail open until istiod patches them.
 */
export function istioStep(): ClusterStep {
  return defineStep('istio', {
    async start(ctx) {
      await requireTool(ctx.tools.helm, 'helm');
      const charts = ctx.tools.istioCharts;
      await helm(ctx, ['upgrade', '--install', 'istio-base', join(charts, 'base'), '-n', ISTIO_NAMESPACE, '--create-namespace']);
      const tag = `${pinnedVersions().ISTIO_VERSION}-mesh-demo`;
      await helm(ctx, [
        'upgrade',
        '--install',
        'istiod',
        join(charts, 'istio-discovery'),
        '-n',
        ISTIO_NAMESPACE,
        '-f',
        ISTIOD_VALUES,
        '--set',
        `global.tag=${tag}`,
      ]);
    },
  });
}

interface EndpointSlice extends KubeObject {
  endpoints?: { conditions?: { ready?: boolean } }[];
}

/** True once the istiod Service has a ready endpoint: the injection webhook (failurePolicy Fail) can be called. */
export async function istiodServing(config: ClusterConfig): Promise<boolean> {
  const client = KubeClient.fromKubeconfig(runPaths(config).adminKubeconfig);
  try {
    const path = `/apis/discovery.k8s.io/v1/namespaces/${ISTIO_NAMESPACE}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Distiod`;
    const slices = await client.list<EndpointSlice>(path);
    return slices.items.some((slice) => slice.endpoints?.some((endpoint) => endpoint.conditions?.ready));
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

export interface GatewayOptions {
  /**
   * Apply only once istiod serves (needs the node agent). Applied earlier, the ReplicaSet's pod creations fail at the
   * injection webhook and it retries with a growing back-off, so the gateway's pods may come seconds after istiod.
   */
  readonly waitForIstiod?: boolean;
  readonly istiodTimeoutMs?: number;
}

/** The ingress gateway of install/ossm3, after Istio: its pods must meet the injector, or they would run uninjected. */
export function gatewayStep(options: GatewayOptions = {}): ClusterStep {
  return defineStep('gateway', {
    async start(ctx) {
      if (options.waitForIstiod) await waitForIstiod(ctx.config, options.istiodTimeoutMs ?? 300_000);
      await apply(ctx, ['-f', GATEWAY_INSTALL_FILE]);
    },
  });
}

async function waitForIstiod(config: ClusterConfig, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(500)) if (await istiodServing(config)) return;
  throw new MeshError(
    `istiod did not become ready within ${timeoutMs / 1000} s (is the node agent running? kubectl -n ${ISTIO_NAMESPACE} get pods)`,
  );
}
