// Fault controls on the management port and from env: error rate and status, delay, readiness, header scope, metrics.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { chainRoute, hopEntry } from '../src/chain-route.ts';
import { ConfigError, loadConfig, type ServiceDefinition } from '../src/config.ts';
import { decide, delayInverted, NO_FAULTS } from '../src/faults.ts';
import { buildService, type Service } from '../src/service.ts';
import { testConfig } from '../src/testing.ts';

const leaf: ServiceDefinition = { name: 'recommendation', edge: false };
let service: Service;

function start(env: Record<string, string> = {}) {
  service = buildService(testConfig(leaf, env), (app, context) =>
    chainRoute(app, context, async (_r, hop) => ({ chain: [hopEntry(hop, 200)] })),
  );
  return service;
}
afterEach(() => service?.close());

describe('fault controls', () => {
  it('start with no faults, readable with GET /faults', async () => {
    start();
    const response = await service.management.inject({ url: '/faults' });
    assert.deepEqual(response.json(), NO_FAULTS);
  });

  it('PUT /faults with errorRate 1 makes / answer that status with the misbehavior text, counted in metrics', async () => {
    start();
    const put = await service.management.inject({ method: 'PUT', url: '/faults', payload: { errorRate: 1, errorStatus: 500 } });
    assert.equal(put.statusCode, 200);
    assert.deepEqual(put.json(), { errorRate: 1, errorStatus: 500, delayMs: 0, ready: true });
    const answer = await service.app.inject({ url: '/' });
    assert.equal(answer.statusCode, 500);
    assert.equal(answer.body, "recommendation misbehavior from 'recommendation-v1-test'\n");
    const metrics = await service.management.inject({ url: '/metrics' });
    assert.match(metrics.body, /mesh_demo_faults_injected_total\{kind="error",status="500"\} 1/);
    assert.match(metrics.body, /mesh_demo_hits_total\{service="recommendation",version="v1",shadow="false"\} 1/);
  });

  it('scopes a fault to requests carrying the matching header value', async () => {
    start();
    await service.management.inject({
      method: 'PUT',
      url: '/faults',
      payload: { errorRate: 1, match: { header: 'end-user', value: 'jason' } },
    });
    assert.equal((await service.app.inject({ url: '/', headers: { 'end-user': 'jason' } })).statusCode, 503);
    assert.equal((await service.app.inject({ url: '/', headers: { 'end-user': 'other' } })).statusCode, 200);
    assert.equal((await service.app.inject({ url: '/' })).statusCode, 200);
  });

  it('delays / by delayMs', async () => {
    start();
    await service.management.inject({ method: 'PUT', url: '/faults', payload: { delayMs: 300 } });
    const started = performance.now();
    const answer = await service.app.inject({ url: '/' });
    assert.equal(answer.statusCode, 200);
    assert.ok(performance.now() - started >= 290, 'waited for the delay');
    assert.match(
      (await service.management.inject({ url: '/metrics' })).body,
      /mesh_demo_faults_injected_total\{kind="delay",status=""\} 1/,
    );
  });

  it('turns readiness off and on without stopping the service', async () => {
    start();
    await service.management.inject({ method: 'PUT', url: '/faults', payload: { ready: false } });
    assert.equal((await service.management.inject({ url: '/health/ready' })).statusCode, 503);
    assert.equal((await service.app.inject({ url: '/' })).statusCode, 200);
    await service.management.inject({ method: 'DELETE', url: '/faults' });
    assert.equal((await service.management.inject({ url: '/health/ready' })).statusCode, 200);
  });

  it('is not reachable on the public port', async () => {
    start();
    assert.equal((await service.app.inject({ method: 'PUT', url: '/faults', payload: { errorRate: 1 } })).statusCode, 404);
    assert.equal((await service.app.inject({ url: '/faults' })).statusCode, 404);
  });

  const badBodies: Array<[string, unknown, number]> = [
    ['an unknown field', { errorRte: 1 }, 400],
    ['a rate above 1', { errorRate: 2 }, 400],
    ['a status below 400', { errorRate: 1, errorStatus: 200 }, 400],
    ['delayMaxMs below delayMs', { delayMs: 500, delayMaxMs: 100 }, 400],
    ['a header name with a space', { match: { header: 'end user', value: 'x' } }, 400],
    ['a deeply nested JSON bomb', JSON.parse(`${'{"match":'.repeat(200)}{}${'}'.repeat(200)}`), 400],
    ['a body over 4 KiB', { match: { header: 'x', value: 'v'.repeat(5000) } }, 413],
  ];
  for (const [what, payload, status] of badBodies) {
    it(`refuses ${what} with a short ${status} and keeps the faults it had`, async () => {
      start({ FAULT_DELAY_MS: '1' });
      const response = await service.management.inject({ method: 'PUT', url: '/faults', payload: payload as object });
      assert.equal(response.statusCode, status);
      assert.doesNotMatch(response.body, /at .*\.(ts|js):\d+|node_modules/);
      assert.equal((await service.management.inject({ url: '/faults' })).json().delayMs, 1);
    });
  }
});

describe('faults from env', () => {
  it('reads FAULT_* so a pod can start faulty', () => {
    const config = loadConfig(leaf, {
      HOSTNAME: 'x',
      FAULT_ERROR_RATE: '0.25',
      FAULT_ERROR_STATUS: '502',
      FAULT_DELAY_MS: '100',
      FAULT_DELAY_MAX_MS: '300',
      FAULT_READY: 'false',
      FAULT_MATCH: 'User-Preference=v2',
    });
    assert.deepEqual(config.faults, {
      errorRate: 0.25,
      errorStatus: 502,
      delayMs: 100,
      delayMaxMs: 300,
      ready: false,
      match: { header: 'user-preference', value: 'v2' },
    });
  });

  for (const [variable, value, message] of [
    ['FAULT_ERROR_RATE', '50%', /^invalid FAULT_ERROR_RATE: must be number/],
    ['FAULT_ERROR_STATUS', '200', /^invalid FAULT_ERROR_STATUS: must be >= 400/],
    ['FAULT_READY', 'maybe', /^invalid FAULT_READY: must be boolean/],
    ['FAULT_MATCH', 'jason', /^invalid FAULT_MATCH: must be header-name=value/],
    // 65 characters: PUT /faults refuses that header name, so env does too.
    ['FAULT_MATCH', `${'x'.repeat(65)}=1`, /^invalid FAULT_MATCH: must be header-name=value/],
  ] as const) {
    it(`rejects ${variable}=${value} naming the variable`, () => {
      assert.throws(
        () => loadConfig(leaf, { HOSTNAME: 'x', [variable]: value }),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    });
  }

  it('rejects FAULT_DELAY_MAX_MS below FAULT_DELAY_MS', () => {
    assert.throws(
      () => loadConfig(leaf, { HOSTNAME: 'x', FAULT_DELAY_MS: '500', FAULT_DELAY_MAX_MS: '10' }),
      /invalid FAULT_DELAY_MAX_MS: must be >= FAULT_DELAY_MS/,
    );
  });
});

describe('decide', () => {
  it('draws a random delay inside [delayMs, delayMaxMs] and errors at the given rate', () => {
    const faults = { ...NO_FAULTS, delayMs: 100, delayMaxMs: 200, errorRate: 0.5 };
    assert.deepEqual(
      decide(
        faults,
        () => undefined,
        () => 0,
      ),
      { delayMs: 100, errorStatus: 503 },
    );
    assert.deepEqual(
      decide(
        faults,
        () => undefined,
        () => 0.99,
      ),
      { delayMs: 199 },
    );
  });
});

describe('delayInverted', () => {
  it('is the one delay rule: a maximum below the delay is inverted, an equal or missing one is not', () => {
    assert.equal(delayInverted({ delayMs: 100, delayMaxMs: 99 }), true);
    assert.equal(delayInverted({ delayMs: 100, delayMaxMs: 100 }), false);
    assert.equal(delayInverted({ delayMs: 100 }), false);
  });
});
