// What marks a request as a mirrored copy: the shadow port it arrived on, or the -shadow Host suffix of older meshes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isShadow } from '../src/headers.ts';

describe('isShadow', () => {
  it('is true for a request that arrived on the shadow port, whatever its Host (Istio >= 1.28 keeps the Host)', () => {
    assert.equal(isShadow('customer-mesh-demo.apps.example.com', 8090, 8090), true);
  });

  it('is false on any other port when the Host has no -shadow suffix', () => {
    assert.equal(isShadow('customer-mesh-demo.apps.example.com', 8080, 8090), false);
    assert.equal(isShadow('customer:8080', 8080, undefined), false);
  });

  it('is true for the -shadow Host suffix, before or after the port, with or without a shadow port', () => {
    assert.equal(isShadow('customer-shadow:8080', 8080, 8090), true);
    assert.equal(isShadow('customer:8080-shadow', 8080, undefined), true);
    assert.equal(isShadow('customer-shadow', undefined, undefined), true);
  });

  it('is false without a Host and without a matching port', () => {
    assert.equal(isShadow(undefined, undefined, 8090), false);
  });
});
