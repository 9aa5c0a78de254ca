// The node agent builds each container's env as the kubelet does: service links, envFrom, the downward API, key refs, $(VAR).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerConfigError, containerEnv, type EnvFacts, expand, fieldValue, formatMap, serviceLinkEnv } from '../../src/node/env.ts';
import type { ContainerSpec, Pod } from '../../src/node/pod-types.ts';
import { parseQuantity, resourceValue } from '../../src/node/quantity.ts';

const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'customer-v1-abc',
    namespace: 'mesh-demo',
    uid: 'u-1',
    labels: { app: 'customer', version: 'v1' },
    annotations: { 'sidecar.istio.io/status': '{"a":1}' },
  },
  spec: { containers: [{ name: 'customer', image: 'quay.io/mesh-demo/customer:0.1.0' }], ...spec },
});

const facts: EnvFacts = {
  podIP: '10.244.1.7',
  hostIP: '10.244.0.1',
  nodeName: 'mesh-demo-node',
  allocatable: { cpu: 2, memory: 8 * 2 ** 30 },
  configMap: (name) => (name === 'settings' ? { LOG_LEVEL: 'debug', MODE: 'x' } : undefined),
  secret: (name) => (name === 'token' ? { value: 's3cret' } : undefined),
  services: [{ name: 'preference', clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  apiServer: { name: 'kubernetes', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
};

describe('container env', () => {
  it('writes service links as the kubelet does, the API server always and the namespace unless disabled', () => {
    const env = containerEnv(pod().spec.containers[0]!, pod(), facts, {});
    assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
    assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
    assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
    assert.equal(env.PREFERENCE_PORT, 'tcp://10.96.0.20:8080');
    assert.equal(env.PREFERENCE_PORT_8080_TCP_ADDR, '10.96.0.20');
    const without = containerEnv(pod().spec.containers[0]!, pod({ enableServiceLinks: false }), facts, {});
    assert.equal(without.PREFERENCE_SERVICE_HOST, undefined);
    assert.equal(without.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  });

  it('resolves the downward API, ConfigMap and Secret keys, and expands $(VAR) from earlier names only', () => {
    const container: ContainerSpec = {
      name: 'customer',
      image: 'customer',
      envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }],
      env: [
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'VERSION', valueFrom: { fieldRef: { fieldPath: "metadata.labels['version']" } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'LOG_LEVEL' } } },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'token', key: 'value' } } },
        { name: 'URL', value: 'http://$(IP):8080/$(LATER)/$$(IP)' },
        { name: 'LATER', value: 'x' },
      ],
    };
    const env = containerEnv(container, pod(), facts, { PATH: '/bin', POD: 'image' });
    assert.equal(env.PATH, '/bin');
    assert.equal(env.POD, 'customer-v1-abc', 'the container env wins over the image env');
    assert.equal(env.HOSTNAME, 'customer-v1-abc');
    assert.equal(env.VERSION, 'v1');
    assert.equal(env.CFG_MODE, 'x');
    assert.equal(env.LEVEL, 'debug');
    assert.equal(env.TOKEN, 's3cret');
    assert.equal(env.URL, 'http://10.244.1.7:8080/$(LATER)/$(IP)');
  });

  it('refuses a missing ConfigMap or key unless optional, naming it as the kubelet does', () => {
    const missing: ContainerSpec = {
      name: 'c',
      image: 'i',
      env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }],
    };
    assert.throws(() => containerEnv(missing, pod(), facts, {}), { name: 'ContainerConfigError', message: 'configmap "nope" not found' });
    const key: ContainerSpec = {
      name: 'c',
      image: 'i',
      env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'token', key: 'other' } } }],
    };
    assert.throws(() => containerEnv(key, pod(), facts, {}), ContainerConfigError);
    const optional: ContainerSpec = {
      name: 'c',
      image: 'i',
      env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } }],
    };
    assert.equal(containerEnv(optional, pod(), facts, {}).A, undefined);
  });

  it("reads a resourceFieldRef from the container's limit, else the node's allocatable, rounded up by the divisor", () => {
    const limited: ContainerSpec = { name: 'c', image: 'i', resources: { limits: { cpu: '250m', memory: '1Gi' } } };
    assert.equal(resourceValue({ resource: 'limits.cpu' }, limited, facts.allocatable), '1');
    assert.equal(resourceValue({ resource: 'limits.memory', divisor: '1Mi' }, limited, facts.allocatable), '1024');
    assert.equal(resourceValue({ resource: 'limits.cpu' }, { name: 'c', image: 'i' }, facts.allocatable), '2');
    assert.equal(parseQuantity('100m'), 0.1);
    assert.equal(parseQuantity('2k'), 2000);
    assert.throws(() => parseQuantity('lots'), /not a resource quantity/);
  });

  it('writes labels and annotations as a downwardAPI file does, and refuses an unknown field', () => {
    assert.equal(formatMap({ b: '2', a: 'x"y' }), 'a="x\\"y"\nb="2"');
    assert.equal(fieldValue('metadata.annotations', pod(), facts), 'sidecar.istio.io/status="{\\"a\\":1}"');
    assert.throws(() => fieldValue('spec.nope', pod(), facts), ContainerConfigError);
    assert.deepEqual(serviceLinkEnv({ name: 'x', clusterIP: 'None', ports: [] }), {});
    assert.equal(expand('$(A)$(B)', new Map([['A', '1']])), '1$(B)');
  });
});
