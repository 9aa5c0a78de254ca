// Invariants every example values file must keep once rendered: consistent subsets, weights, selectors, restricted-v2 pods.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { byKind, type Doc, exampleFiles, type K8sObject, namespace, podTemplates, render } from '../src/render.ts';

const RESTRICTED_PORTS = { min: 15000, max: 15090 };

/** Every {host, subset} an Istio VirtualService sends or mirrors traffic to. */
function routedSubsets(vs: K8sObject): { host: string; subset: string }[] {
  const out: { host: string; subset: string }[] = [];
  for (const route of vs.spec.http ?? []) {
    for (const r of route.route ?? []) if (r.destination.subset) out.push(r.destination);
    if (route.mirror?.subset) out.push(route.mirror);
  }
  return out;
}

function checkRestrictedV2(owner: string, spec: Doc): void {
  const podSc = spec.securityContext ?? {};
  assert.equal(podSc.runAsUser, undefined, `${owner}: runAsUser must be left to OpenShift`);
  assert.equal(podSc.fsGroup, undefined, `${owner}: fsGroup must be left to OpenShift`);
  assert.equal(podSc.seccompProfile?.type, 'RuntimeDefault', `${owner}: seccomp RuntimeDefault`);
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const sc = c.securityContext ?? {};
    const where = `${owner} container ${c.name}`;
    assert.equal(sc.runAsUser, undefined, `${where}: no runAsUser`);
    assert.notEqual(sc.runAsGroup, 1337, `${where}: never Envoy's 1337`);
    assert.equal(sc.runAsNonRoot ?? podSc.runAsNonRoot, true, `${where}: runAsNonRoot`);
    assert.equal(sc.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation false`);
    assert.deepEqual(sc.capabilities?.drop, ['ALL'], `${where}: drop ALL capabilities`);
    assert.equal(sc.capabilities?.add, undefined, `${where}: adds no capability`);
    assert.equal(sc.privileged ?? false, false, `${where}: not privileged`);
    assert.equal(sc.readOnlyRootFilesystem, true, `${where}: read-only root filesystem`);
    for (const p of c.ports ?? []) {
      assert.ok(
        p.containerPort < RESTRICTED_PORTS.min || p.containerPort > RESTRICTED_PORTS.max,
        `${where}: port ${p.containerPort} is Istio's`,
      );
      assert.match(p.name, /^http/, `${where}: port names start with http`);
    }
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      assert.equal(c[probe]?.exec, undefined, `${where}: ${probe} must not exec curl`);
    }
  }
  assert.equal(spec.hostNetwork ?? false, false, `${owner}: no host network`);
  for (const v of spec.volumes ?? []) assert.equal(v.hostPath, undefined, `${owner}: no hostPath volume`);
}

for (const file of exampleFiles()) {
  describe(`example ${file}`, () => {
    const objs = render({ files: [file] });

    test('renders workloads for all four services', () => {
      const apps = new Set(byKind(objs, 'Deployment').map((d) => d.metadata.labels?.app));
      assert.deepEqual([...apps].sort(), ['customer', 'partner', 'preference', 'recommendation']);
      assert.equal(byKind(objs, 'ServiceAccount').length, 4);
    });

    test('every subset a VirtualService routes or mirrors to exists in the DestinationRule of that host', () => {
      const subsets = new Map<string, Set<string>>();
      for (const dr of byKind(objs, 'DestinationRule')) subsets.set(dr.spec.host, new Set(dr.spec.subsets.map((s: Doc) => s.name)));
      for (const vs of byKind(objs, 'VirtualService')) {
        for (const { host, subset } of routedSubsets(vs)) {
          assert.ok(
            subsets.get(host)?.has(subset),
            `VirtualService ${vs.metadata.name} names ${host}/${subset}, DestinationRule has ${[...(subsets.get(host) ?? [])]}`,
          );
        }
      }
    });

    test('every DestinationRule subset is a version name that an enabled Deployment carries', () => {
      for (const dr of byKind(objs, 'DestinationRule')) {
        const versions = new Set(
          byKind(objs, 'Deployment')
            .filter((d) => d.metadata.labels?.app === dr.spec.host)
            .map((d) => d.metadata.labels?.version),
        );
        for (const s of dr.spec.subsets) {
          assert.equal(s.name, s.labels.version, 'subset name is the version name');
          assert.ok(versions.has(s.name), `${dr.spec.host} subset ${s.name} has no Deployment`);
        }
      }
    });

    test('every Service an HTTPRoute sends, mirrors or attaches to is rendered', () => {
      const services = new Set(byKind(objs, 'Service').map((s) => s.metadata.name));
      for (const hr of byKind(objs, 'HTTPRoute')) {
        for (const p of hr.spec.parentRefs) if (p.kind === 'Service') assert.ok(services.has(p.name), `parent ${p.name}`);
        for (const rule of hr.spec.rules) {
          for (const b of rule.backendRefs) assert.ok(services.has(b.name), `HTTPRoute ${hr.metadata.name} -> ${b.name}`);
          for (const f of rule.filters ?? [])
            if (f.requestMirror) assert.ok(services.has(f.requestMirror.backendRef.name), `mirror -> ${f.requestMirror.backendRef.name}`);
        }
      }
    });

    test('every VirtualService gateway and every Route target exists', () => {
      const gateways = new Set(byKind(objs, 'Gateway').map((g) => g.metadata.name));
      for (const vs of byKind(objs, 'VirtualService'))
        for (const g of vs.spec.gateways ?? []) assert.ok(gateways.has(g), `VirtualService ${vs.metadata.name} -> Gateway ${g}`);
      const local = new Set(byKind(objs, 'Service').map((s) => s.metadata.name));
      for (const r of byKind(objs, 'Route').filter((x) => x.metadata.namespace === namespace)) {
        const gwApiService = byKind(objs, 'Gateway', 'gateway.networking.k8s.io').map(
          (g) => `${g.metadata.name}-${g.spec.gatewayClassName}`,
        );
        assert.ok(local.has(r.spec.to.name) || gwApiService.includes(r.spec.to.name), `Route ${r.metadata.name} -> ${r.spec.to.name}`);
      }
    });

    test('weighted routes sum to 100', () => {
      for (const vs of byKind(objs, 'VirtualService')) {
        for (const route of vs.spec.http) {
          const weights = (route.route as Doc[]).map((r) => r.weight).filter((w) => w !== undefined);
          if (weights.length > 0)
            assert.equal(
              weights.reduce((a, b) => a + b, 0),
              100,
              `${vs.metadata.name}/${route.name}`,
            );
        }
      }
      for (const hr of byKind(objs, 'HTTPRoute')) {
        for (const rule of hr.spec.rules) {
          const weights = (rule.backendRefs as Doc[]).map((b) => b.weight).filter((w) => w !== undefined);
          if (weights.length > 0)
            assert.equal(
              weights.reduce((a, b) => a + b, 0),
              100,
              `HTTPRoute ${hr.metadata.name}`,
            );
        }
      }
    });

    test('the Service of each app selects on app only, never on version', () => {
      for (const svc of byKind(objs, 'Service').filter((s) => s.metadata.labels?.['mesh-demo.io/role'] !== 'version-backend')) {
        assert.equal(svc.spec.selector.version, undefined, `Service ${svc.metadata.name}`);
        assert.equal(svc.spec.selector.app, svc.metadata.name);
        const names = svc.spec.ports.map((p: Doc) => p.name);
        assert.deepEqual(names, ['http', 'http-mgmt', 'http-shadow']);
      }
    });

    test('Deployment selectors are minimal and pods carry app and version', () => {
      for (const d of byKind(objs, 'Deployment')) {
        assert.deepEqual(Object.keys(d.spec.selector.matchLabels).sort(), ['app', 'app.kubernetes.io/instance', 'version']);
        const labels = d.spec.template.metadata.labels;
        assert.equal(labels.app, d.metadata.labels?.app);
        assert.match(labels.version, /^v[0-9]+$/);
        assert.equal(d.metadata.name, `${labels.app}-${labels.version}`);
        const env = Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: Doc) => [e.name, e.value]));
        assert.equal(env.VERSION, labels.version, 'VERSION env matches the version label');
      }
    });

    test('every pod template passes the restricted-v2 SCC and Pod Security "restricted" rules', () => {
      const pods = podTemplates(objs);
      assert.ok(pods.length >= 4);
      for (const p of pods) checkRestrictedV2(p.owner, p.spec);
    });

    test('app containers have requests and limits sized for Node, with the heap below the limit', () => {
      const mib = (q: string) => (q.endsWith('Gi') ? Number.parseInt(q, 10) * 1024 : Number.parseInt(q, 10));
      for (const d of byKind(objs, 'Deployment')) {
        const c = d.spec.template.spec.containers[0];
        assert.ok(mib(c.resources.limits.memory) >= 128, `${d.metadata.name}: ${c.resources.limits.memory} is too small for Node`);
        assert.ok(c.resources.requests.memory && c.resources.requests.cpu && c.resources.limits.cpu, d.metadata.name);
        const options: string = c.env.find((e: Doc) => e.name === 'NODE_OPTIONS').value;
        const old = Number(/--max-old-space-size=(\d+)/.exec(options)?.[1]);
        const semi = Number(/--max-semi-space-size=(\d+)/.exec(options)?.[1]);
        assert.ok(old > 0 && semi > 0 && old + 3 * semi < mib(c.resources.limits.memory), `${d.metadata.name}: ${options}`);
      }
    });

    test('namespaced objects use the release namespace (or a configured one), never a hard-coded one', () => {
      // The gateway's namespace: istio-ingress (install/ossm3) by default, istio-system on Service Mesh 2.
      const allowed = new Set([namespace, 'istio-ingress', 'istio-system']);
      for (const o of objs) {
        assert.ok(o.metadata.namespace !== undefined, `${o.kind}/${o.metadata.name} has a namespace`);
        assert.ok(allowed.has(o.metadata.namespace as string), `${o.kind}/${o.metadata.name} in ${o.metadata.namespace}`);
        if (o.metadata.namespace !== namespace)
          assert.equal(o.kind, 'Route', 'only Routes to the control plane gateway leave the release namespace');
      }
    });

    test('no dead Istio fields or APIs of the old demo', () => {
      const text = JSON.stringify(objs);
      assert.doesNotMatch(text, /mirror_percent|v1alpha1|config\.istio\.io|authentication\.istio\.io/);
    });
  });
}
