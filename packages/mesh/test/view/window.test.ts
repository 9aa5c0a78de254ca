// Rates and quantiles over a window of scrapes: the arithmetic behind every number `mesh view` shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { increase, quantile } from '../../src/view/window.ts';

describe('increase', () => {
  it('is the growth between the first and last scrape', () => {
    const points = [
      { at: 0, value: 100 },
      { at: 1000, value: 130 },
      { at: 2000, value: 160 },
    ];
    assert.equal(increase(points), 60);
  });

  it('counts a counter that dropped (its sidecar restarted) from zero, instead of a negative rate', () => {
    const points = [
      { at: 0, value: 500 },
      { at: 1000, value: 520 },
      { at: 2000, value: 7 },
      { at: 3000, value: 17 },
    ];
    assert.equal(increase(points), 20 + 7 + 10);
  });

  it('is 0 for a single scrape, or none', () => {
    assert.equal(increase([{ at: 5, value: 9 }]), 0);
    assert.equal(increase([]), 0);
  });
});

describe('quantile', () => {
  const buckets = [
    { le: 1, count: 10 },
    { le: 5, count: 50 },
    { le: 10, count: 90 },
    { le: 25, count: 100 },
    { le: Number.POSITIVE_INFINITY, count: 100 },
  ];

  it('interpolates inside the bucket the rank falls in, as histogram_quantile() does', () => {
    // Rank 50 is the 50th observation: the top of the (1, 5] bucket.
    assert.equal(quantile(0.5, buckets), 5);
    // Rank 99 is 9 of the 10 observations into (10, 25].
    assert.equal(quantile(0.99, buckets), 10 + 15 * (9 / 10));
    // Rank 5 is half-way into the first bucket, which starts at 0.
    assert.equal(quantile(0.05, buckets), 0.5);
  });

  it('answers the last finite bound for ranks in the +Inf bucket, and undefined with no observations', () => {
    assert.equal(
      quantile(0.99, [
        { le: 1, count: 1 },
        { le: Number.POSITIVE_INFINITY, count: 10 },
      ]),
      1,
    );
    assert.equal(
      quantile(0.5, [
        { le: 1, count: 0 },
        { le: Number.POSITIVE_INFINITY, count: 0 },
      ]),
      undefined,
    );
    assert.equal(quantile(0.5, []), undefined);
  });

  it('does not depend on the order buckets arrive in', () => {
    assert.equal(quantile(0.99, [...buckets].reverse()), quantile(0.99, buckets));
  });
});
