// The pod status the node agent reports follows the kubelet: phases, conditions and their words, container states.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { ContainerStatus, Pod, PodStatus } from '../../src/node/pod-types.ts';
import { type ContainerRun, type PodRun, podStatus, statusChanged, statusPatch } from '../../src/node/status.ts';

const customer = parse(readFileSync(new URL('fixtures/injected-customer-pod.yaml', import.meta.url), 'utf8')) as Pod;

const at = (second: number) => new Date(Date.UTC(2026, 11, 7, 6, 0, second, 123));
const podRun = (containers: ContainerRun[], now: number, extra: Partial<PodRun> = {}): PodRun => ({
  containers,
  sandboxReady: true,
  podIP: '10.244.1.7',
  hostIP: '10.244.0.2',
  now: at(now),
  ...extra,
});
const running = (name: string, startedAt: number, probes = { started: true, ready: true }, restartCount = 0): ContainerRun => ({
  name,
  imageID: `local://${name}`,
  restartCount,
  state: { kind: 'running', startedAt: at(startedAt) },
  ...probes,
});
const exited = (name: string, exitCode: number, from: number, to: number, restartCount = 0): ContainerRun => ({
  name,
  imageID: `local://${name}`,
  restartCount,
  state: { kind: 'exited', exit: { exitCode, startedAt: at(from), finishedAt: at(to) } },
  started: false,
  ready: false,
});
const condition = (status: PodStatus, type: string) => status.conditions?.find((c) => c.type === type);
const named = (list: readonly ContainerStatus[] | undefined, name: string) => list?.find((c) => c.name === name);

describe("pod status through the injected customer pod's life", () => {
  it("while creating: Pending, every container PodInitializing, the kubelet's incomplete and unready lists, PodScheduled kept", () => {
    const status = podStatus(customer, podRun([], 0, { sandboxReady: false, podIP: undefined }));
    assert.equal(status.phase, 'Pending');
    assert.deepEqual(
      status.initContainerStatuses?.map((c) => [c.name, c.state.waiting?.reason, c.ready, c.started]),
      [
        ['istio-validation', 'PodInitializing', false, false],
        ['istio-proxy', 'PodInitializing', false, false],
      ],
    );
    assert.equal(named(status.containerStatuses, 'customer')?.state.waiting?.reason, 'PodInitializing');
    assert.equal(named(status.containerStatuses, 'customer')?.containerID, undefined);
    assert.equal(condition(status, 'PodReadyToStartContainers')?.status, 'False');
    assert.deepEqual(condition(status, 'Initialized'), {
      type: 'Initialized',
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [istio-validation istio-proxy]',
      lastTransitionTime: '2026-12-07T06:00:00Z',
    });
    assert.equal(condition(status, 'Ready')?.message, 'containers with unready status: [istio-proxy customer]');
    assert.equal(condition(status, 'ContainersReady')?.reason, 'ContainersNotReady');
    assert.deepEqual(condition(status, 'PodScheduled'), customer.status?.conditions?.[0]);
    assert.equal(status.podIP, undefined);
    assert.equal(status.hostIP, '10.244.0.2');
    assert.equal(status.startTime, '2026-12-07T06:00:00Z');
  });

  it("once istio-validation has exited 0: it is ready (Completed), the pod waits on the sidecar's startup probe", () => {
    const runs = [exited('istio-validation', 0, 1, 2), running('istio-proxy', 2, { started: false, ready: false })];
    const status = podStatus(customer, podRun(runs, 3));
    const validation = named(status.initContainerStatuses, 'istio-validation')!;
    assert.deepEqual(validation.state.terminated, {
      exitCode: 0,
      reason: 'Completed',
      startedAt: '2026-12-07T06:00:01Z',
      finishedAt: '2026-12-07T06:00:02Z',
    });
    assert.equal(validation.ready, true);
    assert.equal(validation.started, false);
    assert.equal(validation.containerID, `local://${customer.metadata.uid}/istio-validation/0`);
    const proxy = named(status.initContainerStatuses, 'istio-proxy')!;
    assert.deepEqual([proxy.state.running?.startedAt, proxy.started, proxy.ready], ['2026-12-07T06:00:02Z', false, false]);
    assert.equal(status.phase, 'Pending');
    assert.equal(condition(status, 'Initialized')?.message, 'containers with incomplete status: [istio-proxy]');
    assert.deepEqual(status.podIPs, [{ ip: '10.244.1.7' }]);
  });

  it('with the sidecar started and the app running but unready: Running, Initialized, Ready false naming customer, times kept', () => {
    const before = podStatus(
      customer,
      podRun([exited('istio-validation', 0, 1, 2), running('istio-proxy', 2, { started: false, ready: false })], 3),
    );
    const runs = [exited('istio-validation', 0, 1, 2), running('istio-proxy', 2), running('customer', 4, { started: false, ready: false })];
    const status = podStatus(customer, podRun(runs, 5), before);
    assert.equal(status.phase, 'Running');
    assert.equal(condition(status, 'Initialized')?.status, 'True');
    assert.equal(condition(status, 'Initialized')?.lastTransitionTime, '2026-12-07T06:00:05Z');
    assert.equal(condition(status, 'PodReadyToStartContainers')?.lastTransitionTime, '2026-12-07T06:00:03Z');
    assert.equal(condition(status, 'Ready')?.message, 'containers with unready status: [customer]');
    assert.equal(named(status.initContainerStatuses, 'istio-proxy')?.ready, true);
    assert.equal(named(status.containerStatuses, 'customer')?.started, false);
    assert.equal(status.startTime, '2026-12-07T06:00:03Z');
  });

  it('with every container ready: Ready and ContainersReady True; the same status again is no change, even as the API returns it', () => {
    const runs = [exited('istio-validation', 0, 1, 2), running('istio-proxy', 2), running('customer', 4)];
    const status = podStatus(customer, podRun(runs, 6));
    assert.deepEqual(
      ['Ready', 'ContainersReady'].map((type) => [condition(status, type)?.status, condition(status, type)?.message]),
      [
        ['True', undefined],
        ['True', undefined],
      ],
    );
    assert.equal(named(status.containerStatuses, 'customer')?.ready, true);
    const again = podStatus(customer, podRun(runs, 9), status);
    assert.equal(statusChanged(again, status), false);
    // The API adds lastProbeTime: null and qosClass, and keeps the conditions in the order they were written.
    const stored = {
      ...status,
      qosClass: 'Burstable',
      conditions: [...status.conditions!].reverse().map((c) => ({ ...c, lastProbeTime: null })),
    } as PodStatus;
    assert.equal(statusChanged(again, stored), false);
    assert.equal(statusChanged(again, customer.status), true);
    const body = statusPatch(customer, again);
    assert.deepEqual(body.metadata, { uid: '39cecd25-5f3a-4347-9589-e226ed816ce4' });
    assert.equal(body.status, again);
  });

  it("after the app crashes: CrashLoopBackOff in the kubelet's words, the failed run in lastState, the restart counted, still Running", () => {
    const ready = podStatus(customer, podRun([exited('istio-validation', 0, 1, 2), running('istio-proxy', 2), running('customer', 4)], 6));
    const crashed: ContainerRun = {
      name: 'customer',
      imageID: 'local://customer',
      restartCount: 1,
      state: { kind: 'backoff', delayMs: 10_000 },
      last: { exitCode: 1, startedAt: at(12), finishedAt: at(20) },
      started: false,
      ready: false,
    };
    const status = podStatus(customer, podRun([exited('istio-validation', 0, 1, 2), running('istio-proxy', 2), crashed], 21), ready);
    const app = named(status.containerStatuses, 'customer')!;
    assert.deepEqual(app.state.waiting, {
      reason: 'CrashLoopBackOff',
      message:
        'back-off 10s restarting failed container=customer pod=customer-v1-5db66fd7ff-prbxd_mesh-demo(39cecd25-5f3a-4347-9589-e226ed816ce4)',
    });
    assert.deepEqual(app.lastState.terminated, {
      exitCode: 1,
      reason: 'Error',
      startedAt: '2026-12-07T06:00:12Z',
      finishedAt: '2026-12-07T06:00:20Z',
    });
    assert.equal(app.restartCount, 1);
    assert.equal(app.containerID, `local://${customer.metadata.uid}/customer/1`);
    assert.equal(status.phase, 'Running');
    assert.equal(condition(status, 'Initialized')?.status, 'True');
    assert.equal(condition(status, 'Ready')?.lastTransitionTime, '2026-12-07T06:00:21Z');
    assert.equal(statusChanged(status, ready), true);
  });

  it('when terminated for deletion: a final phase whatever the restartPolicy, Succeeded on clean exits and Failed otherwise', () => {
    const stopped = (appCode: number) => [
      exited('istio-validation', 0, 1, 2),
      exited('istio-proxy', 0, 2, 30),
      exited('customer', appCode, 4, 29),
    ];
    const clean = podStatus(customer, podRun(stopped(0), 30, { terminal: true }));
    assert.equal(clean.phase, 'Succeeded');
    assert.equal(condition(clean, 'Ready')?.reason, 'PodCompleted');
    assert.equal(condition(clean, 'Initialized')?.reason, 'PodCompleted');
    assert.equal(podStatus(customer, podRun(stopped(143), 30, { terminal: true })).phase, 'Failed');
    // Before the runner calls it final, stopped containers of an Always pod are only restarting.
    assert.equal(podStatus(customer, podRun(stopped(143), 30)).phase, 'Running');
  });
});

describe('pod status of a restartPolicy Never pod (helm test)', () => {
  const helmTest: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'demo-test-chain', namespace: 'mesh-demo', uid: 'u-test' },
    spec: { restartPolicy: 'Never', containers: [{ name: 'check', image: 'localhost/mesh-demo/shell:1' }] },
  };

  it('says ContainerCreating before the container runs (no init containers), then Running', () => {
    assert.equal(podStatus(helmTest, podRun([], 0)).containerStatuses?.[0]?.state.waiting?.reason, 'ContainerCreating');
    assert.equal(podStatus(helmTest, podRun([running('check', 1)], 1)).phase, 'Running');
  });

  it('is Succeeded when the container exits 0, Failed when it exits non-zero, and a final phase never changes', () => {
    const succeeded = podStatus(helmTest, podRun([exited('check', 0, 1, 4)], 4));
    assert.equal(succeeded.phase, 'Succeeded');
    assert.equal(named(succeeded.containerStatuses, 'check')?.state.terminated?.reason, 'Completed');
    const failed = podStatus(helmTest, podRun([exited('check', 2, 1, 4)], 4));
    assert.equal(failed.phase, 'Failed');
    assert.equal(condition(failed, 'Ready')?.message, 'containers with unready status: [check]');
    assert.equal(podStatus(helmTest, podRun([exited('check', 2, 1, 4)], 5), succeeded).phase, 'Succeeded');
  });

  it('is Failed when an init container fails, and reports an image it cannot run as waiting with the reason', () => {
    const withInit: Pod = { ...helmTest, spec: { ...helmTest.spec, initContainers: [{ name: 'setup', image: 'x' }] } };
    assert.equal(podStatus(withInit, podRun([exited('setup', 1, 1, 2)], 2)).phase, 'Failed');
    const unknown: ContainerRun = {
      name: 'check',
      restartCount: 0,
      state: { kind: 'waiting', reason: 'ErrImagePull', message: 'image "x" is not one the local node can run' },
      started: false,
      ready: false,
    };
    const status = podStatus(helmTest, podRun([unknown], 1));
    assert.equal(status.phase, 'Pending');
    assert.deepEqual(status.containerStatuses?.[0]?.state.waiting, {
      reason: 'ErrImagePull',
      message: 'image "x" is not one the local node can run',
    });
    assert.equal(status.containerStatuses?.[0]?.imageID, '');
    assert.equal(status.containerStatuses?.[0]?.containerID, undefined);
  });
});
