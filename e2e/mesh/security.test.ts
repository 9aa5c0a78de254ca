// Mutual TLS and authorization on the real mesh: STRICT refuses plain text, peers see SPIFFE ids, policies deny by identity.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { demoToken } from '@mesh-demo/devtools';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { until } from '../support/poll.ts';
import { ensureMesh } from './support/lifecycle.ts';
import { accessLog, applyStep, EDGE, nodeInPod, onePod, send, untilEdge, viaEdge } from './support/mesh.ts';

const CUSTOMER_ID = 'spiffe://cluster.local/ns/mesh-demo/sa/customer';

/** A plain-text GET from the host, outside the mesh: the status, or the network error that ended it. */
async function plainText(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await response.body?.cancel();
    return String(response.status);
  } catch (error) {
    return `failed: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name}`;
  }
}

/** The status of a GET from inside the recommendation pod (with its identity). */
async function fromRecommendationPod(url: string): Promise<string> {
  const result = await nodeInPod('recommendation-v1', `fetch(${JSON.stringify(url)}).then(r => console.log(r.status))`);
  return result.stdout.trim();
}

/** What a call from inside the recommendation pod (with its identity) to a URL answers. */
async function fromRecommendation(url: string): Promise<string> {
  const result = await nodeInPod(
    'recommendation-v1',
    `fetch(${JSON.stringify(url)}).then(async r => console.log(r.status, (await r.text()).trim().split('\\n')[0]))`,
  );
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

describe('mutual TLS and authorization', () => {
  before(async () => {
    await ensureMesh();
  });

  it('STRICT: a plain-text request from outside the mesh straight to a pod is refused', async () => {
    const status = await applyStep('02-mesh');
    const answer = await plainText(`http://${onePod(status, 'customer').ip}:8080/`);
    assert.match(answer, /^failed: /, `got ${answer}`);
  });

  it("the server side sees the caller's SPIFFE identity: preference's sidecar logs customer's, and passes it on in XFCC", async () => {
    const status = await applyStep('02-mesh');
    const [sent] = await send(1, { concurrency: 1 });
    assert.equal(sent?.status, 200);
    // The ingress gateway gives an outside request its own id; customer answers with it, and every proxy logs it.
    const requestId = sent!.requestId;
    // Envoy flushes its access log once a second: wait for this request's line.
    const last = await until("preference's sidecar to log the request", () =>
      accessLog(status, onePod(status, 'preference')).find(
        (l) => l.request_id === requestId && String(l.upstream_cluster).startsWith('inbound|8080|'),
      ),
    );
    assert.equal(last.downstream_peer_uri_san, CUSTOMER_ID);
    assert.equal(last.downstream_tls_version, 'TLSv1.3');
    assert.match(String(last.x_forwarded_client_cert), new RegExp(`;URI=${CUSTOMER_ID.replace(/[./]/g, '\\$&')}$`));
  });

  it('PERMISSIVE: the same plain-text request from outside is served', async () => {
    const status = await applyStep('security-mtls-permissive');
    assert.equal(await plainText(`http://${onePod(status, 'customer').ip}:8080/`), '200');
  });

  it('authorization: an identity that is not allowed gets 403, while the chain and the management port keep working', async () => {
    await applyStep('security-authorization');
    assert.equal(await fromRecommendation('http://customer:8080/'), '403 RBAC: access denied');
    assert.equal(await fromRecommendation('http://customer:9000/health/ready'), '200 {"status":"UP"}');
    const sent = await send(20);
    assert.deepEqual([...new Set(sent.map((s) => s.status))], [200]);
    const partner = await send(5, { url: EDGE.partner });
    assert.deepEqual([...new Set(partner.map((s) => s.status))], [200]);
  });

  it('authorization built up one service at a time: the first still-denied hop answers 403, until the whole chain is allowed', async () => {
    await applyStep('security-authz-1-deny-all');
    await untilEdge('403 RBAC: access denied');
    await applyStep('security-authz-2-edge');
    await untilEdge('503 customer v1 => Error: 403 - RBAC: access denied');
    await applyStep('security-authz-3-preference');
    await untilEdge('503 customer v1 => Error: 503 - preference v1 => Error: 403 - RBAC: access denied');
    await applyStep('security-authorization');
    await untilEdge(/^200 customer v1 => preference v1 => recommendation v1 from /);
  });

  it('end-user JWT: a token of the demo issuer with group demo passes; none, another group, an expired or a forged one do not', async () => {
    await applyStep('security-end-user-jwt');
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    await untilEdge('403 RBAC: access denied');
    assert.match(
      await viaEdge(bearer(demoToken({ claims: { group: 'demo' } }))),
      /^200 customer v1 => preference v1 => recommendation v1 from /,
    );
    assert.equal(await viaEdge(bearer(demoToken({ claims: { group: 'ops' } }))), '403 RBAC: access denied');
    assert.equal(await viaEdge(bearer(demoToken({ claims: { group: 'demo' }, expiresIn: -600 }))), '401 Jwt is expired');
    const forged = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.equal(await viaEdge(bearer(demoToken({ claims: { group: 'demo' }, keyPem: forged }))), '401 Jwt verification fails');
    // What a person pastes into curl: the token ./pnpmw token prints.
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'packages', 'devtools', 'src', 'main.ts'), 'token']);
    assert.match(await viaEdge(bearer(stdout.trim())), /^200 customer v1 => /);
  });

  it('the management port: another pod may read health and metrics but not change faults; the pod itself (a port-forward) may', async () => {
    await applyStep('02-mesh');
    // Leaves the mesh open again for the files after this one.
    await untilEdge(/^200 customer v1 => /);
    const put =
      "fetch('http://customer:9000/faults', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{\"errorRate\":0}' }).then(async r => console.log(r.status, (await r.text()).trim().split('\\n')[0]))";
    const fromRecommendation = await nodeInPod('recommendation-v1', put);
    assert.equal(fromRecommendation.stdout.trim(), '403 RBAC: access denied', fromRecommendation.stderr);
    assert.equal(await fromRecommendationPod('http://customer:9000/metrics'), '200');
    const local = await nodeInPod('customer-v1', put.replace('http://customer:9000', 'http://localhost:9000'));
    assert.match(local.stdout.trim(), /^200 /, local.stderr);
  });
});
