// RESULTS.md: targets as same-run ratios with verdicts, skipped modes named with their reason, never faked.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown, throughputRatio } from '../src/report.ts';
import { sampleResults } from './fixtures.ts';

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
