// Chaos on the local mesh under steady load through the edge: steps switched live, an app, a sidecar and the ingress gateway killed; what callers lose and how soon the mesh is whole again.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { containerMain, getStatus, type MeshStatus, type PodStatus, podProcesses } from '@mesh-demo/mesh';
import { type Load, type Outcome, startLoad, tally } from '../support/load.ts';
import { until } from '../support/poll.ts';
import { ensureMesh } from './support/lifecycle.ts';
import { applyStep, cli, EDGE, podsOf, untilSynced } from './support/mesh.ts';

/** Steady load: four callers at the edge, each sending its next request as soon as the last is answered. */
const CALLERS = 4;

/** Load through the edge until `during` is over and `more` further calls were answered after it. */
async function underLoad(during: (load: Load) => Promise<void>, more = 40): Promise<Outcome[]> {
  const load = startLoad(EDGE.customer, CALLERS, { maxMs: 240_000 });
  try {
    await until('the first 20 calls under load', () => (load.outcomes.length >= 20 ? true : undefined));
    await during(load);
    const after = load.outcomes.length;
    await until(`${more} calls after the event`, () => (load.outcomes.length >= after + more ? true : undefined), 30_000);
  } finally {
    await load.stop();
  }
  return load.outcomes;
}

const failed = (o: Outcome) => o.status !== 200;

/** What callers saw around an event at `at` (performance.now()), and, if it had one, the node's restart at `back`. */
function figures(outcomes: readonly Outcome[], at: number, back?: number) {
  const lost = outcomes.filter(failed);
  const lastLostEnd = Math.max(at, ...lost.map((o) => o.at + o.ms));
  return {
    calls: outcomes.length,
    lost: lost.length,
    lostAs: tally(lost),
    lastLossAfterEventMs: Math.round(lastLostEnd - at),
    ...(back !== undefined && { downMs: Math.round(back - at), recoveredAfterRestartMs: Math.round(Math.max(0, lastLostEnd - back)) }),
  };
}

function report(t: TestContext, what: string, row: object): void {
  t.diagnostic(`${what}: ${JSON.stringify(row)}`);
}

/**
 * SIGKILLs one container's main process (the node then kills the rest of its process group, as a cgroup would) and
 * returns when it was killed and when the node had it running again and the pod ready (performance.now()).
 */
async function killContainer(pod: PodStatus, container: 'app' | 'sidecar'): Promise<{ killedAt: number; readyAt: number }> {
  const pid = await containerMain(pod, container);
  const restarts = pod.restarts;
  const killedAt = performance.now();
  process.kill(pid, 'SIGKILL');
  const readyAt = await until(
    `the node to restart ${pod.name}'s ${container} and the pod to be ready again`,
    async () => {
      const now = (await getStatus()).pods.find((p) => p.name === pod.name);
      return now && now.restarts > restarts && now.ready ? performance.now() : undefined;
    },
    60_000,
    50,
  );
  return { killedAt, readyAt };
}

/** Every call was answered (no socket error, no timeout) and the last `tail` were all 200: the mesh is whole again. */
function assertAnsweredAndRecovered(outcomes: readonly Outcome[], tail = 20): void {
  const unanswered = outcomes.filter((o) => o.status === undefined);
  assert.deepEqual(tally(unanswered), {}, 'every call got an HTTP answer, none a socket error or a timeout');
  assert.deepEqual(tally(outcomes.slice(-tail)), { 200: tail }, `the last ${tail} calls answered 200`);
}

/** A values file layered over a step as `helm -f` does: recommendation's replicas or weights, say. */
function valuesFile(name: string, yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mesh-chaos-')), name);
  writeFileSync(file, `${yaml}\n`);
  return file;
}

const replicasFile = (replicas: number) =>
  valuesFile(`recommendation-${replicas}.yaml`, `services: {recommendation: {versions: {v1: {enabled: true, replicas: ${replicas}}}}}`);
const weightsFile = (v1: number, v2: number) =>
  valuesFile(`weights-${v1}-${v2}.yaml`, `services: {recommendation: {traffic: {weights: {v1: ${v1}, v2: ${v2}}}}}`);

/**
 * A ready pod the node has not restarted yet: its first restart is at once, later ones back off (10 s, 20 s, ...). If
 * every one has been (an earlier run on this mesh), one is deleted for its Deployment to replace.
 */
async function freshPod(pick: (status: MeshStatus) => PodStatus[], what: string): Promise<PodStatus> {
  const fresh = (status: MeshStatus) => pick(status).find((p) => p.restarts === 0 && p.ready);
  const status = await getStatus();
  const found = fresh(status);
  if (found) return found;
  const old = pick(status)[0];
  assert.ok(old, `a ${what} pod runs`);
  const deleted = await cli(['kubectl', 'delete', 'pod', '-n', old.namespace, old.name, '--wait=false']);
  assert.equal(deleted.code, 0, deleted.stderr);
  const pod = await until(`a new ${what} pod in place of ${old.name}, ready`, async () => fresh(await getStatus()), 60_000, 250);
  await untilSynced(`every proxy to hold istiod's push with ${pod.name}`, 30_000);
  return pod;
}

/** Kills a container under load, then waits for every proxy to hold the push that brings the pod back to its callers. */
async function killedUnderLoad(pod: PodStatus, container: 'app' | 'sidecar') {
  let event = { killedAt: 0, readyAt: 0 };
  const outcomes = await underLoad(async () => {
    event = await killContainer(pod, container);
    await untilSynced(`every proxy to hold istiod's push after ${pod.name} was ready again`, 30_000);
  }, 60);
  return { outcomes, row: figures(outcomes, event.killedAt, event.readyAt) };
}

/** Kills the app of a fresh recommendation v1 pod under load, and reports what the callers saw as `what`. */
async function killRecommendationApp(t: TestContext, what: string) {
  const result = await killedUnderLoad(await freshPod((now) => podsOf(now, 'recommendation', 'v1'), 'recommendation v1'), 'app');
  report(t, what, result.row);
  return result;
}

describe('chaos under steady load through the edge', () => {
  before(async () => {
    await ensureMesh();
  });

  it('3a → 3b → 3a live under load, both versions running: every call answers 200', async (t) => {
    await applyStep('03a-blue-green-50-50');
    const outcomes = await underLoad(async (load) => {
      for (const step of ['03b-canary-25-75', '03a-blue-green-50-50']) {
        await applyStep(step);
        const after = load.outcomes.length;
        await until(`20 calls under ${step}`, () => (load.outcomes.length >= after + 20 ? true : undefined));
      }
    });
    report(t, '3a → 3b → 3a', { calls: outcomes.length, lost: outcomes.filter(failed).length });
    assert.deepEqual(tally(outcomes), { 200: outcomes.length }, 'every call through the switches answered 200');
  });

  describe('02 → 3a under load: v2 starts while the route gives it half the calls', () => {
    /** Applies `steps` in turn under load, from step 02; what the callers got. */
    async function switched(steps: readonly string[][]): Promise<Outcome[]> {
      await applyStep('02-mesh');
      return underLoad(async (load) => {
        for (const files of steps) {
          await applyStep(...files);
          const after = load.outcomes.length;
          await until(`20 calls under ${files.join(' + ')}`, () => (load.outcomes.length >= after + 20 ? true : undefined));
        }
      });
    }

    it('staged, v2 deployed at weight 0 first and given its half once ready: every call answers 200', async (t) => {
      const outcomes = await switched([['03a-blue-green-50-50', weightsFile(100, 0)], ['03a-blue-green-50-50']]);
      report(t, '02 → 3a staged', { calls: outcomes.length, lost: outcomes.filter(failed).length });
      assert.deepEqual(tally(outcomes), { 200: outcomes.length }, 'every call through the staged switch answered 200');
    });

    it("control: 3a at once fails v2's share until v2's pod is ready (Envoy: no healthy upstream)", async (t) => {
      const outcomes = await switched([['03a-blue-green-50-50']]);
      const lost = outcomes.filter(failed);
      report(t, '02 → 3a at once', { calls: outcomes.length, lost: lost.length, lostAs: tally(lost), first: lost[0]?.body?.slice(0, 300) });
      assertAnsweredAndRecovered(outcomes);
      assert.ok(lost.length > 0, 'calls routed to v2 before it was ready failed');
    });
  });

  it('the app of the only recommendation pod killed (kill -9): the calls while it is down answer 503, none hangs, and 200s resume once the node restarted it', async (t) => {
    await applyStep('02-mesh');
    const { outcomes, row } = await killRecommendationApp(t, 'app of one replica killed');
    assertAnsweredAndRecovered(outcomes);
    assert.ok(row.lost > 0, 'with no other replica, calls failed while the app was down');
    assert.deepEqual(Object.keys(row.lostAs), ['503'], 'what failed answered 503 (Envoy: no healthy upstream or reset)');
  });

  describe('one of three recommendation apps killed (kill -9)', () => {
    it('under resilience-retries: every call answers 200', async (t) => {
      const status = await applyStep('resilience-retries', replicasFile(3));
      const pods = podsOf(status, 'recommendation', 'v1');
      assert.equal(pods.length, 3);
      const { outcomes } = await killRecommendationApp(t, 'one of three apps killed under retries');
      assert.deepEqual(tally(outcomes), { 200: outcomes.length }, 'the retries hid the killed replica');
    });

    it('control: without the retries, some calls fail', async (t) => {
      await applyStep('02-mesh', replicasFile(3));
      const { outcomes, row } = await killRecommendationApp(t, 'one of three apps killed, no retries');
      assertAnsweredAndRecovered(outcomes);
      assert.ok(row.lost > 0, 'calls to the killed replica failed');
    });
  });

  it("preference's sidecar killed (kill -9), its only pod: none hangs, and every call answers 200 again once the node restarted it", async (t) => {
    await applyStep('02-mesh');
    const pod = await freshPod((now) => podsOf(now, 'preference'), 'preference');
    const { outcomes, row } = await killedUnderLoad(pod, 'sidecar');
    report(t, "preference's sidecar killed", row);
    assertAnsweredAndRecovered(outcomes);
    assert.equal((await podProcesses(pod)).filter((p) => p.kind === 'envoy').length, 1, 'one Envoy runs in the pod again');
  });

  it('one ingress gateway pod killed (kill -9): none hangs, and every call answers 200 again once it is back', async (t) => {
    await applyStep('02-mesh');
    const gateways = (now: MeshStatus) => now.pods.filter((p) => p.labels.istio === 'ingressgateway' && p.phase !== 'Terminating');
    const { outcomes, row } = await killedUnderLoad(await freshPod(gateways, 'ingress gateway'), 'sidecar');
    report(t, 'an ingress gateway pod killed', row);
    assertAnsweredAndRecovered(outcomes);
  });
});
