// Which pods `mesh logs` and `mesh exec` mean (a service and version, a Deployment, or one pod), and which file holds a container's log.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { currentLog, podsOf } from '../src/commands/logs.ts';
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

describe('currentLog', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'mesh-logs-'));
  after(() => rmSync(runDir, { recursive: true, force: true }));
  /** Lays out files under the run directory as the node agent writes them. */
  const touch = (...paths: string[]) => {
    for (const path of paths) {
      mkdirSync(join(runDir, path, '..'), { recursive: true });
      writeFileSync(join(runDir, path), '');
    }
  };
  const customer = { namespace: 'mesh-demo', name: 'customer-v1-5c7d9f8b6a-x2x8k' };
  const podDir = 'pods/mesh-demo_customer-v1-5c7d9f8b6a-x2x8k_6f1c2a9e-1b7d-4e0a-9c55-3d2b8f4e7a10';
  const dir = join(runDir, podDir);
  // Four starts of the app, a stdio FIFO of the next one being made, the sidecar's first start, the pod's state.
  const files = ['customer/0.log', 'customer/1.log', 'customer/9.log', 'customer/10.log', 'customer/11.log.stdout.fifo'];
  touch(...[...files, 'istio-proxy/0.log', 'pod.json'].map((file) => `${podDir}/${file}`));

  it("reads the container's log of its latest start: the highest restart count, compared as a number", () => {
    assert.equal(currentLog(runDir, customer, 'customer'), join(dir, 'customer', '10.log'));
  });

  it("finds each container's log in the pod's directory, named <namespace>_<name>_<uid>", () => {
    assert.equal(currentLog(runDir, customer, 'istio-proxy'), join(dir, 'istio-proxy', '0.log'));
  });

  it('does not take the directory of a pod whose name starts with the one asked for', () => {
    touch('pods/mesh-demo_partner-7d8c9b6f5-a1b2c-extra_0d9e8f7a-0000-4000-8000-000000000001/partner/3.log');
    const partner = { namespace: 'mesh-demo', name: 'partner-7d8c9b6f5-a1b2c' };
    assert.equal(currentLog(runDir, partner, 'partner'), join(runDir, 'pods', 'mesh-demo_partner-7d8c9b6f5-a1b2c', 'partner', '0.log'));
  });

  it('names the first log of a container or pod the node has not written yet', () => {
    assert.equal(currentLog(runDir, customer, 'preference'), join(dir, 'preference', '0.log'));
    const empty = mkdtempSync(join(tmpdir(), 'mesh-logs-empty-'));
    after(() => rmSync(empty, { recursive: true, force: true }));
    assert.equal(
      currentLog(empty, customer, 'customer'),
      join(empty, 'pods', 'mesh-demo_customer-v1-5c7d9f8b6a-x2x8k', 'customer', '0.log'),
    );
  });
});
