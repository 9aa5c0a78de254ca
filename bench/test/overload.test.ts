// The overload generator's summary: what counts as shed, admitted, other or an error, and its latencies.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorCount, type Outcome, summarise } from '../src/overload-load.ts';

const run = { clients: 3, seconds: 4, settledAfter: 2, cpus: '1', cpuSeconds: 0.5 };

test('a 503 with Retry-After is shed, a 503 without it is another answer, a 200 is admitted', () => {
  const outcomes: Outcome[] = [
    { status: 503, retryAfter: true, ms: 2, at: 0.1 },
    { status: 503, retryAfter: false, ms: 4, at: 0.2 },
    { status: 200, ms: 3001, at: 0.3 },
    { status: 504, ms: 5000, at: 0.4 },
  ];
  const summary = summarise(outcomes, run);
  assert.deepEqual(summary.byStatus, { '200': 1, '503': 2, '504': 1 });
  assert.equal(summary.shed, 1);
  assert.equal(summary.other, 2);
  assert.equal(summary.requests, 4);
  assert.deepEqual(summary.okMs, { p50: 3001, p99: 3001, max: 3001 });
});

test('requests without an HTTP answer are counted by their error code, not as statuses', () => {
  const summary = summarise(
    [
      { error: 'ECONNRESET', ms: 1, at: 0 },
      { error: 'ECONNRESET', ms: 1, at: 0 },
      { error: 'timeout', ms: 10_000, at: 1 },
    ],
    run,
  );
  assert.deepEqual(summary.errors, { ECONNRESET: 2, timeout: 1 });
  assert.deepEqual(summary.byStatus, {});
  assert.equal(errorCount(summary), 3);
});

test('shed latency is summed over the whole load and, apart, over requests sent once the load had settled', () => {
  const shed = (ms: number, at: number): Outcome => ({ status: 503, retryAfter: true, ms, at });
  const summary = summarise([shed(900, 0.5), shed(800, 1.5), shed(3, 2), shed(5, 3.5), shed(4, 3.9)], run);
  assert.deepEqual(summary.shedMs, { p50: 5, p99: 900, max: 900 });
  assert.deepEqual(summary.settledShedMs, { p50: 4, p99: 5, max: 5 });
  assert.deepEqual(
    summary.bySecond.map((s) => [s.shed, s.shedP99]),
    [
      [1, 900],
      [1, 800],
      [1, 3],
      [2, 5],
    ],
  );
});

test('a second in which nothing was sent still has its place, with no latency', () => {
  const summary = summarise([{ status: 200, ms: 3000, at: 2.5 }], run);
  assert.equal(summary.bySecond.length, 3);
  assert.deepEqual(summary.bySecond[0], { shed: 0, ok: 0, shedP99: Number.NaN });
  assert.equal(summary.bySecond[2]!.ok, 1);
});

test('the max of tens of thousands of latencies does not overflow the call stack', () => {
  const outcomes = Array.from({ length: 200_000 }, (_, i): Outcome => ({ status: 503, retryAfter: true, ms: i % 1000, at: 5 }));
  assert.equal(summarise(outcomes, run).shedMs.max, 999);
});
