// istiod and CoreDNS in `mesh status`'s control-plane table: their restarts, how the last run ended, the running pid.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { controlPlanePodRows, isControlPlanePod } from '../src/control-plane-pods.ts';
import { podDir, podPaths, writePodState } from '../src/node/pod-files.ts';
import type { Pod } from '../src/node/pod-types.ts';
import { podStatus } from '../src/node/status.ts';
import { testClusterConfig } from './cluster/test-config.ts';

const istiod = () => parse(readFileSync(new URL('node/fixtures/istiod-pod.yaml', import.meta.url), 'utf8')) as Pod;
const customer = () => parse(readFileSync(new URL('node/fixtures/injected-customer-pod.yaml', import.meta.url), 'utf8')) as Pod;
const AT = new Date('2026-12-07T07:00:00Z');

/** istiod's pod once the node restarted its container after a SIGKILL (exit 137), ready or not yet. */
function restarted(pod: Pod, ready: boolean): Pod {
  const name = pod.spec.containers[0]!.name;
  const status = podStatus(pod, {
    containers: [
      {
        name,
        imageID: `local://${name}`,
        restartCount: 1,
        state: { kind: 'running', startedAt: AT },
        last: { exitCode: 137, startedAt: AT, finishedAt: AT },
        started: true,
        ready,
      },
    ],
    sandboxReady: true,
    podIP: '10.247.1.2',
    hostIP: '10.247.0.2',
    now: AT,
  });
  return { ...pod, status };
}

describe('controlPlanePodRows', () => {
  it('takes istiod and CoreDNS, and leaves the workloads to the PODS table', () => {
    const coredns: Pod = { ...istiod(), metadata: { ...istiod().metadata, namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } } };
    assert.deepEqual([istiod(), coredns, customer()].map(isControlPlanePod), [true, true, false]);
  });

  it('shows a killed and restarted istiod as running with one restart, ended by SIGKILL, with the pid pod.json records', () => {
    const config = { ...testClusterConfig(), runDir: mkdtempSync(join(tmpdir(), 'cp-pods-')) };
    try {
      const pod = restarted(istiod(), true);
      const paths = podPaths(podDir(join(config.runDir, 'pods'), pod));
      mkdirSync(paths.dir, { recursive: true });
      const container = pod.spec.containers[0]!.name;
      writePodState(paths.state, {
        namespace: 'istio-system',
        name: pod.metadata.name,
        uid: pod.metadata.uid ?? '',
        podIP: '10.247.1.2',
        netns: 'x',
        containers: [{ name: container, pid: 4242, restartCount: 1 }],
      });
      const [row] = controlPlanePodRows(config, [pod]);
      assert.deepEqual(row, {
        name: 'istiod (pod)',
        state: 'running',
        pid: 4242,
        restarts: 1,
        lastExit: 'SIGKILL',
        log: paths.log(container, 1),
      });
    } finally {
      rmSync(config.runDir, { recursive: true, force: true });
    }
  });

  it('says restarting while the restarted container is not ready yet, and gives no pid without pod.json', () => {
    const [row] = controlPlanePodRows(testClusterConfig(), [restarted(istiod(), false)]);
    assert.equal(row?.state, 'restarting');
    assert.equal(row?.pid, undefined);
  });
});
