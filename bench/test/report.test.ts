// RESULTS.md: targets as same-run ratios with verdicts, skipped modes named with their reason, never faked.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown, throughputRatio } from '../src/report.ts';
import { load, sampleResults } from './fixtures.ts';

test('the features-on ratio is the median of per-round ratios to the minimal chain', () => {
  assert.equal(throughputRatio(sampleResults(), 'off', 'minimal'), 0.85);
});

test('the targets table shows the ratio, the verdict and the absolute figures beside it', () => {
  const markdown = renderMarkdown(sampleResults());
  const row = markdown.split('\n').find((line) => line.startsWith('| Features on, tracing off'));
  assert.ok(row, markdown);
  assert.match(row, /\| ≥ 0\.85× \| 0\.85× \(rounds 0\.75×–0\.95×\) \| ✅ met \| 2450 vs 3000 req\/s \|/);
});

test('a traced mode that could not run says why and shows no number', () => {
  const markdown = renderMarkdown(sampleResults());
  const row = markdown.split('\n').find((line) => line.startsWith('| Tracing on at 100% (jaeger'));
  assert.ok(row);
  assert.match(row, /\| – \| skipped: telemetry package not present \|/);
});

test('an idle RSS over 90 MB is reported with the service and how far over', () => {
  const markdown = renderMarkdown(sampleResults());
  assert.match(markdown, /\| 95 MB \(recommendation, off\) \| ❌ over by 5 MB \(6% over\) \| 1\.90× a minimal-chain hop \(50 MB\)/);
});

test('connection reuse is reported per 1,000 requests per hop', () => {
  assert.match(renderMarkdown(sampleResults()), /\| customer → preference \| 64 \| 1000 \| 0 \| 0\.00 \|/);
});

test('start to ready is set beside the hello reference from the same run', () => {
  assert.match(renderMarkdown(sampleResults()), /telemetry off: slowest 280 ms \(customer\), 2\.55× the hello reference \(110 ms\)/);
});

test("the Jaeger services' share is their CPU per request off against on, the collector's left out, paired by round", () => {
  const results = sampleResults();
  const jaeger = (rps: number, servicesUs: number, collectorUs: number) => ({
    ...load(rps),
    cpuUsPerRequest: servicesUs,
    collectorCpuUsPerRequest: collectorUs,
  });
  // off: 1e6/3000 = 333 µs and 1e6/1900 = 526 µs. Round 1: 333/500 = 0.67; round 2: 526/800 = 0.66.
  const series = results.series.map((s) => (s.key === 'jaeger-100' ? { ...s, runs: [jaeger(1200, 500, 200), jaeger(700, 800, 210)] } : s));
  const markdown = renderMarkdown({ ...results, series });
  const row = markdown.split('\n').find((line) => line.startsWith("| … the services' own CPU per request only"));
  assert.ok(row, markdown);
  assert.match(
    row,
    /\| ≥ 0\.6× \| 0\.66× \(rounds 0\.66×–0\.67×\) \| ✅ met \| services 650 vs 430 µs CPU per request; the collector 205 µs more \|/,
  );
});

test("the Jaeger services' share says 'not measured' when a run has no CPU figure, never a number", () => {
  const results = sampleResults();
  const { cpuUsPerRequest: _dropped, ...noCpu } = load(1200);
  const series = results.series.map((s) => (s.key === 'jaeger-100' ? { ...s, runs: [noCpu, noCpu] } : s));
  const row = renderMarkdown({ ...results, series })
    .split('\n')
    .find((line) => line.startsWith("| … the services' own CPU per request only"));
  assert.ok(row);
  assert.match(row, /\| – \| not measured \|/);
});
