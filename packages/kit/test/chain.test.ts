// The text form is derived from the JSON form: each case of the tutorial's one-liner, success and failure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Chain, renderText } from '../src/chain.ts';
import { chainOf } from '../src/testing.ts';

describe('renderText', () => {
  it('prefixes each hop and ends with the leaf version, pod and hits', () => {
    const chain = chainOf(
      { service: 'customer' },
      { service: 'preference' },
      { service: 'recommendation', host: 'recommendation-v1-6d9f7c-x2x8k', hits: 42 },
    );
    assert.equal(renderText(chain), "customer v1 => preference v1 => recommendation v1 from 'recommendation-v1-6d9f7c-x2x8k': 42");
  });

  it('nests misbehavior under each hop with the status it received', () => {
    const body: Chain = {
      chain: chainOf(
        { service: 'customer', status: 503 },
        { service: 'preference', status: 503 },
        { service: 'recommendation', status: 503 },
      ).chain,
      error: { kind: 'fault', service: 'recommendation', status: 503, message: "recommendation misbehavior from 'rec-1'" },
    };
    assert.equal(renderText(body), "customer v1 => Error: 503 - preference v1 => Error: 503 - recommendation misbehavior from 'rec-1'");
  });

  it('names an unreachable downstream and its cause, without a status', () => {
    const body: Chain = {
      chain: chainOf({ service: 'customer', status: 503 }).chain,
      error: { kind: 'unreachable', service: 'preference', message: 'preference unreachable (ECONNREFUSED)' },
    };
    assert.equal(renderText(body), 'customer v1 => Error: preference unreachable (ECONNREFUSED)');
  });

  it("shows a mesh answer's status and words (fault filter abort, RBAC)", () => {
    const body: Chain = {
      chain: chainOf({ service: 'customer', status: 503 }, { service: 'preference', status: 503 }).chain,
      error: { kind: 'status', service: 'recommendation', status: 403, message: 'RBAC: access denied' },
    };
    assert.equal(renderText(body), 'customer v1 => Error: 503 - preference v1 => Error: 403 - RBAC: access denied');
  });

  it('says a downstream timed out', () => {
    const body: Chain = {
      chain: chainOf({ service: 'preference', status: 504 }).chain,
      error: { kind: 'timeout', service: 'recommendation', message: 'recommendation timed out after 1000 ms' },
    };
    assert.equal(renderText(body), 'preference v1 => Error: recommendation timed out after 1000 ms');
  });
});
