// RESULTS.md's mesh section: the targets with verdicts, the sidecars' price as same-run ratios, or why it was skipped.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMesh, sidecarRatios } from '../src/report-mesh.ts';
import { isSkipped } from '../src/results.ts';
import { sampleResults } from './fixtures.ts';

test("the sidecars' price is the median of per-round ratios, for throughput and for p99", () => {
  const { mesh } = sampleResults();
  assert.ok(!isSkipped(mesh));
  assert.deepEqual(sidecarRatios(mesh), { throughput: 0.45, p99: 4 });
});

test('up time, apply and the switch after apply are judged against their targets by the median', () => {
  const markdown = renderMesh(sampleResults());
  assert.match(
    markdown,
    /\| `mesh up` to the first 200 at the edge, warm \(median, runs\) \| ≤ 12 s \| 5200 ms \(5200, 4800, 6100\) \| ✅ met \|/,
  );
  assert.match(markdown, /\| `mesh apply` .* \| ≤ 4 s \| 3500 ms \(3500, 3450, 4600\) \| ✅ met \|/);
  assert.match(
    markdown,
    /\| A step switch visible at the edge after `mesh apply` returned \| ≤ 1 s \| 120 ms \(0, 120, 1500\) \| ✅ met \|/,
  );
});

test('a switch shown later than a second after apply is a miss, with by how much', () => {
  const results = sampleResults();
  assert.ok(!isSkipped(results.mesh));
  const slow = { ...results, mesh: { ...results.mesh, switchAfterApplyMs: [1400, 1500, 1300] } };
  assert.match(renderMesh(slow), /\| 1400 ms \(1400, 1500, 1300\) \| ❌ over by 400 ms \(40% over\) \|/);
});

test("the control plane's memory is listed by process, with the sum", () => {
  const markdown = renderMesh(sampleResults());
  assert.match(markdown, /\| RSS of the control plane at rest, all processes below \| reported \| 440 MB \|/);
  assert.match(markdown, /\| kube-apiserver \| 250 \|/);
});

test('the throughput, p99 and sidecar memory rows carry the absolute figures beside the ratios', () => {
  const markdown = renderMesh(sampleResults());
  assert.match(markdown, /\| 0\.45× \(1350 vs 3000 req\/s\) \|/);
  assert.match(markdown, /\| 4\.00× \(185 vs 45 ms\) \|/);
  assert.match(markdown, /\| 109 · 122 MB \|/);
});

test('a mesh that could not be measured says why and shows no number', () => {
  const markdown = renderMesh({ ...sampleResults(), mesh: { skipped: 'the local mesh needs root on Linux' } });
  assert.equal(markdown, '## The local mesh\n\nSkipped: the local mesh needs root on Linux.\n');
});

test("the proxies' price of tracing every request is a same-run ratio against none tracing, and older results omit it", () => {
  const results = sampleResults();
  assert.ok(!isSkipped(results.mesh));
  const { meshed, unmeshed } = results.mesh;
  const withTracing = { ...results, mesh: { ...results.mesh, proxyTracing: { tracing: meshed, notTracing: unmeshed } } };
  const markdown = renderMesh(withTracing);
  assert.match(
    markdown,
    /\| Throughput with every proxy tracing each request \(100%\), × none tracing \(0%\) \| reported \| 0\.45× \(1350 vs 3000 req\/s\) \|/,
  );
  assert.match(markdown, /\| p99 with every proxy tracing, × none tracing \| reported \| 4\.00× \(185 vs 45 ms\) \|/);
  assert.doesNotMatch(renderMesh(results), /every proxy tracing/);
});
