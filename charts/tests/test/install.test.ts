// install/: the names that tie its documents together agree (kubeconform checks each document alone), and its README lists every file.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { chartDir, type K8sObject, repoRoot } from '../src/render.ts';

const installDir = join(repoRoot, 'install');
const readme = readFileSync(join(installDir, 'README.md'), 'utf8');
// The namespace the chart walkthrough installs the demo into: install/ must put it in the mesh and scrape it.
const walkthroughNamespace = /^export NS=(\S+)/m.exec(readFileSync(join(chartDir, 'README.md'), 'utf8'))?.[1];

/** Every manifest under install/, as paths relative to it. */
function manifestFiles(): string[] {
  return readdirSync(installDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

function load(...files: string[]): K8sObject[] {
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(join(installDir, f), 'utf8'))
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null),
  );
}

function find(objects: K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
  assert.ok(found, `no ${kind} ${namespace === undefined ? '' : `${namespace}/`}${name}`);
  return found;
}

/** True when every label of the selector is on the object. */
function selects(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

const ossm3 = load('ossm3/10-control-plane.yaml', 'ossm3/20-gateway.yaml', 'ossm3/25-trace-storage.yaml', 'ossm3/30-observability.yaml');
const istio = find(ossm3, 'Istio', 'default');
const collector = find(ossm3, 'OpenTelemetryCollector', 'otel', 'istio-system');
const tempo = find(ossm3, 'TempoStack', 'sample', 'tempo');
const kiali = find(ossm3, 'Kiali', 'kiali', 'istio-system');
const gateway = find(ossm3, 'Deployment', 'istio-ingressgateway', 'istio-ingress');

describe('install/ossm3: traces', () => {
  test("Istio's otel provider is the collector's OTLP/gRPC receiver", () => {
    const provider = istio.spec.values.meshConfig.extensionProviders.find((p: { name: string }) => p.name === 'otel');
    assert.ok(provider, 'no extension provider otel');
    // The OpenTelemetry operator names the Service <collector name>-collector.
    assert.equal(provider.opentelemetry.service, `${collector.metadata.name}-collector.${collector.metadata.namespace}.svc.cluster.local`);
    assert.equal(collector.spec.config.receivers.otlp.protocols.grpc.endpoint, `0.0.0.0:${provider.opentelemetry.port}`);
    assert.equal(collector.spec.config.receivers.otlp.protocols.http.endpoint, '0.0.0.0:4318');
  });

  test('the mesh-wide Telemetry uses only providers the mesh has', () => {
    const telemetry = find(ossm3, 'Telemetry', 'mesh-default', istio.spec.namespace);
    const defined = new Set(['prometheus', ...istio.spec.values.meshConfig.extensionProviders.map((p: { name: string }) => p.name)]);
    const used = [...telemetry.spec.tracing, ...telemetry.spec.metrics].flatMap((t: { providers: { name: string }[] }) =>
      t.providers.map((p) => p.name),
    );
    assert.deepEqual(
      used.filter((n) => !defined.has(n)),
      [],
    );
    assert.equal(telemetry.spec.tracing[0].randomSamplingPercentage, 100);
  });

  test("the collector writes to the TempoStack's distributor and Kiali reads its query frontend", () => {
    const service = (component: string) => `tempo-${tempo.metadata.name}-${component}.${tempo.metadata.namespace}.svc.cluster.local`;
    assert.equal(collector.spec.config.exporters.otlp.endpoint, `${service('distributor')}:4317`);
    assert.deepEqual(collector.spec.config.service.pipelines.traces.exporters, ['otlp']);
    assert.equal(kiali.spec.external_services.tracing.internal_url, `http://${service('query-frontend')}:3200`);
  });

  test("the TempoStack's storage Secret is MinIO's, with the bucket MinIO creates", () => {
    const secret = find(ossm3, 'Secret', tempo.spec.storage.secret.name, tempo.metadata.namespace);
    assert.deepEqual(Object.keys(secret.stringData).sort(), ['access_key_id', 'access_key_secret', 'bucket', 'endpoint']);
    const minio = find(ossm3, 'Service', 'minio', tempo.metadata.namespace);
    assert.equal(secret.stringData.endpoint, `http://minio.${tempo.metadata.namespace}.svc.cluster.local:${minio.spec.ports[0].port}`);
    const container = find(ossm3, 'Deployment', 'minio', tempo.metadata.namespace).spec.template.spec.containers[0];
    assert.match(container.command.join(' '), new RegExp(`mkdir -p /storage/${secret.stringData.bucket} `));
    for (const env of container.env) assert.equal(env.valueFrom.secretKeyRef.name, secret.metadata.name, env.name);
  });
});

describe('install/ossm3: gateway, metrics, Kiali', () => {
  const pod = gateway.spec.template;

  test('the Service, autoscaler, disruption budget and RBAC all reach the gateway Deployment', () => {
    const service = find(ossm3, 'Service', gateway.metadata.name, gateway.metadata.namespace);
    assert.ok(selects(service.spec.selector, pod.metadata.labels), 'Service selector');
    assert.ok(selects(gateway.spec.selector.matchLabels, pod.metadata.labels), 'Deployment selector');
    const containerPorts = pod.spec.containers[0].ports.map((p: { containerPort: number }) => p.containerPort);
    for (const p of service.spec.ports) assert.ok(containerPorts.includes(p.targetPort), `Service port ${p.name} targets ${p.targetPort}`);
    const hpa = find(ossm3, 'HorizontalPodAutoscaler', gateway.metadata.name, gateway.metadata.namespace);
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: gateway.metadata.name });
    const pdb = find(ossm3, 'PodDisruptionBudget', gateway.metadata.name, gateway.metadata.namespace);
    assert.ok(selects(pdb.spec.selector.matchLabels, pod.metadata.labels), 'PodDisruptionBudget selector');
    const binding = find(ossm3, 'RoleBinding', 'secret-reader', gateway.metadata.namespace);
    assert.equal(binding.roleRef.kind, 'Role');
    find(ossm3, 'Role', binding.roleRef.name, gateway.metadata.namespace);
    find(ossm3, 'ServiceAccount', pod.spec.serviceAccountName, gateway.metadata.namespace);
    assert.deepEqual(binding.subjects, [
      { kind: 'ServiceAccount', name: pod.spec.serviceAccountName, namespace: gateway.metadata.namespace },
    ]);
  });

  test("the proxies are scraped in the walkthrough's namespace and the gateway's, istiod in its own", () => {
    assert.ok(walkthroughNamespace, 'charts/mesh-demo/README.md no longer sets `export NS=...`');
    const podMonitors = ossm3.filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.namespace);
    assert.deepEqual(podMonitors.sort(), [walkthroughNamespace, gateway.metadata.namespace].sort());
    const serviceMonitor = find(ossm3, 'ServiceMonitor', 'istiod-monitor', istio.spec.namespace);
    assert.equal(serviceMonitor.spec.endpoints[0].port, 'http-monitoring');
  });

  test("Kiali's service account may read cluster monitoring", () => {
    const binding = find(ossm3, 'ClusterRoleBinding', 'kiali-monitoring-rbac');
    assert.equal(binding.roleRef.name, 'cluster-monitoring-view');
    // The Kiali operator names the service account <instance name>-service-account; the instance name defaults to kiali.
    const account = `${kiali.spec.deployment?.instance_name ?? 'kiali'}-service-account`;
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: account, namespace: kiali.metadata.namespace }]);
  });
});

describe('install/ossm2', () => {
  const ossm2 = load('ossm2/10-control-plane.yaml');
  const smcp = find(ossm2, 'ServiceMeshControlPlane', 'basic', 'istio-system');
  const tracesLabel = /-l (mesh-demo\.install\/traces)=(true)/.exec(readme.slice(readme.indexOf('## OpenShift Service Mesh 2')));

  test("traces go to the OpenTelemetry collector, not the retired Jaeger addon: tracing None, the otel provider is the collector's OTLP/gRPC", () => {
    assert.equal(smcp.spec.tracing.type, 'None');
    assert.equal(smcp.spec.addons.jaeger, undefined);
    const provider = smcp.spec.meshConfig.extensionProviders.find((p: { name: string }) => p.name === 'otel');
    assert.ok(provider, 'no extension provider otel');
    assert.equal(provider.opentelemetry.service, `${collector.metadata.name}-collector.${collector.metadata.namespace}.svc.cluster.local`);
    assert.equal(collector.spec.config.receivers.otlp.protocols.grpc.endpoint, `0.0.0.0:${provider.opentelemetry.port}`);
  });

  test('a v1alpha1 Telemetry (Istio 1.20 has no v1) traces every request through a provider the control plane defines', () => {
    const telemetry = find(ossm2, 'Telemetry', 'mesh-default', smcp.metadata.namespace);
    assert.equal(telemetry.apiVersion, 'telemetry.istio.io/v1alpha1');
    const defined = new Set(smcp.spec.meshConfig.extensionProviders.map((p: { name: string }) => p.name));
    for (const t of telemetry.spec.tracing) {
      assert.equal(t.randomSamplingPercentage, 100);
      for (const p of t.providers) assert.ok(defined.has(p.name), `provider ${p.name} is not defined by the control plane`);
    }
  });

  test("the README's label selector applies exactly the collector and the TempoStack of ossm3/30-observability.yaml", () => {
    assert.ok(tracesLabel, 'the Service Mesh 2 section no longer applies the traces with -l mesh-demo.install/traces=true');
    const [, key, value] = tracesLabel;
    const picked = load('ossm3/30-observability.yaml').filter((o) => o.metadata.labels?.[key!] === value);
    assert.deepEqual(picked.map((o) => `${o.kind}/${o.metadata.name}`).sort(), ['OpenTelemetryCollector/otel', 'TempoStack/sample']);
  });

  test("the member roll sits beside the control plane and lists the walkthrough's namespace", () => {
    const roll = find(ossm2, 'ServiceMeshMemberRoll', 'default', smcp.metadata.namespace);
    assert.ok(walkthroughNamespace && roll.spec.members.includes(walkthroughNamespace), `members: ${roll.spec.members}`);
  });
});

describe('install/README.md', () => {
  test('lists every manifest, and every install/ path it names exists', () => {
    const files = manifestFiles();
    assert.ok(files.length > 0, 'no manifests under install/');
    for (const f of files) assert.ok(readme.includes(f), `README does not mention ${f}`);
    for (const [path] of readme.matchAll(/install\/[\w./-]+\.yaml/g)) assert.ok(existsSync(join(repoRoot, path)), `README names ${path}`);
  });
});
