// The Deployment and ReplicaSet controllers' part: template hashes, pod names, and which pods to create or retire.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../src/kube.ts';
import { type PodRecord, planPods, podName, templateHash } from '../src/workloads.ts';
import { customerV1, podOf, recommendation } from './fixtures.ts';

/** A Deployment whose template differs from the original only in VERSION, as a chart upgrade would change it. */
function withVersionEnv(deployment: Deployment, value: string): Deployment {
  const changed = structuredClone(deployment);
  changed.spec.template.spec.containers[0]!.env!.find((e) => e.name === 'VERSION')!.value = value;
  return changed;
}

const names = (pods: readonly PodRecord[]) => pods.map((p) => p.name);

/** The same value with every object's keys in reverse order (arrays keep their order). */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  return value;
}

describe('templateHash', () => {
  it('is ten hex characters and the same for the same template written in another key order', () => {
    const template = customerV1().spec.template;
    const reversed = reverseKeys(template) as typeof template;
    assert.notEqual(JSON.stringify(reversed), JSON.stringify(template), 'the copy really is written in another order');
    assert.match(templateHash(template), /^[0-9a-f]{10}$/);
    assert.equal(templateHash(reversed), templateHash(template));
  });

  it('ignores a key whose value is undefined, as JSON would', () => {
    const template = customerV1().spec.template;
    assert.equal(templateHash({ ...template, spec: { ...template.spec, nodeSelector: undefined } }), templateHash(template));
  });

  it('changes when anything in the template changes', () => {
    const base = customerV1();
    const hash = templateHash(base.spec.template);
    assert.notEqual(templateHash(withVersionEnv(base, 'v2').spec.template), hash);
    const annotated = customerV1();
    annotated.spec.template.metadata.annotations!['prometheus.io/port'] = '9001';
    assert.notEqual(templateHash(annotated.spec.template), hash);
    const reordered = customerV1();
    reordered.spec.template.spec.containers[0]!.ports!.reverse();
    assert.notEqual(templateHash(reordered.spec.template), hash, 'list order is part of the template');
  });

  it('does not change with what is outside the template (replicas, Deployment labels)', () => {
    const scaled = customerV1();
    scaled.spec.replicas = 3;
    scaled.metadata.labels = { app: 'customer' };
    assert.equal(templateHash(scaled.spec.template), templateHash(customerV1().spec.template));
  });
});

describe('podName', () => {
  it('is <deployment>-<hash>-<5 characters of the Kubernetes alphabet>, different each time', () => {
    const hash = templateHash(customerV1().spec.template);
    const made = Array.from({ length: 20 }, () => podName('customer-v1', hash));
    for (const name of made) assert.match(name, new RegExp(`^customer-v1-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
    assert.ok(new Set(made).size > 1, 'the suffix is random');
  });
});

describe('planPods', () => {
  it('creates one pod per missing replica with the template hash', () => {
    const customer = customerV1();
    const rec = recommendation('v1');
    rec.spec.replicas = 2;
    const plan = planPods([customer, rec], []);
    assert.deepEqual(
      plan.create.map((c) => [c.deployment.metadata.name, c.hash]),
      [
        ['customer-v1', templateHash(customer.spec.template)],
        ['recommendation-v1', templateHash(rec.spec.template)],
        ['recommendation-v1', templateHash(rec.spec.template)],
      ],
    );
    assert.deepEqual(plan.remove, []);
  });

  it('takes a Deployment without replicas as one replica', () => {
    const customer = customerV1();
    delete customer.spec.replicas;
    assert.equal(planPods([customer], []).create.length, 1);
  });

  it('changes nothing when every replica runs the current template', () => {
    const customer = customerV1();
    const plan = planPods([customer], [podOf(customer)]);
    assert.deepEqual(plan, { create: [], remove: [] });
  });

  it('removes surplus replicas newest first, keeping the oldest ones', () => {
    const customer = customerV1();
    customer.spec.replicas = 1;
    const pods = ['oldest', 'middle', 'newest'].map((name) => podOf(customer, { name }));
    const plan = planPods([customer], pods);
    assert.deepEqual(new Set(names(plan.remove)), new Set(['middle', 'newest']));
    assert.deepEqual(plan.create, []);
  });

  it('keeps old-template pods until every new replica is ready, then removes them all', () => {
    const before = recommendation('v1');
    before.spec.replicas = 2;
    const after = withVersionEnv(before, 'v1.1');
    const old = [podOf(before, { name: 'old-1' }), podOf(before, { name: 'old-2' })];

    const rollout = planPods([after], old);
    assert.equal(rollout.create.length, 2);
    assert.ok(rollout.create.every((c) => c.hash === templateHash(after.spec.template)));
    assert.deepEqual(rollout.remove, [], 'nothing new is ready yet');

    const halfReady = planPods(
      [after],
      [...old, podOf(after, { name: 'new-1', ready: true }), podOf(after, { name: 'new-2', ready: false })],
    );
    assert.deepEqual(halfReady, { create: [], remove: [] });

    const allReady = planPods([after], [...old, podOf(after, { name: 'new-1' }), podOf(after, { name: 'new-2' })]);
    assert.deepEqual(names(allReady.remove), ['old-1', 'old-2']);
    assert.deepEqual(allReady.create, []);
  });

  it('does not count a new-template pod that is running but failed to start as ready', () => {
    const before = customerV1();
    const after = withVersionEnv(before, 'v1.1');
    const plan = planPods([after], [podOf(before, { name: 'old' }), podOf(after, { name: 'broken', phase: 'Failed', ready: false })]);
    assert.deepEqual(plan, { create: [], remove: [] });
  });

  it('removes the pods of a Deployment that is gone, and only those', () => {
    const customer = customerV1();
    const v2 = recommendation('v2');
    const pods = [podOf(customer, { name: 'customer' }), podOf(v2, { name: 'recommendation-v2' })];
    const plan = planPods([customer], pods);
    assert.deepEqual(names(plan.remove), ['recommendation-v2']);
    assert.deepEqual(plan.create, []);
  });

  it('tells a Deployment from one of the same name in another namespace', () => {
    const customer = customerV1();
    const elsewhere = { ...podOf(customer, { name: 'customer-in-other' }), namespace: 'other' };
    const plan = planPods([customer], [elsewhere]);
    assert.equal(plan.create.length, 1);
    assert.deepEqual(names(plan.remove), ['customer-in-other']);
  });

  it('ignores Terminating pods: they neither count as replicas nor get removed again', () => {
    const customer = customerV1();
    const leaving = podOf(customer, { name: 'leaving', phase: 'Terminating' });
    const orphan = podOf(recommendation('v2'), { name: 'orphan-leaving', phase: 'Terminating' });
    const plan = planPods([customer], [leaving, orphan]);
    assert.equal(plan.create.length, 1);
    assert.deepEqual(plan.remove, []);
  });

  it('removes every pod when scaled to zero', () => {
    const customer = customerV1();
    customer.spec.replicas = 0;
    const plan = planPods([customer], [podOf(customer, { name: 'a' }), podOf(customer, { name: 'b' })]);
    assert.deepEqual(names(plan.remove), ['a', 'b']);
    assert.deepEqual(plan.create, []);
  });
});
