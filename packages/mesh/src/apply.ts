// `mesh apply`: the chart README's `helm_step` against the local cluster, then the wait until the step is live.
import { chmod, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHART_DIR, REPO_ROOT } from '@mesh-demo/workspace';
import { helm } from './cluster/admin-cli.ts';
import type { ClusterConfig } from './cluster/config.ts';
import type { StepContext } from './cluster/step.ts';
import { MeshError } from './errors.ts';
import { apiConfigObjects, configKeys, configVersions, istiodPod, pushCounters, suspects, syncz } from './istiod-debug.ts';
import { lastingRejections, rejections, unsynced } from './istiod-sync.ts';
import type { KubeClient } from './kube/client.ts';
import { pathOf } from './kube/resources.ts';
import type { KubeObject } from './kube.ts';
import { parseObjects } from './render.ts';

/** The walkthrough's names: `helm upgrade --install demo $CHART -n mesh-demo`. */
export const RELEASE = 'demo';
export const NAMESPACE = 'mesh-demo';
/** The namespaces a step's pods run in: the chart's, and the ingress gateway's (Service Mesh 3's and 2's). */
const MESH_NAMESPACES = [NAMESPACE, 'istio-ingress', 'istio-system'];

export interface StepRequest {
  /** The step's values files (paths, or as `mesh apply -f` named them, relative to the repo). */
  readonly files: readonly string[];
  /** Instead of the chart's own output, these objects (helm's post-renderer hands them over): a test's edited step. */
  readonly manifest?: string;
}

/** `helm upgrade --install demo charts/mesh-demo -n mesh-demo -f STEP...`, as `helm_step` runs it on a cluster. */
function helmArgs(request: StepRequest, postRenderer: string | undefined): string[] {
  return [
    'upgrade',
    '--install',
    RELEASE,
    CHART_DIR,
    '-n',
    NAMESPACE,
    // With objects of its own, the request's files are only its name: the post-renderer supplies the whole output.
    ...(postRenderer ? [] : request.files.flatMap((file) => ['-f', resolve(REPO_ROOT, file)])),
    ...(postRenderer ? ['--post-renderer', postRenderer] : []),
  ];
}

/** A post-renderer that puts the given objects in place of the chart's output (helm then applies them as the release). */
async function replacing(runDir: string, manifest: string): Promise<string> {
  const file = join(runDir, 'step-manifest.yaml');
  const script = join(runDir, 'step-post-renderer.sh');
  await writeFile(file, manifest);
  await writeFile(script, `#!/bin/sh\ncat >/dev/null\ncat ${JSON.stringify(file)}\n`);
  await chmod(script, 0o755);
  return script;
}

/**
 * Applies the step as helm does. A server-side dry run goes first: what the API server or a webhook refuses (istiod's
 * validation, Pod Security) is refused before anything changes, so the running step stays as it was.
 */
export async function helmStep(ctx: StepContext, request: StepRequest): Promise<void> {
  const postRenderer = request.manifest === undefined ? undefined : await replacing(ctx.config.runDir, request.manifest);
  const args = helmArgs(request, postRenderer);
  try {
    await helm(ctx, [...args, '--dry-run=server']);
    await helm(ctx, args);
  } catch (error) {
    throw new MeshError(`${(error as Error).message}; the step before keeps running`);
  }
}

/** Kinds a cluster here accepts but nothing acts on: OpenShift's builds (stand-in APIs; the images are this repo's). */
const NOT_RUN = new Set(['build.openshift.io', 'image.openshift.io']);

/** What of the release's objects nothing runs here, as `Kind.group` (what `mesh status` lists as "not run here"). */
export async function notRunHere(ctx: StepContext): Promise<string[]> {
  const { stdout } = await helm(ctx, ['get', 'manifest', RELEASE, '-n', NAMESPACE]);
  const kinds = parseObjects(stdout)
    .map((o) => ({ kind: o.kind, group: o.apiVersion.includes('/') ? o.apiVersion.split('/')[0]! : '' }))
    .filter((k) => NOT_RUN.has(k.group))
    .map((k) => `${k.kind}.${k.group}`);
  return [...new Set(kinds)].sort();
}

interface Deployment extends KubeObject {
  metadata: KubeObject['metadata'] & { generation?: number };
  spec: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; readyReplicas?: number };
}

/** What `kubectl rollout status` waits for: every Deployment of the step's namespaces updated and available. */
async function rolledOut(admin: KubeClient): Promise<string[]> {
  const lists = await Promise.all(MESH_NAMESPACES.map((ns) => admin.list<Deployment>(pathOf('Deployment', ns))));
  return lists
    .flatMap((list) => list.items)
    .filter((d) => {
      const want = d.spec.replicas ?? 1;
      const s = d.status ?? {};
      return !(
        (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
        (s.updatedReplicas ?? 0) === want &&
        (s.replicas ?? 0) === want &&
        (s.availableReplicas ?? 0) === want
      );
    })
    .map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
}

/**
 * Waits until the step runs as applied: its Deployments rolled out; istiod holds every Istio object at its current
 * version; istiod is quiet (nothing received or pushed between two readings); every proxy holds istiod's latest push;
 * and nothing was rejected for good. A config Envoy rejects fails fast with Envoy's words and the object it came from.
 */
export async function waitLive(
  admin: KubeClient,
  config: ClusterConfig,
  say: (line: string) => void,
  since: number,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const seen = new Map<string, number>();
  let reported = '';
  let lastCounters = '';
  let waitingFor = 'the step';
  while (Date.now() < deadline) {
    const notRolled = await rolledOut(admin);
    const istiod = await istiodPod(admin, config);
    waitingFor = notRolled.length ? `rollout of ${notRolled.join(', ')}` : 'istiod';
    if (notRolled.length === 0 && istiod) {
      const [objects, held, proxies, counters] = await Promise.all([
        apiConfigObjects(admin),
        configVersions(istiod),
        syncz(istiod),
        pushCounters(istiod),
      ]);
      const want = configKeys(objects);
      const rejected = lastingRejections(rejections(proxies, since), seen, Date.now());
      if (rejected.length) {
        const first = rejected[0]!;
        const culprits = suspects(first.error, objects);
        throw new MeshError(
          `Envoy rejected the config for ${first.proxy} (${first.type}): ${first.error.trim()}${culprits.length ? `; it comes from ${culprits.join(', ')}` : ''}. The proxies keep the last config they accepted`,
        );
      }
      const missing = [...want].filter(([key, version]) => held.get(key) !== version).map(([key]) => key);
      const behind = unsynced(proxies);
      const quiet = counters === lastCounters;
      lastCounters = counters;
      waitingFor = missing.length
        ? `istiod to read ${missing[0]}`
        : behind.length
          ? `${behind.length} proxies to take istiod's push`
          : 'istiod to finish pushing';
      if (missing.length === 0 && behind.length === 0 && quiet) return;
    }
    if (waitingFor !== reported) {
      reported = waitingFor;
      say(`waiting for ${waitingFor}`);
    }
    await sleep(250);
  }
  throw new MeshError(`the step did not become live within ${timeoutMs / 1000} s (waiting for ${waitingFor})`);
}
