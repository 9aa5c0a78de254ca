// Each mesh flavor renders the right membership objects, injection marks, API versions and edge exposure.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { byKind, type Doc, find, namespace, podTemplates, render } from '../src/render.ts';

const ISTIO_KINDS = ['VirtualService', 'DestinationRule', 'PeerAuthentication', 'AuthorizationPolicy', 'ServiceMeshMember', 'HTTPRoute'];
const appPods = (objs: ReturnType<typeof render>) => podTemplates(objs).filter((p) => p.owner.startsWith('Deployment/'));

describe('istio flavor (upstream Istio, OSSM 3)', () => {
  const objs = render({ files: ['02-mesh.yaml'] });

  test('labels pods sidecar.istio.io/inject and renders no ServiceMeshMember', () => {
    assert.equal(byKind(objs, 'ServiceMeshMember').length, 0);
    for (const p of appPods(objs)) assert.equal(p.metadata.labels['sidecar.istio.io/inject'], 'true', p.owner);
  });

  test('uses networking.istio.io/v1 and security.istio.io/v1', () => {
    for (const o of objs.filter((x) => x.apiVersion.includes('istio.io')))
      assert.match(o.apiVersion, /^(networking|security)\.istio\.io\/v1$/);
  });

  test('a STRICT namespace PeerAuthentication with no selector', () => {
    const pa = find(objs, 'PeerAuthentication', 'default');
    assert.deepEqual(pa.spec, { mtls: { mode: 'STRICT' } });
  });

  test('a Gateway per edge service with the configurable selector and its own host', () => {
    const gws = byKind(objs, 'Gateway', 'networking.istio.io');
    assert.deepEqual(
      gws.map((g) => g.metadata.name),
      ['customer-gateway', 'partner-gateway'],
    );
    for (const g of gws) {
      assert.deepEqual(g.spec.selector, { istio: 'ingressgateway' });
      assert.deepEqual(g.spec.servers[0].hosts, [`${g.metadata.name.replace('-gateway', '')}-demo.apps-crc.testing`]);
    }
  });

  test('Routes go to the ingress gateway Service in its namespace (istio-ingress, where install/ossm3 deploys it)', () => {
    for (const r of byKind(objs, 'Route')) {
      assert.equal(r.metadata.namespace, 'istio-ingress');
      assert.deepEqual(r.spec.to, { kind: 'Service', name: 'istio-ingressgateway', weight: 100 });
      assert.equal(r.spec.port.targetPort, 'http2');
    }
  });

  test('sidecar proxy config keeps Envoy up for the whole graceful shutdown', () => {
    for (const p of appPods(objs)) {
      const cfg = JSON.parse(p.metadata.annotations['proxy.istio.io/config']);
      assert.equal(cfg.holdApplicationUntilProxyStarts, true);
      assert.ok(Number.parseInt(cfg.terminationDrainDuration, 10) < p.spec.terminationGracePeriodSeconds);
    }
  });

  test('every caller closes an idle connection before the sidecar it calls drops the connections of a replaced listener', () => {
    const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? Number.NaN);
    const drains = appPods(objs).map((p) => seconds(JSON.parse(p.metadata.annotations['proxy.istio.io/config']).drainDuration));
    for (const file of ['02-mesh.yaml', 'resilience-circuit-breaker.yaml']) {
      for (const dr of byKind(render({ files: [file] }), 'DestinationRule')) {
        const idle = seconds(dr.spec.trafficPolicy.connectionPool.http.idleTimeout);
        for (const drain of drains) assert.ok(idle < drain, `${file} ${dr.metadata.name}: idle ${idle} s < drain ${drain} s`);
      }
    }
  });

  test('PERMISSIVE is one value away', () => {
    assert.equal(find(render({ files: ['security-mtls-permissive.yaml'] }), 'PeerAuthentication', 'default').spec.mtls.mode, 'PERMISSIVE');
  });

  test('a revision switches the pod label to istio.io/rev', () => {
    for (const p of appPods(render({ files: ['flavor-istio-revision.yaml'] }))) {
      assert.equal(p.metadata.labels['istio.io/rev'], 'default');
      assert.equal(p.metadata.labels['sidecar.istio.io/inject'], undefined);
    }
  });
});

describe('ossm2 flavor (OpenShift Service Mesh 2)', () => {
  const objs = render({ files: ['02-mesh.yaml', 'flavor-ossm2.yaml', '03a-blue-green-50-50.yaml'] });

  test('renders a ServiceMeshMember named default pointing at the control plane', () => {
    const smm = byKind(objs, 'ServiceMeshMember');
    assert.equal(smm.length, 1);
    assert.equal(smm[0]?.apiVersion, 'maistra.io/v1');
    assert.equal(smm[0]?.metadata.name, 'default');
    assert.deepEqual(smm[0]?.spec, { controlPlaneRef: { name: 'basic', namespace: 'istio-system' } });
  });

  test('annotates pods sidecar.istio.io/inject "true"', () => {
    for (const p of appPods(objs)) assert.equal(p.metadata.annotations['sidecar.istio.io/inject'], 'true', p.owner);
  });

  test('switches Istio APIs to v1beta1 because OSSM 2 ships Istio older than 1.22', () => {
    const istio = objs.filter((x) => x.apiVersion.includes('istio.io'));
    assert.ok(istio.length > 0);
    for (const o of istio) assert.match(o.apiVersion, /\/v1beta1$/, `${o.kind}/${o.metadata.name}`);
  });

  test('puts the Routes in the control-plane namespace, named after the release namespace', () => {
    assert.deepEqual(
      byKind(objs, 'Route').map((r) => `${r.metadata.namespace}/${r.metadata.name}`),
      ['istio-system/customer-demo', 'istio-system/partner-demo'],
    );
  });

  test("lets only the control plane's own gateway identity call customer and partner", () => {
    const secured = render({ files: ['security-authorization.yaml', 'flavor-ossm2.yaml'] });
    const ap = byKind(secured, 'AuthorizationPolicy').find((a) => a.metadata.name === 'customer')!;
    assert.deepEqual(ap.spec.rules[0].from[0].source.principals, ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']);
  });

  test("sends spans over OTLP to install/ossm2's OpenTelemetry collector, W3C last as its proxies' tracer speaks (no retired Jaeger)", () => {
    const env = Object.fromEntries(appPods(objs)[0]!.spec.containers[0].env.map((e: Doc) => [e.name, e.value]));
    assert.equal(env.OTEL_TRACES_EXPORTER, 'otlp');
    assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector.istio-system:4318');
    assert.equal(env.OTEL_EXPORTER_JAEGER_ENDPOINT, undefined);
    assert.match(env.OTEL_PROPAGATORS, /,tracecontext$/);
  });
});

describe('mesh disabled (step 1)', () => {
  test('on OpenShift renders plain workloads and Routes straight to customer and partner', () => {
    const objs = render({ files: ['01-plain.yaml'] });
    for (const k of ISTIO_KINDS) assert.equal(byKind(objs, k).length, 0, k);
    assert.equal(byKind(objs, 'Gateway').length, 0);
    assert.deepEqual(
      byKind(objs, 'Route').map((r) => [r.metadata.namespace, r.spec.to.name, r.spec.port.targetPort]),
      [
        ['demo', 'customer', 'http'],
        ['demo', 'partner', 'http'],
      ],
    );
    for (const p of appPods(objs)) {
      assert.equal(p.metadata.labels['sidecar.istio.io/inject'], undefined);
      assert.equal(p.metadata.annotations['proxy.istio.io/config'], undefined);
    }
  });

  test('off OpenShift renders Kubernetes Ingresses instead of Routes', () => {
    const objs = render({ files: ['platform-kubernetes.yaml'] });
    assert.equal(byKind(objs, 'Route').length, 0);
    const ing = byKind(objs, 'Ingress');
    assert.deepEqual(
      ing.map((i) => i.spec.rules[0].host),
      ['customer-demo.mesh-demo.example.com', 'partner-demo.mesh-demo.example.com'],
    );
    assert.equal(ing[0]?.spec.ingressClassName, 'nginx');
  });
});

describe('edge TLS', () => {
  test('Route TLS termination is configurable', () => {
    const objs = render({ set: ['ingress.route.tls.termination=edge'] });
    for (const r of byKind(objs, 'Route')) assert.deepEqual(r.spec.tls, { termination: 'edge', insecureEdgeTerminationPolicy: 'Redirect' });
  });
});

describe('helm test pods', () => {
  test('in the mesh they curl through the ingress gateway with the edge Host header, without a sidecar', () => {
    const pods = byKind(render(), 'Pod');
    assert.equal(pods.length, 2);
    for (const p of pods) {
      assert.equal(p.metadata.annotations?.['helm.sh/hook'], 'test');
      assert.equal(p.metadata.annotations?.['sidecar.istio.io/inject'], 'false');
      const env = Object.fromEntries(p.spec.containers[0].env.map((e: Doc) => [e.name, e.value]));
      assert.equal(env.URL, 'http://istio-ingressgateway.istio-ingress:80/');
      assert.match(env.HOST_HEADER, /^(customer|partner)-demo\.apps-crc\.testing$/);
      assert.ok(
        new RegExp(env.EXPECT).test(
          `${env.HOST_HEADER.split('-')[0]} v1 => preference v1 => recommendation v2 from 'recommendation-v2-6d4b9-x2x': 42`,
        ),
      );
    }
  });

  test('without the mesh they curl the edge Service directly', () => {
    const urls = byKind(render({ files: ['01-plain.yaml'] }), 'Pod').map(
      (p) => p.spec.containers[0].env.find((e: Doc) => e.name === 'URL').value,
    );
    assert.deepEqual(urls, ['http://customer:8080/', 'http://partner:8080/']);
  });
});

describe('images built in the cluster (build.enabled)', () => {
  const objs = render({ files: ['02-mesh.yaml', 'build-in-cluster.yaml'] });

  test('an ImageStream and a Docker BuildConfig per service, from the one Dockerfile with SERVICE', () => {
    assert.deepEqual(
      byKind(objs, 'ImageStream').map((s) => s.metadata.name),
      ['customer', 'partner', 'preference', 'recommendation'],
    );
    for (const bc of byKind(objs, 'BuildConfig')) {
      assert.equal(bc.spec.strategy.dockerStrategy.dockerfilePath, 'Dockerfile');
      assert.deepEqual(
        bc.spec.strategy.dockerStrategy.buildArgs.find((a: Doc) => a.name === 'SERVICE'),
        { name: 'SERVICE', value: bc.metadata.name },
      );
      assert.deepEqual(bc.spec.output.to, { kind: 'ImageStreamTag', name: `${bc.metadata.name}:0.1.0` });
      // Without a repository: a binary build that `oc start-build --from-archive` feeds, and no trigger that would start it empty.
      assert.deepEqual(bc.spec.source, { type: 'Binary', binary: {} });
      assert.equal(bc.spec.triggers, undefined);
    }
  });

  test("the Deployments pull the build's tag from the internal registry by its full name, always, with no image trigger", () => {
    for (const d of byKind(objs, 'Deployment')) {
      const container = d.spec.template.spec.containers[0];
      const app = d.metadata.labels?.app;
      // The ImageStreamTag the BuildConfig writes, as the namespace's image stream repository serves it.
      assert.equal(container.image, `image-registry.openshift-image-registry.svc:5000/${namespace}/${app}:0.1.0`);
      // A rebuild keeps the tag: only Always makes `oc rollout restart` pull it on a node that ran the last build.
      assert.equal(container.imagePullPolicy, 'Always');
    }
    // The trigger controller acts on this annotation alone; with it, it would own the image field Helm 4 applies.
    const triggered = objs.filter((o) => o.metadata.annotations?.['image.openshift.io/triggers'] !== undefined);
    assert.deepEqual(
      triggered.map((o) => `${o.kind}/${o.metadata.name}`),
      [],
    );
  });

  test('with build.git.uri the builds clone the repository and start at once', () => {
    const bc = byKind(
      render({ files: ['build-in-cluster.yaml'], set: ['build.git.uri=https://github.com/example/mesh-demo.git', 'build.git.ref=v0.1.0'] }),
      'BuildConfig',
    )[0]!;
    assert.deepEqual(bc.spec.source, { type: 'Git', git: { uri: 'https://github.com/example/mesh-demo.git', ref: 'v0.1.0' } });
    assert.deepEqual(bc.spec.triggers, [{ type: 'ConfigChange' }]);
  });

  test('without build.enabled the images come from image.registry and no build object is rendered', () => {
    const plain = render();
    assert.equal(byKind(plain, 'BuildConfig').length + byKind(plain, 'ImageStream').length, 0);
    assert.equal(byKind(plain, 'Deployment')[0]!.spec.template.spec.containers[0].image, 'quay.io/mesh-demo/customer:0.1.0');
  });
});
