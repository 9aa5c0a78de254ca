// The resource on every span: what the process knows (VERSION, pod, namespace, host), then the OTEL_* env over it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resourceAttributes } from '../src/resource.ts';
import { settingsFromEnv } from '../src/settings.ts';

const attributes = (env: Record<string, string>, entry?: string) => resourceAttributes(settingsFromEnv(env), env, entry);

describe('resourceAttributes', () => {
  it('carries VERSION, the downward-API pod and namespace, and the host, the chart needing to set nothing else', () => {
    assert.deepEqual(
      attributes({ OTEL_SERVICE_NAME: 'customer', VERSION: 'v2', POD_NAME: 'customer-v2-abc', POD_NAMESPACE: 'demo', HOSTNAME: 'h1' }),
      {
        'service.name': 'customer',
        'service.version': 'v2',
        'k8s.pod.name': 'customer-v2-abc',
        'k8s.namespace.name': 'demo',
        'service.namespace': 'demo',
        'service.instance.id': 'h1',
      },
    );
  });

  it("says v1 when VERSION is unset, as the service's answers do", () => {
    assert.equal(attributes({ OTEL_SERVICE_NAME: 'customer' })['service.version'], 'v1');
  });

  it('lets OTEL_RESOURCE_ATTRIBUTES override what the process knows, and OTEL_SERVICE_NAME override both', () => {
    const got = attributes({
      VERSION: 'v1',
      OTEL_RESOURCE_ATTRIBUTES: 'service.version=canary,service.name=other',
      OTEL_SERVICE_NAME: 'customer',
    });
    assert.equal(got['service.version'], 'canary');
    assert.equal(got['service.name'], 'customer');
  });

  it('names the service after its package when OTEL_SERVICE_NAME is unset (services/x/dist/main.js -> x)', () => {
    const entry = join(import.meta.dirname, '..', '..', '..', 'services', 'partner', 'dist', 'main.js');
    assert.equal(attributes({}, entry)['service.name'], 'partner');
    assert.equal(attributes({})['service.name'], 'unknown_service:node');
  });

  it("names the service after the nearest package.json with a name, past the bundle's nameless one (dist/bundle/main.js -> x)", () => {
    const root = mkdtempSync(join(tmpdir(), 'resource-'));
    try {
      mkdirSync(join(root, 'dist', 'bundle'), { recursive: true });
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: '@mesh-demo/preference' }));
      writeFileSync(join(root, 'dist', 'bundle', 'package.json'), JSON.stringify({ type: 'module' }));
      assert.equal(attributes({}, join(root, 'dist', 'bundle', 'main.js'))['service.name'], 'preference');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
