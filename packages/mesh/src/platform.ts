// What a cluster with Istio installed has before the chart arrives: namespaces, the ingress gateway, istiod's settings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSTALL_DIR } from '@mesh-demo/workspace';
import { ISTIOD_IP } from './addresses.ts';
import { CLUSTER_ID, REVISION, TRUST_DOMAIN } from './injector.ts';
import type { Deployment, KubeObject } from './kube.ts';
import { groupOf, isKind } from './kube.ts';
import { parseObjects } from './render.ts';

export const ISTIO_NAMESPACE = 'istio-system';

/** The ingress gateway as the walkthrough's Service Mesh 3 install deploys it (gateway injection): the same file. */
export const GATEWAY_INSTALL_FILE = join(INSTALL_DIR, 'ossm3', '20-gateway.yaml');

/**
 * istiod's feature flags here. Upstream Envoy lacks three of Istio's own proxy extensions, so they stay off (no
 * peer-metadata exchange, no ALPN override, no istio.stats). Gateway API gateways are deployed by the local mesh, not
 * by istiod's deployment controller (it would write Deployments nobody runs). Everything else is istiod's default,
 * including DISABLE_SHADOW_HOST_SUFFIX=true (Istio >= 1.28), so mirrors behave as on a current cluster.
 */
export const ISTIOD_ENV: Readonly<Record<string, string>> = {
  PILOT_ENABLE_METADATA_EXCHANGE: 'false',
  PILOT_ENABLE_ALPN_FILTER: 'false',
  PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER: 'false',
  // The in-memory API server keeps no subresources apart: a status write would replace the whole Gateway or HTTPRoute
  // (spec and all) with istiod's status-only copy.
  PILOT_ENABLE_GATEWAY_API_STATUS: 'false',
  INJECTION_WEBHOOK_CONFIG_NAME: '',
  VALIDATION_WEBHOOK_CONFIG_NAME: '',
  CLUSTER_ID,
  REVISION,
};

/** Envoy's access log as JSON, with the peer identities, so a log line shows who called whom over mTLS. */
const ACCESS_LOG_FORMAT = {
  start_time: '%START_TIME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  authority: '%REQ(:AUTHORITY)%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  duration: '%DURATION%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
  upstream_host: '%UPSTREAM_HOST%',
  route_name: '%ROUTE_NAME%',
  request_id: '%REQ(X-REQUEST-ID)%',
  downstream_peer_uri_san: '%DOWNSTREAM_PEER_URI_SAN%',
  upstream_peer_uri_san: '%UPSTREAM_PEER_URI_SAN%',
  downstream_tls_version: '%DOWNSTREAM_TLS_VERSION%',
  x_forwarded_client_cert: '%REQ(X-FORWARDED-CLIENT-CERT)%',
};

/** meshConfig: Istio's defaults, plus plain-text xDS to istiod (no token review here) and the access log above. */
export function meshConfig(): Record<string, unknown> {
  return {
    rootNamespace: ISTIO_NAMESPACE,
    trustDomain: TRUST_DOMAIN,
    accessLogFile: '/dev/stdout',
    accessLogEncoding: 'JSON',
    accessLogFormat: JSON.stringify(ACCESS_LOG_FORMAT),
    defaultConfig: {
      discoveryAddress: `${ISTIOD_IP}:15010`,
      controlPlaneAuthPolicy: 'NONE',
      // `mesh view` draws the traffic from Envoy's own per-cluster counters (upstream Envoy has no istio_requests_total,
      // the istio-proxy build's stats filter): Istio's default stats matcher drops them, so keep those of the app
      // clusters, and the fault filter's.
      proxyStatsMatcher: { inclusionPrefixes: ['cluster.outbound|', 'cluster.inbound|'], inclusionRegexps: ['http\\..*\\.fault\\..*'] },
    },
  };
}

/**
 * The ingress gateway's objects from install/ossm3/20-gateway.yaml, unchanged: its Namespace, ServiceAccount, Deployment
 * (gateway injection) and Service (80 -> 8080). Its Role, autoscaler and disruption budget are read too, and do nothing
 * here: one gateway pod runs, as the Deployment alone would start.
 */
export function ingressGateway(): KubeObject[] {
  return parseObjects(readFileSync(GATEWAY_INSTALL_FILE, 'utf8'));
}

/** The service account Service Mesh 2's control plane gives its ingress gateway (what flavor-ossm2.yaml names). */
export const SMCP_GATEWAY_SERVICE_ACCOUNT = 'istio-ingressgateway-service-account';

/**
 * The ingress gateway a ServiceMeshControlPlane deploys (install/ossm2: gateways.ingress.enabled) in its own namespace:
 * the same gateway-injected Deployment and Service as Service Mesh 3's, named istio-ingressgateway, under the SMCP's
 * service account. The operator is not here to make it, so the local platform does, from the Service Mesh 3 file.
 */
export function smcpIngressGateway(controlPlaneNamespace: string): KubeObject[] {
  const renamed = (name: string) => (name === 'istio-ingressgateway' ? SMCP_GATEWAY_SERVICE_ACCOUNT : name);
  return ingressGateway()
    .filter((o) => o.kind !== 'Namespace')
    .map((o) => {
      const copy = structuredClone(o) as KubeObject & { subjects?: { name: string; namespace?: string }[] };
      copy.metadata.namespace = controlPlaneNamespace;
      if (o.kind === 'ServiceAccount') copy.metadata.name = renamed(o.metadata.name);
      for (const subject of copy.subjects ?? []) Object.assign(subject, { name: renamed(subject.name), namespace: controlPlaneNamespace });
      if (isKind(o, 'Deployment', 'apps')) (copy as Deployment).spec.template.spec.serviceAccountName = SMCP_GATEWAY_SERVICE_ACCOUNT;
      return copy;
    });
}

/**
 * What istiod's Gateway API deployment controller would create for a Gateway of class istio: a ServiceAccount,
 * a Service `<gateway>-<class>` with the status port and one port per listener port, and a gateway Deployment.
 */
export function gatewayApiInfrastructure(objects: readonly KubeObject[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const gateway of objects) {
    if (gateway.kind !== 'Gateway' || groupOf(gateway) !== 'gateway.networking.k8s.io') continue;
    const spec = gateway.spec as { gatewayClassName?: string; listeners?: { name: string; port: number; protocol: string }[] };
    if (spec.gatewayClassName !== 'istio') continue;
    const name = `${gateway.metadata.name}-istio`;
    const namespace = gateway.metadata.namespace ?? '';
    const labels = {
      'gateway.networking.k8s.io/gateway-name': gateway.metadata.name,
      'gateway.networking.k8s.io/gateway-class-name': 'istio',
    };
    const ports: { name: string; port: number; protocol: string; appProtocol: string }[] = [
      { name: 'status-port', port: 15021, protocol: 'TCP', appProtocol: 'tcp' },
    ];
    for (const listener of spec.listeners ?? []) {
      if (ports.some((p) => p.port === listener.port)) continue;
      ports.push({ name: listener.name, port: listener.port, protocol: 'TCP', appProtocol: listener.protocol.toLowerCase() });
    }
    out.push(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace, labels },
        spec: { type: 'ClusterIP', selector: { 'gateway.networking.k8s.io/gateway-name': gateway.metadata.name }, ports },
      },
      gatewayDeployment(
        name,
        namespace,
        name,
        { ...labels, 'gateway.istio.io/managed': 'istio.io-gateway-controller' },
        ports.map((p) => p.port),
      ),
    );
  }
  return out;
}

function gatewayDeployment(
  name: string,
  namespace: string,
  serviceAccount: string,
  labels: Record<string, string>,
  ports: number[],
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels: { ...labels, 'sidecar.istio.io/inject': 'true', 'istio.io/rev': REVISION },
          annotations: { 'inject.istio.io/templates': 'gateway' },
        },
        spec: {
          serviceAccountName: serviceAccount,
          containers: [{ name: 'istio-proxy', image: 'auto', ports: ports.map((containerPort) => ({ containerPort, protocol: 'TCP' })) }],
        },
      },
    },
  };
}

/** A Namespace object for each namespace the objects use and do not declare themselves. */
export function namespaces(objects: readonly KubeObject[]): KubeObject[] {
  const declared = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const names = new Set<string>([ISTIO_NAMESPACE]);
  for (const object of objects) if (object.metadata.namespace) names.add(object.metadata.namespace);
  return [...names]
    .filter((name) => !declared.has(name))
    .sort()
    .map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } }));
}
