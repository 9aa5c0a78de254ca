// recommendation: the leaf line, its hit counter, and the tutorial's misbehave/behave toggles.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { testConfig } from '@mesh-demo/kit/testing';
import { buildApp, definition } from '../src/app.ts';

const service = buildApp(testConfig(definition, { HOSTNAME: 'recommendation-v1-6d9f7c-x2x8k', VERSION: 'v1' }));
after(() => service.close());

it('has no downstream', () => {
  assert.equal(service.config.downstream, undefined);
});

it("answers 'recommendation v1 from <pod>: <hits>' and counts from 1", async () => {
  const first = await service.app.inject({ url: '/' });
  const second = await service.app.inject({ url: '/' });
  assert.equal(first.statusCode, 200);
  assert.equal(first.body, "recommendation v1 from 'recommendation-v1-6d9f7c-x2x8k': 1\n");
  assert.equal(second.body, "recommendation v1 from 'recommendation-v1-6d9f7c-x2x8k': 2\n");
});

it('after /misbehave answers 503 with the misbehavior text, still counting; /behave restores 200', async () => {
  const toggled = await service.app.inject({ url: '/misbehave' });
  assert.equal(toggled.body, 'Following requests to / will return a 503\n');
  const failing = await service.app.inject({ url: '/', headers: { accept: 'application/json' } });
  assert.equal(failing.statusCode, 503);
  assert.deepEqual(failing.json(), {
    chain: [{ service: 'recommendation', version: 'v1', host: 'recommendation-v1-6d9f7c-x2x8k', hits: 3, shadow: false, status: 503 }],
    error: {
      kind: 'fault',
      service: 'recommendation',
      status: 503,
      message: "recommendation misbehavior from 'recommendation-v1-6d9f7c-x2x8k'",
    },
  });
  const text = await service.app.inject({ url: '/' });
  assert.equal(text.body, "recommendation misbehavior from 'recommendation-v1-6d9f7c-x2x8k'\n");
  assert.equal((await service.app.inject({ url: '/behave' })).body, 'Following requests to / will return 200\n');
  assert.equal((await service.app.inject({ url: '/' })).statusCode, 200);
});
