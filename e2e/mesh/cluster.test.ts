// What the real control plane under the local mesh decides and does: hand-written Istio config with kubectl, kube-proxy's
// ClusterIPs for pods without a sidecar, Pod Security and image refusals in the API's own words, and the data plane
// answering while the API server and istiod are killed and come back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { getStatus, NODE_NETNS } from '@mesh-demo/mesh';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { startLoad, tally } from '../support/load.ts';
import { until } from '../support/poll.ts';
import { splitOf } from './support/checks.ts';
import { ensureMesh } from './support/lifecycle.ts';
import { applyStep, assertShare, type CliResult, cli, EDGE, onePod, send, untilEdge, untilSynced } from './support/mesh.ts';

const NS = 'mesh-demo';
const HAND_WRITTEN = join(REPO_ROOT, 'docs', 'hand-written', 'recommendation-v1-v2-80-20.yaml');

/** `./pnpmw mesh kubectl ARGS`, asserting it succeeded. */
async function kubectl(...args: string[]): Promise<CliResult> {
  const result = await cli(['kubectl', ...args]);
  assert.equal(result.code, 0, `kubectl ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** One control-plane row of `mesh status` (a process, or istiod's pod), once it is there. */
async function controlPlane(name: string) {
  const row = (await getStatus()).processes.find((p) => p.name === name);
  assert.ok(row, `mesh status lists ${name}`);
  return row;
}

describe('the local mesh on Kubernetes’ own control plane', () => {
  before(async () => {
    await ensureMesh();
  });

  after(async () => {
    await cli(['kubectl', 'delete', 'namespace', 'e2e-images', '--ignore-not-found', '--wait=false']);
  });

  it('a DestinationRule and VirtualService written by hand and applied with kubectl split 80/20, and helm brings the chart’s back', async () => {
    await applyStep('03a-blue-green-50-50');
    const applied = await kubectl('apply', '-f', HAND_WRITTEN);
    assert.match(applied.stdout, /virtualservice\.networking\.istio\.io\/recommendation configured/);
    await untilSynced();
    // The hand-written subsets' names (version-v1, version-v2) in preference's routes: its config is what Envoy got.
    await until('preference to route by the hand-written subsets', async () => {
      const routes = await cli(['istioctl', 'proxy-config', 'routes', 'deploy/preference-v1', '-n', NS, '-o', 'json']);
      return routes.stdout.includes('|version-v2|recommendation.mesh-demo.svc.cluster.local') ? true : undefined;
    });
    const split = await splitOf(400);
    assertShare(split.v2, 400, 0.2, 'share of recommendation v2 under the hand-written 80/20');

    await kubectl('delete', '-f', HAND_WRITTEN);
    await applyStep('03a-blue-green-50-50');
    const weights = await kubectl('-n', NS, 'get', 'virtualservice', 'recommendation', '-o', 'jsonpath={.spec.http[0].route[*].weight}');
    assert.equal(weights.stdout, '50 50', 'helm recreated the chart’s VirtualService');
  });

  it('01-plain: pods without a sidecar reach each other through kube-proxy’s ClusterIPs', async () => {
    const status = await applyStep('01-plain');
    const customer = onePod(status, 'customer');
    const preference = onePod(status, 'preference');
    assert.equal(customer.proxy, null, 'no sidecar at 01-plain');
    await untilEdge(/^200 customer v1 => preference v1 => recommendation v1 /);
    const sent = await send(20);
    assert.deepEqual([...new Set(sent.map((s) => s.status))], [200]);
    // The connection customer opened to preference's ClusterIP, as the node's conntrack holds it: sent to the Service's
    // address, answered by preference's pod. kube-proxy's DNAT rules made that translation.
    const clusterIP = (await kubectl('-n', NS, 'get', 'service', 'preference', '-o', 'jsonpath={.spec.clusterIP}')).stdout;
    const conntrack = await readConntrack();
    const translated = conntrack
      .split('\n')
      .find((line) => line.includes(`src=${customer.ip} dst=${clusterIP} `) && line.includes(`src=${preference.ip} dst=${customer.ip} `));
    assert.ok(translated, `no connection from customer (${customer.ip}) to ${clusterIP} answered by ${preference.ip}:\n${conntrack}`);
    await applyStep('02-mesh');
    await untilEdge(/^200 customer v1 => /);
  });

  it('a privileged pod is refused by Pod Security "restricted" in the API server’s words, and nothing is created', async () => {
    const run = await cli(['kubectl', '-n', NS, 'run', 'privileged', '--image=quay.io/example/tool:1', '--privileged', '--restart=Never']);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /pods "privileged" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "privileged" must not set securityContext\.privileged=true\)/,
    );
    const get = await cli(['kubectl', '-n', NS, 'get', 'pod', 'privileged']);
    assert.match(get.stderr, /NotFound/);
  });

  it('a pod of an image the node does not have waits in ImagePullBackOff, naming the image, and the mesh runs on', async () => {
    await kubectl('create', 'namespace', 'e2e-images');
    await kubectl('-n', 'e2e-images', 'run', 'nothing', '--image=quay.io/example/nothing:1.0', '--restart=Never');
    const waiting = await until(
      'the pod to report why its image does not run',
      async () => {
        const state = await kubectl(
          '-n',
          'e2e-images',
          'get',
          'pod',
          'nothing',
          '-o',
          'jsonpath={.status.containerStatuses[0].state.waiting}',
        );
        const parsed = state.stdout ? (JSON.parse(state.stdout) as { reason?: string; message?: string }) : {};
        return parsed.reason === 'ImagePullBackOff' || parsed.reason === 'ErrImagePull' ? parsed : undefined;
      },
      20_000,
      250,
    );
    assert.match(waiting.message ?? '', /image "quay\.io\/example\/nothing:1\.0" is not available on this node/);
    const pods = await kubectl('-n', 'e2e-images', 'get', 'pods', '--no-headers');
    assert.match(pods.stdout, /^nothing +0\/1 +(ImagePullBackOff|ErrImagePull) +0 /m);
    assert.equal((await untilEdge(/^200 customer v1 => /)).slice(0, 3), '200');
  });

  it('killing the API server, then istiod, under load: every call answers 200, and both come back', async () => {
    await untilSynced();
    const load = startLoad(EDGE.customer, 4, { maxMs: 180_000 });
    try {
      await until('the first calls under load', () => (load.outcomes.length >= 20 ? true : undefined));
      await killAndAwaitRestart('kube-apiserver', 'the API server');
      // Back means answering: the node, the router and istiod watch through it again.
      await until('the API server to answer', async () => ((await getStatus()).apiError === undefined ? true : undefined), 60_000, 250);
      const before = load.outcomes.length;
      await killAndAwaitRestart('istiod (pod)', 'istiod, restarted by the node and ready');
      // Every proxy connects to the new istiod and takes its push (the mesh's CA is the same: its certificates hold).
      await untilSynced('every proxy to hold the restarted istiod’s push', 60_000);
      await until('calls after istiod came back', () => (load.outcomes.length >= before + 20 ? true : undefined));
    } finally {
      await load.stop();
    }
    assert.deepEqual(tally(load.outcomes), { 200: load.outcomes.length }, 'every call through the outages answered 200');
    assert.ok(load.outcomes.length >= 60, `${load.outcomes.length} calls made`);
  });
});

/** SIGKILLs a control-plane process and waits until `mesh status` reports it running again, one restart more, killed. */
async function killAndAwaitRestart(name: string, what: string): Promise<void> {
  const before = await controlPlane(name);
  assert.ok(before.pid, `${name} runs`);
  process.kill(before.pid, 'SIGKILL');
  await until(
    `mesh status to report ${what} killed and running again`,
    async () => {
      const row = await controlPlane(name);
      return row.state === 'running' && row.restarts === before.restarts + 1 && row.lastExit === 'SIGKILL' ? row : undefined;
    },
    60_000,
    250,
  );
}

/** The node's connection tracking table (kube-proxy's translations live there, in the node's network namespace). */
async function readConntrack(): Promise<string> {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', NODE_NETNS, 'cat', '/proc/net/nf_conntrack']);
  return stdout;
}
