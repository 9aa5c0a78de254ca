// The walkthrough's further steps on the real mesh: 90/10, all to v2 and back, load balancing, egress, in-cluster builds.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { until } from '../support/poll.ts';
import { splitOf } from './support/checks.ts';
import { ensureMesh } from './support/lifecycle.ts';
import { accessLog, applyStep, assertShare, configDump, nodeInPod, onePod, podsOf, send, untilEdge, versionAt } from './support/mesh.ts';

/** The load-balancing policy of preference's Envoy cluster for recommendation v1, from its admin config dump. */
async function lbPolicy(pod: Parameters<typeof configDump>[0]): Promise<string> {
  const dump = (await configDump(pod, 'dynamic_active_clusters')) as { configs: { cluster: { name: string; lb_policy?: string } }[] };
  const cluster = dump.configs.map((c) => c.cluster).find((c) => c.name === 'outbound|8080|v1|recommendation.mesh-demo.svc.cluster.local');
  assert.ok(cluster, "preference's Envoy has a cluster for recommendation v1");
  return cluster.lb_policy ?? 'ROUND_ROBIN';
}

/** A plain-HTTP call from the recommendation pod to an address outside the mesh's registry: the status its sidecar gives. */
async function callOutside(): Promise<string> {
  // The host's leg of the bridge: an address the mesh does not know (nothing listens there on 8080). Port 8080 is one
  // the sidecar has an HTTP listener for, so it answers with a status instead of resetting the connection.
  const result = await nodeInPod(
    'recommendation-v1',
    "fetch('http://10.244.0.1:8080/').then(r => console.log(r.status), e => console.log(e.cause?.code ?? e.message))",
  );
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

describe('more steps of the walkthrough', () => {
  before(async () => {
    await ensureMesh();
    // Whatever policy the file before left, calls through the edge start open (see untilEdge).
    await applyStep('02-mesh');
    await untilEdge(/^200 customer v1 => /);
  });

  it('3c: about one call in ten of 200 reaches recommendation v2', async () => {
    await applyStep('03c-canary-90-10');
    const split = await splitOf(200);
    assertShare(split.v2, 200, 0.1, '03c share of recommendation v2');
  });

  it('3d then 3e: every call to v2, then every call back to v1, with both pods kept running', async () => {
    const before = await applyStep('03d-all-to-v2');
    assert.deepEqual(new Set((await send(40)).map((s) => versionAt(s, 'recommendation'))), new Set(['v2']));
    const v1 = onePod(before, 'recommendation', 'v1').name;
    const after = await applyStep('03e-back-to-v1');
    assert.deepEqual(new Set((await send(40)).map((s) => versionAt(s, 'recommendation'))), new Set(['v1']));
    assert.equal(onePod(after, 'recommendation', 'v1').name, v1, 'the rollback changed weights, not pods');
    assert.equal(podsOf(after, 'recommendation', 'v2').length, 1, 'v2 still runs');
  });

  it('load balancing: three v1 pods share the calls, in turn with ROUND_ROBIN and at random with RANDOM, as Envoy is told', async () => {
    const status = await applyStep('resilience-load-balancing-round-robin');
    const pods = podsOf(status, 'recommendation', 'v1').map((p) => p.name);
    assert.equal(pods.length, 3);
    assert.equal(await lbPolicy(onePod(status, 'preference')), 'ROUND_ROBIN');
    const counts = (sent: Awaited<ReturnType<typeof send>>) =>
      pods.map((pod) => sent.filter((s) => s.chain?.chain.at(-1)?.host === pod).length);
    // Each of the sidecar's two worker threads takes the three pods in turn on its own: at most a couple off even.
    const roundRobin = counts(await send(60, { concurrency: 1 }));
    assert.ok(
      roundRobin.every((n) => n >= 16 && n <= 24),
      `round robin spread ${roundRobin.join('/')}`,
    );
    const random = await applyStep('resilience-load-balancing-random');
    assert.equal(await lbPolicy(onePod(random, 'preference')), 'RANDOM');
    const picked = counts(await send(150, { concurrency: 1 }));
    assert.equal(
      picked.reduce((a, b) => a + b, 0),
      150,
    );
    for (const n of picked) assertShare(n, 150, 1 / 3, 'RANDOM share of one pod');
  });

  it('egress: under REGISTRY_ONLY an address outside the registry is refused by the block_all route (502); under ALLOW_ANY it passed through', async () => {
    const open = await applyStep('02-mesh');
    // Passed through to the host, where nothing listens: Envoy's 503 for a refused connection.
    assert.equal(await callOutside(), '503');
    const passed = await until("recommendation's sidecar to log the passed-through call", () =>
      accessLog(open, onePod(open, 'recommendation')).find((l) => l.authority === '10.244.0.1:8080' && l.route_name === 'allow_any'),
    );
    assert.equal(passed.response_code, 503);
    const closed = await applyStep('egress-registry-only');
    assert.equal(await callOutside(), '502');
    const blocked = await until("recommendation's sidecar to log the refused call", () =>
      accessLog(closed, onePod(closed, 'recommendation')).find((l) => l.authority === '10.244.0.1:8080' && l.route_name === 'block_all'),
    );
    assert.deepEqual([blocked.response_code, blocked.response_code_details, blocked.upstream_cluster], [502, 'direct_response', null]);
    // The ServiceEntry opens httpbin.org: the sidecar has a cluster for it (reaching it needs the internet).
    const dump = JSON.stringify(await configDump(onePod(closed, 'recommendation'), 'dynamic_active_clusters'));
    assert.match(dump, /outbound\|443\|\|httpbin\.org/);
  });

  it('in-cluster builds: the Deployments pull the ImageStream tag by its full name in the internal registry, and the chain runs as before', async () => {
    const status = await applyStep('02-mesh', 'build-in-cluster');
    assert.ok(
      status.ignored.includes('BuildConfig.build.openshift.io') && status.ignored.includes('ImageStream.image.openshift.io'),
      `ignored: ${status.ignored.join(', ')}`,
    );
    assert.deepEqual([...new Set((await send(10)).map((s) => s.status))], [200]);
  });
});
