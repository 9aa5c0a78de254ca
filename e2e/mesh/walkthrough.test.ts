// The chart README's walkthrough, verbatim against the local mesh with kubectl for oc: helm_step, rollout status, get
// pods, logs, helm test, istioctl proxy-status and proxy-config, each step's answers.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { until } from '../support/poll.ts';
import { splitOf } from './support/checks.ts';
import { ensureMesh } from './support/lifecycle.ts';
import { assertShare, type CliResult, cli, send, untilSynced } from './support/mesh.ts';

const CHART = 'charts/mesh-demo';
const NS = 'mesh-demo';

/** A line of the walkthrough as people type it, through the mesh's own pinned tool (`./pnpmw mesh kubectl ...`). */
async function run(tool: 'kubectl' | 'helm' | 'istioctl', ...args: string[]): Promise<CliResult> {
  const result = await cli([tool, ...args]);
  assert.equal(result.code, 0, `${tool} ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** The README's `helm_step -f $CHART/examples/STEP.yaml [ARGS]` (the local domain and images are the chart's defaults). */
function helmStep(step: string, ...args: string[]): Promise<CliResult> {
  return run(
    'helm',
    'upgrade',
    '--install',
    'demo',
    `${REPO_ROOT}/${CHART}`,
    '-n',
    NS,
    '-f',
    `${REPO_ROOT}/${CHART}/examples/${step}.yaml`,
    ...args,
  );
}

/** istioctl's JSON of a proxy's routes: protobuf's JSON names (camelCase), unlike Envoy's own config dump. */
interface RouteConfig {
  readonly virtualHosts?: {
    readonly domains: string[];
    readonly routes: { readonly route?: { readonly weightedClusters?: { readonly clusters: { name: string; weight: number }[] } } }[];
  }[];
}

/** The weights of the routes to recommendation, by subset (the third field of an `outbound|port|subset|host` cluster). */
function weightsIn(configs: readonly RouteConfig[]): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const host of configs.flatMap((c) => c.virtualHosts ?? [])) {
    if (!host.domains.includes('recommendation.mesh-demo.svc.cluster.local')) continue;
    for (const cluster of host.routes.flatMap((r) => r.route?.weightedClusters?.clusters ?? [])) {
      weights[cluster.name.split('|')[2]!] = cluster.weight;
    }
  }
  return weights;
}

/** `oc -n $NS rollout status deploy --timeout=180s`, then every proxy holding istiod's latest push (helm does not wait for it). */
async function rolledOut(): Promise<void> {
  await run('kubectl', '-n', NS, 'rollout', 'status', 'deploy', '--timeout=180s');
  await untilSynced();
}

describe('the chart walkthrough with kubectl and helm', () => {
  before(async () => {
    await ensureMesh();
  });

  it('2: helm_step, rollout status, get pods (2/2), the routes, the chain through the edge, and helm test', async () => {
    await helmStep('02-mesh');
    await rolledOut();
    // The step before's pods take their grace period to go (each service drains first), as on a cluster.
    let pods = '';
    await until(
      "every pod of the namespace 2/2 Running (the step before's pods gone)",
      async () => {
        pods = (await run('kubectl', '-n', NS, 'get', 'pods', '--no-headers')).stdout;
        const lines = pods.trim().split('\n');
        return lines.length >= 4 && lines.every((line) => / 2\/2 +Running /.test(line)) ? true : undefined;
      },
      60_000,
      1000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last:\n${pods}`);
    });
    const routes = await run('kubectl', '-n', 'istio-ingress', 'get', 'route', '--no-headers');
    assert.match(routes.stdout, /^customer-mesh-demo +customer-mesh-demo\.apps-crc\.testing +True +istio-ingressgateway /m);
    assert.match(routes.stdout, /^partner-mesh-demo +partner-mesh-demo\.apps-crc\.testing +True +istio-ingressgateway /m);
    for (const url of ['http://127.0.0.1:8080', 'http://127.0.0.1:8081']) {
      const sent = await send(20, { url });
      assert.deepEqual([...new Set(sent.map((s) => s.status))], [200], url);
    }
    const test = await run('helm', 'test', 'demo', '-n', NS);
    assert.equal((test.stdout.match(/Phase: +Succeeded/g) ?? []).length, 2, test.stdout);
  });

  it('3a: recommendation v2 beside v1, at weight 0 until rolled out, then (get pods -L version) about half the answers from each', async () => {
    await helmStep(
      '03a-blue-green-50-50',
      '--set',
      'services.recommendation.traffic.weights.v1=100,services.recommendation.traffic.weights.v2=0',
    );
    await run('kubectl', '-n', NS, 'rollout', 'status', 'deploy/recommendation-v2', '--timeout=180s');
    await untilSynced();
    const dark = await splitOf(40);
    assert.equal(dark.v2, 0, 'at weight 0 v2 runs but gets no call');
    await helmStep('03a-blue-green-50-50');
    await rolledOut();
    const pods = await run('kubectl', '-n', NS, 'get', 'pods', '-l', 'app=recommendation', '-L', 'version', '--no-headers');
    assert.match(pods.stdout, / v1\n/);
    assert.match(pods.stdout, / v2\n/);
    const split = await splitOf(200);
    assertShare(split.v2, 200, 0.5, 'share of recommendation v2 at 3a');
  });

  it("3b: 25/75, in the answers and in preference's routes as istioctl proxy-config shows them; every proxy SYNCED", async () => {
    await helmStep('03b-canary-25-75');
    await rolledOut();
    const split = await splitOf(200);
    assertShare(split.v2, 200, 0.75, 'share of recommendation v2 at 3b');
    const routes = await run('istioctl', 'proxy-config', 'routes', 'deploy/preference-v1', '-n', NS, '-o', 'json');
    assert.deepEqual(weightsIn(JSON.parse(routes.stdout) as RouteConfig[]), { v1: 25, v2: 75 });
    const table = await run('istioctl', 'proxy-config', 'routes', 'deploy/customer-v1', '-n', NS);
    assert.match(table.stdout, /recommendation\.mesh-demo\.svc\.cluster\.local/);
    const status = await run('istioctl', 'proxy-status');
    const proxies = status.stdout.trim().split('\n').slice(1);
    assert.ok(proxies.length >= 6, status.stdout);
    // Every proxy subscribed and none behind: istioctl's own view of istiod's sync state.
    for (const line of proxies) assert.doesNotMatch(line, /STALE|NOT SENT/, line);
  });

  it('4b: every answer from customer v1, and about half the requests logged by customer v2 as shadow copies (kubectl logs)', async () => {
    await helmStep('04b-mirror-customer-50');
    await rolledOut();
    // The README's SINCE: this step's copies only, whatever an earlier mirror step left in the log.
    const since = `${new Date().toISOString().slice(0, 19)}Z`;
    const sent = await send(200);
    assert.ok(sent.every((s) => s.status === 200 && s.chain?.chain[0]?.version === 'v1'));
    // Mirrored copies are fire-and-forget: the last land after the answers, so count until two reads agree.
    let previous = -1;
    const copies = await until(
      'the count of copies logged by customer v2 to settle',
      async () => {
        const logs = await run('kubectl', '-n', NS, 'logs', 'deploy/customer-v2', `--since-time=${since}`);
        const count = (logs.stdout.match(/"shadow":true/g) ?? []).length;
        const settled = count > 0 && count === previous;
        previous = count;
        return settled ? count : undefined;
      },
      15_000,
      500,
    );
    assertShare(copies, 200, 0.5, 'copies logged by customer v2');
  });

  it('resilience-fault-abort: about half the calls end in 503 "fault filter abort" at preference', async () => {
    await helmStep('resilience-fault-abort');
    await rolledOut();
    const sent = await send(200);
    const aborted = sent.filter((s) => s.status === 503 && /fault filter abort/.test(s.text));
    assert.equal(aborted.length + sent.filter((s) => s.status === 200).length, 200, 'only 200s and aborts');
    assertShare(aborted.length, 200, 0.5, 'aborted calls');
    await helmStep('02-mesh');
    await rolledOut();
  });
});
