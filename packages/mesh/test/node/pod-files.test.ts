// Where a pod's files live on the node, and pod.json: named and written as node-api reads them.
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { type PodState, podDir, podPaths, writePodState } from '../../src/node/pod-files.ts';

const pods = mkdtempSync(join(tmpdir(), 'pod-files-'));
after(() => rmSync(pods, { recursive: true, force: true }));

const customer = {
  metadata: { name: 'customer-v1-5db66fd7ff-prbxd', namespace: 'mesh-demo', uid: '39cecd25-5f3a-4347-9589-e226ed816ce4' },
};

const state = (pid: number, restartCount = 0): PodState => ({
  namespace: 'mesh-demo',
  name: 'customer-v1-5db66fd7ff-prbxd',
  uid: '39cecd25-5f3a-4347-9589-e226ed816ce4',
  podIP: '10.244.1.7',
  netns: '/run/netns/meshdemo-mesh-demo-customer-v1-5db66fd7ff-prbxd',
  containers: [
    { name: 'istio-proxy', pid: pid + 1, restartCount: 0 },
    { name: 'customer', pid, restartCount },
  ],
});

/** Reads what an open descriptor sees now (from its start), as a reader that opened the file earlier would. */
function readFd(fd: number): string {
  const buffer = Buffer.alloc(64 * 1024);
  return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
}

describe('podDir and podPaths', () => {
  it('names the directory <namespace>_<name>_<uid>, as the kubelet names /var/log/pods entries', () => {
    assert.equal(podDir(pods, customer), join(pods, 'mesh-demo_customer-v1-5db66fd7ff-prbxd_39cecd25-5f3a-4347-9589-e226ed816ce4'));
  });

  it("keeps each start's log under the container's name, numbered by restart, and the state in pod.json", () => {
    const paths = podPaths('/run/mesh-demo/pods/ns_pod_uid');
    assert.equal(paths.log('customer', 0), '/run/mesh-demo/pods/ns_pod_uid/customer/0.log');
    assert.equal(paths.log('istio-proxy', 12), '/run/mesh-demo/pods/ns_pod_uid/istio-proxy/12.log');
    assert.equal(paths.state, '/run/mesh-demo/pods/ns_pod_uid/pod.json');
  });
});

describe('writePodState', () => {
  it('writes the state as one JSON document ending in a newline, and leaves no temporary file', () => {
    const dir = podDir(pods, customer);
    mkdirSync(dir, { recursive: true });
    const file = podPaths(dir).state;
    writePodState(file, state(4242));
    const text = readFileSync(file, 'utf8');
    assert.ok(text.endsWith('}\n'));
    assert.deepEqual(JSON.parse(text), state(4242));
    assert.deepEqual(readdirSync(dir), ['pod.json']);
  });

  it('replaces the file whole: a reader of the old one still reads all of it, a new reader reads all of the new one', () => {
    const dir = mkdtempSync(join(pods, 'replace-'));
    const file = join(dir, 'pod.json');
    writePodState(file, state(100));
    const before = statSync(file).ino;
    const reader = openSync(file, 'r');
    try {
      writePodState(file, state(200, 1));
      // Written in place, the old reader would see the new bytes (or a truncated file) at the same inode.
      assert.deepEqual(JSON.parse(readFd(reader)), state(100));
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), state(200, 1));
      assert.notEqual(statSync(file).ino, before);
      assert.equal(existsSync(`${file}.tmp`), false);
    } finally {
      closeSync(reader);
    }
  });

  it("writes the fields node-api's podState reads, by their JSON names", () => {
    const go = readFileSync(join(REPO_ROOT, 'tools/kubernetes/nodeapi/pods.go'), 'utf8');
    const tags = (struct: string) => {
      const body = new RegExp(`type ${struct} struct \\{([\\s\\S]*?)\\n\\}`).exec(go)?.[1] ?? '';
      return [...body.matchAll(/json:"([^",]+)/g)].map((m) => m[1]).sort();
    };
    const written = state(1);
    assert.deepEqual(Object.keys(written).sort(), tags('podState'));
    assert.deepEqual(Object.keys(written.containers[0]!).sort(), tags('containerState'));
  });
});
