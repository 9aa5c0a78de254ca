// The topology has one home, the services' definitions: the workspace derives from them, docker-compose.yml must agree with them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { REPO_ROOT } from '../src/paths.ts';
import { DEFINITIONS, downstreamOf, isServiceName, SERVICES } from '../src/topology.ts';

const downstreamIn = (d: (typeof DEFINITIONS)[number]) => ('downstream' in d ? d.downstream : undefined);

describe('workspace topology', () => {
  it('lists the four services in chain order, as their definitions name them', () => {
    assert.deepEqual(SERVICES, ['customer', 'partner', 'preference', 'recommendation']);
    assert.deepEqual(
      SERVICES,
      DEFINITIONS.map((d) => d.name),
    );
  });

  it('takes each downstream from the definition, and every downstream is one of the services', () => {
    for (const d of DEFINITIONS) {
      assert.equal(downstreamOf(d.name), downstreamIn(d), d.name);
      const next = downstreamOf(d.name);
      if (next) assert.ok(isServiceName(next), `${d.name} calls ${next}`);
    }
    assert.equal(downstreamOf('customer'), 'preference');
    assert.equal(downstreamOf('recommendation'), undefined);
  });
});

type ComposeService = {
  build?: { args?: { SERVICE?: string } };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
};

describe('docker-compose.yml follows the definitions', () => {
  // merge: the file shares its env and healthcheck through YAML merge keys (<<: *service).
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const built = Object.entries(compose.services).filter(([, s]) => s.build?.args?.SERVICE !== undefined);

  it('has a v1 service for each definition, named after it, and builds no other', () => {
    for (const d of DEFINITIONS) assert.equal(compose.services[d.name]?.build?.args?.SERVICE, d.name);
    for (const [key, s] of built) assert.ok(isServiceName(s.build?.args?.SERVICE ?? ''), `${key} builds ${s.build?.args?.SERVICE}`);
  });

  it("names each container's traces after the service it builds", () => {
    for (const [key, s] of built) assert.equal(s.environment?.OTEL_SERVICE_NAME, s.build?.args?.SERVICE, key);
  });

  it("gives each service exactly its definition's downstream URL, and waits for that downstream to be healthy", () => {
    for (const [key, s] of built) {
      const d = DEFINITIONS.find((x) => x.name === s.build?.args?.SERVICE);
      assert.ok(d, key);
      const next = downstreamIn(d);
      const urls = Object.entries(s.environment ?? {}).filter(([name]) => name.endsWith('_URL'));
      assert.deepEqual(urls, next ? [[`${next.toUpperCase()}_URL`, `http://${next}:8080`]] : [], key);
      if (next) assert.deepEqual(s.depends_on?.[next], { condition: 'service_healthy' }, key);
      const waitsOn = Object.keys(s.depends_on ?? {}).filter(isServiceName);
      assert.deepEqual(waitsOn, next ? [next] : [], key);
    }
  });
});
