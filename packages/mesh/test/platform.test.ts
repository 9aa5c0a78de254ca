// What the cluster has before the chart: the ingress gateway, Gateway API gateways' infrastructure, namespaces, meshConfig.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { parse } from 'yaml';
import { ISTIOD_IP } from '../src/addresses.ts';
import { injectionFor } from '../src/injector.ts';
import { type Deployment, isKind, type KubeObject, resolvePort, type Service, selects, withDefaults } from '../src/kube.ts';
import {
  gatewayApiInfrastructure,
  ISTIO_NAMESPACE,
  ingressGateway,
  meshConfig,
  namespaces,
  SMCP_GATEWAY_SERVICE_ACCOUNT,
  smcpIngressGateway,
} from '../src/platform.ts';
import { podLabels } from '../src/workloads.ts';
import { customerService, customerV1, gatewayApiGateway, ingressRoute, istioGateway } from './fixtures.ts';

const noMembers = { memberNamespaces: new Set<string>() };
const serviceOf = (objects: KubeObject[]) => objects.find((o): o is Service => isKind(o, 'Service', ''))!;
const deploymentOf = (objects: KubeObject[]) => objects.find((o): o is Deployment => isKind(o, 'Deployment', 'apps'))!;

describe('gatewayApiInfrastructure', () => {
  it('gives a Gateway of class istio a ServiceAccount, Service and Deployment named <gateway>-istio in its namespace', () => {
    const objects = gatewayApiInfrastructure([customerV1(), gatewayApiGateway(), customerService()]);
    assert.deepEqual(
      objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
      [
        'ServiceAccount mesh-demo/demo-mesh-demo-gateway-istio',
        'Service mesh-demo/demo-mesh-demo-gateway-istio',
        'Deployment mesh-demo/demo-mesh-demo-gateway-istio',
      ],
    );
    assert.equal(deploymentOf(objects).spec.template.spec.serviceAccountName, 'demo-mesh-demo-gateway-istio');
  });

  it('opens the status port and each distinct listener port once (the two listeners share 80)', () => {
    const service = serviceOf(gatewayApiInfrastructure([gatewayApiGateway()]));
    assert.deepEqual(service.spec.ports, [
      { name: 'status-port', port: 15021, protocol: 'TCP', appProtocol: 'tcp' },
      { name: 'customer', port: 80, protocol: 'TCP', appProtocol: 'http' },
    ]);
  });

  it('adds a port for a listener on another port, with its protocol as appProtocol', () => {
    const gateway = gatewayApiGateway();
    (gateway.spec as { listeners: unknown[] }).listeners.push({ name: 'secure', port: 443, protocol: 'HTTPS' });
    const objects = gatewayApiInfrastructure([gateway]);
    assert.deepEqual(
      serviceOf(objects).spec.ports.map((p) => [p.name, p.port, p.appProtocol]),
      [
        ['status-port', 15021, 'tcp'],
        ['customer', 80, 'http'],
        ['secure', 443, 'https'],
      ],
    );
    assert.deepEqual(
      deploymentOf(objects).spec.template.spec.containers[0]!.ports!.map((p) => p.containerPort),
      [15021, 80, 443],
    );
  });

  it('builds a gateway pod that is injected as a router and selected by its Service, on the ports the Service targets', () => {
    const objects = gatewayApiInfrastructure([gatewayApiGateway()]).map(withDefaults);
    const service = serviceOf(objects);
    const deployment = deploymentOf(objects);
    const template = deployment.spec.template;
    assert.equal(injectionFor(template, 'mesh-demo', noMembers), 'router');
    assert.ok(selects(deployment.spec.selector.matchLabels, template.metadata.labels), 'the Deployment selects its own pods');
    assert.ok(
      selects(service.spec.selector, podLabels(template, deployment.metadata.name, 'hash', 'router')),
      'the Service selects the pods',
    );
    for (const port of service.spec.ports) assert.equal(resolvePort(template.spec.containers, port.targetPort!), port.port, port.name);
  });

  it('ignores Gateways of another class and Istio Gateways', () => {
    const other = gatewayApiGateway();
    (other.spec as { gatewayClassName: string }).gatewayClassName = 'openshift-default';
    assert.deepEqual(gatewayApiInfrastructure([other, istioGateway(), customerV1()]), []);
  });
});

describe('ingressGateway', () => {
  const objects = ingressGateway();

  it("is the Service Mesh 3 install's istio-ingressgateway in istio-ingress, read from install/ossm3/20-gateway.yaml", () => {
    const core = objects.filter((o) => ['Namespace', 'ServiceAccount', 'Service', 'Deployment'].includes(o.kind));
    assert.deepEqual(core.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort(), [
      'Deployment istio-ingress/istio-ingressgateway',
      'Namespace /istio-ingress',
      'Service istio-ingress/istio-ingressgateway',
      'ServiceAccount istio-ingress/istio-ingressgateway',
    ]);
  });

  it("maps the Service's port 80 (http2, the chart Routes' targetPort) to the pod's 8080", () => {
    const http2 = serviceOf(objects).spec.ports.find((p) => p.port === 80);
    assert.deepEqual(http2, { name: 'http2', port: 80, targetPort: 8080, protocol: 'TCP' });
    assert.equal(ingressRoute('customer').spec.port!.targetPort, http2!.name);
  });

  it('runs a router pod that its Service selects, carrying the labels the chart Gateways select', () => {
    const deployment = deploymentOf(objects);
    const template = deployment.spec.template;
    assert.equal(injectionFor(template, ISTIO_NAMESPACE, noMembers), 'router');
    const labels = podLabels(template, deployment.metadata.name, 'hash', 'router');
    assert.ok(selects(serviceOf(objects).spec.selector, labels));
    assert.ok(
      selects((istioGateway().spec as { selector: Record<string, string> }).selector, labels),
      'the chart Gateway selector istio=ingressgateway',
    );
    assert.deepEqual(
      template.spec.containers[0]!.ports!.map((p) => p.containerPort),
      [8080, 8443, 15021],
    );
  });
});

describe('smcpIngressGateway', () => {
  const objects = smcpIngressGateway('istio-system');

  it("is Service Mesh 2's istio-ingressgateway in the control plane's namespace, under the SMCP's service account", () => {
    const core = objects.filter((o) => ['Namespace', 'ServiceAccount', 'Service', 'Deployment'].includes(o.kind));
    assert.deepEqual(core.map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort(), [
      'Deployment istio-system/istio-ingressgateway',
      'Service istio-system/istio-ingressgateway',
      `ServiceAccount istio-system/${SMCP_GATEWAY_SERVICE_ACCOUNT}`,
    ]);
    assert.equal(deploymentOf(objects).spec.template.spec.serviceAccountName, SMCP_GATEWAY_SERVICE_ACCOUNT);
    const binding = objects.find((o) => o.kind === 'RoleBinding') as KubeObject & { subjects: { name: string; namespace: string }[] };
    assert.deepEqual(
      binding.subjects.map((s) => `${s.namespace}/${s.name}`),
      [`istio-system/${SMCP_GATEWAY_SERVICE_ACCOUNT}`],
    );
  });

  it('is the gateway flavor-ossm2.yaml points its Routes and Gateways at, and leaves the Service Mesh 3 objects as read', () => {
    const values = parse(readFileSync(join(REPO_ROOT, 'charts/mesh-demo/examples/flavor-ossm2.yaml'), 'utf8')) as {
      ingress: { gateway: { namespace: string; serviceAccount: string } };
    };
    assert.deepEqual(
      [values.ingress.gateway.namespace, values.ingress.gateway.serviceAccount],
      ['istio-system', SMCP_GATEWAY_SERVICE_ACCOUNT],
    );
    assert.ok(
      selects(
        (istioGateway().spec as { selector: Record<string, string> }).selector,
        deploymentOf(objects).spec.template.metadata!.labels!,
      ),
    );
    assert.equal(deploymentOf(ingressGateway()).metadata.namespace, 'istio-ingress');
  });
});

describe('namespaces', () => {
  it('makes a Namespace for istio-system and every namespace the objects use, once each, sorted', () => {
    const bookinfo: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'bookinfo' } };
    const clusterScoped: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cluster-scoped' } };
    const objects = namespaces([customerV1(), customerService(), ingressRoute('customer'), bookinfo, clusterScoped]);
    assert.deepEqual(objects, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo', labels: { 'kubernetes.io/metadata.name': 'bookinfo' } } },
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'istio-system', labels: { 'kubernetes.io/metadata.name': 'istio-system' } },
      },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mesh-demo', labels: { 'kubernetes.io/metadata.name': 'mesh-demo' } } },
    ]);
  });

  it('always includes istio-system, even for no objects', () => {
    assert.deepEqual(
      namespaces([]).map((n) => n.metadata.name),
      [ISTIO_NAMESPACE],
    );
    // A Namespace the objects declare (the gateway install's istio-ingress) is theirs, not made again.
    assert.deepEqual(
      namespaces(ingressGateway()).map((n) => n.metadata.name),
      [ISTIO_NAMESPACE],
    );
  });
});

describe('meshConfig', () => {
  it("points proxies at istiod's plain-text xDS port, keeps the app clusters' stats for mesh view, and logs access as JSON", () => {
    const config = meshConfig();
    assert.deepEqual(config.defaultConfig, {
      discoveryAddress: `${ISTIOD_IP}:15010`,
      controlPlaneAuthPolicy: 'NONE',
      proxyStatsMatcher: { inclusionPrefixes: ['cluster.outbound|', 'cluster.inbound|'], inclusionRegexps: ['http\\..*\\.fault\\..*'] },
    });
    assert.equal(config.rootNamespace, ISTIO_NAMESPACE);
    const format = JSON.parse(config.accessLogFormat as string) as Record<string, string>;
    assert.equal(format.response_code, '%RESPONSE_CODE%');
    assert.equal(format.upstream_peer_uri_san, '%UPSTREAM_PEER_URI_SAN%');
  });
});
