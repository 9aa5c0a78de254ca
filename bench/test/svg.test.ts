// The scaling plot: one throughput line per configuration, p50 and p99 latency lines, every concurrency on the axis.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { niceMax, renderScalingSvg } from '../src/svg.ts';
import { sampleResults } from './fixtures.ts';

test('axis maxima round up to 1, 2 or 5 times a power of ten', () => {
  assert.equal(niceMax(3400), 5000);
  assert.equal(niceMax(12), 20);
  assert.equal(niceMax(100), 100);
  assert.equal(niceMax(0), 1);
});

test('the plot has a throughput line per configuration and a p50 and p99 line for each', () => {
  const svg = renderScalingSvg(sampleResults());
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const paths = svg.match(/<path /g) ?? [];
  assert.equal(paths.length, 2 + 2 * 2);
  assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2);
  for (const c of [1, 8, 64, 256]) assert.match(svg, new RegExp(`>${c}</text>`));
  assert.match(svg, />minimal chain</);
});

test('labels are escaped so the SVG stays well-formed', () => {
  const results = sampleResults();
  results.scaling[0] = { ...results.scaling[0]!, label: 'a < b & c' };
  assert.match(renderScalingSvg(results), />a &lt; b &amp; c</);
});
