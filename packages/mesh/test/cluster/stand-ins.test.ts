// The platform's stand-ins without a cluster: the OpenShift and Service Mesh 2 manifests, and what the SMCP stand-in plans for its members.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GATEWAY_INSTALL_FILE, OPENSHIFT_STAND_INS, SERVICE_MESH_2_STAND_IN } from '../../src/cluster/addons.ts';
import {
  changes,
  desiredState,
  lateJoiners,
  memberStatusPatch,
  NO_MEMBERS,
  type ServiceMeshMember,
} from '../../src/cluster/smcp-stand-in.ts';
import type { KubeObject } from '../../src/kube.ts';
import { parseObjects } from '../../src/render.ts';

const read = (path: string) => parseObjects(readFileSync(path, 'utf8'));
const template = read(GATEWAY_INSTALL_FILE);
const member = (namespace: string, controlPlaneNamespace = 'istio-system', name = 'default'): ServiceMeshMember => ({
  apiVersion: 'maistra.io/v1',
  kind: 'ServiceMeshMember',
  metadata: { name, namespace },
  spec: { controlPlaneRef: { name: 'basic', namespace: controlPlaneNamespace } },
});
const names = (objects: readonly KubeObject[]) => objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);

interface CrdDoc extends KubeObject {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string };
    versions: { name: string; subresources?: { status?: object }; schema: { openAPIV3Schema: Record<string, unknown> } }[];
  };
}

describe('the stand-in CRDs', () => {
  const crds = [...read(OPENSHIFT_STAND_INS), ...read(SERVICE_MESH_2_STAND_IN)].filter(
    (o): o is CrdDoc => o.kind === 'CustomResourceDefinition',
  );
  const shape = (crd: CrdDoc) => {
    const [version] = crd.spec.versions;
    return `${crd.spec.group}/${version?.name} ${crd.spec.names.kind} ${crd.spec.names.plural} ${crd.spec.names.singular} ${crd.spec.scope}`;
  };

  it('serve the kinds the chart renders, as OpenShift and Service Mesh 2 name them', () => {
    assert.deepEqual(crds.map(shape), [
      'image.openshift.io/v1 ImageStream imagestreams imagestream Namespaced',
      'build.openshift.io/v1 BuildConfig buildconfigs buildconfig Namespaced',
      'maistra.io/v1 ServiceMeshMember servicemeshmembers servicemeshmember Namespaced',
    ]);
    for (const crd of crds) {
      assert.equal(crd.metadata.name, `${crd.spec.names.plural}.${crd.spec.group}`);
      assert.deepEqual(crd.spec.versions[0]?.subresources, { status: {} });
      assert.equal(crd.spec.versions[0]?.schema.openAPIV3Schema['x-kubernetes-preserve-unknown-fields'], true);
    }
  });
});

describe("Service Mesh 2's injector webhook", () => {
  const config = read(SERVICE_MESH_2_STAND_IN).find((o) => o.kind === 'MutatingWebhookConfiguration') as KubeObject & {
    webhooks: {
      name: string;
      namespaceSelector: { matchExpressions: { key: string; operator: string; values?: string[] }[] };
      matchConditions: { expression: string }[];
    }[];
  };

  it("is istiod's to patch with its CA: the revision label and a webhook name ending in sidecar-injector.istio.io", () => {
    assert.equal(config.metadata.labels?.['istio.io/rev'], 'default');
    assert.ok(config.webhooks.every((webhook) => webhook.name.endsWith('sidecar-injector.istio.io')));
  });

  it('selects the namespaces the stand-in labels as members, and pods by the inject annotation only', () => {
    const [webhook] = config.webhooks;
    assert.deepEqual(webhook?.namespaceSelector.matchExpressions[0], {
      key: 'maistra.io/member-of',
      operator: 'In',
      values: ['istio-system'],
    });
    assert.match(webhook?.matchConditions[0]?.expression ?? '', /annotations\['sidecar\.istio\.io\/inject'\] == 'true'/);
  });
});

describe('the SMCP stand-in', () => {
  it("labels a member's namespace and deploys the control plane's gateway in its namespace, under its service account", () => {
    const { state, refused } = desiredState([member('mesh-demo')], template);
    assert.deepEqual(refused, []);
    const change = changes(NO_MEMBERS, state);
    assert.deepEqual(change.labels, [{ namespace: 'mesh-demo', controlPlane: 'istio-system' }]);
    assert.deepEqual(change.joined, ['mesh-demo']);
    assert.deepEqual(change.remove, []);
    assert.deepEqual(names(change.apply), [
      'ServiceAccount istio-system/istio-ingressgateway-service-account',
      'Role istio-system/secret-reader',
      'RoleBinding istio-system/secret-reader',
      'Deployment istio-system/istio-ingressgateway',
      'Service istio-system/istio-ingressgateway',
      'HorizontalPodAutoscaler istio-system/istio-ingressgateway',
      'PodDisruptionBudget istio-system/istio-ingressgateway',
    ]);
    const deployment = change.apply.find((o) => o.kind === 'Deployment') as KubeObject & {
      spec: { template: { spec: { serviceAccountName: string } } };
    };
    assert.equal(deployment.spec.template.spec.serviceAccountName, 'istio-ingressgateway-service-account');
    const binding = change.apply.find((o) => o.kind === 'RoleBinding') as KubeObject & { subjects: unknown[] };
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: 'istio-ingressgateway-service-account', namespace: 'istio-system' },
    ]);
    assert.ok(change.apply.every((o) => o.metadata.labels?.['maistra.io/owner'] === 'istio-system'));
    // The Service Mesh 3 gateway's own objects are left as the file has them.
    assert.equal(template.find((o) => o.kind === 'ServiceAccount')?.metadata.namespace, 'istio-ingress');
  });

  it('takes the label and the gateway away when the last member goes', () => {
    const before = desiredState([member('mesh-demo')], template).state;
    const change = changes(before, desiredState([], template).state);
    assert.deepEqual(change.labels, [{ namespace: 'mesh-demo', controlPlane: null }]);
    assert.deepEqual(change.apply, []);
    assert.deepEqual(change.joined, []);
    assert.deepEqual(names(change.remove), names(before.objects));
  });

  it('keeps the gateway while another member of the same control plane remains, and labels a second member only', () => {
    const one = desiredState([member('mesh-demo')], template).state;
    const two = desiredState([member('mesh-demo'), member('other')], template).state;
    assert.deepEqual(changes(one, two), {
      labels: [{ namespace: 'other', controlPlane: 'istio-system' }],
      apply: [],
      remove: [],
      joined: ['other'],
    });
    assert.deepEqual(changes(two, one), { labels: [{ namespace: 'other', controlPlane: null }], apply: [], remove: [], joined: [] });
    assert.deepEqual(changes(two, two), { labels: [], apply: [], remove: [], joined: [] });
  });

  it('leaves a member unreconciled, saying why, when its control plane is not here or it is not named default', () => {
    const { state, refused } = desiredState(
      [member('a', 'elsewhere'), member('b', 'istio-system', 'mine'), member('istio-system')],
      template,
    );
    assert.deepEqual(changes(NO_MEMBERS, state), { labels: [], apply: [], remove: [], joined: [] });
    assert.deepEqual(refused, [
      'ServiceMeshMember a/default: names the control plane elsewhere/basic; the only one here is istiod in istio-system',
      'ServiceMeshMember b/mine: a ServiceMeshMember must be named default',
      "ServiceMeshMember istio-system/default: the control plane's own namespace cannot be a member",
    ]);
  });

  it("restarts only the pods the member's injector would take now: annotated, uninjected, unlabelled, owned by a controller", () => {
    const owned = [{ controller: true }];
    const pod = (name: string, metadata: Record<string, unknown>) => ({
      metadata: { name, ownerReferences: owned, annotations: { 'sidecar.istio.io/inject': 'true' }, ...metadata },
    });
    const pods = [
      pod('late', {}),
      pod('injected', { annotations: { 'sidecar.istio.io/inject': 'true', 'sidecar.istio.io/status': '{}' } }),
      pod('labelled', { labels: { 'sidecar.istio.io/inject': 'false' } }),
      pod('not-annotated', { annotations: {} }),
      pod('bare', { ownerReferences: [] }),
      pod('terminating', { deletionTimestamp: '2026-01-01T00:00:00Z' }),
    ];
    assert.deepEqual(
      lateJoiners(pods).map((p) => p.metadata.name),
      ['late'],
    );
  });
});

describe("the SMCP stand-in's member status", () => {
  const AT = new Date('2026-12-07T08:00:00.500Z');
  it('reports a member of istio-system Reconciled and Ready (what oc wait --for=condition=Ready waits on), once', () => {
    const patch = memberStatusPatch(member('mesh-demo'), AT) as { status: ServiceMeshMember['status'] };
    assert.deepEqual(
      patch.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.lastTransitionTime}`),
      ['Reconciled=True 2026-12-07T08:00:00Z', 'Ready=True 2026-12-07T08:00:00Z'],
    );
    assert.equal(memberStatusPatch({ ...member('mesh-demo'), ...patch }, AT), undefined, 'written status is not written again');
  });

  it('reports a member of a control plane that is not here as not Ready, saying why', () => {
    const patch = memberStatusPatch(member('mesh-demo', 'other-cp'), AT) as { status: ServiceMeshMember['status'] };
    const ready = patch.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.match(ready?.message ?? '', /names the control plane other-cp\/basic; the only one here is istiod in istio-system/);
  });
});
