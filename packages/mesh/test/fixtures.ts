// Objects copied from `helm template demo charts/mesh-demo -n mesh-demo` (03a, flavor-gateway-api, flavor-ossm2), a fresh copy per call.

import type { ProxyKind } from '../src/injector.ts';
import type { Container, Deployment, KubeObject, Route, Service } from '../src/kube.ts';
import { type PodPhase, type PodRecord, podLabels, templateHash } from '../src/workloads.ts';

const CHART_LABELS = {
  'helm.sh/chart': 'mesh-demo-0.1.0',
  'app.kubernetes.io/managed-by': 'Helm',
  'app.kubernetes.io/instance': 'demo',
  'app.kubernetes.io/part-of': 'mesh-demo',
} as const;

/** The chart's sidecar annotations (step 03a renders these on every Deployment's pod template). */
const POD_ANNOTATIONS = {
  'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true,"terminationDrainDuration":"17s"}',
  'prometheus.io/scrape': 'true',
  'prometheus.io/port': '9000',
  'prometheus.io/path': '/metrics',
} as const;

/**
 * One app container as the chart renders it. Fields the local mesh does not model (resources, securityContext,
 * volumeMounts, imagePullPolicy, probe timings) are left out so the literal type-checks against kube.ts.
 */
function appContainer(service: string, version: string, downstream?: string): Container {
  return {
    name: service,
    image: `quay.io/mesh-demo/${service}:0.1.0`,
    ports: [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'http-mgmt', containerPort: 9000, protocol: 'TCP' },
    ],
    env: [
      { name: 'VERSION', value: version },
      { name: 'PORT', value: '8080' },
      { name: 'MANAGEMENT_PORT', value: '9000' },
      { name: 'LOG_LEVEL', value: 'info' },
      ...(downstream ? [{ name: `${downstream.toUpperCase()}_URL`, value: `http://${downstream}:8080` }] : []),
      { name: 'DOWNSTREAM_TIMEOUT_MS', value: '5000' },
      { name: 'SHUTDOWN_DELAY_MS', value: '5000' },
      { name: 'SHUTDOWN_TIMEOUT_MS', value: '10000' },
      { name: 'NODE_OPTIONS', value: '--max-old-space-size=156 --max-semi-space-size=12' },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'OTEL_SERVICE_NAME', value: service },
      { name: 'OTEL_TRACES_EXPORTER', value: 'jaeger' },
      { name: 'OTEL_EXPORTER_JAEGER_ENDPOINT', value: 'http://jaeger-collector.istio-system:14268/api/traces' },
      { name: 'OTEL_PROPAGATORS', value: 'tracecontext,baggage,b3multi' },
      { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_always_on' },
    ],
    startupProbe: { httpGet: { path: '/health/live', port: 'http-mgmt' } },
    livenessProbe: { httpGet: { path: '/health/live', port: 'http-mgmt' } },
    readinessProbe: { httpGet: { path: '/health/ready', port: 'http-mgmt' } },
    lifecycle: { preStop: { sleep: { seconds: 2 } } },
  };
}

function chartDeployment(service: string, version: string, downstream?: string): Deployment {
  const labels = { ...CHART_LABELS, 'app.kubernetes.io/name': service, app: service, version, 'app.kubernetes.io/version': version };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${service}-${version}`, namespace: 'mesh-demo', labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: service, version, 'app.kubernetes.io/instance': 'demo' } },
      template: {
        metadata: { labels: { ...labels, 'sidecar.istio.io/inject': 'true' }, annotations: { ...POD_ANNOTATIONS } },
        spec: {
          serviceAccountName: service,
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 22,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [appContainer(service, version, downstream)],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  };
}

/** Deployment customer-v1 of step 03a (calls preference). */
export const customerV1 = (): Deployment => chartDeployment('customer', 'v1', 'preference');

/** Deployments recommendation-v1 and recommendation-v2 of step 03a (the blue/green pair). */
export const recommendation = (version: 'v1' | 'v2'): Deployment => chartDeployment('recommendation', version);

function chartService(service: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: service, namespace: 'mesh-demo', labels: { ...CHART_LABELS, 'app.kubernetes.io/name': service, app: service } },
    spec: {
      type: 'ClusterIP',
      selector: { app: service, 'app.kubernetes.io/instance': 'demo' },
      ports: [
        { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
        { name: 'http-mgmt', port: 9000, targetPort: 'http-mgmt', protocol: 'TCP', appProtocol: 'http' },
      ],
    },
  };
}

export const customerService = (): Service => chartService('customer');
export const recommendationService = (): Service => chartService('recommendation');

// Routes leave out `to.weight` and `wildcardPolicy` (100 and None in the chart): kube.ts' Route does not model them.

/** The chart's OpenShift Routes (Istio flavor): in istio-system, to the ingress gateway's http2 port. */
export function ingressRoute(app: 'customer' | 'partner'): Route {
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: { name: `${app}-mesh-demo`, namespace: 'istio-system', labels: { ...CHART_LABELS, 'app.kubernetes.io/name': app, app } },
    spec: {
      host: `${app}-mesh-demo.apps-crc.testing`,
      to: { kind: 'Service', name: 'istio-ingressgateway' },
      port: { targetPort: 'http2' },
    },
  };
}

/** flavor-gateway-api: the customer Route, in mesh-demo, to the Gateway's Service on the numeric port 80. */
export function gatewayApiRoute(): Route {
  return {
    apiVersion: 'route.openshift.io/v1',
    kind: 'Route',
    metadata: {
      name: 'customer',
      namespace: 'mesh-demo',
      labels: { ...CHART_LABELS, 'app.kubernetes.io/name': 'customer', app: 'customer' },
    },
    spec: {
      host: 'customer-mesh-demo.apps-crc.testing',
      to: { kind: 'Service', name: 'demo-mesh-demo-gateway-istio' },
      port: { targetPort: 80 },
    },
  };
}

/** flavor-gateway-api: one Gateway of class istio, two HTTP listeners that share port 80. */
export function gatewayApiGateway(): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'demo-mesh-demo-gateway', namespace: 'mesh-demo', labels: { ...CHART_LABELS } },
    spec: {
      gatewayClassName: 'istio',
      listeners: [
        {
          name: 'customer',
          hostname: 'customer-mesh-demo.apps-crc.testing',
          port: 80,
          protocol: 'HTTP',
          allowedRoutes: { namespaces: { from: 'Same' } },
        },
        {
          name: 'partner',
          hostname: 'partner-mesh-demo.apps-crc.testing',
          port: 80,
          protocol: 'HTTP',
          allowedRoutes: { namespaces: { from: 'Same' } },
        },
      ],
    },
  };
}

/** Step 03a: the Istio Gateway for customer (networking.istio.io, not Gateway API). */
export function istioGateway(): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: {
      name: 'customer-gateway',
      namespace: 'mesh-demo',
      labels: { ...CHART_LABELS, 'app.kubernetes.io/name': 'customer', app: 'customer' },
    },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['customer-mesh-demo.apps-crc.testing'] }],
    },
  };
}

/**
 * flavor-ossm2's customer-v1: no inject label, the `sidecar.istio.io/inject: "true"` annotation instead (Maistra's
 * opt-in, honoured only in a ServiceMeshMember's namespace).
 */
export function customerV1Ossm2(): Deployment {
  const deployment = customerV1();
  const { 'sidecar.istio.io/inject': _label, ...labels } = deployment.spec.template.metadata.labels ?? {};
  deployment.spec.template.metadata.labels = labels;
  deployment.spec.template.metadata.annotations = { 'sidecar.istio.io/inject': 'true', ...POD_ANNOTATIONS };
  return deployment;
}

/** flavor-istio-revision's customer-v1: selected by `istio.io/rev: default` instead of the inject label. */
export function customerV1Revision(revision = 'default'): Deployment {
  const deployment = customerV1();
  const { 'sidecar.istio.io/inject': _label, ...labels } = deployment.spec.template.metadata.labels ?? {};
  deployment.spec.template.metadata.labels = { ...labels, 'istio.io/rev': revision };
  return deployment;
}

/** When the fixtures' Terminating pods started terminating. */
export const DELETED_AT = '2026-01-01T12:00:00.000Z';

/**
 * One pod record of a Deployment as the local cluster keeps it, with the template's hash and the pod labels; a
 * Terminating one carries its deletion time, as the cluster sets it when it retires the pod.
 */
export function podOf(
  deployment: Deployment,
  options: { name?: string; ip?: string; phase?: PodPhase; ready?: boolean; proxy?: ProxyKind | undefined; hash?: string } = {},
): PodRecord {
  const hash = options.hash ?? templateHash(deployment.spec.template);
  const proxy = 'proxy' in options ? options.proxy : 'sidecar';
  const phase = options.phase ?? 'Running';
  return {
    name: options.name ?? `${deployment.metadata.name}-${hash}-x2x8k`,
    namespace: deployment.metadata.namespace ?? '',
    workload: deployment.metadata.name,
    templateHash: hash,
    template: deployment.spec.template,
    ip: options.ip ?? '10.244.1.1',
    proxy,
    labels: podLabels(deployment.spec.template, deployment.metadata.name, hash, proxy),
    phase,
    ready: options.ready ?? true,
    ...(phase === 'Terminating' && { deletedAt: DELETED_AT }),
  };
}
