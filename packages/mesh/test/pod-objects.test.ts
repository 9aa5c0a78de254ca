// The Pod objects istiod reads for the local mesh's pods: labels, owner, readiness, deletion and the injected proxy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOST_IP } from '../src/addresses.ts';
import type { Deployment } from '../src/kube.ts';
import { ingressGateway } from '../src/platform.ts';
import { type PodRecord, podLabels, podObject } from '../src/workloads.ts';
import { customerV1, DELETED_AT, podOf } from './fixtures.ts';

describe('podObject', () => {
  const customer = customerV1();

  it("carries the pod's labels, IP, owner ReplicaSet and the template's annotations", () => {
    const pod = podOf(customer, { ip: '10.244.1.9' });
    const object = podObject(pod) as unknown as {
      metadata: Record<string, unknown>;
      status: Record<string, unknown>;
      spec: Record<string, unknown>;
    };
    assert.deepEqual(object.metadata.labels, pod.labels);
    assert.equal(object.metadata.namespace, 'mesh-demo');
    assert.deepEqual(
      (object.metadata.ownerReferences as { kind: string; name: string }[]).map((o) => `${o.kind}/${o.name}`),
      [`ReplicaSet/customer-v1-${pod.templateHash}`],
    );
    assert.equal(
      (object.metadata.annotations as Record<string, string>)['proxy.istio.io/config'],
      customer.spec.template.metadata.annotations!['proxy.istio.io/config'],
    );
    assert.equal(object.status.podIP, '10.244.1.9');
    assert.deepEqual(object.status.podIPs, [{ ip: '10.244.1.9' }]);
    assert.equal(object.status.hostIP, HOST_IP);
    assert.equal(object.spec.serviceAccountName, 'customer');
  });

  it('marks only a Terminating pod with a deletionTimestamp: the time it was retired, the same on every push', () => {
    assert.equal('deletionTimestamp' in podObject(podOf(customer)).metadata, false);
    assert.equal('deletionTimestamp' in podObject(podOf(customer, { phase: 'Starting', ready: false })).metadata, false);
    assert.equal(podObject(podOf(customer, { phase: 'Terminating' })).metadata.deletionTimestamp, DELETED_AT);
  });

  it('is Ready only while running and ready', () => {
    const ready = (pod: PodRecord) =>
      (podObject(pod).status as { conditions: { type: string; status: string }[] }).conditions.find((c) => c.type === 'Ready')!.status;
    assert.equal(ready(podOf(customer)), 'True');
    assert.equal(ready(podOf(customer, { ready: false })), 'False');
    assert.equal(ready(podOf(customer, { phase: 'Starting', ready: true })), 'False');
    assert.equal(ready(podOf(customer, { phase: 'Terminating', ready: true })), 'False');
  });

  it('has an istio-proxy container and the injection status only when the pod has a proxy', () => {
    const containersOf = (pod: PodRecord) => (podObject(pod).spec as { containers: { name: string }[] }).containers.map((c) => c.name);
    assert.deepEqual(containersOf(podOf(customer)), ['customer', 'istio-proxy']);
    assert.deepEqual(containersOf(podOf(customer, { proxy: undefined })), ['customer']);
    assert.ok('sidecar.istio.io/status' in podObject(podOf(customer)).metadata.annotations!);
    assert.equal('sidecar.istio.io/status' in podObject(podOf(customer, { proxy: undefined })).metadata.annotations!, false);
  });

  it("gives a gateway pod, which declares istio-proxy itself, exactly one and leaves the template's list alone", () => {
    const gateway = ingressGateway().find((o) => o.kind === 'Deployment') as Deployment;
    const pod = podOf(gateway, { proxy: 'router' });
    const containers = (podObject(pod).spec as { containers: { name: string; image: string }[] }).containers;
    assert.deepEqual(
      containers.map((c) => c.name),
      ['istio-proxy'],
    );
    assert.equal(gateway.spec.template.spec.containers[0]!.image, 'auto', 'the template still declares its own istio-proxy');
    const sidecar = podOf(customer);
    podObject(sidecar);
    assert.equal(sidecar.template.spec.containers.length, 1, 'podObject must not add istio-proxy to the template');
  });
});

describe('podLabels', () => {
  it("adds the pod-template-hash, and the injector's labels only to a pod with a proxy", () => {
    const template = customerV1().spec.template;
    const withProxy = podLabels(template, 'customer-v1', 'abc123', 'sidecar');
    const without = podLabels(template, 'customer-v1', 'abc123', undefined);
    assert.equal(withProxy['pod-template-hash'], 'abc123');
    assert.equal(without['pod-template-hash'], 'abc123');
    assert.equal(withProxy['security.istio.io/tlsMode'], 'istio');
    assert.equal(withProxy['service.istio.io/canonical-name'], 'customer');
    assert.equal('security.istio.io/tlsMode' in without, false);
    assert.equal(without.app, 'customer');
  });
});
