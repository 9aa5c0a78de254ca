// The sidecar injector's decisions and output: who gets a proxy, its labels, PROXY_CONFIG, rewritten probes and env.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  appContainers,
  appProbers,
  CLUSTER_ID,
  type InjectionContext,
  injectedLabels,
  injectionFor,
  type ProxyIdentity,
  prometheusAnnotations,
  proxyConfig,
  proxyEnv,
  statusAnnotation,
} from '../src/injector.ts';
import type { Deployment, PodTemplate } from '../src/kube.ts';
import { ingressGateway, meshConfig } from '../src/platform.ts';
import { customerV1, customerV1Ossm2, customerV1Revision } from './fixtures.ts';

const noMembers: InjectionContext = { memberNamespaces: new Set() };
const meshDemoMember: InjectionContext = { memberNamespaces: new Set(['mesh-demo']) };
const template = (): PodTemplate => customerV1().spec.template;
const gatewayTemplate = (): PodTemplate => (ingressGateway().find((o) => o.kind === 'Deployment') as Deployment).spec.template;
const defaults = () => meshConfig().defaultConfig as Record<string, unknown>;

describe('injectionFor', () => {
  it('gives a sidecar to a pod labelled sidecar.istio.io/inject "true" (the chart default)', () => {
    assert.equal(injectionFor(template(), 'mesh-demo', noMembers), 'sidecar');
  });

  it('gives a sidecar to a pod labelled istio.io/rev "default" (flavor-istio-revision)', () => {
    assert.equal(injectionFor(customerV1Revision().spec.template, 'mesh-demo', noMembers), 'sidecar');
  });

  it('gives no proxy to a pod of another revision', () => {
    assert.equal(injectionFor(customerV1Revision('canary').spec.template, 'mesh-demo', noMembers), undefined);
  });

  it("honours the inject annotation (flavor-ossm2) only in a ServiceMeshMember's namespace", () => {
    const ossm2 = customerV1Ossm2().spec.template;
    assert.equal(injectionFor(ossm2, 'mesh-demo', noMembers), undefined);
    assert.equal(injectionFor(ossm2, 'mesh-demo', meshDemoMember), 'sidecar');
    assert.equal(injectionFor(ossm2, 'other', meshDemoMember), undefined);
  });

  it('gives no proxy to a pod that asks for nothing, even in a member namespace', () => {
    const plain = template();
    delete plain.metadata.labels!['sidecar.istio.io/inject'];
    assert.equal(injectionFor(plain, 'mesh-demo', meshDemoMember), undefined);
  });

  it('gives no proxy to a pod labelled inject "true" that names another revision', () => {
    const canary = customerV1().spec.template;
    canary.metadata.labels!['istio.io/rev'] = 'canary';
    assert.equal(injectionFor(canary, 'mesh-demo', noMembers), undefined);
  });

  it('makes a router of a pod with the gateway injection template', () => {
    assert.equal(injectionFor(gatewayTemplate(), 'istio-system', noMembers), 'router');
  });

  it('lets the label "false" win over the revision label and the annotation', () => {
    const opted = customerV1Revision().spec.template;
    opted.metadata.labels!['sidecar.istio.io/inject'] = 'false';
    opted.metadata.annotations = { ...opted.metadata.annotations, 'sidecar.istio.io/inject': 'true' };
    assert.equal(injectionFor(opted, 'mesh-demo', meshDemoMember), undefined);
  });
});

describe('injectedLabels', () => {
  it("takes the canonical name and revision from the chart's app.kubernetes.io labels", () => {
    assert.deepEqual(injectedLabels(template().metadata.labels!, 'customer-v1'), {
      'security.istio.io/tlsMode': 'istio',
      'service.istio.io/canonical-name': 'customer',
      'service.istio.io/canonical-revision': 'v1',
    });
  });

  it('prefers the canonical labels, then the app.kubernetes.io ones, then app and version, then the workload and "latest"', () => {
    const explicit = injectedLabels(
      { 'service.istio.io/canonical-name': 'shop', 'service.istio.io/canonical-revision': 'r7', app: 'customer', version: 'v1' },
      'customer-v1',
    );
    assert.equal(explicit['service.istio.io/canonical-name'], 'shop');
    assert.equal(explicit['service.istio.io/canonical-revision'], 'r7');
    const recommended = injectedLabels(
      { 'app.kubernetes.io/name': 'customer-api', 'app.kubernetes.io/version': '2.1', app: 'customer', version: 'v2' },
      'customer-v2',
    );
    assert.equal(recommended['service.istio.io/canonical-name'], 'customer-api');
    assert.equal(recommended['service.istio.io/canonical-revision'], '2.1');
    const plain = injectedLabels({ app: 'customer', version: 'v2' }, 'customer-v2');
    assert.equal(plain['service.istio.io/canonical-name'], 'customer');
    assert.equal(plain['service.istio.io/canonical-revision'], 'v2');
    const bare = injectedLabels({}, 'customer-v3');
    assert.equal(bare['service.istio.io/canonical-name'], 'customer-v3');
    assert.equal(bare['service.istio.io/canonical-revision'], 'latest');
  });
});

describe('proxyConfig', () => {
  it("merges the chart's proxy.istio.io/config annotation over meshConfig.defaultConfig", () => {
    assert.deepEqual(proxyConfig(defaults(), template()), {
      ...defaults(),
      holdApplicationUntilProxyStarts: true,
      terminationDrainDuration: '17s',
    });
  });

  it('lets the annotation override a default', () => {
    const overriding = template();
    overriding.metadata.annotations!['proxy.istio.io/config'] = '{"discoveryAddress":"istiod.istio-system.svc:15012"}';
    assert.equal(proxyConfig(defaults(), overriding).discoveryAddress, 'istiod.istio-system.svc:15012');
  });

  it('gives a copy of the defaults when there is no annotation', () => {
    const given = defaults();
    const config = proxyConfig(given, gatewayTemplate());
    assert.deepEqual(config, given);
    assert.notEqual(config, given);
  });

  it('rejects an annotation that is not a JSON object', () => {
    const broken = template();
    broken.metadata.annotations!['proxy.istio.io/config'] = 'holdApplicationUntilProxyStarts: true';
    assert.throws(() => proxyConfig(defaults(), broken), /proxy\.istio\.io\/config is not JSON: holdApplicationUntilProxyStarts: true/);
    broken.metadata.annotations!['proxy.istio.io/config'] = '["holdApplicationUntilProxyStarts"]';
    assert.throws(() => proxyConfig(defaults(), broken), /must be an object/);
  });
});

describe('appProbers', () => {
  it("rewrites the chart's three probes to /app-health/<container>/<kind>, the named port resolved", () => {
    assert.deepEqual(appProbers(template()), {
      '/app-health/customer/readyz': { httpGet: { path: '/health/ready', port: 9000 } },
      '/app-health/customer/livez': { httpGet: { path: '/health/live', port: 9000 } },
      '/app-health/customer/startupz': { httpGet: { path: '/health/live', port: 9000 } },
    });
  });

  it('keeps a numeric port and the scheme, and defaults the path to /', () => {
    const custom = template();
    const container = custom.spec.containers[0]!;
    container.readinessProbe = { httpGet: { port: 8080, scheme: 'HTTPS' } };
    delete container.livenessProbe;
    delete container.startupProbe;
    assert.deepEqual(appProbers(custom), { '/app-health/customer/readyz': { httpGet: { path: '/', port: 8080, scheme: 'HTTPS' } } });
  });

  it("has nothing to rewrite for a gateway pod: its declared istio-proxy's own probe is not an app's", () => {
    const gateway = gatewayTemplate();
    gateway.spec.containers[0]!.readinessProbe = { httpGet: { path: '/healthz/ready', port: 15021 } };
    assert.deepEqual(appProbers(gateway), {});
  });

  it('throws, naming container and port, for a probe on a port nobody declares', () => {
    const broken = template();
    broken.spec.containers[0]!.readinessProbe = { httpGet: { path: '/health/ready', port: 'management' } };
    assert.throws(() => appProbers(broken), { message: 'container customer: probe port management is not a declared port' });
  });
});

describe('prometheusAnnotations', () => {
  it("hands the chart's scrape annotations to the agent for metrics merging", () => {
    assert.deepEqual(JSON.parse(prometheusAnnotations(template())!), { scrape: 'true', path: '/metrics', port: '9000' });
  });

  it('defaults the path to /metrics and gives nothing unless scraping is on', () => {
    const pathless = template();
    delete pathless.metadata.annotations!['prometheus.io/path'];
    assert.equal(JSON.parse(prometheusAnnotations(pathless)!).path, '/metrics');
    pathless.metadata.annotations!['prometheus.io/scrape'] = 'false';
    assert.equal(prometheusAnnotations(pathless), undefined);
    assert.equal(prometheusAnnotations(gatewayTemplate()), undefined);
  });
});

describe('proxyEnv', () => {
  const identity: ProxyIdentity = {
    podName: 'customer-v1-5c7d9f8b6a-x2x8k',
    namespace: 'mesh-demo',
    podIP: '10.244.1.7',
    hostIP: '10.244.0.1',
    serviceAccount: 'customer',
    workload: 'customer-v1',
    labels: { app: 'customer', version: 'v1', 'security.istio.io/tlsMode': 'istio' },
  };

  it("describes a sidecar's pod to istiod: identity, ports, app containers, owner and labels", () => {
    const config = proxyConfig(defaults(), template());
    const env = proxyEnv('sidecar', template(), identity, config);
    assert.deepEqual(JSON.parse(env.PROXY_CONFIG!), config);
    assert.equal(env.POD_NAME, identity.podName);
    assert.equal(env.POD_NAMESPACE, 'mesh-demo');
    assert.equal(env.INSTANCE_IP, identity.podIP);
    assert.equal(env.SERVICE_ACCOUNT, 'customer');
    assert.equal(env.ISTIO_META_CLUSTER_ID, CLUSTER_ID);
    assert.deepEqual(JSON.parse(env.ISTIO_META_POD_PORTS!), [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'http-mgmt', containerPort: 9000, protocol: 'TCP' },
    ]);
    assert.equal(env.ISTIO_META_APP_CONTAINERS, 'customer');
    assert.equal(env.ISTIO_META_WORKLOAD_NAME, 'customer-v1');
    assert.equal(env.ISTIO_META_OWNER, 'kubernetes://apis/apps/v1/namespaces/mesh-demo/deployments/customer-v1');
    assert.deepEqual(JSON.parse(env.ISTIO_METAJSON_LABELS!), identity.labels);
  });

  it('gives a sidecar traffic capture, DNS capture, the rewritten probes and the scrape annotations', () => {
    const env = proxyEnv('sidecar', template(), identity, {});
    assert.equal(env.ISTIO_META_INTERCEPTION_MODE, 'REDIRECT');
    assert.equal(env.ISTIO_META_DNS_CAPTURE, 'true');
    assert.deepEqual(JSON.parse(env.ISTIO_KUBE_APP_PROBERS!), appProbers(template()));
    assert.deepEqual(JSON.parse(env.ISTIO_PROMETHEUS_ANNOTATIONS!), { scrape: 'true', path: '/metrics', port: '9000' });
  });

  it('gives a router none of the sidecar-only settings, no app containers, and its own container ports', () => {
    const env = proxyEnv(
      'router',
      gatewayTemplate(),
      { ...identity, podName: 'istio-ingressgateway-abc', namespace: 'istio-system', workload: 'istio-ingressgateway' },
      {},
    );
    for (const key of ['ISTIO_META_DNS_CAPTURE', 'ISTIO_KUBE_APP_PROBERS', 'ISTIO_PROMETHEUS_ANNOTATIONS']) {
      assert.equal(key in env, false, key);
    }
    assert.equal(env.ISTIO_META_INTERCEPTION_MODE, 'REDIRECT');
    assert.deepEqual(
      JSON.parse(env.ISTIO_META_POD_PORTS!).map((p: { containerPort: number }) => p.containerPort),
      gatewayTemplate().spec.containers[0]!.ports!.map((p) => p.containerPort),
    );
    assert.equal(env.ISTIO_META_APP_CONTAINERS, '');
    assert.equal(env.ISTIO_META_OWNER, 'kubernetes://apis/apps/v1/namespaces/istio-system/deployments/istio-ingressgateway');
  });

  it('leaves out ISTIO_PROMETHEUS_ANNOTATIONS for a sidecar whose pod is not scraped', () => {
    const unscraped = template();
    unscraped.metadata.annotations = {};
    assert.equal('ISTIO_PROMETHEUS_ANNOTATIONS' in proxyEnv('sidecar', unscraped, identity, {}), false);
  });
});

describe('the injected pod', () => {
  it('has app containers without a declared istio-proxy', () => {
    assert.deepEqual(
      appContainers(template()).map((c) => c.name),
      ['customer'],
    );
    assert.deepEqual(appContainers(gatewayTemplate()), []);
  });

  it('carries a status annotation naming the injection template', () => {
    const sidecar = JSON.parse(statusAnnotation('sidecar')['sidecar.istio.io/status']!);
    const router = JSON.parse(statusAnnotation('router')['sidecar.istio.io/status']!);
    assert.deepEqual([sidecar.templates, sidecar.initContainers], [['sidecar'], ['istio-init']]);
    assert.deepEqual([router.templates, router.initContainers], [['gateway'], []]);
  });
});
