// The ratio rules behind every headline figure, and how a missed target is worded.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atLeast, atMost, median, pairedRatio, percentile } from '../src/stats.ts';

test('median of an odd and an even number of values', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('a paired ratio divides within each round, then takes the median, so a slow round does not skew it', () => {
  // Round 2 is slow for both: the per-round ratios are 0.5, 0.5, 0.9 -> 0.5, not sum/sum.
  assert.equal(pairedRatio([50, 5, 90], [100, 10, 100]), 0.5);
});

test('a missed at-least target says by how much and by what share', () => {
  assert.deepEqual(atLeast(0.9, 0.85), { met: true, text: 'met' });
  assert.deepEqual(atLeast(0.78, 0.85), { met: false, text: 'missed by 0.07× (8% short)' });
  assert.equal(atLeast(Number.NaN, 0.85).text, 'not measured');
});

test('a missed at-most target says how far over it is', () => {
  assert.deepEqual(atMost(380, 400, 'ms'), { met: true, text: 'met' });
  assert.deepEqual(atMost(412, 400, 'ms'), { met: false, text: 'over by 12 ms (3% over)' });
});

test('a percentile is a measured value (nearest rank), never one interpolated between two', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile([7, 1000], 99), 1000);
  assert.equal(percentile([5], 50), 5);
  assert.ok(Number.isNaN(percentile([], 99)));
});
