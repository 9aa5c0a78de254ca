// A small, hand-made results object for the report and plot tests (no measurement involved).
import type { HeapFigures } from '../src/heap.ts';
import type { LoadResult } from '../src/load.ts';
import type { OverloadFigures, Results } from '../src/results.ts';

export function load(rps: number, connections = 64, p50 = 10, p99 = 40): LoadResult {
  return {
    connections,
    seconds: 10,
    requests: rps * 10,
    ok: rps * 10,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    rps,
    p50,
    p99,
    mean: p50,
    warmupRequests: rps,
    cpuUsPerRequest: 1e6 / rps,
  };
}

export function sampleResults(): Results {
  const memory = { idleMb: 70, idleAnonMb: 30, afterLoadMb: 90, peakMb: 120 };
  return {
    meta: {
      date: '2026-01-01T00:00:00.000Z',
      profile: {
        name: 'quick',
        warmupSeconds: 1,
        durationSeconds: 2,
        rounds: 2,
        connections: 64,
        scaling: [1, 8, 64, 256],
        scalingRounds: 1,
        scalingSeconds: 2,
        startRuns: 1,
        reuseRequests: 1000,
        overloadSeconds: 8,
        overloadAfterSeconds: 10,
      },
      node: 'v24.0.0',
      cpus: 2,
      cpuModel: 'test cpu',
      loadBefore: [1, 1, 1],
      loadAfter: [1, 1, 1],
      telemetry: 'skipped: telemetry package not present',
      jaeger: 'skipped: telemetry package not present',
      elapsedSeconds: 60,
    },
    series: [
      { key: 'hello', label: 'hello', runs: [load(10_000), load(8_000)] },
      { key: 'minimal', label: 'minimal', runs: [load(4_000), load(2_000)] },
      // Round 1: 0.75, round 2: 0.95 -> median 0.85.
      { key: 'off', label: 'off', runs: [load(3_000), load(1_900)] },
      { key: 'jaeger-100', label: 'jaeger', runs: { skipped: 'telemetry package not present' } },
    ],
    scaling: [
      { key: 'minimal', label: 'minimal chain', runs: [1, 8, 64, 256].map((c) => [load(1000 * Math.log2(2 * c), c)]) },
      { key: 'off', label: 'tracing off', runs: [1, 8, 64, 256].map((c) => [load(800 * Math.log2(2 * c), c)]) },
    ],
    services: {
      customer: {
        startOff: [300, 250, 280],
        startOn: { skipped: 'telemetry package not present' },
        startOffCpu: [200, 180, 190],
        startOnCpu: { skipped: 'telemetry package not present' },
      },
      recommendation: {
        startOff: [200],
        startOn: { skipped: 'telemetry package not present' },
        startOffCpu: [150],
        startOnCpu: { skipped: 'telemetry package not present' },
      },
    },
    referenceStart: [100, 120, 110],
    referenceStartCpu: [60, 70, 65],
    memory: {
      minimal: { customer: { ...memory, idleMb: 50 } },
      off: { customer: memory, recommendation: { ...memory, idleMb: 95 } },
      'jaeger-100': { skipped: 'telemetry package not present' },
    },
    reuse: [{ hop: 'customer → preference', warmupOpened: 64, requests: 1000, opened: 0, per1000: 0 }],
    mesh: {
      upColdMs: [14_200],
      upWarmMs: [5200, 4800, 6100],
      switchVisibleMs: [420, 380, 1500],
      switchApplyMs: [3500, 3450, 4600],
      switchAfterApplyMs: [0, 120, 1500],
      controlPlane: [
        { name: 'etcd', rssMb: 60 },
        { name: 'kube-apiserver', rssMb: 250 },
        { name: 'istiod (pod)', rssMb: 130 },
      ],
      // Round ratios 0.40 and 0.50 (median 0.45); p99 ratios 3 and 5 (median 4).
      meshed: [load(1200, 64, 20, 120), load(1500, 64, 20, 250)],
      unmeshed: [load(3000, 64, 10, 40), load(3000, 64, 10, 50)],
      idle: [
        { pod: 'istio-ingressgateway-1', proxy: 'router', agentMb: 40, envoyMb: 50, peakMb: 95 },
        { pod: 'customer-v1-1', proxy: 'sidecar', agentMb: 38, envoyMb: 70, peakMb: 110 },
        { pod: 'preference-v1-1', proxy: 'sidecar', agentMb: 36, envoyMb: 74, peakMb: 112 },
      ],
      afterLoad: [
        { pod: 'customer-v1-1', proxy: 'sidecar', agentMb: 40, envoyMb: 80, peakMb: 125 },
        { pod: 'preference-v1-1', proxy: 'sidecar', agentMb: 40, envoyMb: 84, peakMb: 130 },
      ],
    },
  };
}

function heap(rssMb: number, heapTotalMb: number, heapUsedMb: number, newMb: number): HeapFigures {
  return {
    rssMb,
    heapTotalMb,
    heapUsedMb,
    externalMb: 7,
    spaces: { new: { totalMb: newMb, usedMb: newMb / 4 }, old: { totalMb: 10, usedMb: 9 } },
  };
}

/** An overload run: shed p99 70 ms over the whole load, 40 ms once settled; customer's RSS 2× idle at its peak. */
export function sampleOverload(): OverloadFigures {
  const latency = (p50: number, p99: number, max: number) => ({ p50, p99, max });
  return {
    clients: 2560,
    maxInFlight: 256,
    leafDelayMs: 3000,
    loadSeconds: 30,
    afterSeconds: 60,
    load: {
      clients: 2560,
      seconds: 33,
      requests: 70_000,
      byStatus: { '200': 2560, '503': 67_430, '504': 10 },
      shed: 67_430,
      other: 10,
      errors: {},
      shedMs: latency(2, 70, 900),
      settledShedMs: latency(1.5, 40, 120),
      settledAfter: 2,
      okMs: latency(3005, 3100, 3400),
      bySecond: [
        { shed: 2300, ok: 256, shedP99: 900 },
        { shed: 2300, ok: 0, shedP99: 40 },
      ],
      cpus: '1',
      cpuSeconds: 9,
    },
    memory: [
      { name: 'customer', cpus: '0', idleMb: 74, peakMb: 148, endOfLoadMb: 140, afterMb: 90 },
      { name: 'preference', cpus: '0', idleMb: 74, peakMb: 100, endOfLoadMb: 98, afterMb: 80 },
    ],
    samples: [{ t: 1, rssMb: { customer: 100, preference: 80 } }],
    loadEndedAt: 33,
    cpuSeconds: { customer: 8, preference: 2 },
    listenOverflows: 0,
    loadAverage: { before: [1, 1, 1], after: [2, 1, 1] },
    firstAfter: { status: 200, ms: 3010 },
    heap: { idle: heap(74, 20, 13, 8), endOfLoad: heap(140, 94, 48, 64), after: heap(90, 40, 30, 16) },
  };
}
