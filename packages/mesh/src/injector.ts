// The sidecar injector's part: which pods get a proxy, and the labels, env and probes Istio's injection template gives it.
import type { Container, Labels, PodTemplate } from './kube.ts';
import { resolvePort } from './kube.ts';

export const PROXY_UID = 1337;
export const REVISION = 'default';
export const CLUSTER_ID = 'Kubernetes';
export const TRUST_DOMAIN = 'cluster.local';

/** sidecar: an app pod with istio-proxy beside it; router: a gateway pod that is only istio-proxy. */
export type ProxyKind = 'sidecar' | 'router';

/** What the injector knows about the cluster when a pod is created. */
export interface InjectionContext {
  /** Namespaces that a ServiceMeshMember joins to this control plane (OpenShift Service Mesh 2 style). */
  readonly memberNamespaces: ReadonlySet<string>;
}

/**
 * Whether and how a pod is injected, as upstream Istio's webhook (and OpenShift Service Mesh 2's) decides it: the
 * `sidecar.istio.io/inject: "true"` label (without another revision's istio.io/rev) or the `istio.io/rev: default`
 * label selects a pod for the default revision;
 * in a namespace a ServiceMeshMember joined to this control plane, the `sidecar.istio.io/inject: "true"` annotation
 * does (Maistra's opt-in). Anything else runs without a proxy, as it would on a cluster.
 */
export function injectionFor(template: PodTemplate, namespace: string, context: InjectionContext): ProxyKind | undefined {
  const labels = template.metadata.labels ?? {};
  const annotations = template.metadata.annotations ?? {};
  if (labels['sidecar.istio.io/inject'] === 'false') return undefined;
  // A pod naming another revision is that revision's to inject (upstream's default webhook skips it); there is none here.
  if (labels['istio.io/rev'] !== undefined && labels['istio.io/rev'] !== REVISION) return undefined;
  const selected =
    labels['sidecar.istio.io/inject'] === 'true' ||
    labels['istio.io/rev'] === REVISION ||
    (context.memberNamespaces.has(namespace) && annotations['sidecar.istio.io/inject'] === 'true');
  if (!selected) return undefined;
  const gatewayTemplate = annotations['inject.istio.io/templates'] === 'gateway';
  return gatewayTemplate ? 'router' : 'sidecar';
}

/** Labels the injector adds to a pod (istiod reads tlsMode to pick mTLS, canonical names for telemetry). */
export function injectedLabels(labels: Labels, workload: string): Labels {
  return {
    'security.istio.io/tlsMode': 'istio',
    'service.istio.io/canonical-name':
      labels['service.istio.io/canonical-name'] ?? labels['app.kubernetes.io/name'] ?? labels.app ?? workload,
    'service.istio.io/canonical-revision':
      labels['service.istio.io/canonical-revision'] ?? labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest',
  };
}

/** The app containers: everything but a declared istio-proxy (gateways declare one with image "auto"). */
export function appContainers(template: PodTemplate): Container[] {
  return template.spec.containers.filter((c) => c.name !== 'istio-proxy');
}

/** meshConfig.defaultConfig merged with the pod's proxy.istio.io/config annotation, as the injector renders PROXY_CONFIG. */
export function proxyConfig(defaults: Record<string, unknown>, template: PodTemplate): Record<string, unknown> {
  const annotation = template.metadata.annotations?.['proxy.istio.io/config'];
  if (!annotation) return { ...defaults };
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation);
  } catch {
    throw new Error(`pod annotation proxy.istio.io/config is not JSON: ${annotation}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('pod annotation proxy.istio.io/config must be an object');
  return { ...defaults, ...(parsed as Record<string, unknown>) };
}

/**
 * ISTIO_KUBE_APP_PROBERS: the injector rewrites each HTTP probe to the agent's status port, so the kubelet (here: the
 * supervisor) reaches the app through `:15020/app-health/<container>/<kind>` even under STRICT mTLS.
 */
export function appProbers(template: PodTemplate): Record<string, { httpGet: { path: string; port: number; scheme?: string } }> {
  const out: Record<string, { httpGet: { path: string; port: number; scheme?: string } }> = {};
  const containers = appContainers(template);
  for (const container of containers) {
    const kinds = { readyz: container.readinessProbe, livez: container.livenessProbe, startupz: container.startupProbe };
    for (const [kind, probe] of Object.entries(kinds)) {
      if (!probe?.httpGet) continue;
      const port = resolvePort([container], probe.httpGet.port);
      if (port === undefined) throw new Error(`container ${container.name}: probe port ${probe.httpGet.port} is not a declared port`);
      out[`/app-health/${container.name}/${kind}`] = {
        httpGet: { path: probe.httpGet.path ?? '/', port, ...(probe.httpGet.scheme && { scheme: probe.httpGet.scheme }) },
      };
    }
  }
  return out;
}

/** ISTIO_PROMETHEUS_ANNOTATIONS: the agent merges the app's metrics into :15020/stats/prometheus (Istio's metrics merging). */
export function prometheusAnnotations(template: PodTemplate): string | undefined {
  const a = template.metadata.annotations ?? {};
  if (a['prometheus.io/scrape'] !== 'true') return undefined;
  return JSON.stringify({ scrape: 'true', path: a['prometheus.io/path'] ?? '/metrics', port: a['prometheus.io/port'] ?? '' });
}

export interface ProxyIdentity {
  readonly podName: string;
  readonly namespace: string;
  readonly podIP: string;
  readonly hostIP: string;
  readonly serviceAccount: string;
  readonly workload: string;
  readonly labels: Labels;
}

/** The istio-proxy container's env from Istio's injection template, filled in for one pod. */
export function proxyEnv(
  kind: ProxyKind,
  template: PodTemplate,
  identity: ProxyIdentity,
  config: Record<string, unknown>,
): Record<string, string> {
  const apps = appContainers(template);
  // A gateway's ports are its istio-proxy container's; a sidecar's are the app's.
  const declaring = kind === 'router' ? template.spec.containers : apps;
  const ports = declaring.flatMap((c) =>
    (c.ports ?? []).map((p) => ({ ...(p.name && { name: p.name }), containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' })),
  );
  const env: Record<string, string> = {
    PROXY_CONFIG: JSON.stringify(config),
    POD_NAME: identity.podName,
    POD_NAMESPACE: identity.namespace,
    INSTANCE_IP: identity.podIP,
    HOST_IP: identity.hostIP,
    SERVICE_ACCOUNT: identity.serviceAccount,
    ISTIO_META_POD_PORTS: JSON.stringify(ports),
    ISTIO_META_APP_CONTAINERS: apps.map((c) => c.name).join(','),
    ISTIO_META_CLUSTER_ID: CLUSTER_ID,
    ISTIO_META_NODE_NAME: 'local',
    ISTIO_META_MESH_ID: TRUST_DOMAIN,
    TRUST_DOMAIN,
    ISTIO_META_WORKLOAD_NAME: identity.workload,
    ISTIO_META_OWNER: `kubernetes://apis/apps/v1/namespaces/${identity.namespace}/deployments/${identity.workload}`,
    ISTIO_METAJSON_LABELS: JSON.stringify(identity.labels),
  };
  env.ISTIO_META_INTERCEPTION_MODE = 'REDIRECT';
  if (kind === 'sidecar') {
    // DNS capture: the agent answers the app's lookups of mesh names (the chart's http://preference:8080).
    env.ISTIO_META_DNS_CAPTURE = 'true';
    env.ISTIO_KUBE_APP_PROBERS = JSON.stringify(appProbers(template));
    const prometheus = prometheusAnnotations(template);
    if (prometheus) env.ISTIO_PROMETHEUS_ANNOTATIONS = prometheus;
  }
  return env;
}

/** The iptables rules of Istio's init container: all TCP in and out through Envoy, DNS to the agent, the proxy's own ports exempt. */
export const CAPTURE_ARGS: readonly string[] = [
  'istio-iptables',
  '-p',
  '15001',
  '-z',
  '15006',
  '-u',
  String(PROXY_UID),
  '-g',
  String(PROXY_UID),
  '-m',
  'REDIRECT',
  '-i',
  '*',
  '-x',
  '',
  '-b',
  '*',
  '-d',
  '15090,15021,15020',
  '--redirect-dns',
  '--capture-all-dns',
  '--log_output_level=default:warn',
];

/** The annotation istiod and people read to know a pod was injected (and with which template). */
export function statusAnnotation(kind: ProxyKind): Record<string, string> {
  return {
    'sidecar.istio.io/status': JSON.stringify({
      initContainers: kind === 'sidecar' ? ['istio-init'] : [],
      containers: ['istio-proxy'],
      volumes: [],
      revision: REVISION,
      templates: [kind === 'router' ? 'gateway' : 'sidecar'],
    }),
  };
}
