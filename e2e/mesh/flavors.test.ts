// The chart's flavors on the real mesh: OpenShift Service Mesh 2, a revisioned control plane, the Kubernetes Gateway API.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type MeshStatus, parseObjects } from '@mesh-demo/mesh';
import { stringify } from 'yaml';
import { splitOf } from './support/checks.ts';
import { ensureMesh } from './support/lifecycle.ts';
import { applyManifest, applyStep, assertShare, cli, counter, onePod, podMetrics, render, send, settledCounter } from './support/mesh.ts';

/** Every app pod of the step runs with a sidecar, and the chain answers 200 through the edge from both edges. */
async function meshedChainWorks(status: MeshStatus): Promise<void> {
  const apps = status.pods.filter((p) => p.namespace === 'mesh-demo' && p.phase !== 'Terminating' && p.service);
  assert.ok(apps.length >= 4);
  for (const pod of apps) assert.equal(pod.proxy, 'sidecar', `${pod.name} was injected`);
  for (const url of ['http://127.0.0.1:8080', 'http://127.0.0.1:8081']) {
    const sent = await send(10, { url });
    assert.deepEqual([...new Set(sent.map((s) => s.status))], [200], url);
  }
}

describe('flavors', () => {
  before(async () => {
    await ensureMesh();
  });

  it('control: without its ServiceMeshMember the step applies, but no pod of it is injected (nothing joins the namespace)', async () => {
    // From step 02 (the sidecar label) to Service Mesh 2's annotation: every pod is new, and nothing injects it.
    await applyStep('02-mesh');
    const manifest = await render('02-mesh', 'flavor-ossm2');
    const without = parseObjects(manifest).filter((o) => o.kind !== 'ServiceMeshMember');
    const status = await applyManifest(without.map((o) => stringify(o)).join('---\n'), 'flavor-ossm2 without its ServiceMeshMember');
    const apps = status.pods.filter((p) => p.namespace === 'mesh-demo' && p.phase !== 'Terminating' && p.service);
    assert.ok(apps.length >= 4);
    for (const pod of apps) assert.equal(pod.proxy, null, `${pod.name} has no sidecar`);
  });

  it('OpenShift Service Mesh 2: v1beta1 APIs and the inject annotation, injected because a ServiceMeshMember joins the namespace', async () => {
    const manifest = await render('02-mesh', 'flavor-ossm2');
    const objects = parseObjects(manifest);
    assert.ok(objects.filter((o) => o.apiVersion.endsWith('istio.io/v1beta1')).length >= 8, 'the Istio objects are v1beta1');
    assert.ok(objects.some((o) => o.kind === 'ServiceMeshMember'));
    const status = await applyManifest(manifest, 'flavor-ossm2');
    // The edge follows the Routes into istio-system, to the control plane's own gateway (the SMCP deploys it there).
    assert.ok(
      status.pods.some((p) => p.namespace === 'istio-system' && p.name.startsWith('istio-ingressgateway-') && p.phase !== 'Terminating'),
      "the SMCP's gateway runs in istio-system",
    );
    assert.ok(
      status.edge.every((e) => e.target === 'istio-ingressgateway.istio-system' && e.endpoints >= 1),
      JSON.stringify(status.edge),
    );
    await meshedChainWorks(status);
    // The chart README's wait for a member: the operator's (here the stand-in's) Ready condition on it.
    const wait = await cli(['kubectl', '-n', 'mesh-demo', 'wait', 'servicemeshmember/default', '--for=condition=Ready', '--timeout=20s']);
    assert.equal(wait.code, 0, wait.stderr);
    assert.match(wait.stdout, /servicemeshmember\.maistra\.io\/default condition met/);
  });

  it('a revisioned control plane: pods labelled istio.io/rev=default are injected by it', async () => {
    const manifest = await render('02-mesh', 'flavor-istio-revision');
    assert.ok(
      parseObjects(manifest)
        .filter((o) => o.kind === 'Deployment')
        .every((d) => JSON.stringify(d).includes('"istio.io/rev":"default"')),
    );
    await meshedChainWorks(await applyManifest(manifest, 'flavor-istio-revision'));
  });

  it('the Gateway API: the Gateway and HTTPRoutes split recommendation 25/75 and mirror half of customer as shadows', async () => {
    const status = await applyManifest(await render('flavor-gateway-api'), 'flavor-gateway-api');
    assert.ok(
      status.edge.every((e) => e.target === 'demo-mesh-demo-gateway-istio.mesh-demo' && e.endpoints === 1),
      JSON.stringify(status.edge),
    );
    const v2 = onePod(status, 'customer', 'v2');
    const series = 'mesh_demo_hits_total{service="customer",version="v2",shadow="true"}';
    const start = counter(await podMetrics(v2), series);
    const split = await splitOf(200);
    assertShare(split.v2, 200, 0.75, 'HTTPRoute share of recommendation v2');
    const end = await settledCounter(v2, series);
    assertShare(end - start, 200, 0.5, 'RequestMirror share');
  });
});
