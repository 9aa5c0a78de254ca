// Helm 4 applies the chart server-side, so with in-cluster builds nothing else may own a Deployment's image: shown on a
// real etcd and kube-apiserver. The old image trigger hands the field to OpenShift's trigger controller and the next
// upgrade conflicts; the chart's road (the build by its full name, `oc rollout restart` after a build) leaves it to Helm.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeError, type KubeObject, parseObjects, renderChart, resolveStepFile, toolPaths } from '@mesh-demo/mesh';
import { startTestApiServer, type TestApiServer } from './support/api-server.ts';
import { applyAsHelm, deploymentPath, imageOwners } from './support/server-side-apply.ts';
import { imagesLanded, TRIGGER_CONTROLLER } from './support/trigger-controller.ts';

/** The walkthrough's namespace, which the chart renders into; the old rendering's fixture is in `demo`. */
const NS = 'mesh-demo';
const OLD_NS = 'demo';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const OLD_RENDERING = join(import.meta.dirname, 'fixtures/customer-v1-image-trigger.yaml');

const tools = await toolPaths();

/** The Deployments of `helm template` with these example files, as a `helm_step` with them would apply them. */
async function deploymentsOf(...steps: string[]): Promise<KubeObject[]> {
  const files = await Promise.all(steps.map(resolveStepFile));
  return parseObjects(await renderChart(tools.helm, files)).filter((object) => object.kind === 'Deployment');
}

const containerOf = (deployment: KubeObject) =>
  (deployment.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec.containers[0]!;
const templateAnnotations = (deployment: KubeObject) =>
  (deployment.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations ?? {};

/** The apply's refusal, or a failure of the test if it was accepted. */
async function refusal(apply: Promise<unknown>): Promise<KubeError> {
  const outcome = await apply.then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(outcome instanceof KubeError, `expected the API server to refuse the apply, got ${String(outcome)}`);
  return outcome;
}

let api: TestApiServer | undefined;
const server = () => {
  assert.ok(api, 'the API server did not start');
  return api;
};
const get = (namespace: string, name: string) => server().client.get<KubeObject>(deploymentPath(namespace, name));

before(async () => {
  api = await startTestApiServer();
  for (const name of [NS, OLD_NS])
    await api.client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
});

after(async () => {
  await api?.stopAndSweep();
});

describe('the old road: an image trigger annotation on each Deployment (the chart before issue 21)', () => {
  const [old] = parseObjects(readFileSync(OLD_RENDERING, 'utf8'));

  it('the trigger controller takes the image field over, and the next helm upgrade fails with a conflict on it', async () => {
    assert.ok(old?.metadata.annotations?.['image.openshift.io/triggers'], 'the fixture carries the trigger annotation');
    await applyAsHelm(server().client, old);
    assert.deepEqual(imageOwners(await get(OLD_NS, 'customer-v1'), 'customer'), ['helm']);

    assert.deepEqual(await imagesLanded(server().client, OLD_NS, 1), ['customer-v1']);
    assert.deepEqual(imageOwners(await get(OLD_NS, 'customer-v1'), 'customer'), [TRIGGER_CONTROLLER]);

    const refused = await refusal(applyAsHelm(server().client, old));
    assert.equal(refused.status, 409);
    assert.match(refused.message, /conflict with "openshift-controller-manager"/);
    assert.match(refused.message, /\.spec\.template\.spec\.containers\[name="customer"\]\.image/);
  });

  it('a release made that way conflicts once more on its upgrade to this chart, and --force-conflicts hands the image back to helm', async () => {
    const current = (await deploymentsOf('01-plain', 'build-in-cluster')).find((d) => d.metadata.name === 'customer-v1')!;
    const moved = { ...current, metadata: { ...current.metadata, namespace: OLD_NS } };
    const refused = await refusal(applyAsHelm(server().client, moved));
    assert.match(refused.message, /\.spec\.template\.spec\.containers\[name="customer"\]\.image/);

    const forced = await applyAsHelm(server().client, moved, { force: true });
    assert.deepEqual(imageOwners(forced, 'customer'), ['helm']);
    // Helm owned the annotation alone, so dropping it from the chart removes it: the controller has nothing to act on.
    assert.equal(forced.metadata.annotations?.['image.openshift.io/triggers'], undefined);
    assert.deepEqual(await imagesLanded(server().client, OLD_NS, 2), []);
    await applyAsHelm(server().client, moved);
  });
});

describe("this chart's road: the build by its full name in the internal registry, and `oc rollout restart` after a build", () => {
  /** Each Deployment's restart annotation as the restart set it (kubectl stamps each one with its own second). */
  const restartedAt = new Map<string, string>();

  it('applies as helm, and the trigger controller finds nothing to do when builds land', async () => {
    const deployments = await deploymentsOf('01-plain', 'build-in-cluster');
    assert.equal(deployments.length, 4);
    for (const deployment of deployments) {
      assert.match(containerOf(deployment).image, /^image-registry\.openshift-image-registry\.svc:5000\/mesh-demo\/[a-z]+:0\.1\.0$/);
      await applyAsHelm(server().client, deployment);
    }
    assert.deepEqual(await imagesLanded(server().client, NS, 1), []);
    assert.deepEqual(await imagesLanded(server().client, NS, 2), []);
  });

  it("the walkthrough's `oc -n $NS rollout restart deploy` sets the restart annotation and leaves the image to helm", async () => {
    await server().kubectl('-n', NS, 'rollout', 'restart', 'deploy');
    for (const name of ['customer-v1', 'partner-v1', 'preference-v1', 'recommendation-v1']) {
      const deployment = await get(NS, name);
      const stamp = templateAnnotations(deployment)[RESTARTED_AT];
      assert.ok(stamp, `${name} has no ${RESTARTED_AT}`);
      restartedAt.set(name, stamp);
      assert.deepEqual(imageOwners(deployment, containerOf(deployment).name), ['helm']);
    }
  });

  it('the next helm upgrade applies without a conflict, keeps the restart, and helm alone owns the image', async () => {
    const next = await deploymentsOf('02-mesh', 'build-in-cluster');
    for (const deployment of next) {
      const applied = await applyAsHelm(server().client, deployment);
      const name = applied.metadata.name;
      // Had the upgrade dropped it, the pod template would change back and roll the Deployment out again.
      assert.equal(templateAnnotations(applied)[RESTARTED_AT], restartedAt.get(name), `${name} lost the restart`);
      assert.equal(containerOf(applied).image, containerOf(deployment).image);
      assert.deepEqual(imageOwners(applied, containerOf(applied).name), ['helm'], `${name}'s image owners`);
    }
  });
});

describe('the API server afterwards', () => {
  it('stops etcd and the API server and leaves no process of them nor their directory', async () => {
    assert.deepEqual(await server().stopAndSweep(), []);
  });
});
