// A container's env as the kubelet builds it: the chart's literals, the downward API and $(VAR) expansion.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containerEnv, expand, type PodFacts } from '../src/container-env.ts';
import type { Container, EnvVar } from '../src/kube.ts';
import { customerV1 } from './fixtures.ts';

const pod: PodFacts = {
  name: 'customer-v1-5c7d9f8b6a-x2x8k',
  namespace: 'mesh-demo',
  ip: '10.244.1.7',
  hostIP: '10.244.0.1',
  serviceAccount: 'customer',
  labels: { app: 'customer', version: 'v1', 'app.kubernetes.io/name': 'customer' },
};

const chartContainer = (): Container => customerV1().spec.template.spec.containers[0]!;
const envOf = (env: EnvVar[], facts: PodFacts = pod) => containerEnv({ name: 'app', image: 'app', env }, facts);

describe('containerEnv', () => {
  it("gives the chart's customer container its literal values", () => {
    const env = containerEnv(chartContainer(), pod);
    assert.equal(env.VERSION, 'v1');
    assert.equal(env.PREFERENCE_URL, 'http://preference:8080');
    assert.equal(env.NODE_OPTIONS, '--max-old-space-size=156 --max-semi-space-size=12');
    assert.equal(env.OTEL_SERVICE_NAME, 'customer');
  });

  it('fills POD_NAME and POD_NAMESPACE from the pod and expands them in a later OTEL_RESOURCE_ATTRIBUTES (one from services.<name>.env)', () => {
    // The chart sets no OTEL_RESOURCE_ATTRIBUTES itself (the telemetry reads POD_NAME and POD_NAMESPACE); values may add one.
    const container = chartContainer();
    const attributes = 'service.version=v1,k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE)';
    const env = containerEnv(
      { ...container, env: [...(container.env ?? []), { name: 'OTEL_RESOURCE_ATTRIBUTES', value: attributes }] },
      pod,
    );
    assert.equal(env.POD_NAME, pod.name);
    assert.equal(env.POD_NAMESPACE, pod.namespace);
    assert.equal(env.OTEL_RESOURCE_ATTRIBUTES, `service.version=v1,k8s.pod.name=${pod.name},k8s.namespace.name=${pod.namespace}`);
  });

  it('sets HOSTNAME to the pod name, as in every Kubernetes container', () => {
    assert.equal(containerEnv(chartContainer(), pod).HOSTNAME, pod.name);
    assert.deepEqual(envOf([]), { HOSTNAME: pod.name });
  });

  it('lets the container override HOSTNAME', () => {
    assert.equal(envOf([{ name: 'HOSTNAME', value: 'customer-local' }]).HOSTNAME, 'customer-local');
  });

  it('reads the downward API fields the local mesh knows', () => {
    const field = (fieldPath: string): EnvVar => ({ name: 'X', valueFrom: { fieldRef: { fieldPath } } });
    assert.equal(envOf([field('status.podIP')]).X, pod.ip);
    assert.equal(envOf([field('status.hostIP')]).X, pod.hostIP);
    assert.equal(envOf([field('spec.serviceAccountName')]).X, pod.serviceAccount);
    assert.equal(envOf([field('spec.nodeName')]).X, 'local');
    assert.equal(envOf([field("metadata.labels['app.kubernetes.io/name']")]).X, 'customer');
    assert.equal(envOf([field("metadata.labels['version']")]).X, 'v1');
  });

  it('gives an empty string for a label the pod does not have', () => {
    assert.equal(envOf([{ name: 'X', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } }]).X, '');
  });

  it('throws, naming the field, for a fieldRef it does not support', () => {
    assert.throws(
      () => envOf([{ name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } }]),
      /fieldRef metadata\.uid is not supported/,
    );
  });

  it('throws for a valueFrom that is not a fieldRef (a secret or config map key)', () => {
    assert.throws(() => envOf([{ name: 'TOKEN', valueFrom: {} }]), /env TOKEN: only fieldRef sources are supported/);
  });

  it('expands only variables defined earlier in the list, leaving later and unknown ones as written', () => {
    const env = envOf([
      { name: 'EARLY', value: 'url=$(LATE) pod=$(POD_NAME) missing=$(NOPE)' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'LATE', value: 'http://preference:8080' },
      { name: 'AFTER', value: 'url=$(LATE) pod=$(POD_NAME)' },
    ]);
    assert.equal(env.EARLY, 'url=$(LATE) pod=$(POD_NAME) missing=$(NOPE)');
    assert.equal(env.AFTER, `url=http://preference:8080 pod=${pod.name}`);
  });

  it('does not expand references inside a downward API value', () => {
    const facts = { ...pod, labels: { ...pod.labels, note: '$(HOSTNAME)' } };
    assert.equal(envOf([{ name: 'NOTE', valueFrom: { fieldRef: { fieldPath: "metadata.labels['note']" } } }], facts).NOTE, '$(HOSTNAME)');
  });

  it('gives an empty string for a variable with neither value nor valueFrom', () => {
    assert.equal(envOf([{ name: 'EMPTY' }]).EMPTY, '');
  });
});

describe('expand', () => {
  const defined = new Map([
    ['POD_NAME', 'customer-v1-abc'],
    ['PORT', '8080'],
  ]);

  it('replaces $(NAME) by the value of a defined NAME, as often as it appears', () => {
    assert.equal(expand('$(POD_NAME):$(PORT)/$(POD_NAME)', defined), 'customer-v1-abc:8080/customer-v1-abc');
  });

  it('turns $$ into one literal $, so $$(NAME) stays a reference in the result', () => {
    assert.equal(expand('$$(POD_NAME)', defined), '$(POD_NAME)');
    assert.equal(expand('price: $$5', defined), 'price: $5');
    assert.equal(expand('$$$(PORT)', defined), '$8080');
  });

  it('leaves a lone $ and malformed references as written', () => {
    assert.equal(expand('cost $5, $PORT, $(PORT, $()', defined), 'cost $5, $PORT, $(PORT, $()');
  });
});
