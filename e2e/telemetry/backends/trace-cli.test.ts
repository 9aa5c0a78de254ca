// `./pnpmw trace` against a real Jaeger fed by the real chain: the local trace view, since the Go-built Jaeger has no UI.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { freePort } from '@mesh-demo/workspace';
import { run } from '../../support/cli.ts';
import { until as eventually } from '../../support/poll.ts';
import { type JaegerTrace, serviceNames } from '../support/jaeger.ts';
import { get, tracedServices } from '../support/services.ts';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** The rows under the column titles, each cut to its tree, service and operation, and its status. */
function rows(stdout: string): Array<{ span: string; status: string }> {
  const lines = stdout.trimEnd().split('\n');
  const titles = lines.findIndex((l) => l.startsWith('SPAN '));
  assert.ok(titles > 0, `a table of spans:\n${stdout}`);
  return lines.slice(titles + 1).map((l) => {
    const match = /^(.*?)\s+\+[\d.]+ m?s\s+[\d.]+ m?s\s+(.+)$/.exec(l);
    assert.ok(match, `a span row: ${l}`);
    return { span: match[1]!, status: match[2]! };
  });
}

describe('./pnpmw trace with a real Jaeger', () => {
  const traced = tracedServices({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_BSP_SCHEDULE_DELAY: '100', LOG_LEVEL: 'info' });
  const trace = (...args: string[]) => run('./pnpmw', ['trace', ...args, '--jaeger', traced.jaeger.queryUrl]);

  /**
   * Sends one request with a fresh x-request-id and waits until Jaeger holds its spans from every hop (so the CLI is
   * not raced against the export); returns its trace id, read from the edge's request log line.
   */
  async function send(
    edge: 'customer' | 'partner',
    headers: Record<string, string> = {},
    expected = 200,
  ): Promise<{ id: string; traceId: string }> {
    const id = headers['x-request-id'] ?? `trace-cli-${hex(4)}`;
    assert.equal((await get(traced.services.url(edge), { ...headers, 'x-request-id': id })).status, expected);
    const line = await eventually(`${edge}'s request log line for ${id}`, async () =>
      traced.services.logs.get(edge)!.find((l) => l.includes(`"request_id":"${id}"`) && l.includes('"msg":"request"')),
    );
    const traceId = String((JSON.parse(line) as { trace_id?: string }).trace_id);
    await eventually(`trace ${traceId} from every hop in Jaeger`, async () => {
      const found = await traced.jaeger.trace<JaegerTrace>(traceId);
      return found && [edge, 'preference', 'recommendation'].every((s) => serviceNames(found).has(s)) ? true : undefined;
    });
    return { id, traceId };
  }

  test('a trace id prints the chain as a tree: customer, preference under it, recommendation under that, each GET / 200', async () => {
    const traceId = hex(16);
    await send('customer', { 'x-b3-traceid': traceId, 'x-b3-spanid': hex(8), 'x-b3-sampled': '1' });
    const out = await trace(traceId);
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stdout,
      new RegExp(`^trace ${traceId}: 3 spans from customer, preference, recommendation, [\\d.]+ m?s, started \\d{4}-`),
    );
    assert.deepEqual(rows(out.stdout), [
      { span: 'customer GET /', status: '200' },
      { span: '└─ preference GET /', status: '200' },
      { span: '   └─ recommendation GET /', status: '200' },
    ]);
  });

  test('--request-id finds the trace of the request sent with that x-request-id; --last the newest; --service narrows --last', async () => {
    const viaCustomer = await send('customer');
    const viaPartner = await send('partner');

    const byId = await trace('--request-id', viaCustomer.id);
    assert.equal(byId.code, 0, byId.stderr);
    assert.match(byId.stdout, new RegExp(`^trace ${viaCustomer.traceId}:`));

    const last = await trace('--last');
    assert.equal(last.code, 0, last.stderr);
    assert.match(last.stdout, new RegExp(`^trace ${viaPartner.traceId}:`));
    assert.equal(rows(last.stdout)[0]!.span, 'partner GET /');

    const lastOfCustomer = await trace('--last', '--service', 'customer');
    assert.match(lastOfCustomer.stdout, new RegExp(`^trace ${viaCustomer.traceId}:`));
  });

  test('a hop that fails shows ERROR with the status it answered, all the way up', async () => {
    const faults = `${traced.services.managementUrl('recommendation')}/faults`;
    const set = await fetch(faults, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 1, errorStatus: 503 }),
    });
    assert.equal(set.status, 200, await set.text());
    try {
      const { traceId } = await send('customer', {}, 503);
      const out = await trace(traceId);
      assert.deepEqual(
        rows(out.stdout).map((r) => r.status),
        ['ERROR 503', 'ERROR 503', 'ERROR 503'],
      );
    } finally {
      await fetch(faults, { method: 'DELETE' });
    }
  });

  test('a malformed id, an id Jaeger does not have, and no Jaeger at all each end in one line naming the problem', async () => {
    const bad = await trace('not-hex');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^trace: a trace id is up to 32 hex digits \(got "not-hex"\)\nusage: /);

    const unknown = await trace(hex(16));
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /^trace: Jaeger at http:\/\/127\.0\.0\.1:\d+ has no trace [0-9a-f]{32} \(spans arrive about a second after the request/,
    );
    assert.equal(unknown.stderr.trim().split('\n').length, 1);

    const nobody = `http://127.0.0.1:${await freePort()}`;
    const down = await run('./pnpmw', ['trace', '--last', '--jaeger', nobody]);
    assert.equal(down.code, 1);
    assert.equal(down.stderr, `trace: no Jaeger query API at ${nobody} (ECONNREFUSED)\n`);
  });
});
