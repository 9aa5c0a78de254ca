// The bridge against a stand-in Zipkin on 127.0.0.1: spans arrive converted, Jaeger's side is answered at once whatever Zipkin does.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { freePort } from '@mesh-demo/workspace';
import { ZIPKIN_BRIDGE_MAIN } from '../src/index.ts';
import type { ZipkinSpan } from '../src/otlp-to-zipkin.ts';
import { bridgeSettings, startZipkinBridge, type ZipkinBridge } from '../src/zipkin-bridge.ts';

const TRACE = '5b8efff798038103d269b633813fc60c';

/** A request of `count` server spans of customer, ids 0000000000000001 on. */
function otlp(count: number, from = 1): string {
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId: TRACE,
    spanId: (from + i).toString(16).padStart(16, '0'),
    name: 'GET /',
    kind: 2,
    startTimeUnixNano: '1765093200000000000',
    endTimeUnixNano: '1765093200005000000',
  }));
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'customer' } }] }, scopeSpans: [{ spans }] }],
  });
}

interface FakeZipkin {
  readonly url: string;
  readonly spans: ZipkinSpan[];
  /** What the next POSTs get: 202 (taken), another status, or no answer for `delayMs`. */
  behave(how: { status?: number; delayMs?: number }): void;
  close(): Promise<void>;
}

async function fakeZipkin(): Promise<FakeZipkin> {
  const spans: ZipkinSpan[] = [];
  let how: { status?: number; delayMs?: number } = {};
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', async () => {
      if (how.delayMs) await sleep(how.delayMs);
      const status = how.status ?? 202;
      if (status === 202 && request.url === '/api/v2/spans') spans.push(...(JSON.parse(Buffer.concat(chunks).toString()) as ZipkinSpan[]));
      if (!response.destroyed) response.writeHead(status).end(status === 202 ? '' : 'Cannot decode spans\nmore');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    spans,
    behave: (next) => {
      how = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function post(bridge: ZipkinBridge, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await fetch(`${bridge.url}/v1/traces`, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text() };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

describe('the bridge with Zipkin up', async () => {
  const zipkin = await fakeZipkin();
  const lines: string[] = [];
  const bridge = await startZipkinBridge({ zipkinUrl: zipkin.url, log: (line) => lines.push(line), timeoutMs: 500 });
  after(async () => {
    await bridge.close();
    await zipkin.close();
  });

  it('answers OTLP/JSON with 200 {} and posts the spans to Zipkin as v2 JSON', async () => {
    assert.deepEqual(await post(bridge, otlp(3)), { status: 200, body: '{}' });
    await until('3 spans in Zipkin', () => zipkin.spans.length === 3);
    assert.deepEqual(
      zipkin.spans.map((s) => [s.traceId, s.id, s.localEndpoint.serviceName, s.kind]),
      [1, 2, 3].map((i) => [TRACE, `000000000000000${i}`, 'customer', 'SERVER']),
    );
    assert.deepEqual(bridge.stats(), { received: 3, forwarded: 3, dropped: 0, rejected: 0, pending: 0 });
  });

  it('takes a gzipped body too (the otlphttp exporter gzips unless told not to)', async () => {
    const before = zipkin.spans.length;
    const { status } = await post(bridge, gzipSync(otlp(2, 10)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(status, 200);
    await until('2 more spans in Zipkin', () => zipkin.spans.length === before + 2);
  });

  it('refuses protobuf with 415 and one line saying to send JSON', async () => {
    const { status, body } = await post(bridge, Buffer.from([0x0a, 0x00]), { 'content-type': 'application/x-protobuf' });
    assert.equal(status, 415);
    assert.deepEqual(JSON.parse(body), {
      code: 12,
      message:
        'this bridge takes OTLP/JSON only (content-type application/json), got application/x-protobuf: set encoding: json on the otlphttp exporter',
    });
  });

  it('refuses a body that is not JSON, or not a trace request, with 400 naming the problem', async () => {
    const notJson = await post(bridge, '{"resourceSpans": [');
    assert.equal(notJson.status, 400);
    assert.match(JSON.parse(notJson.body).message, /^the body is not JSON: /);
    const notRequest = await post(bridge, '{"resourceSpans": 5}');
    assert.deepEqual(
      [notRequest.status, JSON.parse(notRequest.body).message],
      [400, 'request.resourceSpans: expected an array, got number 5'],
    );
  });

  it('forwards the good spans of a batch and names the bad ones in an OTLP partialSuccess', async () => {
    const body = JSON.parse(otlp(2, 20));
    body.resourceSpans[0].scopeSpans[0].spans[1].spanId = 'nothex';
    const { status, body: answer } = await post(bridge, JSON.stringify(body));
    assert.equal(status, 200);
    assert.deepEqual(JSON.parse(answer), {
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage: 'resourceSpans[0].scopeSpans[0].spans[1].spanId: expected 16 hex characters, got string "nothex"',
      },
    });
    await until('the good span in Zipkin', () => zipkin.spans.some((s) => s.id === '0000000000000014'));
    assert.equal(bridge.stats().rejected, 1);
  });

  it('answers 405 to other methods on /v1/traces, 404 elsewhere, and GET /health and /stats', async () => {
    const get = await fetch(`${bridge.url}/v1/traces`);
    assert.deepEqual([get.status, get.headers.get('allow')], [405, 'POST']);
    assert.equal((await fetch(`${bridge.url}/v1/metrics`, { method: 'POST', body: '{}' })).status, 404);
    assert.deepEqual(await (await fetch(`${bridge.url}/health`)).json(), { status: 'UP' });
    assert.equal(((await (await fetch(`${bridge.url}/stats`)).json()) as { forwarded: number }).forwarded, bridge.stats().forwarded);
  });

  it('refuses a body over its limit with 413 and keeps serving', async () => {
    const small = await startZipkinBridge({ zipkinUrl: zipkin.url, maxBodyBytes: 1000 });
    try {
      const { status, body } = await post(small, otlp(50));
      assert.equal(status, 413);
      assert.match(JSON.parse(body).message, /over this bridge's limit of 1000/);
      assert.equal((await post(small, otlp(1, 100))).status, 200);
    } finally {
      await small.close();
    }
  });

  it('when Zipkin refuses spans, counts them dropped with its answer, still answering 200; says so once, and again when it recovers', async () => {
    zipkin.behave({ status: 400 });
    const before = bridge.stats();
    for (let i = 0; i < 3; i++) assert.deepEqual(await post(bridge, otlp(2, 30 + i * 2)), { status: 200, body: '{}' });
    await until('6 spans dropped', () => bridge.stats().dropped === before.dropped + 6);
    assert.equal(bridge.stats().lastError, `Zipkin at ${zipkin.url}/api/v2/spans answered 400: Cannot decode spans`);
    zipkin.behave({});
    await post(bridge, otlp(1, 40));
    await until('the span after recovery in Zipkin', () => zipkin.spans.some((s) => s.id === '0000000000000028'));
    assert.deepEqual(lines, [
      `zipkin-bridge: spans are dropped: Zipkin at ${zipkin.url}/api/v2/spans answered 400: Cannot decode spans (Jaeger keeps its own copy; the UI misses these)`,
      `zipkin-bridge: Zipkin at ${zipkin.url}/api/v2/spans takes spans again (6 spans dropped meanwhile)`,
    ]);
  });

  it('when Zipkin is slow, answers Jaeger at once and drops the spans after its timeout', async () => {
    zipkin.behave({ delayMs: 2000 });
    const before = bridge.stats();
    const started = performance.now();
    assert.equal((await post(bridge, otlp(4, 50))).status, 200);
    assert.ok(performance.now() - started < 400, 'the reply does not wait for Zipkin');
    await until('4 spans dropped by the timeout', () => bridge.stats().dropped === before.dropped + 4);
    assert.match(bridge.stats().lastError!, /does not answer \(no answer within 500 ms\)$/);
    zipkin.behave({});
  });
});

describe('the bridge with Zipkin down', () => {
  it('answers every request 200 and counts each span dropped, with the reason', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const bridge = await startZipkinBridge({ zipkinUrl: nobody });
    try {
      for (let i = 0; i < 5; i++) assert.deepEqual(await post(bridge, otlp(3, i * 3 + 1)), { status: 200, body: '{}' });
      await until('15 spans dropped', () => bridge.stats().dropped === 15);
      assert.deepEqual(bridge.stats(), {
        received: 15,
        forwarded: 0,
        dropped: 15,
        rejected: 0,
        pending: 0,
        lastError: `Zipkin at ${nobody}/api/v2/spans does not answer (ECONNREFUSED)`,
      });
    } finally {
      await bridge.close();
    }
  });

  it('drops what comes beyond its queue while Zipkin is behind, instead of holding it', async () => {
    const zipkin = await fakeZipkin();
    zipkin.behave({ delayMs: 1500 });
    const bridge = await startZipkinBridge({ zipkinUrl: zipkin.url, maxQueuedSpans: 10, timeoutMs: 3000 });
    try {
      await post(bridge, otlp(8, 1));
      await post(bridge, otlp(8, 9));
      assert.equal(bridge.stats().dropped, 8);
      assert.match(bridge.stats().lastError!, /is behind: 8 spans already wait for it$/);
      await until('the first 8 in Zipkin', () => zipkin.spans.length === 8 || undefined, 5000);
    } finally {
      await bridge.close();
      await zipkin.close();
    }
  });

  it('close() gives up on a Zipkin that does not answer within its drain time', async () => {
    const zipkin = await fakeZipkin();
    zipkin.behave({ delayMs: 3000 });
    const bridge = await startZipkinBridge({ zipkinUrl: zipkin.url, timeoutMs: 10_000 });
    await post(bridge, otlp(2));
    const started = performance.now();
    await bridge.close(300);
    assert.ok(performance.now() - started < 2000, `close took ${performance.now() - started} ms`);
    assert.deepEqual([bridge.stats().dropped, bridge.stats().pending], [2, 0]);
    await zipkin.close();
  });
});

describe('the bridge process', () => {
  it('reads its settings from flags first, then env, then defaults', () => {
    assert.deepEqual(bridgeSettings([], {}), { host: '127.0.0.1', port: 0, zipkinUrl: 'http://127.0.0.1:9411' });
    assert.deepEqual(bridgeSettings(['--port', '4319'], { ZIPKIN_BRIDGE_PORT: '1', ZIPKIN_URL: 'http://10.0.0.1:9411' }), {
      host: '127.0.0.1',
      port: 4319,
      zipkinUrl: 'http://10.0.0.1:9411',
    });
    assert.deepEqual(bridgeSettings(['--host=::1', '--zipkin-url', 'http://[::1]:9411/'], {}).host, '::1');
  });

  it('refuses a bad setting in one line naming where it came from', () => {
    assert.throws(
      () => bridgeSettings(['--port', 'http'], {}),
      /^Error: --port wants a port number 0-65535 \(0: any free one\), got "http"$/,
    );
    assert.throws(() => bridgeSettings([], { ZIPKIN_BRIDGE_PORT: '70000' }), /^Error: ZIPKIN_BRIDGE_PORT wants a port number/);
    assert.throws(() => bridgeSettings([], { ZIPKIN_URL: 'localhost:9411' }), /^Error: ZIPKIN_URL wants Zipkin's base URL/);
    assert.throws(() => bridgeSettings(['--host', 'my host'], {}), /^Error: --host wants an IP address to listen on, got "my host"$/);
    assert.throws(() => bridgeSettings(['--color'], {}), /^Error: Unknown option '--color'.*; usage: zipkin-bridge-main.ts/);
  });

  it('exits 2 with one line for a bad setting, and 0 on SIGTERM after saying what it forwarded', async () => {
    const bad = spawn(process.execPath, [ZIPKIN_BRIDGE_MAIN, '--port', 'x'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    bad.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise((resolve) => bad.once('exit', resolve));
    assert.deepEqual([code, stderr], [2, 'zipkin-bridge: --port wants a port number 0-65535 (0: any free one), got "x"\n']);

    const port = await freePort();
    const good = spawn(process.execPath, [ZIPKIN_BRIDGE_MAIN], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ZIPKIN_BRIDGE_PORT: String(port), ZIPKIN_URL: `http://127.0.0.1:${await freePort()}` },
    });
    let stdout = '';
    good.stdout.on('data', (d: Buffer) => (stdout += d));
    await until('the bridge to say it listens', () => stdout.includes('listening'), 10_000);
    assert.match(stdout, new RegExp(`^zipkin-bridge: listening on http://127.0.0.1:${port} \\(OTLP/JSON at /v1/traces\\), forwarding to `));
    const answer = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: otlp(1),
    });
    assert.equal(answer.status, 200);
    await until('the span to be dropped', () => stdout.includes('spans are dropped'), 5000);
    good.kill('SIGTERM');
    const exit = await new Promise((resolve) => good.once('exit', resolve));
    assert.equal(exit, 0);
    assert.match(stdout, /zipkin-bridge: stopped on SIGTERM \(0 spans forwarded, 1 dropped, 0 rejected\)\n$/);
  });
});
