// A pod's line in `mesh status`, read from pods a real API server holds: its workload, proxy, phase, readiness and restarts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { podStatusOf, proxyOf } from '../src/mesh-status.ts';
import type { Pod } from '../src/node/pod-types.ts';
import { type ContainerRun, podStatus } from '../src/node/status.ts';
import { testClusterConfig } from './cluster/test-config.ts';

const config = testClusterConfig();
const fixture = (name: string) => parse(readFileSync(new URL(`node/fixtures/${name}`, import.meta.url), 'utf8')) as Pod;
/** Step 03b's customer-v1 with the sidecar istiod injected (a native sidecar: an init container that keeps running). */
const customer = () => fixture('injected-customer-pod.yaml');
/** The ingress gateway: istiod's `gateway` template makes the proxy the pod's only container. */
const gateway = () => fixture('injected-gateway-pod.yaml');
/** istiod itself: no proxy. */
const istiod = () => fixture('istiod-pod.yaml');

const STARTED = new Date('2026-12-07T05:38:00Z');
const up = (name: string, restartCount = 0, ready = true): ContainerRun => ({
  name,
  imageID: `local://${name}`,
  restartCount,
  state: { kind: 'running', startedAt: STARTED },
  started: true,
  ready,
});

/** The pod with the status the node agent reports once its containers run (`runs` by name; the others start too). */
function running(pod: Pod, runs: Record<string, ContainerRun> = {}): Pod {
  const names = [...(pod.spec.initContainers ?? []), ...pod.spec.containers]
    .filter((c) => c.restartPolicy === 'Always' || pod.spec.containers.includes(c))
    .map((c) => c.name);
  const containers = names.map((name) => runs[name] ?? up(name));
  const exitedInit = (pod.spec.initContainers ?? [])
    .filter((c) => c.restartPolicy !== 'Always')
    .map(
      (c): ContainerRun => ({
        name: c.name,
        imageID: `local://${c.name}`,
        restartCount: 0,
        state: { kind: 'exited', exit: { exitCode: 0, startedAt: STARTED, finishedAt: STARTED } },
        started: false,
        ready: false,
      }),
    );
  const status = podStatus(pod, {
    containers: [...exitedInit, ...containers],
    sandboxReady: true,
    podIP: '10.247.1.7',
    hostIP: '10.247.0.2',
    now: STARTED,
  });
  return { ...pod, status };
}

describe('proxyOf', () => {
  it('finds the sidecar istiod injected as a native sidecar (an init container named istio-proxy)', () => {
    assert.equal(proxyOf(customer()), 'sidecar');
  });

  it("calls the gateway's proxy a router, as pilot-agent's `proxy router` does", () => {
    assert.equal(proxyOf(gateway()), 'router');
  });

  it('finds no proxy in istiod', () => {
    assert.equal(proxyOf(istiod()), null);
  });
});

describe('podStatusOf', () => {
  it("gives a running sidecar pod's workload, address, namespace, proxy, phase, readiness and app", () => {
    assert.deepEqual(podStatusOf(config, running(customer())), {
      namespace: 'mesh-demo',
      name: 'customer-v1-5db66fd7ff-prbxd',
      workload: 'customer-v1',
      ip: '10.247.1.7',
      netns: 'mdtest-mesh-demo-customer-v1-5db66fd7ff-prbxd',
      proxy: 'sidecar',
      phase: 'Running',
      ready: true,
      restarts: 0,
      service: 'customer',
      labels: customer().metadata.labels,
    });
  });

  it('names the workload after the ReplicaSet owning the pod, without its pod-template-hash', () => {
    assert.equal(podStatusOf(config, gateway()).workload, 'istio-ingressgateway');
    assert.equal(podStatusOf(config, istiod()).workload, 'istiod');
  });

  it('keeps an owner name that does not end in the hash, and takes the pod name when nothing owns it', () => {
    const pod = customer();
    const ownedByJob = { ...pod, metadata: { ...pod.metadata, ownerReferences: [{ kind: 'Job', name: 'smoke-test' }] } };
    assert.equal(podStatusOf(config, ownedByJob).workload, 'smoke-test');
    const { ownerReferences: _owner, ...bare } = pod.metadata;
    const { 'pod-template-hash': _hash, ...labels } = pod.metadata.labels ?? {};
    assert.equal(podStatusOf(config, { ...pod, metadata: { ...bare, labels } }).workload, 'customer-v1-5db66fd7ff-prbxd');
  });

  it('names no service for the gateway (no app container) or istiod (not one of the demo services)', () => {
    assert.equal(podStatusOf(config, gateway()).service, null);
    assert.equal(podStatusOf(config, istiod()).service, null);
    assert.equal(podStatusOf(config, istiod()).proxy, null);
  });

  it('reads a pod the API has just created (no IP, no container statuses) as pending and not ready', () => {
    const line = podStatusOf(config, gateway());
    assert.deepEqual([line.phase, line.ready, line.ip, line.restarts], ['Pending', false, '', 0]);
    const { status: _status, ...unscheduled } = gateway();
    assert.equal(podStatusOf(config, unscheduled as Pod).phase, 'Pending');
  });

  it('shows a pod being deleted as Terminating, whatever phase its status still has', () => {
    const pod = running(customer());
    const deleted = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-12-07T05:40:00Z' } };
    assert.equal(podStatusOf(config, deleted).phase, 'Terminating');
  });

  it("counts the restarts of every container, the sidecar's included, and is not ready while one is not", () => {
    const line = podStatusOf(config, running(customer(), { 'istio-proxy': up('istio-proxy', 2), customer: up('customer', 1, false) }));
    assert.equal(line.restarts, 3);
    assert.equal(line.ready, false);
    assert.equal(line.phase, 'Running');
  });
});
