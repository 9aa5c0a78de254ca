// The API server's defaulting, port lookup by name or number, and label selection, on the chart's objects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Container,
  type Deployment,
  groupOf,
  isKind,
  type KubeObject,
  keyOf,
  resolvePort,
  type Service,
  selects,
  withDefaults,
} from '../src/kube.ts';
import { customerService, customerV1, gatewayApiGateway, ingressRoute } from './fixtures.ts';

/** A Service as a generated manifest might write it: no type, no protocols, a targetPort only where it differs. */
function bareService(): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'preference', namespace: 'mesh-demo' },
    spec: {
      selector: { app: 'preference' },
      ports: [
        { name: 'http', port: 8080 },
        { name: 'http-mgmt', port: 9000, targetPort: 'http-mgmt' },
      ],
    },
  };
}

describe('withDefaults', () => {
  it('gives every Service port protocol TCP and targetPort = port, and the Service type ClusterIP', () => {
    const service = withDefaults(bareService());
    assert.equal(service.spec.type, 'ClusterIP');
    assert.deepEqual(service.spec.ports, [
      { name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 },
      { name: 'http-mgmt', port: 9000, targetPort: 'http-mgmt', protocol: 'TCP' },
    ]);
  });

  it('keeps what a Service spells out', () => {
    const written = bareService();
    written.spec.type = 'NodePort';
    written.spec.ports = [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }];
    assert.deepEqual(withDefaults(written).spec, {
      selector: { app: 'preference' },
      type: 'NodePort',
      ports: [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }],
    });
  });

  it("changes nothing in the chart's Service, which spells everything out", () => {
    assert.deepEqual(withDefaults(customerService()), customerService());
  });

  it("gives a Deployment's container ports protocol TCP, keeping one written as UDP", () => {
    const deployment = customerV1();
    const container = deployment.spec.template.spec.containers[0]!;
    container.ports = [
      { name: 'http', containerPort: 8080 },
      { name: 'stats', containerPort: 8125, protocol: 'UDP' },
    ];
    const defaulted = withDefaults(deployment);
    assert.deepEqual(defaulted.spec.template.spec.containers[0]!.ports, [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'stats', containerPort: 8125, protocol: 'UDP' },
    ]);
  });

  it("gives a bare Pod's container ports protocol TCP", () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug', namespace: 'mesh-demo' },
      spec: { containers: [{ name: 'curl', image: 'curl', ports: [{ containerPort: 80 }] }] },
    };
    const spec = withDefaults(pod).spec as { containers: Container[] };
    assert.equal(spec.containers[0]!.ports![0]!.protocol, 'TCP');
  });

  it('does not change the object it is given', () => {
    const service = bareService();
    const deployment = customerV1();
    deployment.spec.template.spec.containers[0]!.ports = [{ name: 'http', containerPort: 8080 }];
    const before = structuredClone([service, deployment]);
    const after = [withDefaults(service), withDefaults(deployment)];
    assert.deepEqual([service, deployment], before);
    assert.notDeepEqual(after, before);
  });

  it('copies other kinds unchanged', () => {
    const route = ingressRoute('customer');
    const copy = withDefaults(route);
    assert.deepEqual(copy, route);
    assert.notEqual(copy, route);
  });
});

describe('resolvePort', () => {
  const containers = customerV1().spec.template.spec.containers;

  it('finds a container port by name', () => {
    assert.equal(resolvePort(containers, 'http'), 8080);
    assert.equal(resolvePort(containers, 'http-mgmt'), 9000);
  });

  it('takes a number, or a string of digits, as the port itself', () => {
    assert.equal(resolvePort(containers, 9090), 9090);
    assert.equal(resolvePort(containers, '15020'), 15020);
  });

  it('looks through every container of the pod', () => {
    const two: Container[] = [...containers, { name: 'metrics', image: 'exporter', ports: [{ name: 'prom', containerPort: 9102 }] }];
    assert.equal(resolvePort(two, 'prom'), 9102);
  });

  it('gives undefined for a name no container declares', () => {
    assert.equal(resolvePort(containers, 'grpc'), undefined);
    assert.equal(resolvePort([], 'http'), undefined);
  });
});

describe('selects', () => {
  const labels = customerV1().spec.template.metadata.labels;

  it("selects the chart's customer pods with the customer Service's selector", () => {
    assert.equal(selects(customerService().spec.selector, labels), true);
  });

  it('needs every selector label with the same value', () => {
    assert.equal(selects({ app: 'customer', version: 'v2' }, labels), false);
    assert.equal(selects({ app: 'customer', tier: 'front' }, labels), false);
    assert.equal(selects({ app: 'customer' }, undefined), false);
  });

  it('selects nothing with an empty or missing selector (as a Service without selector has no endpoints)', () => {
    assert.equal(selects({}, labels), false);
    assert.equal(selects(undefined, labels), false);
  });
});

describe('object identity', () => {
  it('reads the API group from apiVersion, empty for the core group', () => {
    assert.equal(groupOf(customerService()), '');
    assert.equal(groupOf(customerV1()), 'apps');
    assert.equal(groupOf(gatewayApiGateway()), 'gateway.networking.k8s.io');
  });

  it('matches a kind, and the group when one is given', () => {
    const deployment: KubeObject = customerV1();
    assert.equal(isKind<Deployment>(deployment, 'Deployment', 'apps'), true);
    assert.equal(isKind<Deployment>(deployment, 'Deployment', ''), false);
    assert.equal(isKind(gatewayApiGateway(), 'Gateway'), true);
    assert.equal(isKind(gatewayApiGateway(), 'Gateway', 'networking.istio.io'), false);
  });

  it('keys an object by namespace/name', () => {
    assert.equal(keyOf(customerV1()), 'mesh-demo/customer-v1');
    assert.equal(keyOf({ metadata: { name: 'istio-system' } }), '/istio-system');
  });
});
