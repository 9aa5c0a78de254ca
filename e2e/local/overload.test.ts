// Overload on real processes: the leaf slowed to 3 s and 1,500 clients at customer, about ten times what the chain can
// serve. With admission bounded, every answer is 200 or an immediate 503 with Retry-After, management keeps answering
// and nothing breaks; without it (the control), callers wait to the 5 s deadline and get 504. Figures go to the report.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import { get } from '../support/http.ts';
import { type Outcome, startLoad, tally } from '../support/load.ts';
import { until } from '../support/poll.ts';

const CLIENTS = 1500;
const LOAD_MS = 8000;
const CHAIN = ['customer', 'preference', 'recommendation'] as const;

/** Resident memory of a process in MB, from /proc (what a pod's memory limit counts). */
function rssMb(chain: LocalServices, name: (typeof CHAIN)[number]): number {
  const status = readFileSync(`/proc/${chain.processes.get(name)!.child.pid}/status`, 'utf8');
  return Math.round(Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) / 1024);
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!) : Number.NaN;
}

/** The chain with the leaf 3 s slow, customer under CLIENTS clients for LOAD_MS; management probed half-way. */
async function overload(t: TestContext, env: Record<string, string>) {
  const chain = await startLocalServices({
    only: CHAIN,
    env: { OTEL_TRACES_EXPORTER: 'none', LOG_LEVEL: 'warn', ...env },
    envFor: { recommendation: { FAULT_DELAY_MS: '3000' } },
  });
  try {
    const idle = rssMb(chain, 'customer');
    const load = startLoad(chain.url('customer'), CLIENTS, { honourRetryAfter: true, maxMs: LOAD_MS });
    // Mid-load: once a thousand answers are in, the pool is full and the rest are being shed (or queued, without bound).
    await until('a thousand answers under load', async () => (load.outcomes.length >= 1000 ? true : undefined), LOAD_MS, 100);
    const management = await Promise.all(['/health/live', '/metrics'].map((p) => get(`${chain.managementUrl('customer')}${p}`)));
    const underLoad = rssMb(chain, 'customer');
    await load.stop();
    const next = await get(chain.url('customer'));
    const outcomes: Outcome[] = load.outcomes;
    const shed = outcomes.filter((o) => o.status === 503);
    t.diagnostic(
      `${JSON.stringify(tally(outcomes))}; shed p50/p99 ${percentile(
        shed.map((o) => o.ms),
        50,
      )}/${percentile(
        shed.map((o) => o.ms),
        99,
      )} ms; ` + `customer RSS idle ${idle} MB, under load ${underLoad} MB, after ${rssMb(chain, 'customer')} MB`,
    );
    return { outcomes, shed, management: management.map((r) => r.status), next };
  } finally {
    await chain.stopAll();
  }
}

describe('overload at about ten times capacity (leaf slowed to 3 s)', () => {
  it('answers every request 200 or at once 503 with Retry-After: 1; management answers throughout; the next request is 200', async (t) => {
    const { outcomes, shed, management, next } = await overload(t, {});
    const counts = tally(outcomes);
    assert.deepEqual(Object.keys(counts).sort(), ['200', '503'], `only 200 and 503, no socket errors or 504s: ${JSON.stringify(counts)}`);
    assert.ok(
      shed.every((o) => o.retryAfter === '1'),
      'every 503 carries Retry-After: 1',
    );
    assert.ok(
      shed.every((o) => /^customer is overloaded: 256 requests in flight \(MAX_IN_FLIGHT\); retry after 1 s\n$/.test(o.body ?? '')),
      `a 503 that is not customer's shed answer: ${JSON.stringify(shed.find((o) => !o.body?.startsWith('customer is overloaded')))}`,
    );
    assert.deepEqual(management, [200, 200], '/health/live and /metrics on the management port during the load');
    assert.equal(next.status, 200, 'the first request after the load');
  });

  it('without the bound (MAX_IN_FLIGHT=0, the control) callers queue for the pool and get 504 at the 5 s deadline', async (t) => {
    const { outcomes } = await overload(t, { MAX_IN_FLIGHT: '0', MAX_EVENT_LOOP_DELAY_MS: '0' });
    const counts = tally(outcomes);
    assert.ok((counts['504'] ?? 0) > 0, `no 504 without shedding: ${JSON.stringify(counts)}`);
    assert.equal(counts['503'] ?? 0, 0, `503s without shedding: ${JSON.stringify(counts)}`);
  });
});
