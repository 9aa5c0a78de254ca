// The mesh container as a user runs it: compose up --wait, the edge, a step switched by exec, the e2e/mesh subset, down.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { engineVolumes, projectResources } from '../images/support/compose-stack.ts';
import { COMPOSE } from '../images/support/docker.ts';
import { assertShare } from '../mesh/support/mesh.ts';
import { get } from '../support/http.ts';
import { until } from '../support/poll.ts';
import { type MeshStack, meshStack, ok } from './support/container.ts';
import { added, type HostState, hostState } from './support/host.ts';

const PROJECT = 'mesh-demo-e2e-mesh';
const CHAIN = /^customer v1 => preference v1 => recommendation (v1|v2) from '[^']+': \d+\n?$/;
/**
 * The documented subset of e2e/mesh run inside the container (docs/mesh-container.md): splits, mirroring, faults and
 * the other resilience steps, STRICT mTLS and the other security steps.
 */
export const SUBSET = ['mesh/splits.test.ts', 'mesh/mirror.test.ts', 'mesh/resilience.test.ts', 'mesh/security.test.ts'];

let s: MeshStack;
let hostBefore: HostState;
let volumesBefore: Set<string>;

/** recommendation's version in each of `count` answers through the published edge. */
async function versions(count: number): Promise<string[]> {
  const found: string[] = [];
  for (let i = 0; i < count; i++) {
    const { status, body } = await get(s.url('CUSTOMER_PORT'));
    assert.equal(status, 200, `call ${i + 1} through the published edge answered ${status}: ${body}`);
    found.push(CHAIN.exec(body)?.[1] ?? `unexpected: ${body.trim()}`);
  }
  return found;
}

describe('the local mesh in a container (docker compose --profile mesh)', () => {
  before(async () => {
    hostBefore = await hostState();
    volumesBefore = await engineVolumes();
    // The e2e sources, read-only, for the subset run inside (their packages resolve in the image's own install).
    s = await meshStack(PROJECT, [`${REPO_ROOT}/e2e:/opt/mesh-demo/e2e:ro`]);
    await s.compose(['down', '--remove-orphans', '--volumes']);
  });

  after(async () => {
    await s.compose(['down', '--remove-orphans', '--volumes']);
  });

  it('up --wait returns once the mesh serves step 02: the published edge answers 200 from recommendation v1', async () => {
    ok(await s.compose(['up', '--wait']), 'docker compose --profile mesh up --wait');
    assert.deepEqual(new Set(await versions(10)), new Set(['v1']));
  });

  it('the mesh view, the trace UI and Jaeger answer on their published ports', async () => {
    for (const [name, path, expected] of [
      ['MESH_VIEW_PORT', '/', /<html/i],
      ['ZIPKIN_PORT', '/zipkin/', /<html/i],
      ['JAEGER_UI_PORT', '/api/services', /"data"/],
    ] as const) {
      const { status, body } = await until(`${name} to answer`, async () => {
        const answer = await get(s.url(name, path)).catch(() => undefined);
        return answer?.status === 200 ? answer : undefined;
      });
      assert.equal(status, 200, name);
      assert.match(body, expected, `${name}${path}`);
    }
  });

  it('exec mesh apply -f 03b-canary-25-75 switches the step: about three in four of 200 calls at the edge reach v2', async () => {
    const apply = ok(await s.compose(['exec', '-T', 'mesh', 'mesh', 'apply', '-f', '03b-canary-25-75']), 'exec mesh apply');
    assert.match(apply.stdout, /applying charts\/mesh-demo\/examples\/03b-canary-25-75\.yaml/);
    const seen = await versions(200);
    assert.deepEqual(
      seen.filter((v) => v !== 'v1' && v !== 'v2'),
      [],
      'every answer is the chain',
    );
    assertShare(seen.filter((v) => v === 'v2').length, 200, 0.75, '03b share of recommendation v2 at the published edge');
  });

  it('kubectl, helm and istioctl work through exec, on the local cluster', async () => {
    const pods = ok(await s.compose(['exec', '-T', 'mesh', 'kubectl', 'get', 'pods', '-n', 'mesh-demo', '-o', 'name']), 'kubectl');
    assert.match(pods.stdout, /pod\/recommendation-v2-/);
    const release = ok(await s.compose(['exec', '-T', 'mesh', 'helm', 'status', 'demo', '-n', 'mesh-demo']), 'helm status');
    assert.match(release.stdout, /^STATUS: deployed$/m);
    // istioctl asks istiod itself: every proxy of the step, on the pinned Istio.
    const proxies = ok(await s.compose(['exec', '-T', 'mesh', 'istioctl', 'proxy-status']), 'istioctl proxy-status');
    assert.match(proxies.stdout, /^recommendation-v2-\S+\.mesh-demo +Kubernetes +istiod-\S+ +1\.31\./m);
  });

  it(`the e2e/mesh subset (${SUBSET.join(', ')}) passes inside, against the container's own address`, async () => {
    // Where Docker and Podman deliver the published ports; the container's forwarders pass them to the edge.
    const address = ok(await s.compose(['exec', '-T', 'mesh', 'hostname', '-i']), 'hostname -i')
      .stdout.trim()
      .split(/\s+/)[0]!;
    const suite = await s.compose([
      'exec',
      '-T',
      '-e',
      `MESH_E2E_EDGE_HOST=${address}`,
      '-w',
      '/opt/mesh-demo/e2e',
      'mesh',
      'node',
      '--conditions=development',
      '--test',
      '--test-reporter=spec',
      '--test-concurrency=1',
      '--test-timeout=600000',
      ...SUBSET,
    ]);
    const summary = (name: string) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(suite.stdout)?.[1] ?? Number.NaN);
    const tail = suite.output.trim().split('\n').slice(-40).join('\n');
    assert.equal(suite.code, 0, `the subset failed inside the container:\n${tail}`);
    assert.equal(summary('fail'), 0, tail);
    assert.ok(summary('pass') >= 20, `the subset ran ${summary('pass')} tests, fewer than its files hold:\n${tail}`);
  });

  it("down sends SIGTERM, the mesh's own down runs within the grace period, and nothing is left on the host", async () => {
    const logs: ChildProcess = spawn(
      COMPOSE[0]!,
      [...COMPOSE.slice(1), '--project-name', PROJECT, 'logs', '--follow', '--no-log-prefix', 'mesh'],
      { cwd: REPO_ROOT, env: { ...process.env, ...s.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // The control for the last check: while the container runs, the host does see its processes.
    const running = added(hostBefore, await hostState()).processes;
    assert.ok(
      running.some((args) => args.includes('packages/mesh/src/container/main.ts')),
      `the mesh's processes seen: ${running.length}`,
    );
    assert.ok(
      running.some((args) => args.includes('pilot-discovery ')),
      'istiod seen from the host while it runs',
    );
    let log = '';
    logs.stdout?.on('data', (chunk: Buffer) => (log += chunk));
    const ended = new Promise((resolve) => logs.once('close', resolve));
    ok(await s.compose(['down', '--remove-orphans', '--volumes']), 'docker compose --profile mesh down');
    await Promise.race([
      ended,
      until('the log follower to end with the container', () => (logs.exitCode !== null ? true : undefined), 10_000),
    ]);
    logs.kill();
    assert.match(log, /mesh-container: SIGTERM received: taking the mesh down/);
    assert.match(log, /mesh: down; no namespace, link \(meshdemo0\), process or file of the local mesh is left/);
    assert.match(log, /mesh-container: mesh down done in [\d.]+ s/);
    assert.deepEqual(await projectResources(PROJECT), { containers: [], networks: [], volumes: [] }, 'left by down');
    assert.deepEqual(
      [...(await engineVolumes())].filter((v) => !volumesBefore.has(v)),
      [],
      'anonymous volumes left',
    );
    assert.deepEqual(added(hostBefore, await hostState()), { netns: [], links: [], processes: [] }, 'left on the host');
  });
});
