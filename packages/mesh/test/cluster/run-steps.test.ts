// Steps run as their dependencies allow, in parallel where nothing orders them, and are undone in reverse on a failure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterConfig } from '../../src/cluster/config.ts';
import { orderPlan, type PlannedStep, runSteps } from '../../src/cluster/run-steps.ts';
import { defineStep, type StepContext } from '../../src/cluster/step.ts';
import type { Tools } from '../../src/tools.ts';

const ctx: StepContext = { config: {} as ClusterConfig, tools: {} as Tools, say: () => {} };

function recorder() {
  const events: string[] = [];
  const step = (name: string, after: string[], ms = 10, fail = false): PlannedStep => ({
    step: defineStep(name, {
      async start() {
        events.push(`start ${name}`);
        await sleep(ms);
        if (fail) throw new Error(`${name} broke`);
        events.push(`ready ${name}`);
      },
      async stop() {
        events.push(`stop ${name}`);
      },
    }),
    after,
  });
  return { events, step };
}

describe('runSteps', () => {
  it('starts a step only after the ones it waits for, and the independent ones together', async () => {
    const { events, step } = recorder();
    const timings = await runSteps([step('a', []), step('b', []), step('c', ['a', 'b']), step('d', ['c'])], ctx);
    assert.deepEqual(events.slice(0, 2).sort(), ['start a', 'start b']);
    assert.ok(events.indexOf('start c') > events.indexOf('ready a') && events.indexOf('start c') > events.indexOf('ready b'));
    assert.ok(events.indexOf('start d') > events.indexOf('ready c'));
    assert.deepEqual(timings.map((t) => t.name).slice(2), ['c', 'd']);
    assert.ok(timings.every((t) => t.seconds >= 0.005 && t.startedAt >= 0));
  });

  it('on a failure starts nothing more, stops every started step last first, and throws that failure', async () => {
    const { events, step } = recorder();
    const plan = [step('a', []), step('b', ['a'], 5, true), step('slow', ['a'], 50), step('c', ['b']), step('after-slow', ['slow'])];
    await assert.rejects(runSteps(plan, ctx), /b broke/);
    assert.ok(!events.includes('start c') && !events.includes('start after-slow'));
    assert.deepEqual(
      events.filter((e) => e.startsWith('stop')),
      ['stop slow', 'stop b', 'stop a'],
    );
    assert.equal(plan[1]!.step.status().state, 'stopped');
  });

  it('refuses a plan with an unknown dependency or a cycle', () => {
    const { step } = recorder();
    assert.throws(() => orderPlan([step('a', ['nope'])]), /step a waits for unknown step nope/);
    assert.throws(() => orderPlan([step('a', ['b']), step('b', ['a'])]), /steps wait for each other: a, b/);
  });

  it("reports a failed step's reason in its status", async () => {
    const { step } = recorder();
    const broken = step('x', [], 1, true);
    await assert.rejects(broken.step.start(ctx));
    assert.deepEqual(broken.step.status(), { name: 'x', state: 'failed', processes: [], error: 'x broke' });
  });
});
