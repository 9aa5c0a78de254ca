// `./pnpmw mesh` as people run it: up, a second up, the chain through the ingress gateway, status, logs, exec, down.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { getStatus, RUN_DIR } from '@mesh-demo/mesh';
import { until } from '../support/poll.ts';
import { leftovers } from './support/lifecycle.ts';
import { cli, EDGE, GATEWAY_REPLICAS, nodeInPod, send } from './support/mesh.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('mesh up, status, logs, exec and down', () => {
  before(async () => {
    await cli(['down']);
  });
  after(async () => {
    await cli(['down']);
  });

  it('refuses to start without root, saying what to run instead', async () => {
    const result = await cli(['up'], { uid: 65534 });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^mesh: the local mesh needs root: it creates network namespaces and iptables rules/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('refuses a taken edge port in one line, and starts nothing', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(8081, '127.0.0.1', resolve));
    try {
      const result = await cli(['up']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^mesh: port 8081 \(the edge for partner\) is taken: stop \.\/pnpmw start or docker compose first\n$/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    assert.deepEqual(await leftovers(), []);
  });

  it('refuses a step that does not render, naming the chart error', async () => {
    const result = await cli(['up', '-f', 'no-such-step']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'mesh: no such step file: no-such-step (neither a path nor one of charts/mesh-demo/examples)\n');
  });

  it('starts istiod, the ingress gateway and step 02, and says where the edge is', async () => {
    const result = await cli(['up']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /mesh: up in [\d.]+ s, step charts\/mesh-demo\/examples\/02-mesh\.yaml/);
    assert.match(
      result.stdout,
      new RegExp(
        `customer +http://localhost:8080 +-> customer-mesh-demo\\.apps-crc\\.testing \\(via istio-ingressgateway\\.istio-ingress, ${GATEWAY_REPLICAS} endpoints?\\)`,
      ),
    );
    assert.match(result.stdout, /partner +http:\/\/localhost:8081 +-> partner-mesh-demo\.apps-crc\.testing/);
    assert.match(result.stdout, /\n {2}\S.* view +# the traffic as a live graph on http:\/\/127\.0\.0\.1:20001\/\n/);
  });

  it('answers the chain from customer and from partner through the ingress gateway, every hop in the mesh', async () => {
    const [customer] = await send(1, { url: EDGE.customer, concurrency: 1 });
    const [partner] = await send(1, { url: EDGE.partner, concurrency: 1 });
    assert.deepEqual(
      customer?.chain?.chain.map((h) => [h.service, h.version, h.status]),
      [
        ['customer', 'v1', 200],
        ['preference', 'v1', 200],
        ['recommendation', 'v1', 200],
      ],
    );
    assert.equal(partner?.chain?.chain[0]?.service, 'partner');
    const status = await getStatus();
    // Pod names as a cluster gives them, and each hop reports its own.
    assert.match(customer!.chain!.chain[0]!.host, /^customer-v1-[a-z0-9]{1,10}-[a-z0-9]{5}$/);
    assert.deepEqual(status.pods.map((p) => [p.namespace, p.workload, p.proxy, p.ready]).sort(), [
      // The gateway's own autoscaler keeps its minimum of pods, as on a cluster.
      ...Array.from({ length: GATEWAY_REPLICAS }, () => ['istio-ingress', 'istio-ingressgateway', 'router', true]),
      ['mesh-demo', 'customer-v1', 'sidecar', true],
      ['mesh-demo', 'partner-v1', 'sidecar', true],
      ['mesh-demo', 'preference-v1', 'sidecar', true],
      ['mesh-demo', 'recommendation-v1', 'sidecar', true],
    ]);
  });

  it('a second up says a mesh is running and changes nothing', async () => {
    const before = (await getStatus()).pods.map((p) => p.name).sort();
    const result = await cli(['up']);
    assert.equal(result.code, 0);
    assert.match(
      result.stdout,
      /^mesh: a local mesh is already running \(step charts\/mesh-demo\/examples\/02-mesh\.yaml\); nothing changed\./,
    );
    assert.deepEqual((await getStatus()).pods.map((p) => p.name).sort(), before);
  });

  it('status lists every pod ready and every proxy in sync, with nothing rejected', async () => {
    const result = await cli(['status']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, new RegExp(`config: all ${4 + GATEWAY_REPLICAS} proxies hold istiod's latest push`));
    assert.match(result.stdout, /rejected by Envoy: nothing/);
    assert.equal((result.stdout.match(/ ready /g) ?? []).length, 4 + GATEWAY_REPLICAS);
  });

  it('logs shows the app lines of one version, and --proxy its sidecar access log', async () => {
    await send(2, { concurrency: 1 });
    const app = await cli(['logs', 'recommendation', 'v1']);
    assert.equal(app.code, 0);
    assert.match(app.stdout, /INFO {2}GET \/ 200 [\d.]+ms id=/);
    const proxy = await cli(['logs', 'recommendation', 'v1', '--proxy']);
    assert.match(proxy.stdout, /"downstream_peer_uri_san":"spiffe:\/\/cluster\.local\/ns\/mesh-demo\/sa\/preference"/);
    const missing = await cli(['logs', 'recommendation', 'v9']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^mesh: no pod of recommendation v9 is running \(running: /);
  });

  it('exec runs a command inside a pod, whose calls leave through its sidecar', async () => {
    const result = await nodeInPod(
      'recommendation-v1',
      "fetch('http://preference:8080').then(r => r.text()).then(t => console.log(t.trim()))",
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^preference v1 => recommendation v1 from 'recommendation-v1-[a-z0-9]{1,10}-[a-z0-9]{5}': \d+\n$/);
  });

  it('after its supervisor is killed, the next up sweeps what that run left and starts afresh', async () => {
    const pid = Number(readFileSync(join(RUN_DIR, 'supervisor.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await until('the killed supervisor to be gone', () => (alive(pid) ? undefined : true), 5_000);
    const result = await cli(['up']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^mesh: \/run\/mesh-demo is left from a mesh that did not stop cleanly \(its supervisor is gone\); sweeping it first$/m,
    );
    assert.match(result.stdout, /mesh: up in [\d.]+ s, step charts\/mesh-demo\/examples\/02-mesh\.yaml/);
    // One control plane and one supervisor: nothing of the killed run is still serving beside the new one.
    const processes = (await promisify(execFile)('ps', ['-eo', 'args'])).stdout.split('\n');
    assert.equal(processes.filter((p) => /pilot-discovery discovery/.test(p)).length, 1);
    assert.equal(processes.filter((p) => /mesh\/src\/supervisor\.ts/.test(p)).length, 1);
    const [customer] = await send(1, { url: EDGE.customer, concurrency: 1 });
    assert.equal(customer?.status, 200);
  });

  it('down stops everything and leaves no namespace, link, rule, process or file behind', async () => {
    const result = await cli(['down']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /mesh: down; no namespace, link \(meshdemo0\), process or file of the local mesh is left/);
    assert.deepEqual(await leftovers(), []);
    const again = await cli(['status']);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'mesh: no local mesh is running (start one with ./pnpmw mesh up)\n');
  });
});
