// The cluster's add-ons, each a step: the platform's APIs (OpenShift, Gateway API, Service Mesh 2), CoreDNS, Istio from its charts, the gateway.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { INSTALL_DIR, pinnedVersions } from '@mesh-demo/workspace';
import { MeshError } from '../errors.ts';
import { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube.ts';
import { helm, kubectl } from './admin-cli.ts';
import { type ClusterConfig, runPaths } from './config.ts';
import { COREDNS_MANIFEST, ISTIOD_VALUES, MANIFESTS_DIR, renderManifest, TRACING_MANIFEST } from './manifests.ts';
import { requireTool } from './process-step.ts';
import { type ClusterStep, defineStep, type StepContext } from './step.ts';

export const ISTIO_NAMESPACE = 'istio-system';
/** The ingress gateway as the walkthrough's Service Mesh 3 install deploys it (gateway injection), applied as it is. */
export const GATEWAY_INSTALL_FILE = join(INSTALL_DIR, 'ossm3', '20-gateway.yaml');
/** Ours in managedFields: server-side apply keeps no last-applied annotation (the Route CRD alone is 30 kB). */
const FIELD_MANAGER = 'mesh-demo';

const apply = (ctx: StepContext, args: readonly string[], input?: string) =>
  kubectl(ctx, ['apply', '--server-side', '--force-conflicts', `--field-manager=${FIELD_MANAGER}`, ...args], input);

/** Stand-in CRDs for OpenShift's built-in ImageStream and BuildConfig (see the file's header). */
export const OPENSHIFT_STAND_INS = join(MANIFESTS_DIR, 'openshift-stand-ins.yaml');
/** The ServiceMeshMember CRD and Service Mesh 2's injector webhook (see the file's header). */
export const SERVICE_MESH_2_STAND_IN = join(MANIFESTS_DIR, 'service-mesh-2-stand-in.yaml');

/** The chart renders Routes, and the edge serves them: their CRD is what an OpenShift cluster has. */
export function routesCrdStep(): ClusterStep {
  return defineStep('routes', {
    async start(ctx) {
      await applyCrds(ctx, ctx.tools.routesCrd, 'the CRD comes from tools/install-tools.sh routes-crd');
    },
  });
}

/**
 * Applies a file (or directory) of CRDs and returns once the API serves their kinds: a chart step applied right after
 * the cluster is up would otherwise meet "no matches for kind". `crds` names them for kubectl when the file holds more.
 */
async function applyCrds(ctx: StepContext, file: string, source: string, crds = ['-f', file]): Promise<void> {
  await requireTool(ctx.tools.kube, 'kube');
  await apply(ctx, ['-f', file]).catch((error: Error) => {
    throw new MeshError(`${error.message} (${source})`);
  });
  await waitEstablished(ctx, crds);
}

/**
 * kubectl wait gives up at once on a CRD whose status has no conditions yet (".status.conditions accessor error",
 * kubernetes/kubernetes#66439), as a CRD has in the first moments after it is made: that one failure is tried again.
 */
async function waitEstablished(ctx: StepContext, crds: readonly string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await kubectl(ctx, ['wait', '--for=condition=Established', '--timeout=60s', ...crds]);
      return;
    } catch (error) {
      if (attempt === 10 || !(error as Error).message.includes('accessor error')) throw error;
      await sleep(200);
    }
  }
}

/**
 * The Gateway API's own standard-channel CRDs, before Istio: istiod starts its Gateway API controllers (routing, and the
 * deployment controller that makes a Gateway's Deployment and Service) when it sees them, so with them in place first it
 * needs no later discovery of them.
 */
export function gatewayApiStep(): ClusterStep {
  return defineStep('gateway-api', {
    async start(ctx) {
      await applyCrds(ctx, ctx.tools.gatewayApiCrds, 'the CRDs come from tools/install-tools.sh gateway-api-crds');
    },
  });
}

/** ImageStream and BuildConfig, which OpenShift serves itself: the chart's build-in-cluster step renders them. */
export function openshiftApisStep(): ClusterStep {
  return defineStep('openshift-apis', {
    async start(ctx) {
      await applyCrds(ctx, OPENSHIFT_STAND_INS, OPENSHIFT_STAND_INS);
    },
  });
}

/**
 * What Service Mesh 2's operator installs with its control plane: the ServiceMeshMember API (the chart's ossm2 flavor
 * renders one) and the injector webhook for member namespaces. The webhook is there from the start, so istiod has put
 * its CA bundle in it before a member arrives; the members themselves are smcp-stand-in.ts's to reconcile.
 */
export function serviceMesh2Step(): ClusterStep {
  return defineStep('service-mesh-2', {
    async start(ctx) {
      // The file's webhook configuration has no Established condition to wait for.
      await applyCrds(ctx, SERVICE_MESH_2_STAND_IN, SERVICE_MESH_2_STAND_IN, ['crd/servicemeshmembers.maistra.io']);
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
 * Istio as a cluster installs it: `base` (CRDs, the default validator), then `istio-discovery` (istiod, the injector),
 * with install/ossm3's tracing in between (manifests/tracing.yaml).
 * No node is needed: istiod's pod waits to be scheduled, and the webhooks fail open until istiod patches them.
 */
export function istioStep(): ClusterStep {
  return defineStep('istio', {
    async start(ctx) {
      await requireTool(ctx.tools.helm, 'helm');
      const charts = ctx.tools.istioCharts;
      await helm(ctx, ['upgrade', '--install', 'istio-base', join(charts, 'base'), '-n', ISTIO_NAMESPACE, '--create-namespace']);
      // Before istiod, so its first push to every proxy already carries the tracer; base's CRDs are templates, not
      // helm's crds/, so helm does not wait for them to be served.
      await waitEstablished(ctx, ['crd/telemetries.telemetry.istio.io']);
      await apply(ctx, ['-f', '-'], await renderManifest(TRACING_MANIFEST, ctx.config));
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
