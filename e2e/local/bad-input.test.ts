// A corpus of bad input against every service as a real process: each gets a clean answer, the process stays up,
// counters stay exact, and no answer carries a stack trace or internal detail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import { SERVICES, type ServiceName, serviceEntry } from '@mesh-demo/workspace';
import { rawRequest, slowloris } from '../support/raw.ts';

const LEAKS = /\bat .*\.(ts|js):\d+|node_modules|\/work\/|Error: .*\n\s+at |"stack"/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Case {
  readonly name: string;
  readonly request: string | Buffer;
  /** Statuses that count as a clean answer. */
  readonly expect: readonly number[];
  /** True when the request reaches `/` and so counts a hit. */
  readonly hits?: boolean;
}

const get = (headers: string, path = '/') => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${headers}Connection: close\r\n\r\n`;

const corpus: Case[] = [
  { name: 'oversized headers', request: get(`X-Big: ${'a'.repeat(20_000)}\r\n`), expect: [431] },
  { name: 'many headers', request: get(Array.from({ length: 2000 }, (_, i) => `X-H${i}: v\r\n`).join('')), expect: [431] },
  {
    name: 'malformed b3 and traceparent and baggage',
    request: get('b3: not-a-b3\r\ntraceparent: 00-zz-yy-01\r\nbaggage: ;;;===\r\nx-b3-traceid: xyz\r\n'),
    expect: [200],
    hits: true,
  },
  { name: 'a huge x-request-id', request: get(`x-request-id: ${'r'.repeat(3000)}\r\n`), expect: [200], hits: true },
  { name: 'a malformed x-request-id', request: get('x-request-id: <script>alert(1)</script>\r\n'), expect: [200], hits: true },
  { name: 'a bare CR inside a header value', request: get('user: jason\rx-injected: 1\r\n'), expect: [400] },
  { name: 'an obs-fold continuation line', request: get('user: jason\r\n injected: 1\r\n'), expect: [400] },
  { name: 'an unknown method', request: 'BREW / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', expect: [400] },
  { name: 'DELETE on /', request: 'DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', expect: [404] },
  { name: 'path traversal', request: get('', '/../../etc/passwd'), expect: [404, 400] },
  { name: 'encoded path traversal', request: get('', '/%2e%2e/%2e%2e/etc/passwd'), expect: [404, 400] },
  { name: 'invalid percent-encoding', request: get('', '/%E0%A4%A'), expect: [400] },
  {
    name: 'a body on GET',
    request: 'GET / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{"a":"bomb"}\n',
    // Refused before any route (RFC 9110 §9.3.1): a body one hop ignores and another reads is how requests are smuggled.
    expect: [400],
  },
  {
    name: 'a JSON bomb body on GET',
    request: `GET / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\nConnection: close\r\n\r\n${'['.repeat(2000)}${']'.repeat(2000)}`,
    expect: [400],
  },
  { name: 'an unknown Accept', request: get('Accept: application/x-klingon\r\n'), expect: [200], hits: true },
  { name: 'a request line that is not HTTP', request: 'HELLO\r\n\r\n', expect: [400] },
  { name: 'a NUL byte in the path', request: Buffer.from('GET /\u0000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), expect: [400] },
];

describe('bad input against every service', () => {
  let chain: LocalServices;
  before(async () => {
    chain = await startLocalServices({ env: { REQUEST_TIMEOUT_MS: '2000' } });
  });
  after(() => chain?.stopAll());

  for (const name of SERVICES) {
    describe(name, () => {
      const port = () => Number(new URL(chain.url(name)).port);
      let expectedHits = 0;

      for (const item of corpus) {
        it(`answers ${item.name} with ${item.expect.join(' or ')} and no internals`, async () => {
          const answer = await rawRequest(port(), item.request).catch((error: Error) =>
            assert.fail(`${error.message}; ${chain.describe(name)}`),
          );
          assert.ok(
            answer.status !== undefined && item.expect.includes(answer.status),
            `got ${answer.status}: ${answer.text.slice(0, 200)}; ${chain.describe(name)}`,
          );
          assert.doesNotMatch(answer.text, LEAKS);
          if (item.hits && answer.status === 200) expectedHits += 1;
          if (answer.status === 200) {
            const id = /x-request-id: (.*)\r\n/i.exec(answer.text)?.[1] ?? '';
            if (item.name.includes('x-request-id')) assert.match(id, UUID, 'the bad request id was replaced');
          }
        });
      }

      it('cuts off a slowloris client with its request timeout', async () => {
        const { text } = await slowloris(port());
        assert.ok(text === '' || /^HTTP\/1\.1 408/.test(text), `cut off with ${JSON.stringify(text.slice(0, 40))}`);
      });

      it('is still up, and its hit counter and metrics count exactly the requests that reached /', async () => {
        const ready = await fetch(`${chain.managementUrl(name)}/health/ready`);
        assert.equal(ready.status, 200);
        const metrics = await (await fetch(`${chain.managementUrl(name)}/metrics`)).text();
        const served = [...metrics.matchAll(/^mesh_demo_hits_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
        // Edge and middle hops also count the requests their callers sent while the corpus ran against them.
        const fromCallers = await callerHits(chain, name);
        assert.equal(served, expectedHits + fromCallers);
      });
    });
  }
});

/** Hits a service got from the services above it (their own hits, since each hit calls down once). */
async function callerHits(chain: LocalServices, name: ServiceName): Promise<number> {
  const callers: Record<ServiceName, ServiceName[]> = {
    customer: [],
    partner: [],
    preference: ['customer', 'partner'],
    recommendation: ['preference'],
  };
  let total = 0;
  for (const caller of callers[name]) {
    const metrics = await (await fetch(`${chain.managementUrl(caller)}/metrics`)).text();
    total += [...metrics.matchAll(/^mesh_demo_hits_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  }
  return total;
}

describe('config errors', () => {
  const cases: Array<[ServiceName, string, string, RegExp]> = [
    ['customer', 'PORT', 'eighty', /^customer: invalid PORT: must be integer \(got "eighty"\)$/],
    ['partner', 'PREFERENCE_URL', 'ftp://x', /^partner: invalid PREFERENCE_URL: must be an http\(s\) origin/],
    ['preference', 'DOWNSTREAM_TIMEOUT_MS', 'soon', /^preference: invalid DOWNSTREAM_TIMEOUT_MS: must be integer/],
    ['recommendation', 'LOG_LEVEL', 'chatty', /^recommendation: invalid LOG_LEVEL: must be one of/],
    ['recommendation', 'FAULT_ERROR_RATE', '7', /^recommendation: invalid FAULT_ERROR_RATE: must be <= 1/],
  ];
  for (const [service, variable, value, expected] of cases) {
    it(`${service} exits non-zero with one line naming ${variable}`, () => {
      const run = spawnSync(process.execPath, [serviceEntry(service)], {
        env: { ...process.env, [variable]: value },
        encoding: 'utf8',
        timeout: 15_000,
      });
      assert.equal(run.status, 78);
      assert.equal(run.stdout, '');
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, expected);
    });
  }

  it('names every bad variable in that one line, so one restart shows all there is to fix', () => {
    const env = {
      ...process.env,
      PORT: 'eighty',
      LOG_LEVEL: 'chatty',
      PREFERENCE_URL: 'ftp://x',
      FAULT_DELAY_MS: '500',
      FAULT_DELAY_MAX_MS: '10',
    };
    const run = spawnSync(process.execPath, [serviceEntry('customer')], { env, encoding: 'utf8', timeout: 15_000 });
    assert.equal(run.status, 78);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(
      lines[0]!,
      /^customer: invalid PORT: .*; invalid LOG_LEVEL: .*; invalid PREFERENCE_URL: .*; invalid FAULT_DELAY_MAX_MS: must be >= FAULT_DELAY_MS \(got 10 < 500\)$/,
    );
  });
});
