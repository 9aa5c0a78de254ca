// The Java section: our chain against istio-tutorial's Quarkus JVM chain by the goals, skipped chains say why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chainIdleMb, javaChainRows, javaGoalRows, renderJava, vsQuarkus } from '../src/report-java.ts';
import type { JavaChainFigures, JavaFigures } from '../src/results.ts';
import { load } from './fixtures.ts';

function chain(rps: number[], cpuUs: number[], idleMb: [number, number, number]): JavaChainFigures {
  const [c, p, r] = idleMb.map((idle) => ({ idleMb: idle, idleAnonMb: idle / 2, afterLoadMb: idle + 10, peakMb: idle + 20 }));
  return {
    answer: "customer => preference => recommendation v1 from 'x': 1",
    warmupRps: [rps[0]!, rps[0]!],
    settled: true,
    warmupSeconds: 60,
    runs: rps.map((value, i) => ({ ...load(value), cpuUsPerRequest: cpuUs[i]! })),
    memory: { customer: c!, preference: p!, recommendation: r! },
  };
}

function sample(
  overrides: Partial<Record<'off' | 'minimal' | 'springboot' | 'quarkus-jvm', JavaChainFigures | { skipped: string }>> = {},
): JavaFigures {
  const figures = {
    // Rounds: 3000/1000 = 3.0, 3300/1000 = 3.3, 2400/1200 = 2.0 -> median 3.0.
    off: chain([3000, 3300, 2400], [300, 280, 320], [70, 70, 70]),
    minimal: chain([4000, 4000, 4000], [200, 200, 200], [80, 80, 80]),
    springboot: chain([800, 900, 700], [1500, 1400, 1600], [200, 190, 180]),
    // Quarkus's CPU ÷ ours per round: 900/300 = 3.0, 1000/280 = 3.57, 1100/320 = 3.44 -> median 3.44.
    'quarkus-jvm': chain([1000, 1000, 1200], [900, 1000, 1100], [130, 140, 150]),
    ...overrides,
  };
  return {
    jvm: 'openjdk version "17.0.15"',
    upstream: 'redhat-scholars/istio-tutorial@77ef704',
    connections: 64,
    warmup: { roundSeconds: 10, minJvmSeconds: 60, minNodeSeconds: 20, maxSeconds: 180, tolerance: 0.05 },
    rounds: 3,
    durationSeconds: 10,
    loadAverage: { before: [2, 2, 2], after: [2, 2, 2] },
    chains: (['off', 'minimal', 'springboot', 'quarkus-jvm'] as const).map((key) => ({ key, label: key, figures: figures[key] })),
  };
}

test('the throughput ratio is the median of per-round ratios to Quarkus JVM, and 3× meets the goal', () => {
  const r = vsQuarkus(sample(), 'off')!;
  assert.equal(r.throughput.value, 3);
  assert.deepEqual(r.throughput.rounds, [3, 3.3, 2]);
  assert.equal(r.throughput.verdict?.met, true);
});

test('a throughput ratio under 3× is missed by how much', () => {
  const r = vsQuarkus(sample({ off: chain([2000, 2000, 2400], [300, 300, 300], [70, 70, 70]) }), 'off')!;
  assert.equal(r.throughput.value, 2);
  assert.equal(r.throughput.verdict?.text, 'missed by 1.00× (33% short)');
});

test("the CPU ratio is Quarkus's CPU per request over ours, paired by round", () => {
  const r = vsQuarkus(sample(), 'off')!;
  assert.equal(r.cpu.value.toFixed(2), '3.44');
});

test("the idle RSS ratio is the whole chain's, three processes summed: 210 against 420 MB meets ≤ ½", () => {
  const java = sample();
  const r = vsQuarkus(java, 'off')!;
  assert.equal(chainIdleMb(java.chains[0]!.figures as JavaChainFigures), 210);
  assert.equal(r.idleRss.value, 0.5);
  assert.equal(r.idleRss.verdict?.met, true);
  assert.match(javaGoalRows(java)[1]!.join(' | '), /≤ 0\.5× \| 0\.50×; 210 vs 420 MB \| ✅ met/);
});

test("an idle RSS over half of Quarkus JVM's is reported over, with both chains' sums", () => {
  const rows = javaGoalRows(sample({ off: chain([3000, 3000, 3000], [300, 300, 300], [80, 80, 80]) }));
  assert.match(rows[1]!.join(' | '), /0\.57×; 240 vs 420 MB \| ❌ over by 0\.07× \(14% over\)/);
});

test('a Java chain that could not be built shows its reason in its row and no number', () => {
  const rows = javaChainRows(sample({ springboot: { skipped: 'not built (bench/references/java/build.sh)' } }));
  const row = rows.find((r) => r[0] === 'springboot')!;
  assert.deepEqual(row.slice(1), ['skipped: not built (bench/references/java/build.sh)', '–', '–', '–', '–', '–', '–']);
});

test('without a Quarkus JVM chain the goals say why and carry no number or verdict', () => {
  const rows = javaGoalRows(sample({ 'quarkus-jvm': { skipped: 'no java (JDK 17) on PATH' } }));
  for (const row of rows) {
    assert.equal(row[2], 'skipped: Quarkus JVM no java (JDK 17) on PATH');
    assert.equal(row[3], '–');
  }
  assert.equal(vsQuarkus(sample({ 'quarkus-jvm': { skipped: 'x' } }), 'off'), undefined);
});

test('each chain row shows its req/s range, its ratio to Quarkus JVM, its CPU per request and idle RSS per process', () => {
  const row = javaChainRows(sample()).find((r) => r[0] === 'springboot')!;
  // 800/1000, 900/1000, 700/1200 -> median 0.8.
  assert.deepEqual(row, [
    'springboot',
    '800 (700–900)',
    '0.80×',
    '10 / 40',
    '1500 (1400–1600)',
    '570 (200 + 190 + 180)',
    '600 (peak 220 + 210 + 200)',
    '60 s, settled',
  ]);
});

test('a phase that did not run says so in one line, and results from before it render nothing', () => {
  assert.deepEqual(renderJava({ java: { skipped: 'not built' } }), [
    '## The Java originals (istio-tutorial)',
    '',
    'Not measured: not built.',
    '',
  ]);
  assert.deepEqual(renderJava({}), []);
});
