// The loop's summary: request count (singular for one), statuses, and the version mix at each hop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Chain } from '@mesh-demo/kit';
import { Tally } from '../src/tally.ts';

const chain = (...hops: [string, string][]) => ({ chain: hops.map(([service, version]) => ({ service, version })) }) as unknown as Chain;

describe('Tally', () => {
  it('says "1 request" for one, and lists each hop with its version share', () => {
    const tally = new Tally();
    tally.add(200, chain(['customer', 'v1'], ['recommendation', 'v1']));
    assert.equal(tally.summary(), '1 request, 1 ok\n  customer        v1 1 (100%)\n  recommendation  v1 1 (100%)');
  });

  it('counts errors by status, unanswered requests apart, and splits a hop over its versions', () => {
    const tally = new Tally();
    tally.add(200, chain(['recommendation', 'v2']));
    tally.add(200, chain(['recommendation', 'v1']));
    tally.add(503, undefined);
    tally.add(undefined, undefined);
    assert.equal(tally.summary(), '4 requests, 2 ok, errors: 503×1 no answer×1\n  recommendation  v1 1 (50%)  v2 1 (50%)');
  });
});
