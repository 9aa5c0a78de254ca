// The ambiguous-request corpus through the real local mesh: at the edge (the host's Envoy, which rewrites Host to the
// Route's) and straight at the ingress gateway's pod. Envoy refuses some cases itself and rewrites others into a
// well-formed request it forwards (what the app then sees has one Host, one field, CRLF lines): which ones is pinned
// below, so a change in Envoy's behaviour shows; the refusing layer of each case goes to the report.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { getStatus } from '@mesh-demo/mesh';
import { until } from '../support/poll.ts';
import { CORPUS } from '../support/protocol-corpus.ts';
import { rawExchange } from '../support/raw.ts';
import { ensureMesh } from './support/lifecycle.ts';
import { applyStep, EDGE } from './support/mesh.ts';

const ROUTE_HOST = 'customer-mesh-demo.apps-crc.testing';

// What Envoy forwards after rewriting it, measured on the local mesh (Envoy 1.40): repeated Content-Type and
// Authorization are joined into one field, obs-fold unfolded, bare CR and LF taken as line ends; the edge also
// replaces Host (it routes by port) and takes an absolute-form target's authority, as RFC 9112 §3.2.2 lets a proxy.
const SHARED = [
  'two Content-Type fields',
  'two Authorization fields',
  'an obs-fold continuation line',
  'a bare CR inside a field value',
  'bare LF line endings',
];
const FORWARDED: Record<string, readonly string[]> = {
  gateway: SHARED,
  edge: [
    ...SHARED,
    'two Host fields',
    'a Host value with userinfo',
    'an empty Host',
    'a Host port that is not digits',
    'an absolute-form target whose authority disagrees with Host',
  ],
};

/**
 * customer v1's hit count, from a chain answered through the edge: every request that reached customer moves it by one
 * (step 02 routes every call to customer v1, one pod).
 */
async function customerHits(): Promise<number> {
  const response = await fetch(EDGE.customer, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { chain: { service: string; version: string; hits: number }[] };
  assert.equal(response.status, 200, JSON.stringify(body));
  assert.deepEqual([body.chain[0]?.service, body.chain[0]?.version], ['customer', 'v1']);
  return body.chain[0]!.hits;
}

/**
 * Who answered: the kit (its text names the rule), an Istio proxy (`server: istio-envoy`: the gateway, or customer's
 * sidecar), or the edge's Envoy (it answers with no server field); a 404 from Istio's is the gateway finding no route.
 */
function layerAt(target: string, status: number | undefined, text: string): string {
  if (/\r\n\r\nbad request: .+ \(RFC \d+ section [\d.]+\)\n$/.test(text)) return 'app (kit)';
  if (/\r\nserver: istio-envoy\r\n/i.test(text)) return status === 404 ? 'gateway: no route' : status === 200 ? 'forwarded' : 'gateway';
  if (!text) return 'closed without an answer';
  return target === 'edge' ? 'edge Envoy' : 'unknown';
}

describe('ambiguous requests through the local mesh', () => {
  let targets: { name: string; port: number; host: string; address: string }[];
  before(async () => {
    await ensureMesh();
    await applyStep('02-mesh');
    // The counter is per pod: wait until customer v1 is one pod (a step before may have left replicas draining).
    await until(
      'one running pod of customer v1',
      async () => {
        const pods = (await getStatus()).pods.filter(
          (p) => p.namespace === 'mesh-demo' && p.labels.app === 'customer' && p.labels.version === 'v1',
        );
        return pods.length === 1 && pods[0]!.ready && pods[0]!.phase === 'Running' ? true : undefined;
      },
      180_000,
      1000,
    );
    const gateway = (await getStatus()).pods.find(
      (p) => p.namespace === 'istio-ingress' && p.name.startsWith('istio-ingressgateway-') && p.ready,
    );
    assert.ok(gateway, 'no ready ingress gateway pod');
    targets = [
      { name: 'edge', address: '127.0.0.1', port: Number(new URL(EDGE.customer).port), host: 'localhost:8080' },
      { name: 'gateway', address: gateway.ip, port: 8080, host: ROUTE_HOST },
    ];
  });

  it("a well-formed request reaches customer through each, and moves customer v1's hit counter by one (the control)", async () => {
    for (const t of targets) {
      const first = await customerHits();
      const answer = await rawExchange(t.port, `GET / HTTP/1.1\r\nHost: ${t.host}\r\nConnection: close\r\n\r\n`, 5000, t.address);
      assert.equal(answer.status, 200, `${t.name}: ${answer.text.slice(0, 300)}`);
      assert.equal(await customerHits(), first + 2, `${t.name}: the control and the probe after it`);
    }
  });

  it('every other case is refused at the edge and at the gateway; only the rewritten ones reach customer; each layer reported', async (t) => {
    const first = await customerHits();
    const rows: string[] = [];
    const passed: string[] = [];
    for (const c of CORPUS) {
      const cells: string[] = [];
      for (const target of targets) {
        // 1.5 s for the close: Envoy closes at once after a refusal; a forwarded case keeps its connection.
        const answer = await rawExchange(target.port, c.request('/', target.host), 1500, target.address);
        cells.push(`${answer.status ?? '-'} ${layerAt(target.name, answer.status, answer.text)}${answer.closedByServer ? ', closed' : ''}`);
        if (answer.status === undefined || answer.status < 400) passed.push(`${target.name}: ${c.name}`);
      }
      rows.push(`| ${c.name} | ${c.rule} | ${cells.join(' | ')} |`);
    }
    t.diagnostic(`\n| case | rule | edge | gateway |\n|---|---|---|---|\n${rows.join('\n')}`);
    const expected = CORPUS.flatMap((c) =>
      targets.filter((target) => FORWARDED[target.name]!.includes(c.name)).map((target) => `${target.name}: ${c.name}`),
    );
    assert.deepEqual(passed, expected, 'the cases Envoy forwards, rewritten');
    assert.equal(await customerHits(), first + expected.length + 1, 'a refused case reached customer');
  });
});
