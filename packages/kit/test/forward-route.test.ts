// The forwarding route against an undici MockAgent: every row of the error contract, both forms, headers, counters, metrics.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { forwardRoutes } from '../src/chain-route.ts';
import type { ServiceDefinition } from '../src/config.ts';
import { buildService, type Service } from '../src/service.ts';
import { chainOf, JSON_HEADERS, type MockDownstream, mockDownstream, testConfig } from '../src/testing.ts';

const edge: ServiceDefinition = { name: 'customer', edge: true, downstream: 'preference' };
const middle: ServiceDefinition = { name: 'preference', edge: false, downstream: 'recommendation' };
const downstreamChain = chainOf({ service: 'preference' }, { service: 'recommendation', host: 'rec-pod', hits: 7 });

let service: Service;
let mock: MockDownstream;

function start(definition = edge, env: Record<string, string> = {}) {
  const config = testConfig(definition, env);
  mock = mockDownstream(config);
  service = buildService(config, forwardRoutes, { dispatcher: mock.agent });
  return service;
}

afterEach(async () => {
  await service.close();
  await mock.agent.close();
});

describe('forward route, downstream answers', () => {
  beforeEach(() => start());

  it('answers text/plain with this hop prefixed to the downstream chain', async () => {
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(200, downstreamChain, { headers: JSON_HEADERS });
    const response = await service.app.inject({ url: '/' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    assert.equal(response.body, "customer v1 => preference v1 => recommendation v1 from 'rec-pod': 7\n");
  });

  it('answers the whole chain as JSON when asked, one object per hop', async () => {
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(200, downstreamChain, { headers: JSON_HEADERS });
    const response = await service.app.inject({ url: '/', headers: { accept: 'application/json' } });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      chain: [
        { service: 'customer', version: 'v1', host: 'customer-v1-test', hits: 1, shadow: false, status: 200 },
        ...downstreamChain.chain,
      ],
    });
  });

  it('answers text for an unknown or q=0 JSON Accept', async () => {
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(200, downstreamChain, { headers: JSON_HEADERS }).times(2);
    for (const accept of ['application/x-unknown', 'application/json;q=0, text/plain']) {
      const response = await service.app.inject({ url: '/', headers: { accept } });
      assert.match(String(response.headers['content-type']), /^text\/plain/, accept);
    }
  });

  it('counts its own hits per instance, starting at 1', async () => {
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(200, downstreamChain, { headers: JSON_HEADERS }).times(3);
    const hits = [];
    for (let i = 0; i < 3; i++) {
      const response = await service.app.inject({ url: '/', headers: { accept: 'application/json' } });
      hits.push(response.json().chain[0].hits);
    }
    assert.deepEqual(hits, [1, 2, 3]);
  });

  it('marks a mirrored request (Host suffixed -shadow) as shadow in JSON and metrics', async () => {
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(200, downstreamChain, { headers: JSON_HEADERS }).times(2);
    const mirrored = await service.app.inject({ url: '/', headers: { accept: 'application/json', host: 'customer-shadow:8080' } });
    assert.equal(mirrored.json().chain[0].shadow, true);
    const plain = await service.app.inject({ url: '/', headers: { accept: 'application/json', host: 'customer:8080' } });
    assert.equal(plain.json().chain[0].shadow, false);
    const metrics = await service.management.inject({ url: '/metrics' });
    assert.match(metrics.body, /mesh_demo_hits_total\{service="customer",version="v1",shadow="true"\} 1/);
    assert.match(metrics.body, /mesh_demo_hits_total\{service="customer",version="v1",shadow="false"\} 1/);
  });

  it('nests a downstream failure chain and answers 503', async () => {
    const failing = {
      chain: chainOf({ service: 'preference', status: 503 }, { service: 'recommendation', status: 503 }).chain,
      error: { kind: 'fault', service: 'recommendation', status: 503, message: "recommendation misbehavior from 'rec-pod'" },
    };
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(503, failing, { headers: JSON_HEADERS });
    const response = await service.app.inject({ url: '/' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.body, "customer v1 => Error: 503 - preference v1 => Error: 503 - recommendation misbehavior from 'rec-pod'\n");
  });

  it("reports a mesh fault's status and words when the body is not a chain", async () => {
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(503, 'fault filter abort', { headers: { 'content-type': 'text/plain' } });
    const response = await service.app.inject({ url: '/', headers: { accept: 'application/json' } });
    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json().error, { kind: 'status', service: 'preference', status: 503, message: 'fault filter abort' });
    const text = await (async () => {
      mock.pool.intercept({ path: '/', method: 'GET' }).reply(403, 'RBAC: access denied');
      return (await service.app.inject({ url: '/' })).body;
    })();
    assert.equal(text, 'customer v1 => Error: 403 - RBAC: access denied\n');
  });

  it('answers 502 when a 2xx body is not a chain', async () => {
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(200, '<html>hello</html>', { headers: { 'content-type': 'text/html' } });
    const response = await service.app.inject({ url: '/' });
    assert.equal(response.statusCode, 502);
    assert.equal(response.body, 'customer v1 => Error: preference sent a response that is not a chain\n');
  });

  it('answers 502 when JSON claims to be a chain but breaks the schema', async () => {
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(200, { chain: [{ service: 'x', hits: 'many' }] }, { headers: JSON_HEADERS });
    const response = await service.app.inject({ url: '/', headers: { accept: 'application/json' } });
    assert.equal(response.statusCode, 502);
    assert.equal(response.json().error.kind, 'invalid-response');
  });

  it('answers 503 naming the downstream and the cause when it cannot be reached', async () => {
    mock.pool
      .intercept({ path: '/', method: 'GET' })
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const response = await service.app.inject({ url: '/' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.body, 'customer v1 => Error: preference unreachable (ECONNREFUSED)\n');
    const metrics = await service.management.inject({ url: '/metrics' });
    assert.match(metrics.body, /mesh_demo_downstream_request_duration_seconds_count\{downstream="preference",outcome="unreachable"\} 1/);
  });

  const dead = (code: string) => Object.assign(new Error(`socket died (${code})`), { code });

  it('sends the GET again when pooled sockets turn out dead, at most twice, and answers from the attempt that works', async () => {
    mock.pool.intercept({ path: '/', method: 'GET' }).replyWithError(dead('ECONNRESET'));
    mock.pool.intercept({ path: '/', method: 'GET' }).replyWithError(dead('UND_ERR_SOCKET'));
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(200, downstreamChain, { headers: JSON_HEADERS });
    const response = await service.app.inject({ url: '/' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, "customer v1 => preference v1 => recommendation v1 from 'rec-pod': 7\n");
    assert.deepEqual(mock.agent.pendingInterceptors(), []);
  });

  it('gives up after three dead sockets in a row with 503 naming the cause, leaving a fourth attempt unsent', async () => {
    mock.pool.intercept({ path: '/', method: 'GET' }).replyWithError(dead('ECONNRESET')).times(3);
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(200, downstreamChain, { headers: JSON_HEADERS });
    const response = await service.app.inject({ url: '/' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.body, 'customer v1 => Error: preference unreachable (ECONNRESET)\n');
    assert.equal(mock.agent.pendingInterceptors().length, 1, 'the 200 was never asked for');
  });

  it('does not send again when the downstream refused the connection (nothing pooled was dead)', async () => {
    mock.pool.intercept({ path: '/', method: 'GET' }).replyWithError(dead('ECONNREFUSED'));
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(200, downstreamChain, { headers: JSON_HEADERS });
    const response = await service.app.inject({ url: '/' });
    assert.equal(response.statusCode, 503);
    assert.equal(mock.agent.pendingInterceptors().length, 1, 'the 200 was never asked for');
  });
});

describe('forward route, timeouts and propagation', () => {
  it('answers 504 after its configured timeout, not after the downstream delay', async () => {
    start(edge, { DOWNSTREAM_TIMEOUT_MS: '100' });
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(200, downstreamChain, { headers: JSON_HEADERS }).delay(2000);
    const started = Date.now();
    const response = await service.app.inject({ url: '/' });
    const elapsed = Date.now() - started;
    assert.equal(response.statusCode, 504);
    assert.equal(response.body, 'customer v1 => Error: preference timed out after 100 ms\n');
    assert.ok(elapsed < 1500, `answered after ${elapsed} ms, before the 2000 ms delay`);
  });

  it('forwards trace and routing headers, a generated request id and baggage-user-agent from the edge', async () => {
    start();
    let seen: Record<string, string> = {};
    mock.pool.intercept({ path: '/', method: 'GET' }).reply((options) => {
      seen = Object.fromEntries(Object.entries(options.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
      return { statusCode: 200, data: JSON.stringify(downstreamChain), responseOptions: { headers: JSON_HEADERS } };
    });
    const response = await service.app.inject({
      url: '/',
      headers: { 'x-b3-traceid': '463ac35c9f6413ad', 'x-b3-sampled': '1', 'user-agent': 'Safari', 'end-user': 'jason', cookie: 'secret=1' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(seen['x-b3-traceid'], '463ac35c9f6413ad');
    assert.equal(seen['x-b3-sampled'], '1');
    assert.equal(seen['user-agent'], 'Safari');
    assert.equal(seen['baggage-user-agent'], 'Safari');
    assert.equal(seen['end-user'], 'jason');
    assert.equal(seen.cookie, undefined);
    assert.equal(seen.accept, 'application/json');
    assert.match(seen['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(response.headers['x-request-id'], seen['x-request-id'], 'the response carries the same id');
  });

  it('keeps an incoming request id and does not set baggage-user-agent past the edge', async () => {
    start(middle);
    let seen: Record<string, string> = {};
    mock.pool.intercept({ path: '/', method: 'GET' }).reply((options) => {
      seen = options.headers as Record<string, string>;
      return { statusCode: 200, data: JSON.stringify(chainOf({ service: 'recommendation' })), responseOptions: { headers: JSON_HEADERS } };
    });
    await service.app.inject({ url: '/', headers: { 'x-request-id': 'abc-123', 'user-agent': 'curl/8' } });
    assert.equal(seen['x-request-id'], 'abc-123');
    assert.equal(seen['baggage-user-agent'], undefined);
  });
});

describe('health, metrics and errors', () => {
  beforeEach(() => start());

  it('answers ready until shutdown starts, then 503 on both ports', async () => {
    assert.equal((await service.app.inject({ url: '/health/ready' })).statusCode, 200);
    assert.equal((await service.management.inject({ url: '/health/live' })).statusCode, 200);
    service.state.ready = false;
    const ready = await service.management.inject({ url: '/health/ready' });
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(ready.json(), { status: 'DOWN' });
    assert.equal((await service.app.inject({ url: '/health/ready' })).statusCode, 503);
    assert.equal((await service.app.inject({ url: '/health/live' })).statusCode, 200);
  });

  it('serves /metrics on the management port only, with request durations by route template', async () => {
    mock.pool.intercept({ path: '/', method: 'GET' }).reply(200, downstreamChain, { headers: JSON_HEADERS });
    await service.app.inject({ url: '/' });
    assert.equal((await service.app.inject({ url: '/metrics' })).statusCode, 404);
    const metrics = await service.management.inject({ url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(
      metrics.body,
      /http_server_request_duration_seconds_count\{http_route="\/",http_request_method="GET",http_response_status_code="200"\} 1/,
    );
    assert.match(metrics.body, /mesh_demo_downstream_request_duration_seconds_count\{downstream="preference",outcome="ok"\} 1/);
    assert.match(metrics.body, /process_resident_memory_bytes/);
  });

  it('answers an unknown route or method with a short 4xx and no internals', async () => {
    for (const request of [{ url: '/nope' }, { url: '/', method: 'DELETE' as const }, { url: '/%E0%A4%A' }]) {
      const response = await service.app.inject(request);
      assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${request.url} -> ${response.statusCode}`);
      assert.doesNotMatch(response.body, /at .*\.(ts|js):\d+|node_modules|stack/i);
    }
  });
});
