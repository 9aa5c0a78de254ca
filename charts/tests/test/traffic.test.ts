// Each walkthrough and resilience value lands in the field Istio (or the Gateway API) actually reads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { byKind, type Doc, find, render } from '../src/render.ts';

const defaultRoute = (vs: Doc) => vs.spec.http.find((r: Doc) => r.name === 'default');

describe('blue-green and canary', () => {
  test('3a splits recommendation 50/50 between subsets v1 and v2', () => {
    const vs = find(render({ files: ['03a-blue-green-50-50.yaml'] }), 'VirtualService', 'recommendation');
    assert.deepEqual(
      defaultRoute(vs).route.map((r: Doc) => [r.destination.subset, r.weight]),
      [
        ['v1', 50],
        ['v2', 50],
      ],
    );
  });

  test('3b splits recommendation 25/75', () => {
    const vs = find(render({ files: ['03b-canary-25-75.yaml'] }), 'VirtualService', 'recommendation');
    assert.deepEqual(
      defaultRoute(vs).route.map((r: Doc) => [r.destination.subset, r.weight]),
      [
        ['v1', 25],
        ['v2', 75],
      ],
    );
  });

  test('--set on the versions map enables recommendation v2 and its subset', () => {
    const objs = render({ set: ['services.recommendation.versions.v2.enabled=true'] });
    find(objs, 'Deployment', 'recommendation-v2');
    assert.deepEqual(
      find(objs, 'DestinationRule', 'recommendation').spec.subsets.map((s: Doc) => s.name),
      ['v1', 'v2'],
    );
  });

  test('without weights a service routes to its host without a subset, so every version serves', () => {
    const vs = find(render({ set: ['services.recommendation.versions.v2.enabled=true'] }), 'VirtualService', 'recommendation');
    assert.deepEqual(defaultRoute(vs).route, [{ destination: { host: 'recommendation', port: { number: 8080 } } }]);
  });
});

describe('mirroring', () => {
  test('4a sends live customer traffic to v1 and mirrors all of it to v2 on the gateway-bound VirtualService', () => {
    const objs = render({ files: ['04a-mirror-customer.yaml'] });
    const vs = find(objs, 'VirtualService', 'customer');
    assert.deepEqual(vs.spec.gateways, ['customer-gateway']);
    const r = defaultRoute(vs);
    assert.deepEqual(
      r.route.map((x: Doc) => x.destination.subset),
      ['v1'],
    );
    // To the shadow port: on Istio >= 1.28 a mirrored copy keeps its Host, so the port it arrives on is its only mark.
    assert.deepEqual(r.mirror, { host: 'customer', subset: 'v2', port: { number: 8090 } });
    assert.deepEqual(r.mirrorPercentage, { value: 100 });
  });

  test('a mirror alone serves live traffic from the one other enabled version', () => {
    const objs = render({
      set: [
        'services.customer.versions.v2.enabled=true',
        'services.customer.traffic.mirror.version=v2',
        'services.customer.traffic.mirror.percent=50',
      ],
    });
    const r = defaultRoute(find(objs, 'VirtualService', 'customer'));
    assert.deepEqual(
      r.route.map((x: Doc) => [x.destination.subset, x.weight]),
      [['v1', 100]],
    );
    assert.deepEqual([r.mirror.subset, r.mirrorPercentage.value], ['v2', 50]);
  });

  test('4b mirrors 50% through mirrorPercentage.value', () => {
    const r = defaultRoute(find(render({ files: ['04b-mirror-customer-50.yaml'] }), 'VirtualService', 'customer'));
    assert.deepEqual(r.mirrorPercentage, { value: 50 });
    assert.equal(r.mirror_percent, undefined);
  });

  test('the mirror target listens on the shadow port: a named container port, SHADOW_PORT, and the Service port it maps to', () => {
    const objs = render({ files: ['04a-mirror-customer.yaml'] });
    const container = find(objs, 'Deployment', 'customer-v2').spec.template.spec.containers[0];
    assert.deepEqual(
      container.ports.find((p: Doc) => p.name === 'http-shadow'),
      { name: 'http-shadow', containerPort: 8090, protocol: 'TCP' },
    );
    assert.equal(container.env.find((e: Doc) => e.name === 'SHADOW_PORT').value, '8090');
    const port = find(objs, 'Service', 'customer').spec.ports.find((p: Doc) => p.name === 'http-shadow');
    assert.deepEqual([port.port, port.targetPort], [8090, 'http-shadow']);
  });

  test('ports.shadow moves the mirror destination with it', () => {
    const objs = render({ files: ['04a-mirror-customer.yaml'], set: ['ports.shadow=8181'] });
    assert.deepEqual(defaultRoute(find(objs, 'VirtualService', 'customer')).mirror.port, { number: 8181 });
  });

  test('mirroring customer leaves partner untouched', () => {
    const vs = find(render({ files: ['04b-mirror-customer-50.yaml'] }), 'VirtualService', 'partner');
    assert.equal(defaultRoute(vs).mirror, undefined);
  });
});

describe('routing on headers', () => {
  test('a header match routes end-user jason to v2 before the default route', () => {
    const vs = find(render({ files: ['resilience-route-header.yaml'] }), 'VirtualService', 'recommendation');
    assert.deepEqual(vs.spec.http[0].match, [{ headers: { 'end-user': { exact: 'jason' } } }]);
    assert.equal(vs.spec.http[0].route[0].destination.subset, 'v2');
    assert.equal(vs.spec.http.at(-1).name, 'default');
  });

  test('the baggage-user-agent regex sends Safari to v2', () => {
    const vs = find(render({ files: ['resilience-route-user-agent.yaml'] }), 'VirtualService', 'recommendation');
    assert.deepEqual(vs.spec.http[0].match, [{ headers: { 'baggage-user-agent': { regex: '.*Safari.*' } } }]);
    assert.equal(vs.spec.http[0].route[0].destination.subset, 'v2');
  });
});

describe('faults, timeouts, retries, circuit breaking', () => {
  test('fault abort lands in http[].fault.abort with percentage.value and httpStatus', () => {
    const r = defaultRoute(find(render({ files: ['resilience-fault-abort.yaml'] }), 'VirtualService', 'recommendation'));
    assert.deepEqual(r.fault, { abort: { percentage: { value: 50 }, httpStatus: 503 } });
  });

  test("fault delay lands in http[].fault.delay with fixedDelay, shorter than the callers' deadline", () => {
    const r = defaultRoute(find(render({ files: ['resilience-fault-delay.yaml'] }), 'VirtualService', 'recommendation'));
    assert.deepEqual(r.fault, { delay: { percentage: { value: 50 }, fixedDelay: '3s' } });
  });

  test('a longer delay renders once downstreamTimeoutMs outlasts it by a second', () => {
    const set = [
      'services.recommendation.traffic.fault.delay.percent=50',
      'services.recommendation.traffic.fault.delay.fixedDelay=7s',
      'downstreamTimeoutMs=8000',
    ];
    assert.equal(defaultRoute(find(render({ set }), 'VirtualService', 'recommendation')).fault.delay.fixedDelay, '7s');
  });

  test('the timeout scenario makes only recommendation v2 slow and times out the route at 1s', () => {
    const objs = render({ files: ['resilience-timeout.yaml'] });
    assert.equal(defaultRoute(find(objs, 'VirtualService', 'recommendation')).timeout, '1s');
    const env = (name: string) => find(objs, 'Deployment', name).spec.template.spec.containers[0].env;
    assert.ok(env('recommendation-v2').some((e: Doc) => e.name === 'FAULT_DELAY_MS' && e.value === '3000'));
    assert.ok(!env('recommendation-v1').some((e: Doc) => e.name === 'FAULT_DELAY_MS'));
  });

  test('retries land in http[].retries', () => {
    const r = defaultRoute(find(render({ files: ['resilience-retries.yaml'] }), 'VirtualService', 'recommendation'));
    assert.deepEqual(r.retries, { attempts: 3, perTryTimeout: '1s', retryOn: '5xx,connect-failure,reset' });
  });

  test('circuit breaking lands in the DestinationRule trafficPolicy next to ISTIO_MUTUAL', () => {
    const dr = find(render({ files: ['resilience-circuit-breaker.yaml'] }), 'DestinationRule', 'recommendation');
    assert.deepEqual(dr.spec.trafficPolicy, {
      tls: { mode: 'ISTIO_MUTUAL' },
      connectionPool: { tcp: { maxConnections: 1 }, http: { idleTimeout: '30s', http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } },
      outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 100 },
    });
  });

  test('by default no route carries a fault, timeout or retry policy', () => {
    for (const vs of byKind(render(), 'VirtualService')) {
      for (const r of vs.spec.http) assert.deepEqual([r.fault, r.timeout, r.retries], [undefined, undefined, undefined], vs.metadata.name);
    }
  });
});

describe('Kubernetes Gateway API', () => {
  const objs = render({ files: ['flavor-gateway-api.yaml'] });

  test('replaces Istio Gateways and VirtualServices with one Gateway and one HTTPRoute per service', () => {
    assert.equal(byKind(objs, 'VirtualService').length, 0);
    assert.equal(byKind(objs, 'Gateway', 'networking.istio.io').length, 0);
    const gw = byKind(objs, 'Gateway', 'gateway.networking.k8s.io');
    assert.equal(gw.length, 1);
    assert.deepEqual(
      gw[0]?.spec.listeners.map((l: Doc) => l.name),
      ['customer', 'partner'],
    );
    assert.equal(byKind(objs, 'HTTPRoute').length, 4);
  });

  test('splits recommendation 25/75 over per-version backend Services', () => {
    const hr = find(objs, 'HTTPRoute', 'recommendation');
    assert.deepEqual(hr.spec.parentRefs, [{ group: '', kind: 'Service', name: 'recommendation', port: 8080 }]);
    assert.deepEqual(hr.spec.rules[0].backendRefs, [
      { name: 'recommendation-v1', port: 8080, weight: 25 },
      { name: 'recommendation-v2', port: 8080, weight: 75 },
    ]);
    assert.deepEqual(find(objs, 'Service', 'recommendation-v2').spec.selector, {
      app: 'recommendation',
      version: 'v2',
      'app.kubernetes.io/instance': 'demo',
    });
  });

  test('points the OpenShift Routes at the Service Istio deploys for that Gateway', () => {
    for (const r of byKind(objs, 'Route')) {
      assert.equal(r.metadata.namespace, 'demo');
      assert.deepEqual([r.spec.to.name, r.spec.port.targetPort], ['demo-mesh-demo-gateway-istio', 80]);
    }
    assert.equal(byKind(objs, 'Gateway', 'gateway.networking.k8s.io')[0]?.metadata.name, 'demo-mesh-demo-gateway');
  });

  test('mirrors customer with a RequestMirror filter at 50 percent', () => {
    const hr = find(objs, 'HTTPRoute', 'customer');
    assert.deepEqual(hr.spec.rules[0].backendRefs, [{ name: 'customer-v1', port: 8080, weight: 100 }]);
    assert.deepEqual(hr.spec.rules[0].filters, [
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'customer-v2', port: 8090 }, percent: 50 } },
    ]);
    assert.deepEqual(hr.spec.hostnames, ['customer-demo.apps-crc.testing']);
  });
});

describe('least-privilege authorization', () => {
  const objs = render({ files: ['security-authorization.yaml'] });
  const principals = (name: string) => find(objs, 'AuthorizationPolicy', name).spec.rules[0].from[0].source.principals;

  test('only the ingress gateway may call customer and partner', () => {
    for (const s of ['customer', 'partner']) {
      assert.deepEqual(principals(s), ['cluster.local/ns/istio-ingress/sa/istio-ingressgateway']);
    }
  });

  test('only customer and partner may call preference, and only preference may call recommendation', () => {
    assert.deepEqual(principals('preference'), ['cluster.local/ns/demo/sa/customer', 'cluster.local/ns/demo/sa/partner']);
    assert.deepEqual(principals('recommendation'), ['cluster.local/ns/demo/sa/preference']);
  });

  test('a namespace-wide allow-nothing leaves only GET of health and metrics on the management port to anyone', () => {
    const nothing = find(objs, 'AuthorizationPolicy', 'allow-nothing');
    assert.equal(nothing.spec.selector, undefined, 'it covers the whole namespace');
    assert.deepEqual(nothing.spec.rules, [
      { to: [{ operation: { ports: ['9000'], methods: ['GET'], paths: ['/metrics', '/health/*'] } }] },
    ]);
  });

  test('each allowed service lets its caller in on the app and shadow ports, and nothing else', () => {
    for (const name of ['customer', 'partner', 'preference', 'recommendation']) {
      const rules = find(objs, 'AuthorizationPolicy', name).spec.rules;
      assert.equal(rules.length, 1, name);
      // The shadow port too: the gateway or a caller's sidecar delivers mirrored copies there.
      assert.deepEqual(rules[0].to, [{ operation: { ports: ['8080', '8090'] } }], name);
    }
  });

  test('built up one service at a time: deny-all, then the edge, then preference, then all four', () => {
    const allowed = (file: string) =>
      byKind(render({ files: [file] }), 'AuthorizationPolicy')
        .filter((a) => a.spec.action === 'ALLOW' && a.spec.selector)
        .map((a) => a.metadata.name)
        .sort();
    assert.deepEqual(allowed('security-authz-1-deny-all.yaml'), []);
    assert.deepEqual(allowed('security-authz-2-edge.yaml'), ['customer', 'partner']);
    assert.deepEqual(allowed('security-authz-3-preference.yaml'), ['customer', 'partner', 'preference']);
    assert.deepEqual(allowed('security-authorization.yaml'), ['customer', 'partner', 'preference', 'recommendation']);
    for (const file of ['security-authz-1-deny-all.yaml', 'security-authz-2-edge.yaml', 'security-authz-3-preference.yaml']) {
      assert.ok(
        byKind(render({ files: [file] }), 'AuthorizationPolicy').some((a) => a.metadata.name === 'allow-nothing'),
        file,
      );
    }
  });

  test('pods still run under the service accounts the policies name', () => {
    for (const d of byKind(objs, 'Deployment')) assert.equal(d.spec.template.spec.serviceAccountName, d.metadata.labels?.app);
  });
});

describe('the management port', () => {
  test('in the mesh, a DENY policy leaves other pods only GET /metrics and /health/* on it', () => {
    const ap = find(render(), 'AuthorizationPolicy', 'management-port');
    assert.equal(ap.spec.action, 'DENY');
    assert.deepEqual(ap.spec.selector, { matchLabels: { 'app.kubernetes.io/instance': 'demo' } });
    assert.deepEqual(ap.spec.rules, [
      { to: [{ operation: { ports: ['9000'], notMethods: ['GET'] } }] },
      { to: [{ operation: { ports: ['9000'], notPaths: ['/metrics', '/health/*'] } }] },
    ]);
    assert.equal(byKind(render(), 'NetworkPolicy').length, 0, 'no NetworkPolicy needed in the mesh');
  });

  test('the policy follows ports.management, and management.restrict=false removes it', () => {
    assert.deepEqual(
      find(render({ set: ['ports.management=9100'] }), 'AuthorizationPolicy', 'management-port').spec.rules[0].to[0].operation.ports,
      ['9100'],
    );
    assert.equal(byKind(render({ set: ['management.restrict=false'] }), 'AuthorizationPolicy').length, 0);
  });

  test('without the mesh on OpenShift, a NetworkPolicy opens the app ports to all and the management port to monitoring only', () => {
    const [np] = byKind(render({ files: ['01-plain.yaml'] }), 'NetworkPolicy');
    assert.deepEqual(np?.spec.ingress, [
      { ports: [{ port: 'http' }, { port: 'http-shadow' }] },
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-monitoring' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-user-workload-monitoring' } } },
        ],
        ports: [{ port: 'http-mgmt' }],
      },
    ]);
  });

  test('on Service Mesh 2 the NetworkPolicy only lets monitoring reach the management port, beside the DENY policy', () => {
    const objs = render({ files: ['02-mesh.yaml', 'flavor-ossm2.yaml'] });
    const [np] = byKind(objs, 'NetworkPolicy');
    assert.deepEqual(
      np?.spec.ingress.map((rule: Doc) => rule.ports),
      [[{ port: 'http-mgmt' }]],
    );
    assert.equal(find(objs, 'AuthorizationPolicy', 'management-port').apiVersion, 'security.istio.io/v1beta1');
  });
});

describe('load balancing, egress and end-user authentication', () => {
  test("load balancing sets the DestinationRule's simple policy beside ISTIO_MUTUAL, with three v1 pods", () => {
    for (const [file, policy] of [
      ['resilience-load-balancing-round-robin.yaml', 'ROUND_ROBIN'],
      ['resilience-load-balancing-random.yaml', 'RANDOM'],
    ] as const) {
      const objs = render({ files: [file] });
      assert.deepEqual(find(objs, 'DestinationRule', 'recommendation').spec.trafficPolicy, {
        tls: { mode: 'ISTIO_MUTUAL' },
        loadBalancer: { simple: policy },
        connectionPool: { http: { idleTimeout: '30s' } },
      });
      assert.equal(find(objs, 'Deployment', 'recommendation-v1').spec.replicas, 3);
    }
  });

  test('REGISTRY_ONLY is a namespace Sidecar, and each allowed host a ServiceEntry on its port', () => {
    const objs = render({ files: ['egress-registry-only.yaml'] });
    assert.deepEqual(find(objs, 'Sidecar', 'default').spec, { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });
    assert.deepEqual(find(objs, 'ServiceEntry', 'egress-httpbin-org').spec, {
      hosts: ['httpbin.org'],
      location: 'MESH_EXTERNAL',
      resolution: 'DNS',
      exportTo: ['.'],
      ports: [{ number: 443, name: 'tls-443', protocol: 'TLS' }],
    });
    assert.equal(byKind(render(), 'Sidecar').length + byKind(render(), 'ServiceEntry').length, 0, 'nothing by default');
  });

  test('end-user authentication: a RequestAuthentication with the JWKS, and a DENY for no token or another group, at the edge only', () => {
    const objs = render({ files: ['security-end-user-jwt.yaml'] });
    assert.deepEqual(
      byKind(objs, 'RequestAuthentication')
        .map((r) => r.metadata.name)
        .sort(),
      ['customer-jwt', 'partner-jwt'],
    );
    const rule = find(objs, 'RequestAuthentication', 'customer-jwt').spec.jwtRules[0];
    assert.equal(rule.issuer, 'mesh-demo');
    assert.equal(JSON.parse(rule.jwks).keys[0].kid, 'mesh-demo-1');
    const deny = find(objs, 'AuthorizationPolicy', 'customer-end-user').spec;
    assert.equal(deny.action, 'DENY');
    assert.deepEqual(deny.rules[0].from, [{ source: { notRequestPrincipals: ['*'] } }]);
    assert.deepEqual(deny.rules[1].when, [{ key: 'request.auth.claims[group]', notValues: ['demo'] }]);
  });
});
