// Logs: one JSON line per request with its request id, in pino's format, and never a secret from the request.
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { it } from 'node:test';
import { type Context, type ContextManager, context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { forwardRoutes } from '../src/chain-route.ts';
import { buildService } from '../src/service.ts';
import { chainOf, JSON_HEADERS, mockDownstream, testConfig } from '../src/testing.ts';

it('logs one line per request with request_id and shadow, and no authorization or cookie value even at trace level', async () => {
  const lines: string[] = [];
  const config = testConfig({ name: 'customer', edge: true, downstream: 'preference' }, { LOG_LEVEL: 'trace' });
  const { agent, pool } = mockDownstream(config);
  const service = buildService(config, forwardRoutes, { dispatcher: agent, logStream: { write: (line) => void lines.push(line) } });
  pool.intercept({ path: '/', method: 'GET' }).reply(503, 'RBAC: access denied Bearer-secret-token');
  pool.intercept({ path: '/', method: 'GET' }).reply(200, chainOf({ service: 'preference' }), { headers: JSON_HEADERS });
  await service.app.inject({
    url: '/',
    headers: { authorization: 'Bearer secret-token', cookie: 'session=cookie-secret', 'x-request-id': 'req-42' },
  });
  await service.app.inject({ url: '/', headers: { authorization: 'Bearer secret-token', host: 'customer-shadow' } });
  await service.close();
  await agent.close();

  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const requests = entries.filter((e) => e.msg === 'request');
  assert.equal(requests.length, 2);
  assert.equal(requests[0]!.request_id, 'req-42');
  assert.equal(requests[0]!.status, 503);
  assert.equal(requests[1]!.shadow, true);
  const all = lines.join('\n');
  assert.doesNotMatch(all, /Bearer secret-token|cookie-secret/);
});

/** A context manager on AsyncLocalStorage, as the SDK's, so a span made active in a hook stays active in later hooks. */
function asyncContextManager(storage: AsyncLocalStorage<Context>): ContextManager {
  return {
    active: () => storage.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
    bind: (_ctx, target) => target,
    enable() {
      return this;
    },
    disable() {
      return this;
    },
  };
}

it('writes the request line byte for byte as pino writes the same fields, with and without a span, whatever the URL holds', async () => {
  const lines: string[] = [];
  const config = testConfig({ name: 'recommendation', edge: false }, { LOG_LEVEL: 'info', VERSION: 'v2' });
  const service = buildService(config, () => {}, { logStream: { write: (line) => void lines.push(line) } });
  const storage = new AsyncLocalStorage<Context>();
  const span = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
  let traced = false;
  // The span is made active in a hook, as the tracing instrumentation does, for the rest of the request.
  service.app.addHook('onRequest', (_request, _reply, done) => {
    if (traced) storage.enterWith(trace.setSpan(ROOT_CONTEXT, span));
    done();
  });
  // One route answering whatever it is asked, so the URL can hold quotes, escapes and non-ASCII.
  service.app.get('/*', async () => 'ok');
  context.setGlobalContextManager(asyncContextManager(storage));
  try {
    for (const url of ['/', '/a%22b?q="quoted"&x=\\back', '/caf%C3%A9?name=\u00fc&e=\u2028']) {
      for (traced of [false, true]) {
        lines.length = 0;
        const response = await service.app.inject({ url });
        const written = lines.find((line) => line.includes('"msg":"request"'))!;
        const entry = JSON.parse(written) as Record<string, unknown>;
        assert.equal(entry.trace_id, traced ? '4bf92f3577b34da6a3ce929d0e0e4736' : undefined);
        // What pino writes for the same fields through the request's own logger (its child with the request id).
        const log = service.app.log.child({ request_id: entry.request_id });
        const fields = { method: 'GET', url: entry.url, status: response.statusCode, ms: entry.ms, shadow: false };
        lines.length = 0;
        if (traced) context.with(trace.setSpan(ROOT_CONTEXT, span), () => log.info(fields, 'request'));
        else log.info(fields, 'request');
        const byPino = lines[0]!.replace(/"time":\d+/, `"time":${entry.time}`);
        assert.equal(written, byPino, `url ${url}, ${traced ? 'with' : 'without'} a span`);
      }
    }
  } finally {
    context.disable();
    await service.close();
  }
});

it('writes no request line when LOG_LEVEL leaves info lines out', async () => {
  const lines: string[] = [];
  const config = testConfig({ name: 'recommendation', edge: false }, { LOG_LEVEL: 'warn' });
  const service = buildService(config, () => {}, { logStream: { write: (line) => void lines.push(line) } });
  service.app.get('/', async () => 'ok');
  await service.app.inject({ url: '/' });
  await service.close();
  assert.deepEqual(lines, []);
});
