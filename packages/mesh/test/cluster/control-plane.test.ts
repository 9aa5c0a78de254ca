// As root, the cluster's steps on a test plan: API, Istio's charts, DNS, kube-proxy in the node's namespace, Pod Security, the
// platform's APIs for the chart's steps, the Service Mesh 2 stand-in, restarts, teardown.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { get } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinnedVersions } from '@mesh-demo/workspace';
import { kubectl } from '../../src/cluster/admin-cli.ts';
import { apiServerReady } from '../../src/cluster/apiserver.ts';
import { runPaths } from '../../src/cluster/config.ts';
import { NOT_READY_TAINT, type RunningCluster, startCluster, stopCluster, untaintNode } from '../../src/cluster/index.ts';
import { joinBridge } from '../../src/cluster/network.ts';
import type { NodeObject } from '../../src/cluster/node-taint.ts';
import { MEMBER_OF, type SmcpStandIn, startSmcpStandIn } from '../../src/cluster/smcp-stand-in.ts';
import { KubeClient, KubeError } from '../../src/kube/client.ts';
import { pathOf } from '../../src/kube/resources.ts';
import type { Deployment, KubeObject } from '../../src/kube.ts';
import { NAMESPACE, renderChart, resolveStepFile } from '../../src/render.ts';
import { toolPaths } from '../../src/tools.ts';
import { registerReadyNode } from './stand-in-node.ts';
import { testClusterConfig } from './test-config.ts';

const config = testClusterConfig();
const tools = await toolPaths();

function whyNotRunnable(): string | false {
  if (process.getuid?.() !== 0) return 'needs root: network namespaces, a veth on the host, iptables in the node namespace';
  const built = {
    kube: tools.kube,
    etcd: tools.etcd,
    helm: tools.helm,
    'istio-charts': tools.istioCharts,
    'routes-crd': tools.routesCrd,
    'gateway-api-crds': tools.gatewayApiCrds,
  };
  const missing = Object.entries(built)
    .filter(([, path]) => !existsSync(path))
    .map(([name]) => name);
  if (missing.length) return `tools missing: ${missing.join(', ')} (tools/install-tools.sh ${missing.join(' ')})`;
  const hostTools = ['ip', 'nsenter', 'openssl', 'iptables'].filter((command) => {
    try {
      execFileSync('sh', ['-c', `PATH=$PATH:/usr/sbin:/sbin command -v ${command}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  return hostTools.length ? `host commands missing: ${hostTools.join(', ')}` : false;
}

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });

/** GET over plain HTTP with a short timeout: the body on 200, else undefined. */
function httpText(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: 2_000 }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve(response.statusCode === 200 ? body : undefined));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

/** A pod-like namespace on the node's bridge with an HTTP listener: what a Service's endpoint is. */
async function endpointNamespace(name: string, address: string, port: number): Promise<ChildProcess> {
  ip('netns', 'add', name);
  ip('link', 'add', 'mdtestv0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name);
  ip('link', 'set', 'mdtestv0', 'netns', config.nodeNetns);
  await joinBridge(config, 'mdtestv0');
  ip('-n', name, 'addr', 'add', `${address}/${config.podPrefixLength}`, 'dev', 'eth0');
  ip('-n', name, 'link', 'set', 'eth0', 'up');
  ip('-n', name, 'link', 'set', 'lo', 'up');
  ip('-n', name, 'route', 'add', 'default', 'via', config.nodeIP);
  const server = `require('node:http').createServer((q, s) => s.end('hello from the endpoint')).listen(${port})`;
  return spawn('nsenter', [`--net=/run/netns/${name}`, '--', process.execPath, '-e', server], { stdio: 'ignore' });
}

/** Polls `check` every 200 ms until it holds (true) or `ms` pass (false). */
async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(200)) if (await check()) return true;
  return false;
}

/** A bare pod in `namespace`, annotated for Service Mesh 2's injection or not. */
function podObject(namespace: string, name: string, annotated: boolean): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, ...(annotated && { annotations: { 'sidecar.istio.io/inject': 'true' } }) },
    spec: { containers: [{ name: 'app', image: 'localhost/mdtest' }] },
  };
}

/** Processes whose command line names the test cluster's run directory (every control-plane process does). */
async function processesOfTestCluster(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
    const line = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    if (line.includes(config.runDir)) found.push(`${pid} ${line.slice(0, 80)}`);
  }
  return found;
}

describe('the local cluster on a test plan', { skip: whyNotRunnable(), timeout: 300_000 }, () => {
  let cluster: RunningCluster | undefined;
  let admin: KubeClient;
  let untainted: Promise<boolean> | undefined;
  let listener: ChildProcess | undefined;
  let standIn: SmcpStandIn | undefined;

  before(
    async () => {
      // Whatever a crashed earlier run of this test left.
      await stopCluster(config);
      cluster = await startCluster(
        { config, tools, say: () => {} },
        {
          // The node agent's part, played by the test: a Node that reports Ready, then the early untaint.
          onStepReady: ({ name }) => {
            if (name === 'apiserver') untainted = registerReadyNode(config).then(() => untaintNode(config));
          },
        },
      );
      admin = KubeClient.fromKubeconfig(runPaths(config).adminKubeconfig);
    },
    { timeout: 180_000 },
  );

  after(
    async () => {
      listener?.kill('SIGKILL');
      await standIn?.stop();
      await admin?.close();
      await cluster?.stop();
      await stopCluster(config);
    },
    { timeout: 60_000 },
  );

  it("answers /readyz for the admin, verified against the cluster's CA", async () => {
    assert.equal(await apiServerReady(config)(), true);
  });

  it("has Istio's CRDs, the istiod Deployment and the Route CRD from the pinned charts and API", async () => {
    const crd = (name: string) => admin.find(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
    assert.ok(await crd('virtualservices.networking.istio.io'));
    assert.ok(await crd('peerauthentications.security.istio.io'));
    assert.ok(await crd('routes.route.openshift.io'));
    assert.ok(await admin.find(pathOf('Deployment', 'istio-system', 'istiod')));
    assert.ok(await admin.find(pathOf('Deployment', 'istio-ingress', 'istio-ingressgateway')));
  });

  it("applies the chart's build-in-cluster, flavor-gateway-api and flavor-ossm2 steps (a server-side dry run): every kind is served", async () => {
    // The namespace `mesh apply` makes (helm's --create-namespace); istio-system and istio-ingress come with the steps.
    await admin.create(pathOf('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    // istiod does not run here (no node agent), and its validating webhooks fail open only after a second or more per
    // Istio object: without them the dry run takes 3 s instead of 45. No later test needs them.
    await kubectl({ config, tools }, ['delete', 'validatingwebhookconfigurations', '-l', 'app=istiod']);
    for (const step of ['build-in-cluster', 'flavor-gateway-api', 'flavor-ossm2']) {
      const manifest = await renderChart(tools.helm, [await resolveStepFile(step)]);
      await assert.doesNotReject(kubectl({ config, tools }, ['apply', '--dry-run=server', '-f', '-'], manifest), step);
    }
  });

  it("has the Gateway API's standard CRDs of the pinned release", async () => {
    const crd = await admin.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/httproutes.gateway.networking.k8s.io`);
    const { GATEWAY_API_VERSION } = pinnedVersions();
    assert.equal(crd.metadata.annotations?.['gateway.networking.k8s.io/bundle-version'], GATEWAY_API_VERSION);
    assert.equal(crd.metadata.annotations?.['gateway.networking.k8s.io/channel'], 'standard');
  });

  it("makes a ServiceMeshMember's namespace a member: its annotated pods go to istiod, the SMCP's gateway comes and goes with it", async () => {
    const ns = 'mdtest-ossm2';
    const member = `/apis/maistra.io/v1/namespaces/${ns}/servicemeshmembers`;
    await admin.create(pathOf('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // A ReplicaSet's pod made before the namespace joins, as helm's order makes the chart's: no webhook sees it.
    const app = { labels: { app: 'early' }, annotations: { 'sidecar.istio.io/inject': 'true' } };
    await admin.create(`/apis/apps/v1/namespaces/${ns}/replicasets`, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'early', namespace: ns },
      spec: { replicas: 1, selector: { matchLabels: app.labels }, template: { metadata: app, spec: podObject(ns, 'early', true).spec } },
    });
    const earlyPods = async () => (await admin.list(`${pathOf('Pod', ns)}?labelSelector=app%3Dearly`)).items;
    assert.ok(await eventually(async () => (await earlyPods()).length === 1), "the ReplicaSet's pod is made");
    const [early] = await earlyPods();
    standIn = startSmcpStandIn(admin, { say: () => {} });
    await admin.create(member, {
      apiVersion: 'maistra.io/v1',
      kind: 'ServiceMeshMember',
      metadata: { name: 'default', namespace: ns },
      spec: { controlPlaneRef: { name: 'basic', namespace: 'istio-system' } },
    });
    const labelled = async () => (await admin.get(pathOf('Namespace', undefined, ns))).metadata.labels?.[MEMBER_OF] === 'istio-system';
    assert.ok(await eventually(labelled), 'the member namespace is labelled');
    const gateway = () => admin.find<Deployment>(pathOf('Deployment', 'istio-system', 'istio-ingressgateway'));
    assert.ok(await eventually(async () => (await gateway()) !== undefined), "the SMCP's gateway is deployed");
    assert.equal((await gateway())?.spec.template.spec.serviceAccountName, 'istio-ingressgateway-service-account');
    // Restarted: deleted (no kubelet here confirms it, so it stays terminating), and its replacement meets the webhook.
    const restarted = async () => {
      const pod = (await earlyPods()).find((p) => p.metadata.uid === early?.metadata.uid);
      return pod === undefined || pod.metadata.deletionTimestamp !== undefined;
    };
    assert.ok(await eventually(restarted), 'the pod made before the namespace joined is restarted');
    // istiod does not run here (no node agent): the injector's call fails, which shows the webhook chose the pod.
    await assert.rejects(admin.create(pathOf('Pod', ns), podObject(ns, 'annotated', true)), /member\.sidecar-injector\.istio\.io/);
    await admin.create(pathOf('Pod', ns), podObject(ns, 'plain', false));

    await admin.delete(`${member}/default`);
    assert.ok(await eventually(async () => !(await labelled())), 'the label goes with the member');
    assert.ok(await eventually(async () => (await gateway()) === undefined), 'the gateway goes with the last member');
    await admin.create(pathOf('Pod', ns), podObject(ns, 'annotated', true));
  });

  it('gives kube-dns the DNS address of the plan', async () => {
    const service = await admin.get<{ apiVersion: string; kind: string; metadata: { name: string }; spec: { clusterIP: string } }>(
      pathOf('Service', 'kube-system', 'kube-dns'),
    );
    assert.equal(service.spec.clusterIP, '10.98.0.10');
  });

  it('removes the not-ready taint as soon as the Node reports Ready', async () => {
    assert.equal(await untainted, true);
    const node = await admin.get<NodeObject>(pathOf('Node', undefined, config.nodeName));
    assert.ok(!(node.spec?.taints ?? []).some((taint) => taint.key === NOT_READY_TAINT));
  });

  it("accepts the ECDSA credentials: the node's certificate, and service-account tokens signed with the ECDSA key", async () => {
    const node = KubeClient.fromKubeconfig(runPaths(config).kubeconfig('node'));
    try {
      assert.equal((await node.get<NodeObject>(pathOf('Node', undefined, config.nodeName))).metadata.name, config.nodeName);
    } finally {
      await node.close();
    }
    const request = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: 'coredns' },
      spec: { audiences: ['istio-ca'] },
    };
    const { status } = await admin.create<{ apiVersion: string; kind: string; metadata: { name: string }; status: { token: string } }>(
      // The dns step's account: the controller makes `default` accounts only a moment after it starts.
      `${pathOf('ServiceAccount', 'kube-system', 'coredns')}/token`,
      request,
    );
    assert.equal(JSON.parse(Buffer.from(status.token.split('.')[0]!, 'base64url').toString()).alg, 'ES256');
    const review = await admin.create<{
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      status: { authenticated?: boolean };
    }>('/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      metadata: { name: '' },
      spec: { token: status.token, audiences: ['istio-ca'] },
    });
    assert.equal(review.status.authenticated, true);
  });

  it("takes the host's call to a ClusterIP through kube-proxy's rules in the node namespace to the endpoint", async () => {
    listener = await endpointNamespace('mdtest-echo', '10.247.1.12', 8000);
    await admin.create(pathOf('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mdtest-net' } });
    await admin.create(pathOf('Service', 'mdtest-net'), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo', namespace: 'mdtest-net' },
      spec: { clusterIP: '10.98.0.50', ports: [{ name: 'http', port: 80, targetPort: 8000, protocol: 'TCP' }] },
    });
    await admin.create(pathOf('EndpointSlice', 'mdtest-net'), {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'echo-manual',
        namespace: 'mdtest-net',
        labels: { 'kubernetes.io/service-name': 'echo', 'endpointslice.kubernetes.io/managed-by': 'mdtest' },
      },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8000, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.247.1.12'], conditions: { ready: true }, nodeName: config.nodeName }],
    });
    let body: string | undefined;
    for (let i = 0; i < 40 && body === undefined; i++) {
      body = await httpText('http://10.98.0.50/');
      if (body === undefined) await sleep(250);
    }
    assert.equal(body, 'hello from the endpoint');
  });

  it("refuses a privileged pod in a restricted namespace with Pod Security's own reason", async () => {
    const labels = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };
    await admin.create(pathOf('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mdtest-restricted', labels } });
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged', namespace: 'mdtest-restricted' },
      spec: { containers: [{ name: 'c', image: 'registry.access.redhat.com/ubi9/ubi-minimal', securityContext: { privileged: true } }] },
    };
    await assert.rejects(admin.create(pathOf('Pod', 'mdtest-restricted'), pod), (error: unknown) => {
      assert.ok(error instanceof KubeError);
      assert.equal(error.status, 403);
      assert.match(
        error.message,
        /violates PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext\.privileged=true\)/,
      );
      return true;
    });
  });

  it('restarts a control-plane process that dies, and counts it in the status', async () => {
    const scheduler = () =>
      cluster!
        .status()
        .find((step) => step.name === 'controllers')!
        .processes.find((p) => p.name === 'kube-scheduler')!;
    const before = scheduler();
    assert.equal(before.state, 'running');
    process.kill(before.pid!, 'SIGKILL');
    for (let i = 0; i < 100 && (scheduler().restarts === 0 || scheduler().state !== 'running'); i++) await sleep(100);
    assert.deepEqual({ ...scheduler(), pid: 0 }, { ...before, pid: 0, restarts: 1, lastExit: 'SIGKILL' });
  });

  it('leaves no namespace, link, route or process of the test cluster after stopping', async () => {
    listener?.kill('SIGKILL');
    await cluster!.stop();
    assert.deepEqual(
      ip('netns', 'list')
        .split('\n')
        .filter((line) => line.startsWith(config.prefix)),
      [],
    );
    assert.throws(() => execFileSync('ip', ['link', 'show', 'dev', config.hostLink], { stdio: 'ignore' }));
    assert.deepEqual(
      ip('-4', 'route', 'show')
        .split('\n')
        .filter((line) => /^10\.(98|247)\./.test(line)),
      [],
    );
    assert.deepEqual(await processesOfTestCluster(), []);
  });
});
