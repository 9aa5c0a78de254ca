// Bad values are refused with the intended message; pod sizing and shutdown values derive correctly from good ones.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Doc, find, render, renderError } from '../src/render.ts';

describe('refused values', () => {
  const cases: { name: string; set: string[]; message: RegExp }[] = [
    {
      name: 'weights that do not sum to 100',
      set: [
        'services.recommendation.versions.v2.enabled=true',
        'services.recommendation.traffic.weights.v1=25',
        'services.recommendation.traffic.weights.v2=70',
      ],
      message: /services\.recommendation\.traffic\.weights must sum to 100, got 95/,
    },
    {
      name: 'a weight on a disabled version',
      set: ['services.recommendation.traffic.weights.v1=25', 'services.recommendation.traffic.weights.v2=75'],
      message: /services\.recommendation\.traffic\.weights names version "v2", which is not enabled/,
    },
    {
      name: 'a mirror to a disabled version',
      set: ['services.customer.traffic.weights.v1=100', 'services.customer.traffic.mirror.version=v2'],
      message: /services\.customer\.traffic\.mirror\.version "v2" is not enabled/,
    },
    {
      name: 'a mirror without weights when two live versions could serve',
      set: [
        'services.customer.versions.v2.enabled=true',
        'services.customer.versions.v3.enabled=true',
        'services.customer.traffic.mirror.version=v2',
      ],
      message: /services\.customer\.traffic\.mirror needs services\.customer\.traffic\.weights/,
    },
    {
      name: 'a mirror to a version that also gets live traffic',
      set: [
        'services.customer.versions.v2.enabled=true',
        'services.customer.traffic.weights.v1=50',
        'services.customer.traffic.weights.v2=50',
        'services.customer.traffic.mirror.version=v2',
      ],
      message: /services\.customer\.traffic\.mirror\.version "v2" also receives live traffic/,
    },
    {
      name: 'a header match to a disabled version',
      set: [
        'services.recommendation.traffic.match[0].header=end-user',
        'services.recommendation.traffic.match[0].exact=jason',
        'services.recommendation.traffic.match[0].version=v2',
      ],
      message: /services\.recommendation\.traffic\.match\[0\]\.version "v2" is not enabled/,
    },
    {
      name: 'a service with every version disabled',
      set: ['services.preference.versions.v1.enabled=false'],
      message: /services\.preference has no enabled version/,
    },
    {
      name: 'a typo in a service name',
      set: ['services.recomendation.versions.v2.enabled=true'],
      message: /additional properties 'recomendation' not allowed/,
    },
    {
      name: 'a typo in a traffic key (subsets for weights)',
      set: ['services.recommendation.traffic.subsets.v1=100'],
      message: /additional properties 'subsets' not allowed/,
    },
    { name: "an application port in Istio's 15000-15090 range", set: ['ports.http=15001'], message: /\/ports\/http/ },
    {
      name: 'a memory limit the heap cannot be derived from',
      set: ['resources.limits.memory=256M'],
      message: /\/resources\/limits\/memory/,
    },
    { name: 'an unknown mesh flavor', set: ['mesh.flavor=ossm1'], message: /\/mesh\/flavor/ },
    { name: 'a version name that is not vN', set: ['services.recommendation.versions.version-v2.enabled=true'], message: /version-v2/ },
    {
      name: 'a revision with the ossm2 flavor',
      set: ['mesh.flavor=ossm2', 'mesh.revision=canary'],
      message: /mesh\.revision applies to the istio flavor/,
    },
    {
      name: 'Istio-only faults with the Gateway API',
      set: ['gatewayApi.enabled=true', 'services.recommendation.traffic.fault.abort.percent=50'],
      message: /services\.recommendation\.traffic\.fault and \.retries are Istio VirtualService features/,
    },
    {
      name: 'a fault delay the callers would give up on (7s against the 5000 ms downstreamTimeoutMs)',
      set: ['services.recommendation.traffic.fault.delay.percent=50', 'services.recommendation.traffic.fault.delay.fixedDelay=7s'],
      message:
        /services\.recommendation\.traffic\.fault\.delay\.fixedDelay 7s must be at least 1 s shorter than downstreamTimeoutMs \(5000 ms\)/,
    },
    {
      name: 'a fault delay within 1 s of the deadline, in compound units',
      set: ['services.preference.traffic.fault.delay.percent=10', 'services.preference.traffic.fault.delay.fixedDelay=4s500ms'],
      message: /fixedDelay 4s500ms must be at least 1 s shorter/,
    },
    {
      name: 'a shadow port equal to the application port',
      set: ['ports.shadow=8080'],
      message: /ports\.http \(8080\), ports\.management \(9000\) and ports\.shadow \(8080\) must all differ/,
    },
    {
      name: 'the Gateway API with the ossm2 flavor (Technology Preview there)',
      set: ['gatewayApi.enabled=true', 'mesh.flavor=ossm2'],
      message: /gatewayApi\.enabled=true is not offered with the ossm2 flavor/,
    },
    {
      name: 'a 50% RequestMirror on Gateway API CRDs older than v1.3.0, which drop requestMirror.percent',
      set: [
        'gatewayApi.enabled=true',
        'gatewayApi.bundleVersion=v1.2.1',
        'services.customer.versions.v2.enabled=true',
        'services.customer.traffic.mirror.version=v2',
        'services.customer.traffic.mirror.percent=50',
      ],
      message: /services\.customer\.traffic\.mirror\.percent 50 needs Gateway API CRDs v1\.3\.0 or later, and this cluster has v1\.2\.1/,
    },
    {
      name: 'a Gateway API bundle version that is not one',
      set: ['gatewayApi.bundleVersion=latest'],
      message: /\/gatewayApi\/bundleVersion/,
    },
    {
      name: 'in-cluster builds off OpenShift',
      set: ['build.enabled=true', 'platform=kubernetes', 'mesh.enabled=false'],
      message: /build\.enabled=true needs platform=openshift/,
    },
    { name: 'a build repository that is not a URL', set: ['build.git.uri=github.com/x/y'], message: /\/build\/git\/uri/ },
    {
      name: 'the Gateway API without the mesh',
      set: ['gatewayApi.enabled=true', 'mesh.enabled=false'],
      message: /gatewayApi\.enabled=true needs mesh\.enabled=true/,
    },
  ];
  for (const c of cases) {
    test(`refuses ${c.name}`, () => {
      assert.match(renderError({ set: c.set }), c.message);
    });
  }
});

describe('derived pod settings', () => {
  const deployment = (set: string[] = []) => find(render({ set }), 'Deployment', 'preference-v1').spec.template.spec;
  const env = (spec: Doc) => Object.fromEntries(spec.containers[0].env.map((e: Doc) => [e.name, e.value ?? e.valueFrom]));

  test('the Node heap is 75% of the memory limit, in Mi or Gi, split into a bounded young generation and the old space', () => {
    // 192 MiB heap: semi-spaces of 192/16 = 12 MiB (three of them), old space 192 - 36.
    assert.equal(env(deployment()).NODE_OPTIONS, '--max-old-space-size=156 --max-semi-space-size=12');
    // 768 MiB heap: semi-spaces capped at 16 MiB, old space 768 - 48.
    assert.equal(env(deployment(['resources.limits.memory=1Gi'])).NODE_OPTIONS, '--max-old-space-size=720 --max-semi-space-size=16');
    // 96 MiB heap (128Mi limit): 6 MiB semi-spaces.
    assert.equal(env(deployment(['resources.limits.memory=128Mi'])).NODE_OPTIONS, '--max-old-space-size=78 --max-semi-space-size=6');
  });

  test('terminationGracePeriodSeconds covers preStop, shutdown delay, drain timeout and a margin', () => {
    const spec = deployment();
    assert.equal(spec.containers[0].lifecycle.preStop.sleep.seconds, 2);
    assert.equal(spec.terminationGracePeriodSeconds, 2 + 5 + 10 + 5);
    assert.equal(deployment(['shutdown.delayMs=20000', 'shutdown.timeoutMs=30500']).terminationGracePeriodSeconds, 2 + 51 + 5);
  });

  test('preStopSeconds=0 renders no preStop hook', () => {
    assert.equal(deployment(['shutdown.preStopSeconds=0']).containers[0].lifecycle, undefined);
  });

  test('the service env contract is set, with the downstream URL of each hop', () => {
    const objs = render();
    const e = (name: string) => env(find(objs, 'Deployment', name).spec.template.spec);
    assert.equal(e('customer-v1').PREFERENCE_URL, 'http://preference:8080');
    assert.equal(e('partner-v1').PREFERENCE_URL, 'http://preference:8080');
    assert.equal(e('preference-v1').RECOMMENDATION_URL, 'http://recommendation:8080');
    assert.equal(e('recommendation-v1').RECOMMENDATION_URL, undefined);
    const p = e('preference-v1');
    assert.equal(p.PORT, '8080');
    assert.equal(p.MANAGEMENT_PORT, '9000');
    assert.equal(p.SHUTDOWN_DELAY_MS, '5000');
    assert.equal(p.SHUTDOWN_TIMEOUT_MS, '10000');
    assert.equal(p.DOWNSTREAM_TIMEOUT_MS, '5000');
    assert.equal(p.OTEL_SERVICE_NAME, 'preference');
    assert.equal(p.OTEL_PROPAGATORS, 'baggage,b3multi,tracecontext');
    assert.equal(p.OTEL_TRACES_SAMPLER, 'parentbased_always_on');
    // OTLP to the collector install/ossm3 and install/ossm2 deploy.
    assert.equal(p.OTEL_TRACES_EXPORTER, 'otlp');
    assert.equal(p.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector.istio-system:4318');
    assert.equal(p.OTEL_EXPORTER_JAEGER_ENDPOINT, undefined);
  });

  test('spans learn version, pod and namespace from VERSION, POD_NAME and POD_NAMESPACE alone, not OTEL_RESOURCE_ATTRIBUTES', () => {
    // @mesh-demo/telemetry derives service.version, k8s.pod.name and k8s.namespace.name from these three (resource.ts):
    // the chart states each fact once, so the version a pod answers with and the one its spans carry cannot differ.
    const objs = render({ set: ['services.recommendation.versions.v2.enabled=true'] });
    const deployments = objs.filter((o) => o.kind === 'Deployment');
    assert.equal(deployments.length, 5);
    for (const d of deployments) {
      const e = env(d.spec.template.spec);
      assert.equal(e.VERSION, d.metadata.labels?.version, d.metadata.name);
      assert.deepEqual(e.POD_NAME, { fieldRef: { fieldPath: 'metadata.name' } }, d.metadata.name);
      assert.deepEqual(e.POD_NAMESPACE, { fieldRef: { fieldPath: 'metadata.namespace' } }, d.metadata.name);
      assert.equal(e.OTEL_RESOURCE_ATTRIBUTES, undefined, d.metadata.name);
    }
  });

  test('per-version env overrides per-service env', () => {
    const spec = deployment([
      'services.preference.env.FOO=service',
      'services.preference.versions.v1.env.FOO=version',
      'services.preference.env.BAR=1',
    ]);
    assert.equal(env(spec).FOO, 'version');
    assert.equal(env(spec).BAR, '1');
  });

  test('probes hit the health endpoints on the management port and prometheus annotations point at it', () => {
    const objs = render();
    const d = find(objs, 'Deployment', 'customer-v1').spec.template;
    const c = d.spec.containers[0];
    assert.deepEqual(c.startupProbe.httpGet, { path: '/health/live', port: 'http-mgmt' });
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/health/live', port: 'http-mgmt' });
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/health/ready', port: 'http-mgmt' });
    assert.deepEqual(
      [
        d.metadata.annotations['prometheus.io/scrape'],
        d.metadata.annotations['prometheus.io/port'],
        d.metadata.annotations['prometheus.io/path'],
      ],
      ['true', '9000', '/metrics'],
    );
    assert.deepEqual(c.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }]);
  });

  test('the image is <registry>/<service>:<appVersion> unless a tag is given', () => {
    assert.equal(deployment().containers[0].image, 'quay.io/mesh-demo/preference:0.1.0');
    assert.equal(deployment(['image.tag=dev', 'image.registry=example.org/me']).containers[0].image, 'example.org/me/preference:dev');
  });
});
