// When a warming chain counts as settled: three rounds in a row within the tolerance, never before the minimum, capped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeEnough, warmState } from '../src/warmup.ts';

const rule = { tolerance: 0.05, minRounds: 6, maxRounds: 18 };

test('two rounds within 5% of the larger are close enough; 6% apart are not', () => {
  assert.equal(closeEnough(1000, 951, 0.05), true);
  assert.equal(closeEnough(951, 1000, 0.05), true);
  assert.equal(closeEnough(1000, 940, 0.05), false);
});

test('a zero or missing throughput is never close enough, even to another zero', () => {
  assert.equal(closeEnough(0, 0, 0.05), false);
  assert.equal(closeEnough(Number.NaN, 1000, 0.05), false);
});

test('steady rounds before the minimum keep warming: a JVM can agree with itself early and still climb', () => {
  assert.equal(warmState([1000, 1001, 1002], rule), 'warming');
});

test('once the minimum has run, the last three rounds within the tolerance of the largest settle it', () => {
  assert.equal(warmState([500, 800, 950, 1300, 1330, 1310], rule), 'settled');
});

test('two slow rounds that agree, after a climb, do not settle it: the third must agree too', () => {
  assert.equal(warmState([79, 150, 200, 240, 263, 270], rule), 'warming');
  assert.equal(warmState([79, 150, 200, 240, 263, 270, 900], rule), 'warming');
  assert.equal(warmState([79, 150, 200, 240, 263, 270, 900, 1780, 1820, 1800], rule), 'settled');
});

test('a slow climb of 3% a round is within the tolerance pairwise but not over three rounds', () => {
  assert.equal(warmState([1000, 1000, 1000, 1000, 1030, 1061], rule), 'warming');
});

test('still climbing after the minimum keeps warming', () => {
  assert.equal(warmState([500, 800, 950, 1100, 1300, 1500], rule), 'warming');
});

test('the cap ends the warm-up unsettled when the noise never lets two rounds agree', () => {
  const noisy = Array.from({ length: 18 }, (_, i) => (i % 2 ? 1000 : 1200));
  assert.equal(warmState(noisy, rule), 'capped');
  assert.equal(warmState(noisy.slice(0, 17), rule), 'warming');
});

test('fewer than three rounds never settle, whatever the minimum', () => {
  assert.equal(warmState([1000], { ...rule, minRounds: 1 }), 'warming');
  assert.equal(warmState([1000, 1000], { ...rule, minRounds: 1 }), 'warming');
  assert.equal(warmState([1000, 1000, 1000], { ...rule, minRounds: 1 }), 'settled');
});
