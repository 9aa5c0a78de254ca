// A pod spec worked out into what each container runs (order, argv, user, probes, hooks), or the kubelet's reason it cannot.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { type ContainerPlan, hostsFile, type PlanFacts, planPod, probePlan, resolvConf } from '../../src/node/plan.ts';
import type { ContainerSpec, Pod } from '../../src/node/pod-types.ts';

/** Step 03b's customer-v1 as istiod injected it: istio-validation (init), istio-proxy (native sidecar), customer. */
const customer = () => parse(readFileSync(new URL('fixtures/injected-customer-pod.yaml', import.meta.url), 'utf8')) as Pod;

const facts: PlanFacts = {
  podIP: '10.244.1.7',
  hostIP: '10.244.0.2',
  nodeName: 'mesh-demo-node',
  allocatable: { cpu: 2, memory: 8 * 2 ** 30 },
  configMap: () => undefined,
  secret: () => undefined,
  services: [],
  apiServer: { name: 'kubernetes', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
  binaries: {
    node: '/opt/node/bin/node',
    envoy: '/repo/.tools/envoy',
    pilotAgent: '/repo/.tools/bin/pilot-agent',
    pilotDiscovery: '/repo/.tools/bin/pilot-discovery',
    bootstrapTemplate: '/repo/.tools/istio/envoy_bootstrap_tmpl.json',
    coredns: '/repo/.tools/bin/coredns',
  },
};

/** The plans of a pod that must plan cleanly, by container name. */
function plans(pod: Pod, extra: Partial<PlanFacts> = {}): Record<string, ContainerPlan> {
  return Object.fromEntries(
    planPod(pod, { ...facts, ...extra }).map((outcome) => {
      assert.ok(outcome.plan, `planned: ${JSON.stringify(outcome.problem)}`);
      return [outcome.plan.name, outcome.plan];
    }),
  );
}

/** The customer pod with its app container changed. */
function withApp(change: (app: ContainerSpec) => ContainerSpec): Pod {
  const pod = customer();
  return { ...pod, spec: { ...pod.spec, containers: pod.spec.containers.map(change) } };
}

describe('planPod', () => {
  it('plans the containers in the order the kubelet starts them: init, native sidecar, then the app', () => {
    assert.deepEqual(
      planPod(customer(), facts).map((o) => `${o.plan?.name} ${o.plan?.role}`),
      ['istio-validation init', 'istio-proxy sidecar', 'customer app'],
    );
  });

  it("runs the image's entrypoint with the pod's args, or the image's cmd when the pod gives neither", () => {
    const { 'istio-proxy': proxy, customer: app } = plans(customer());
    assert.deepEqual(proxy!.argv.slice(0, 3), ['/usr/local/bin/pilot-agent', 'proxy', 'sidecar']);
    assert.ok(proxy!.argv.includes('mesh-demo.svc.cluster.local'), '$(POD_NAMESPACE) expanded in --domain');
    assert.deepEqual(app!.argv, ['node', '--import', './dist/bundle/register.js', 'dist/bundle/main.js']);
    assert.equal(app!.workingDir, '/app');
  });

  it("replaces the entrypoint by the container's command, and expands $(VAR) from its env", () => {
    const pod = withApp((c) => ({ ...c, command: ['/bin/sh', '-c'], args: ['echo $(VERSION) $(MISSING)'] }));
    assert.deepEqual(plans(pod).customer!.argv, ['/bin/sh', '-c', 'echo v1 $(MISSING)']);
  });

  it("runs the app as the image's user, or as the SCC's UID in group 0 where the namespace has one, and the proxy as 1337", () => {
    assert.deepEqual([plans(customer()).customer!.uid, plans(customer()).customer!.gid], [1000, 0]);
    const scc = plans(customer(), { namespaceUid: 1000770000 });
    assert.deepEqual([scc.customer!.uid, scc.customer!.gid], [1000770000, 0]);
    assert.deepEqual([scc['istio-proxy']!.uid, scc['istio-proxy']!.gid], [1337, 1337]);
  });

  it("takes the probes istiod rewrote to the agent's port, and the hooks, as the spec gives them", () => {
    const { 'istio-proxy': proxy, customer: app } = plans(customer());
    assert.deepEqual(app!.readiness, {
      action: { kind: 'http', port: 15020, path: '/app-health/customer/readyz', scheme: 'http', headers: {} },
      initialDelayMs: 0,
      periodMs: 5000,
      timeoutMs: 2000,
      failureThreshold: 2,
      successThreshold: 1,
    });
    assert.equal(app!.startup?.action.kind === 'http' && app!.startup.action.path, '/app-health/customer/startupz');
    assert.deepEqual(app!.preStop, { kind: 'sleep', seconds: 2 });
    assert.deepEqual(proxy!.preStop, { kind: 'exec', command: ['pilot-agent', 'request', '--debug-port=15020', 'POST', 'drain'] });
    assert.equal(proxy!.readOnlyRoot, true);
    assert.deepEqual(
      app!.mounts.map((m) => `${m.volume} ${m.target}`),
      ['tmp /tmp'],
    );
  });

  it('refuses an image the node does not have with ErrImagePull, and still plans the other containers', () => {
    const outcomes = planPod(
      withApp((c) => ({ ...c, image: 'quay.io/someone/else:1.0' })),
      facts,
    );
    assert.deepEqual(
      outcomes.map((o) => o.plan?.name ?? `${o.problem?.name}: ${o.problem?.reason}`),
      ['istio-validation', 'istio-proxy', 'customer: ErrImagePull'],
    );
    assert.match(outcomes[2]!.problem!.message, /^image "quay\.io\/someone\/else:1\.0" is not available on this node/);
  });

  it('refuses a root user under runAsNonRoot, and a mount of no volume, with CreateContainerConfigError', () => {
    const root = planPod(
      withApp((c) => ({ ...c, securityContext: { ...c.securityContext, runAsUser: 0 } })),
      facts,
    )[2]!;
    assert.equal(root.problem?.reason, 'CreateContainerConfigError');
    assert.match(
      root.problem!.message,
      /^container has runAsNonRoot and image will run as root \(pod: "customer-v1-5db66fd7ff-prbxd_mesh-demo/,
    );
    const unmounted = planPod(
      withApp((c) => ({ ...c, volumeMounts: [{ name: 'cache', mountPath: '/cache' }] })),
      facts,
    )[2]!;
    assert.deepEqual(unmounted.problem && [unmounted.problem.reason, unmounted.problem.message], [
      'CreateContainerConfigError',
      'volume mount cache names no volume of the pod',
    ]);
  });
});

describe('probePlan', () => {
  const app: ContainerSpec = { name: 'customer', image: 'customer', ports: [{ name: 'http-mgmt', containerPort: 9000 }] };

  it("fills in the API server's defaults: no delay, every 10 s, 1 s timeout, 3 failures, 1 success", () => {
    assert.deepEqual(probePlan({ tcpSocket: { port: 9000 } }, app), {
      action: { kind: 'tcp', port: 9000 },
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1000,
      failureThreshold: 3,
      successThreshold: 1,
    });
  });

  it("resolves a named port to the container's port of that name, and refuses a name it does not have", () => {
    const probe = { httpGet: { path: '/health/ready', port: 'http-mgmt', scheme: 'HTTPS' as const } };
    assert.deepEqual(probePlan(probe, app)?.action, { kind: 'http', port: 9000, path: '/health/ready', scheme: 'https', headers: {} });
    assert.throws(() => probePlan({ tcpSocket: { port: 'admin' } }, app), /container customer has no port named admin/);
  });

  it('plans nothing for no probe or a probe without an action', () => {
    assert.equal(probePlan(undefined, app), undefined);
    assert.equal(probePlan({ periodSeconds: 5 }, app), undefined);
  });
});

describe("the pod's /etc files", () => {
  it("resolves cluster names first, the namespace searched first, with the kubelet's ndots", () => {
    assert.equal(
      resolvConf('mesh-demo', '10.96.0.10'),
      'search mesh-demo.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
  });

  it('maps the pod IP to its name in /etc/hosts, after localhost', () => {
    const lines = hostsFile(customer(), '10.244.1.7').split('\n');
    assert.equal(lines[0], '# Kubernetes-managed hosts file.');
    assert.equal(lines[1], '127.0.0.1\tlocalhost');
    assert.equal(lines[3], '10.244.1.7\tcustomer-v1-5db66fd7ff-prbxd');
  });
});
