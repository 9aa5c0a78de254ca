// `mesh soak` through the edge under step 3b: a steady rate for MESH_SOAK_MINUTES (1 here, 10 by hand), no error, every process of every pod weighed at start and end.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ensureMesh } from './support/lifecycle.ts';
import { applyStep, cli, podsOf } from './support/mesh.ts';

const MINUTES = process.env.MESH_SOAK_MINUTES ?? '1';

/** The summary's table rows: pod (or control-plane), process, pid, start MB, end MB, change. */
function rows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cells) => cells.length === 6 && (cells[0]!.includes('/') || cells[0] === 'control-plane'));
}

describe('mesh soak through the edge', () => {
  before(async () => {
    await ensureMesh();
  });

  it(`under 3b for ${MINUTES} min at 50/s: every request answers 200, and every app, pilot-agent, Envoy and istiod is weighed at start and end`, async (t) => {
    const status = await applyStep('03b-canary-25-75');
    const run = await cli(['soak', '--minutes', MINUTES, '--rate', '50']);
    t.diagnostic(run.stdout);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /soak passed: every request answered 200/);
    const table = rows(run.stdout);
    const weighed = (pod: string, kind: string) =>
      table.some(([p, k, , start, end]) => p!.endsWith(`/${pod}`) && k === kind && start !== '-' && end !== '-');
    for (const pod of status.pods.filter((p) => p.namespace === 'mesh-demo')) {
      for (const kind of ['app', 'pilot-agent', 'envoy'])
        assert.ok(weighed(pod.name, kind), `${pod.name}'s ${kind} weighed at start and end`);
    }
    for (const pod of status.pods.filter((p) => p.labels.istio === 'ingressgateway'))
      for (const kind of ['pilot-agent', 'envoy']) assert.ok(weighed(pod.name, kind), `${pod.name}'s ${kind} weighed at start and end`);
    assert.ok(
      table.some(([where, kind, , start, end]) => where === 'control-plane' && kind === 'istiod' && start !== '-' && end !== '-'),
      'istiod weighed at start and end',
    );
    assert.equal(podsOf(status, 'recommendation').length, 2);
  });

  it('control: under resilience-fault-abort the same soak fails and names the 503s', async () => {
    await applyStep('resilience-fault-abort');
    const run = await cli(['soak', '--minutes', '0.1', '--rate', '20']);
    assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /failed: errors: \{"503":\d+\}/);
  });

  it('a bad --minutes or --rate is one line and the usage, exit 2', async () => {
    for (const args of [
      ['--minutes', '0'],
      ['--rate', 'lots'],
    ]) {
      const run = await cli(['soak', ...args]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr.split('\n')[0]!, /^mesh: --(minutes|rate) wants .+ \(got (0|lots)\)$/);
    }
  });
});
