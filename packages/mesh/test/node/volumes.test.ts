// A pod's volumes land on the host as the kubelet writes them: files, modes, atomic updates, tokens, FailedMount words.
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MockAgent } from 'undici';
import { parse } from 'yaml';
import { KubeClient } from '../../src/kube/client.ts';
import type { Pod } from '../../src/node/pod-types.ts';
import { type KeyData, kubeVolumeApi, PodVolumes, type TokenRequest, type VolumeApi, VolumeNotReady } from '../../src/node/volumes.ts';

const fixture = (name: string) => parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8')) as Pod;
const facts = { podIP: '10.244.1.7', hostIP: '10.244.0.2', nodeName: 'mesh-demo-node', allocatable: { cpu: 2, memory: 8 * 2 ** 30 } };
const ROOT_CERT = '-----BEGIN CERTIFICATE-----\nistio root\n-----END CERTIFICATE-----\n';
const isRoot = process.getuid?.() === 0;

/** A VolumeApi over in-memory objects; tokens say who asked for what, and live `expirationSeconds` on the test's clock. */
class FakeApi implements VolumeApi {
  readonly configMaps = new Map<string, Record<string, string>>();
  readonly secrets = new Map<string, KeyData>();
  readonly tokens: { namespace: string; serviceAccount: string; request: TokenRequest }[] = [];
  clock = Date.UTC(2026, 11, 7, 6, 0, 0);

  async configMap(namespace: string, name: string): Promise<KeyData | undefined> {
    const data = this.configMaps.get(`${namespace}/${name}`);
    return data && Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)]));
  }

  async secret(namespace: string, name: string): Promise<KeyData | undefined> {
    return this.secrets.get(`${namespace}/${name}`);
  }

  async token(namespace: string, serviceAccount: string, request: TokenRequest) {
    this.tokens.push({ namespace, serviceAccount, request });
    const token = `token-${this.tokens.length}-${request.audience ?? 'api'}`;
    return { token, expiresAt: new Date(this.clock + request.expirationSeconds * 1000) };
  }
}

const mode = (path: string) => statSync(path).mode & 0o7777;
const text = (path: string) => readFileSync(path, 'utf8');
const visible = (dir: string) => readdirSync(dir).filter((name) => !name.startsWith('..'));
const mounted = (dir: string) => readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${dir} `);

describe('PodVolumes', () => {
  let base: string;
  let api: FakeApi;
  const dirOf = (name: string) => join(base, 'volumes', name);
  const options = () => ({ now: () => api.clock, syncMs: 3_600_000 });

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'volumes-'));
    api = new FakeApi();
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("materialises the injected istio-proxy's volumes: emptyDirs, a tmpfs for Memory, podinfo, its istio-ca token, the root cert", async () => {
    const pod = fixture('injected-customer-pod.yaml');
    api.configMaps.set('mesh-demo/istio-ca-root-cert', { 'root-cert.pem': ROOT_CERT });
    const volumes = await PodVolumes.mount(pod, dirOf, api, facts, options());
    try {
      for (const name of ['workload-socket', 'credential-socket', 'workload-certs', 'istio-envoy', 'istio-data', 'tmp']) {
        assert.equal(mode(dirOf(name)), 0o777, `${name} is writable by every container user`);
      }
      if (isRoot) assert.ok(mounted(dirOf('istio-envoy')), 'medium Memory is a tmpfs');
      assert.equal(mounted(dirOf('tmp')), false);
      const labels = text(join(dirOf('istio-podinfo'), 'labels')).split('\n');
      assert.equal(labels.length, 13);
      assert.equal(labels[0], 'app="customer"');
      assert.ok(labels.includes('sidecar.istio.io/inject="true"'));
      assert.match(text(join(dirOf('istio-podinfo'), 'annotations')), /^istio\.io\/rev="default"\n/);
      assert.equal(text(join(dirOf('istio-token'), 'istio-token')), 'token-1-istio-ca');
      assert.equal(mode(join(dirOf('istio-token'), 'istio-token')), 0o644);
      assert.deepEqual(api.tokens, [
        {
          namespace: 'mesh-demo',
          serviceAccount: 'customer',
          request: { audience: 'istio-ca', expirationSeconds: 43200, pod: { name: 'customer-v1-5db66fd7ff-prbxd', uid: pod.metadata.uid } },
        },
      ]);
      assert.equal(text(join(dirOf('istiod-ca-cert'), 'root-cert.pem')), ROOT_CERT);
      assert.deepEqual(visible(dirOf('istio-ca-crl')), [], 'an optional ConfigMap that does not exist is an empty volume');
      // The kubelet's layout: visible names are links through ..data to one generation directory.
      assert.equal(readlinkSync(join(dirOf('istiod-ca-cert'), 'root-cert.pem')), '..data/root-cert.pem');
      assert.match(readlinkSync(join(dirOf('istiod-ca-cert'), '..data')), /^\.\.2026_12_07_06_00_00\.\w+$/);
      assert.equal(mode(dirOf('istiod-ca-cert')), 0o755);
    } finally {
      await volumes.close();
    }
    assert.equal(mounted(dirOf('istio-envoy')), false, 'close() unmounts the tmpfs');
  });

  it("refuses to mount while a required ConfigMap is missing, with the kubelet's FailedMount words, and writes nothing", async () => {
    const pod = fixture('injected-customer-pod.yaml');
    await assert.rejects(
      PodVolumes.mount(pod, dirOf, api, facts, options()),
      (error: unknown) =>
        error instanceof VolumeNotReady &&
        error.volume === 'istiod-ca-cert' &&
        error.message === 'MountVolume.SetUp failed for volume "istiod-ca-cert" : configmap "istio-ca-root-cert" not found',
    );
    assert.deepEqual(readdirSync(base), []);
  });

  it("materialises istiod's volumes: kube-api-access (API-audience token, ca.crt, namespace), and an optional ConfigMap once it appears", async () => {
    const pod = fixture('istiod-pod.yaml');
    api.configMaps.set('istio-system/kube-root-ca.crt', { 'ca.crt': 'cluster ca\n', other: 'x' });
    const volumes = await PodVolumes.mount(pod, dirOf, api, facts, options());
    try {
      const access = dirOf('kube-api-access-9mcg6');
      assert.deepEqual(visible(access).sort(), ['ca.crt', 'namespace', 'token']);
      assert.equal(text(join(access, 'namespace')), 'istio-system');
      assert.equal(text(join(access, 'ca.crt')), 'cluster ca\n');
      assert.equal(text(join(access, 'token')), 'token-2-api');
      assert.deepEqual(
        api.tokens.map((t) => [t.serviceAccount, t.request.audience, t.request.expirationSeconds]),
        [
          ['istiod', 'istio-ca', 43200],
          ['istiod', undefined, 3607],
        ],
      );
      for (const name of ['cacerts', 'istio-kubeconfig', 'istio-csr-dns-cert', 'istio-csr-ca-configmap'])
        assert.deepEqual(visible(dirOf(name)), []);
      if (isRoot) assert.ok(mounted(dirOf('local-certs')));
      // istiod writes istio-ca-root-cert itself; its own optional mount of it fills at the next sync.
      api.configMaps.set('istio-system/istio-ca-root-cert', { 'root-cert.pem': ROOT_CERT });
      await volumes.refresh();
      assert.equal(text(join(dirOf('istio-csr-ca-configmap'), 'root-cert.pem')), ROOT_CERT);
    } finally {
      await volumes.close();
    }
  });

  it('writes items under their paths (subdirectories too) with their modes, decodes secrets, and names a missing key', async () => {
    api.configMaps.set('ns/settings', { 'app.yaml': 'a: 1\n', 'log.level': 'debug', unused: 'x' });
    api.secrets.set('ns/tls', { 'tls.key': Buffer.from([0, 1, 2, 255]), 'tls.crt': Buffer.from('crt') });
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'ns', uid: 'u', labels: { app: 'p' } },
      spec: {
        containers: [{ name: 'app', image: 'x', resources: { limits: { memory: '256Mi' } } }],
        volumes: [
          {
            name: 'config',
            configMap: {
              name: 'settings',
              defaultMode: 0o640,
              items: [
                { key: 'app.yaml', path: 'conf/app.yaml' },
                { key: 'log.level', path: 'level', mode: 0o600 },
              ],
            },
          },
          { name: 'certs', secret: { secretName: 'tls' } },
          { name: 'maybe', secret: { secretName: 'tls', optional: true, items: [{ key: 'absent', path: 'absent' }] } },
          {
            name: 'info',
            downwardAPI: {
              items: [
                { path: 'memory', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
                { path: 'app', fieldRef: { fieldPath: "metadata.labels['app']" } },
              ],
            },
          },
        ],
      },
    };
    const volumes = await PodVolumes.mount(pod, dirOf, api, facts, options());
    await volumes.close();
    assert.equal(text(join(dirOf('config'), 'conf/app.yaml')), 'a: 1\n');
    assert.equal(mode(join(dirOf('config'), 'conf/app.yaml')), 0o640);
    assert.equal(mode(join(dirOf('config'), 'level')), 0o600);
    assert.equal(mode(join(dirOf('config'), '..data', 'conf')), 0o755);
    assert.deepEqual(visible(dirOf('config')).sort(), ['conf', 'level']);
    assert.deepEqual([...readFileSync(join(dirOf('certs'), 'tls.key'))], [0, 1, 2, 255]);
    assert.equal(mode(join(dirOf('certs'), 'tls.crt')), 0o644);
    assert.deepEqual(visible(dirOf('maybe')), []);
    assert.equal(text(join(dirOf('info'), 'memory')), '256');
    assert.equal(text(join(dirOf('info'), 'app')), 'p');
    const missing = {
      ...pod,
      spec: { ...pod.spec, volumes: [{ name: 'config', configMap: { name: 'settings', items: [{ key: 'nope', path: 'n' }] } }] },
    };
    await assert.rejects(PodVolumes.mount(missing, dirOf, api, facts, options()), {
      message: 'MountVolume.SetUp failed for volume "config" : configmap references non-existent config key: nope',
    });
  });

  it('gives the files to fsGroup, readable by it, and a projected token to the one runAsUser, mode 0600 before that', {
    skip: !isRoot && 'needs root to chown',
  }, async () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'ns', uid: 'u' },
      spec: {
        securityContext: { runAsUser: 1000, fsGroup: 2000 },
        containers: [{ name: 'app', image: 'x' }],
        volumes: [
          { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
          { name: 'scratch', emptyDir: {} },
        ],
      },
    };
    const volumes = await PodVolumes.mount(pod, dirOf, api, facts, options());
    await volumes.close();
    const token = statSync(join(dirOf('token'), 'token'));
    assert.deepEqual([token.uid, token.gid, token.mode & 0o777], [1000, 2000, 0o640]);
    assert.equal(api.tokens[0]?.request.expirationSeconds, 3600, "the API's default");
    assert.deepEqual([statSync(dirOf('scratch')).gid, mode(dirOf('scratch'))], [2000, 0o2777]);
  });

  it('rewrites a changed ConfigMap by swapping ..data to a new generation, leaves an unchanged one alone, and drops removed keys', async () => {
    api.configMaps.set('mesh-demo/istio-ca-root-cert', { 'root-cert.pem': 'one', 'old.pem': 'x' });
    const pod: Pod = {
      ...fixture('injected-customer-pod.yaml'),
      spec: { containers: [], volumes: [{ name: 'ca', configMap: { name: 'istio-ca-root-cert' } }] },
    };
    const volumes = await PodVolumes.mount(pod, dirOf, api, facts, options());
    try {
      const first = readlinkSync(join(dirOf('ca'), '..data'));
      await volumes.refresh();
      assert.equal(readlinkSync(join(dirOf('ca'), '..data')), first, 'nothing changed, nothing written');
      api.configMaps.set('mesh-demo/istio-ca-root-cert', { 'root-cert.pem': 'two' });
      await volumes.refresh();
      const second = readlinkSync(join(dirOf('ca'), '..data'));
      assert.notEqual(second, first);
      assert.equal(text(join(dirOf('ca'), 'root-cert.pem')), 'two');
      assert.deepEqual(readdirSync(dirOf('ca')).sort(), ['..data', second, 'root-cert.pem'].sort());
      assert.ok(lstatSync(join(dirOf('ca'), 'root-cert.pem')).isSymbolicLink());
      // A source that disappears keeps its files (the kubelet's behaviour) and says why.
      api.configMaps.delete('mesh-demo/istio-ca-root-cert');
      await assert.rejects(volumes.refresh(), {
        message: 'MountVolume.SetUp failed for volume "ca" : configmap "istio-ca-root-cert" not found',
      });
      assert.equal(text(join(dirOf('ca'), 'root-cert.pem')), 'two');
    } finally {
      await volumes.close();
    }
  });

  it('renews a token at 80 % of its life, not before, and keeps the valid one when the renewal fails', async () => {
    const pod = fixture('injected-customer-pod.yaml');
    api.configMaps.set('mesh-demo/istio-ca-root-cert', { 'root-cert.pem': ROOT_CERT });
    const life = 43200 * 1000;
    const start = api.clock;
    const volumes = await PodVolumes.mount(pod, dirOf, api, facts, options());
    try {
      const file = join(dirOf('istio-token'), 'istio-token');
      api.clock = start + 0.79 * life;
      await volumes.refresh();
      assert.equal(text(file), 'token-1-istio-ca');
      api.clock = start + 0.81 * life;
      await volumes.refresh();
      assert.equal(text(file), 'token-2-istio-ca');
      api.token = async () => {
        throw new Error('connection refused');
      };
      api.clock = start + 0.81 * life + 0.9 * life;
      await volumes.refresh();
      assert.equal(text(file), 'token-2-istio-ca');
    } finally {
      await volumes.close();
    }
  });

  it('syncs in the background on its own timer, and close() leaves no timer running', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const baseline = timers();
    api.configMaps.set('ns/settings', { key: 'one' });
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'ns', uid: 'u' },
      spec: { containers: [], volumes: [{ name: 'config', configMap: { name: 'settings' } }] },
    };
    const volumes = await PodVolumes.mount(pod, dirOf, api, facts, { syncMs: 20 });
    api.configMaps.set('ns/settings', { key: 'two' });
    for (let i = 0; i < 100 && text(join(dirOf('config'), 'key')) !== 'two'; i++) await sleep(10);
    assert.equal(text(join(dirOf('config'), 'key')), 'two');
    assert.ok(timers() > baseline);
    await volumes.close();
    assert.equal(timers(), baseline);
  });
});

describe('kubeVolumeApi', () => {
  it('asks the TokenRequest API for a pod-bound token and reads ConfigMaps (data and binaryData) and Secrets, a 404 as absent', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const server = agent.get('https://10.244.0.1:6443');
    // The matcher sees the body (more than once): the last it saw is what was sent.
    let sent: unknown;
    server
      .intercept({
        method: 'POST',
        path: '/api/v1/namespaces/istio-system/serviceaccounts/istiod/token',
        body: (body: string) => {
          sent = JSON.parse(body);
          return true;
        },
      })
      .reply(201, { status: { token: 'jwt', expirationTimestamp: '2026-12-07T18:00:00Z' } });
    const stored = (plural: string, name: string, fields: Record<string, unknown>) =>
      server
        .intercept({ method: 'GET', path: `/api/v1/namespaces/istio-system/${plural}/${name}` })
        .reply(200, { metadata: { name }, ...fields });
    stored('configmaps', 'kube-root-ca.crt', { data: { 'ca.crt': 'pem' }, binaryData: { bin: 'AAE=' } });
    server
      .intercept({ method: 'GET', path: '/api/v1/namespaces/istio-system/configmaps/istio-ca-root-cert' })
      .reply(404, { kind: 'Status', reason: 'NotFound', message: 'configmaps "istio-ca-root-cert" not found' });
    stored('secrets', 'cacerts', { data: { 'ca-key.pem': Buffer.from('key').toString('base64') } });
    const api = kubeVolumeApi(new KubeClient('https://10.244.0.1:6443', agent));
    const token = await api.token('istio-system', 'istiod', {
      audience: 'istio-ca',
      expirationSeconds: 43200,
      pod: { name: 'istiod-5566889884-cxh4r', uid: '99926547' },
    });
    assert.deepEqual(token, { token: 'jwt', expiresAt: new Date('2026-12-07T18:00:00Z') });
    assert.deepEqual(sent, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: ['istio-ca'],
        expirationSeconds: 43200,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'istiod-5566889884-cxh4r', uid: '99926547' },
      },
    });
    const ca = await api.configMap('istio-system', 'kube-root-ca.crt');
    assert.deepEqual({ ca: ca?.['ca.crt']?.toString(), bin: [...(ca?.bin ?? [])] }, { ca: 'pem', bin: [0, 1] });
    assert.equal(await api.configMap('istio-system', 'istio-ca-root-cert'), undefined);
    assert.equal((await api.secret('istio-system', 'cacerts'))?.['ca-key.pem']?.toString(), 'key');
    agent.assertNoPendingInterceptors();
    await agent.close();
  });
});
