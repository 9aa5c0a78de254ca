// Load shedding in one process: beyond MAX_IN_FLIGHT, or with the event loop lagging, a request is answered 503 with
// Retry-After at once and never reaches its route; the management port keeps answering; 0 turns each bound off.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildService, type Service } from '../src/service.ts';
import { testConfig } from '../src/testing.ts';

const LEAF = { name: 'recommendation', edge: false };

/** A service whose GET / waits until released (unless `hold` is false), counting the requests that reached it. */
function heldService(env: Record<string, string>, hold = true) {
  let release: () => void = () => {};
  let held = new Promise<void>((resolve) => (release = resolve));
  const state = { reached: 0 };
  const service: Service = buildService(testConfig(LEAF, env), (app: FastifyInstance) => {
    app.get('/', async () => {
      state.reached++;
      if (hold) await held;
      return 'done\n';
    });
  });
  return {
    service,
    state,
    release() {
      release();
      held = new Promise<void>((resolve) => (release = resolve));
    },
  };
}

/** Wait, with a described limit, until `check` holds (the route has been reached by every request sent). */
async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Block the event loop for `ms`: what a CPU-bound process does to every request it holds. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe('admission: MAX_IN_FLIGHT', () => {
  test('the request beyond the bound gets 503, Retry-After and a line naming the bound, without reaching the route', async () => {
    const { service, state, release } = heldService({ MAX_IN_FLIGHT: '2', RETRY_AFTER_SECONDS: '3' });
    const first = [service.app.inject('/'), service.app.inject('/')];
    await until('two requests in the route', () => state.reached === 2);
    const shed = await service.app.inject('/');
    assert.equal(shed.statusCode, 503);
    assert.equal(shed.headers['retry-after'], '3');
    assert.equal(shed.body, 'recommendation is overloaded: 2 requests in flight (MAX_IN_FLIGHT); retry after 3 s\n');
    assert.equal(state.reached, 2);
    release();
    assert.deepEqual(
      (await Promise.all(first)).map((r) => r.statusCode),
      [200, 200],
    );
    // Room again once they are answered.
    const next = service.app.inject('/');
    await until('the next request in the route', () => state.reached === 3);
    release();
    assert.equal((await next).statusCode, 200);
    await service.close();
  });

  test('the management port answers health, readiness and metrics while the public port sheds', async () => {
    const { service, state, release } = heldService({ MAX_IN_FLIGHT: '1' });
    const held = service.app.inject('/');
    await until('one request in the route', () => state.reached === 1);
    assert.equal((await service.app.inject('/')).statusCode, 503);
    for (const url of ['/health/live', '/health/ready', '/metrics']) {
      assert.equal((await service.management.inject(url)).statusCode, 200, url);
    }
    release();
    await held;
    await service.close();
  });

  test('MAX_IN_FLIGHT=0 sheds nothing: five held requests all reach the route (the control)', async () => {
    const { service, state, release } = heldService({ MAX_IN_FLIGHT: '0', MAX_EVENT_LOOP_DELAY_MS: '0' });
    const all = Array.from({ length: 5 }, () => service.app.inject('/'));
    await until('five requests in the route', () => state.reached === 5);
    release();
    assert.deepEqual(
      (await Promise.all(all)).map((r) => r.statusCode),
      [200, 200, 200, 200, 200],
    );
    await service.close();
  });
});

describe('admission: MAX_EVENT_LOOP_DELAY_MS', () => {
  /** Requests sent while the loop is kept busy, sampled over `rounds` (under-pressure samples the delay every second). */
  async function underLag(env: Record<string, string>, rounds: number) {
    const { service, state } = heldService({ MAX_IN_FLIGHT: '0', ...env }, false);
    await service.app.ready();
    const answers: { status: number; retryAfter: unknown; body: string }[] = [];
    for (let i = 0; i < rounds; i++) {
      busy(200);
      const r = await service.app.inject('/');
      answers.push({ status: r.statusCode, retryAfter: r.headers['retry-after'], body: r.body });
      if (r.statusCode === 503) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await service.close();
    return { answers, reached: state.reached };
  }

  test('with the loop lagging past the bound, a request gets 503 and Retry-After naming the lag, and never reaches the route', async () => {
    const { answers, reached } = await underLag({ MAX_EVENT_LOOP_DELAY_MS: '20' }, 16);
    const shed = answers.find((a) => a.status === 503);
    assert.ok(shed, `no request shed in ${answers.length} rounds of 200 ms lag: ${answers.map((a) => a.status)}`);
    assert.equal(shed.retryAfter, '1');
    assert.match(shed.body, /^recommendation is overloaded: its event loop lags \d+ ms \(MAX_EVENT_LOOP_DELAY_MS 20\); retry after 1 s\n$/);
    assert.equal(reached, answers.length - 1, 'the shed request reached the route');
  });

  test('MAX_EVENT_LOOP_DELAY_MS=0 sheds nothing under the same lag (the control)', async () => {
    const { answers } = await underLag({ MAX_EVENT_LOOP_DELAY_MS: '0' }, 12);
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
  });
});
