// Which pods `mesh logs` and `mesh exec` mean: a service (its app label) and version, a Deployment, or one pod.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { podsOf } from '../src/commands/logs.ts';
import type { PodStatus } from '../src/control.ts';
import { podStatus } from './pod-status.ts';

function pod(name: string, workload: string, labels: Record<string, string>): PodStatus {
  return podStatus(name, labels, { workload });
}

// Step 03a: recommendation v1 and v2 side by side, two replicas of v2, and the ingress gateway.
const pods: PodStatus[] = [
  pod('customer-v1-5c7d9f8b6a-x2x8k', 'customer-v1', { app: 'customer', version: 'v1' }),
  pod('recommendation-v1-8d6f5c7b9-t5r4e', 'recommendation-v1', { app: 'recommendation', version: 'v1' }),
  pod('recommendation-v2-6b8d7c9f5-m4n7p', 'recommendation-v2', { app: 'recommendation', version: 'v2' }),
  pod('recommendation-v2-6b8d7c9f5-q2w3e', 'recommendation-v2', { app: 'recommendation', version: 'v2' }),
  pod('istio-ingressgateway-7f9c6d5b4-q8w2z', 'istio-ingressgateway', { app: 'istio-ingressgateway', istio: 'ingressgateway' }),
];
const names = (found: PodStatus[]) => found.map((p) => p.name);

describe('podsOf', () => {
  it('finds every pod of a service by its app label, across versions', () => {
    assert.deepEqual(names(podsOf(pods, 'recommendation')), [
      'recommendation-v1-8d6f5c7b9-t5r4e',
      'recommendation-v2-6b8d7c9f5-m4n7p',
      'recommendation-v2-6b8d7c9f5-q2w3e',
    ]);
  });

  it('narrows a service to one version', () => {
    assert.deepEqual(names(podsOf(pods, 'recommendation', 'v2')), [
      'recommendation-v2-6b8d7c9f5-m4n7p',
      'recommendation-v2-6b8d7c9f5-q2w3e',
    ]);
    assert.deepEqual(podsOf(pods, 'recommendation', 'v3'), []);
  });

  it('takes a Deployment name for all its pods, and a pod name for that pod', () => {
    assert.deepEqual(names(podsOf(pods, 'recommendation-v1')), ['recommendation-v1-8d6f5c7b9-t5r4e']);
    assert.deepEqual(names(podsOf(pods, 'recommendation-v2-6b8d7c9f5-q2w3e')), ['recommendation-v2-6b8d7c9f5-q2w3e']);
  });

  it('finds the ingress gateway by its Deployment name', () => {
    assert.deepEqual(names(podsOf(pods, 'istio-ingressgateway')), ['istio-ingressgateway-7f9c6d5b4-q8w2z']);
  });

  it('reads a name with a version as service and version, even when a Deployment has that name', () => {
    const unversioned = [
      pod('partner-7d8c9b6f5-a1b2c', 'partner', { app: 'partner', version: 'v1' }),
      pod('partner-v2-5f6d7c8b9-d3e4f', 'partner-v2', { app: 'partner', version: 'v2' }),
    ];
    assert.deepEqual(names(podsOf(unversioned, 'partner')), ['partner-7d8c9b6f5-a1b2c']);
    assert.deepEqual(names(podsOf(unversioned, 'partner', 'v2')), ['partner-v2-5f6d7c8b9-d3e4f']);
  });

  it('finds nothing for a name that is no service, Deployment or pod', () => {
    assert.deepEqual(podsOf(pods, 'preference'), []);
    assert.deepEqual(podsOf([], 'customer'), []);
  });
});
